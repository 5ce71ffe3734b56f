"""Searching the indexes: query building with visibility in the query, snippets, "did you mean".

Pure of Flask: functions take an IndexStore (or a Whoosh searcher) and a Viewer. Visibility is
part of the query itself:

- articles: a viewer's query only names the fields of the audiences it may read
  (`*_public_*` for customers and visitors, `*_public_*` and `*_internal_*` for staff); drafts
  and archived articles are never indexed. Results, counts, snippets and spelling suggestions
  all come from those fields only.
- tickets: a customer's query is ANDed with their own customer/requester ids, and never names
  the `notes` field (internal notes); staff queries do.

The query language is deliberately small: words (AND), "quoted phrases", and -excluded words.
No field:value syntax, wildcards or match-all, so nothing typed can reach another field.
"""
from __future__ import annotations

import html
import math
import re
import threading
import time
from bisect import bisect_left
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Callable, Iterable, Iterator, Sequence

from markupsafe import Markup
from whoosh import collectors, matching, query
from whoosh.reading import TermNotFound

from knowledge_base.analysis import (
    LANGUAGES,
    WEAK_WORDS,
    WORD_PATTERN,
    fold,
    language_analyzer,
    ticket_analyzer,
)
from knowledge_base.index import AUDIENCES, IndexStore, IndexUnavailable, article_field

MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 12
DEFAULT_BUDGET_DOCS = 2000
DEFAULT_BUDGET_SECONDS = 0.030


@dataclass(frozen=True)
class Viewer:
    """Who is searching. Built from the user by knowledge_base.service.viewer_for()."""

    staff: bool = False
    user_id: int | None = None
    customer_ids: tuple[int, ...] = ()  # own customer (and org's customers for an org admin)

    @property
    def audiences(self) -> tuple[str, ...]:
        return AUDIENCES if self.staff else ("public",)


@dataclass
class Hit:
    kind: str  # article / ticket
    id: int
    title: str
    snippet: Markup
    score: float
    fields: dict = field(default_factory=dict)


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    total_exact: bool = True
    suggestion: str | None = None  # "did you mean ..."
    corrected: bool = False  # the hits are for `suggestion`: the query as typed found nothing
    approximate: bool = False  # fuzzy or any-word matching was needed
    degraded: bool = False  # the index is unavailable: answered from the database
    elapsed_ms: float = 0.0


# ---------------------------------------------------------------------------------------------
# Parsing what was typed
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


@dataclass(frozen=True)
class Clause:
    words: tuple[str, ...]  # folded words; several = a phrase
    exclude: bool = False
    spans: tuple[tuple[int, int], ...] = ()


def parse(text: str) -> list[Clause]:
    """Typed text to clauses: words, "phrases" and -exclusions (folded, stop words kept)."""
    text = (text or "")[:MAX_QUERY_CHARS]
    clauses: list[Clause] = []
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None:
            base = match.start(2)
            found = [(m.group(), base + m.start(), base + m.end()) for m in WORD_PATTERN.finditer(match.group(2))]
            if found:
                clauses.append(Clause(tuple(fold(w) for w, _, _ in found), bool(match.group(1)),
                                      tuple((s, e) for _, s, e in found)))
            continue
        base = match.start(4)
        for m in WORD_PATTERN.finditer(match.group(4)):
            clauses.append(Clause((fold(m.group()),), bool(match.group(3)), ((base + m.start(), base + m.end()),)))
    return clauses[:MAX_QUERY_WORDS]


@lru_cache(maxsize=32)
def _analyzer(lang: str):
    return ticket_analyzer() if lang == "ticket" else language_analyzer(lang)


@lru_cache(maxsize=100_000)
def index_term(word: str, lang: str) -> str | None:
    """The indexed form of one folded word for `lang` ("ticket" for the ticket index); None for a stop word."""
    tokens = [t.text for t in _analyzer(lang)(word)]
    return tokens[0] if tokens else None


# ---------------------------------------------------------------------------------------------
# Query building
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The fields a query may name, with the analyzer language of each."""

    fields: tuple[tuple[str, str], ...]  # (field name, analyzer language)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields}


def article_target(viewer: Viewer, langs: Sequence[str] | None = None) -> Target:
    langs = tuple(langs) if langs else LANGUAGES
    return Target(tuple(
        (article_field(part, audience, lang), lang)
        for audience in viewer.audiences for lang in langs for part in ("head", "body")
    ))


def ticket_target(viewer: Viewer) -> Target:
    names = ("subject", "public", "notes") if viewer.staff else ("subject", "public")
    return Target(tuple((name, "ticket") for name in names))


def _word_query(word: str, target: Target, mode: str, last: bool, expand=None) -> query.Query | None:
    alternatives = []
    for name, lang in target.fields:
        term = index_term(word, lang)
        if term is None:
            continue
        if mode == "fuzzy" and expand is not None and len(term) >= 4:
            alternatives.extend(query.Term(name, t) for t in expand(name, term, 1 if len(term) < 7 else 2))
        else:
            alternatives.append(query.Term(name, term))
        if last and len(word) >= 3:
            # As-you-type: the last word may be unfinished ("reinit" -> "reinitialis").
            alternatives.append(query.Prefix(name, word))
    if not alternatives:
        return None
    return alternatives[0] if len(alternatives) == 1 else query.Or(alternatives)


def _phrase_query(words: Sequence[str], target: Target) -> query.Query | None:
    alternatives = []
    for name, lang in target.fields:
        terms = [t for t in (index_term(w, lang) for w in words) if t is not None]
        if len(terms) == 1:
            alternatives.append(query.Term(name, terms[0]))
        elif terms:
            alternatives.append(query.Phrase(name, terms))
    if not alternatives:
        return None
    return alternatives[0] if len(alternatives) == 1 else query.Or(alternatives)


# Any-word searches: weak words only add to the score, scaled down, and a document must match at
# least one telling word; as-you-type suggestions (an unsolicited list, where a wrong article is
# noise) require this share of them.
SUGGESTION_TELLING_SHARE = 0.5
WEAK_BOOST = 0.2
# A term more than this share of the documents contain tells nothing either ("appareil" in the
# closing sentence of every article); judged only on indexes large enough for shares to mean much.
COMMON_SHARE = 0.5
COMMON_MIN_DOCS = 50


@lru_cache(maxsize=8)
def _weak_terms(lang: str) -> frozenset[str]:
    words = WEAK_WORDS["fr"] | WEAK_WORDS["en"] if lang == "ticket" else WEAK_WORDS[lang]
    return frozenset(t for t in (index_term(w, lang) for w in words) if t)


@lru_cache(maxsize=8)
def _weak_words(lang: str) -> tuple[str, ...]:
    return tuple(sorted(WEAK_WORDS["fr"] | WEAK_WORDS["en"] if lang == "ticket" else WEAK_WORDS[lang]))


def is_weak(word: str, lang: str, *, unfinished: bool = False, common=None) -> bool:
    """Whether a folded query word tells nothing about which document is meant: support-request
    filler ("marche", "plus", "problème"), the beginning of one while it is being typed, or (given
    `common(lang, term)`) a term most documents contain."""
    term = index_term(word, lang)
    if term is None:
        return False
    if term in _weak_terms(lang):
        return True
    if unfinished and any(w.startswith(word) for w in _weak_words(lang)):
        return True
    return bool(common and common(lang, term))


def _by_language(target: Target) -> list[tuple[str, Target]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, lang in target.fields:
        groups.setdefault(lang, []).append((name, lang))
    return [(lang, Target(tuple(fields))) for lang, fields in groups.items()]


def build_query(clauses: Sequence[Clause], target: Target, *, mode: str = "and",
                prefix_last: bool = False, expand=None, common=None, min_share: float = 0.0) -> query.Query | None:
    """`mode`: "and" (every word), "or" (any word, more is better), "fuzzy" (every word, typos
    allowed: `expand(field, term, maxdist)` lists the indexed terms close to `term`).

    The query is built per analyzer language and the languages ORed, so that a word that is a
    stop word in one language only ("de") is not required of documents in the other.
    In "or" mode, weak words (`is_weak`) only add to the score, and a document must match at
    least one of the other words, or `min_share` of them; a query of weak words only finds nothing."""
    positive = [c for c in clauses if not c.exclude]
    unfinished = positive[-1] if (prefix_last and positive) else None
    mains, excluded = [], []
    for lang, fields in _by_language(target):
        telling, weak = [], []
        for clause in clauses:
            last = clause is unfinished
            if len(clause.words) > 1:
                part = _phrase_query(clause.words, fields)
            else:
                part = _word_query(clause.words[0], fields, "term" if clause.exclude else mode, last, expand)
            if part is None:
                continue
            if clause.exclude:
                excluded.append(part)
            elif mode == "or" and len(clause.words) == 1 and is_weak(clause.words[0], lang, unfinished=last,
                                                                        common=common):
                weak.append(part)
            else:
                telling.append(part)
        main = _combine(telling, weak, mode, min_share)
        if main is not None:
            mains.append(main)
    if not mains:
        return None
    main = mains[0] if len(mains) == 1 else query.Or(mains)
    if excluded:
        main = query.AndNot(main, query.Or(excluded))
    return main


def _combine(telling: list, weak: list, mode: str, min_share: float) -> query.Query | None:
    if not telling:
        return None
    if mode != "or":
        return telling[0] if len(telling) == 1 else query.And(telling)
    minimum = max(1, math.ceil(len(telling) * min_share))
    if not weak and minimum == 1:
        return telling[0] if len(telling) == 1 else query.Or(telling, scale=0.9)
    return AtLeast(telling, [part.with_boost(part.boost * WEAK_BOOST) for part in weak], minimum)


class AtLeast(query.Query):
    """Documents matching at least `minimum` of the `required` queries, scored by those that match;
    the `optional` queries only add to the score of such documents. (Whoosh's Or takes a
    `minmatch` argument but does not implement it.)"""

    def __init__(self, required: Sequence[query.Query], optional: Sequence[query.Query] = (),
                 minimum: int = 1, boost: float = 1.0):
        self.required = list(required)
        self.optional = list(optional)
        self.minimum = minimum
        self.boost = boost

    def __repr__(self):
        return f"{self.__class__.__name__}({self.required!r}, {self.optional!r}, minimum={self.minimum})"

    def __eq__(self, other):
        return (other.__class__ is self.__class__ and self.required == other.required
                and self.optional == other.optional and self.minimum == other.minimum and self.boost == other.boost)

    def __hash__(self):
        return hash((self.__class__.__name__, tuple(self.required), tuple(self.optional), self.minimum, self.boost))

    def is_leaf(self):
        return False

    def children(self):
        return self.required + self.optional

    def apply(self, fn):
        return self.__class__([fn(q) for q in self.required], [fn(q) for q in self.optional], self.minimum,
                              self.boost)

    def normalize(self):
        return self.apply(lambda q: q.normalize())

    def estimate_size(self, ixreader):
        return min(sum(q.estimate_size(ixreader) for q in self.required), ixreader.doc_count())

    def matcher(self, searcher, context=None):
        required = [m for m in (q.matcher(searcher, context) for q in self.required) if m.is_active()]
        if len(required) < self.minimum:
            return matching.NullMatcher()
        optional = [m for m in (q.matcher(searcher, context) for q in self.optional) if m.is_active()]
        return AtLeastMatcher(required, optional, self.minimum, self.boost)


class AtLeastMatcher(matching.Matcher):
    """Steps through the documents at least `minimum` of the `required` matchers share; the
    `optional` matchers are only moved forward to score the current document."""

    def __init__(self, required: list, optional: list, minimum: int, boost: float = 1.0):
        self.required = required
        self.optional = optional
        self.minimum = minimum
        self.boost = boost
        self._id = None
        self._settle()

    def _settle(self) -> None:
        minimum = self.minimum
        while True:
            active = [m for m in self.required if m.is_active()]
            if len(active) < minimum:
                self._id = None
                return
            ids = sorted(m.id() for m in active)
            # No document before the minimum-th smallest id can be matched `minimum` times.
            target = ids[minimum - 1]
            if ids[0] == target:
                self._id = target
                return
            for m in active:
                if m.id() < target:
                    m.skip_to(target)

    def is_active(self):
        return self._id is not None

    def id(self):
        return self._id

    def reset(self):
        for m in self.required + self.optional:
            m.reset()
        self._settle()

    def copy(self):
        return self.__class__([m.copy() for m in self.required], [m.copy() for m in self.optional],
                              self.minimum, self.boost)

    def children(self):
        return self.required + self.optional

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def max_quality(self):
        try:
            return self.boost * sum(m.max_quality() for m in self.required + self.optional)
        except matching.NoQualityAvailable:
            return float("inf")  # an upper bound all the same: never pruned

    def next(self):
        if self._id is None:
            raise matching.ReadTooFar
        current = self._id
        for m in self.required:
            if m.is_active() and m.id() == current:
                m.next()
        self._settle()

    def skip_to(self, id):
        if self._id is None:
            raise matching.ReadTooFar
        if id <= self._id:
            return
        for m in self.required:
            if m.is_active() and m.id() < id:
                m.skip_to(id)
        self._settle()

    def score(self):
        current = self._id
        total = 0.0
        for m in self.required:
            if m.is_active() and m.id() == current:
                total += m.score()
        for m in self.optional:
            if m.is_active() and m.id() < current:
                m.skip_to(current)
            if m.is_active() and m.id() == current:
                total += m.score()
        return total * self.boost


def check_fields(q: query.Query, allowed: set[str]) -> None:
    """Defence in depth: refuse a query naming a field outside the viewer's target."""
    for node in _walk(q):
        if isinstance(node, query.Every):
            raise ValueError("match-all query refused")
        name = getattr(node, "fieldname", None)
        if name is not None and name not in allowed:
            raise ValueError(f"field {name!r} is not searchable here")


def _walk(q: query.Query):
    yield q
    for child in q.children():
        yield from _walk(child)


def _filters(filter_terms: Iterable[query.Query], main: query.Query) -> query.Query:
    filters = [f for f in filter_terms if f is not None]
    return query.And([main, *filters]) if filters else main


def any_of(fieldname: str, values: Iterable) -> query.Query | None:
    terms = [query.Term(fieldname, str(v)) for v in dict.fromkeys(values)]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else query.Or(terms)


def ticket_scope(viewer: Viewer) -> query.Query | None:
    """None for staff (every ticket); a customer's own tickets otherwise (NullQuery when none)."""
    if viewer.staff:
        return None
    own = [query.Term("customer", str(c)) for c in viewer.customer_ids]
    if viewer.user_id is not None:
        own.append(query.Term("requester", str(viewer.user_id)))
    return query.Or(own) if own else query.NullQuery


# ---------------------------------------------------------------------------------------------
# Running a query within a budget
# ---------------------------------------------------------------------------------------------


class BudgetCollector(collectors.TopCollector):
    """Top-N that stops after `budget_docs` scored matches or `budget_seconds`.

    Pure-Python scoring costs a few microseconds per matching document, so a query matching half
    of 100,000 articles cannot be scored whole within a call. The index is written in order of
    usefulness (articles: helpful votes and views; tickets: newest first) and small, recent
    segments are visited first, so when the budget runs out the best candidates were seen.
    The total is then reported as a lower bound (total_exact False).
    """

    def __init__(self, limit: int, budget_docs: int, budget_seconds: float):
        super().__init__(limit=limit, usequality=False)
        self.budget_docs = budget_docs
        self.budget_seconds = budget_seconds

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.visited = 0
        self.truncated = False

    def run(self):
        deadline = time.perf_counter() + self.budget_seconds
        try:
            leaves = sorted(self.top_searcher.leaf_searchers(), key=lambda pair: pair[0].doc_count_all())
            for subsearcher, offset in leaves:
                self.set_subsearcher(subsearcher, offset)
                collect = self.collect
                for sub_docnum in self.matches():
                    collect(sub_docnum)
                    self.visited += 1
                    if self.visited >= self.budget_docs or (
                        self.visited % 64 == 0 and time.perf_counter() > deadline
                    ):
                        self.truncated = True
                        return
        finally:
            self.finish()


def run_query(searcher, q: query.Query, limit: int, budget_docs: int = DEFAULT_BUDGET_DOCS,
              budget_seconds: float = DEFAULT_BUDGET_SECONDS) -> tuple[list[tuple[float, int]], int, bool]:
    """([(score, docnum)], total, exact)."""
    collector = BudgetCollector(limit, budget_docs, budget_seconds)
    searcher.search_with_collector(q, collector)
    items = sorted(collector.items, reverse=True)
    return [(score, -negdoc) for score, negdoc in items], collector.visited, not collector.truncated


# ---------------------------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------------------------


def query_terms(clauses: Sequence[Clause], langs: Iterable[str]) -> set[str]:
    terms = set()
    for clause in clauses:
        if clause.exclude:
            continue
        for word in clause.words:
            for lang in langs:
                term = index_term(word, lang)
                if term:
                    terms.add(term)
    return terms


def highlight_terms(q: query.Query | None, target: Target) -> dict[str, set[str]]:
    """The indexed terms a query looked for, by analyzer language: what snippets mark. Taken from
    the query that ran, so the terms typo tolerance matched ("imprimnte" -> "imprim") are marked;
    excluded words and the weak words of an any-word query are not."""
    language_of = dict(target.fields)
    found: dict[str, set[str]] = {}
    for node in _searched(q):
        if isinstance(node, query.Term):
            found.setdefault(language_of.get(node.fieldname, ""), set()).add(node.text)
        elif isinstance(node, query.Phrase):
            found.setdefault(language_of.get(node.fieldname, ""), set()).update(node.words)
    return found


def highlight_prefixes(q: query.Query | None) -> tuple[str, ...]:
    """The unfinished word an as-you-type query looked for, if it counted (not a weak word)."""
    return tuple(dict.fromkeys(node.text for node in _searched(q) if isinstance(node, query.Prefix)))


def _searched(q: query.Query | None):
    """The leaves of `q` that find documents: not under an exclusion, not weak words."""
    if q is None:
        return
    if isinstance(q, query.AndNot):
        yield from _searched(q.a)
    elif isinstance(q, AtLeast):
        for child in q.required:
            yield from _searched(child)
    elif isinstance(q, (query.Term, query.Phrase, query.Prefix)):
        yield q
    else:
        for child in q.children():
            yield from _searched(child)


@lru_cache(maxsize=200_000)
def _typed_term(word: str, lang: str) -> tuple[str, str | None]:
    folded = fold(word)
    return folded, index_term(folded, lang)


def highlight(text: str, terms: set[str], lang: str, width: int = 220, prefixes: Sequence[str] = ()) -> Markup:
    """The `width`-character window of `text` with the most query terms, terms in <mark>, escaped."""
    text = " ".join((text or "").split())
    if not text:
        return Markup("")
    marks = []
    for match in WORD_PATTERN.finditer(text):
        word, term = _typed_term(match.group(), lang)
        if (term and term in terms) or (prefixes and any(word.startswith(p) for p in prefixes)):
            marks.append((match.start(), match.end()))
    start = 0
    if marks and len(text) > width:
        best, best_count = marks[0][0], 0
        j = 0
        for i, (s, _) in enumerate(marks):
            while j < len(marks) and marks[j][1] <= s + width:
                j += 1
            if j - i > best_count:
                best, best_count = s, j - i
        start = max(0, best - width // 4)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    while end < len(text) and not text[end - 1].isspace() and end - start < width + 30:
        end += 1
    out = ["…" if start > 0 else ""]
    cursor = start
    for s, e in marks:
        if s < start or e > end:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end].rstrip()))
    if end < len(text):
        out.append("…")
    return Markup("".join(out))


# ---------------------------------------------------------------------------------------------
# Spelling: "did you mean"
# ---------------------------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (adjacent transpositions count as one edit)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


_VOCABULARIES: "OrderedDict[tuple, list[str]]" = OrderedDict()
_VOCABULARY_GUARD = threading.Lock()
MAX_VOCABULARIES = 128


def _segment_vocabulary(leaf, fieldname: str) -> list[str]:
    """The sorted terms of one field in one segment, kept in memory (segments never change).
    Whoosh's own fuzzy lookups binary-search the on-disk term table read by read, which costs
    tens of milliseconds per word without mmap; bisecting a list costs microseconds."""
    segment = leaf.segment()
    key = (getattr(getattr(leaf, "_storage", None), "folder", ""), segment.segment_id() if segment else id(leaf),
           fieldname)
    with _VOCABULARY_GUARD:
        found = _VOCABULARIES.get(key)
        if found is not None:
            _VOCABULARIES.move_to_end(key)
            return found
    terms = list(leaf.field_terms(fieldname)) if fieldname in leaf.indexed_field_names() else []
    with _VOCABULARY_GUARD:
        _VOCABULARIES[key] = terms
        while len(_VOCABULARIES) > MAX_VOCABULARIES:
            _VOCABULARIES.popitem(last=False)
    return terms


@lru_cache(maxsize=4096)
def _levenshtein_dfa(term: str, maxdist: int, prefix: int):
    from whoosh.automata.lev import levenshtein_automaton

    return levenshtein_automaton(term, maxdist, prefix).to_dfa()


def near_terms(reader, fieldname: str, term: str, maxdist: int, prefix: int = 1) -> list[str]:
    """Indexed terms of `fieldname` within `maxdist` edits of `term` (sharing its first `prefix` letters)."""
    from whoosh.automata.fsa import find_all_matches

    dfa = _levenshtein_dfa(term, maxdist, prefix)
    found: set[str] = set()
    for leaf, _ in reader.leaf_readers():
        words = _segment_vocabulary(leaf, fieldname)
        if not words:
            continue

        def lookup(word, words=words):
            position = bisect_left(words, word)
            return words[position] if position < len(words) else None

        found.update(find_all_matches(dfa, lookup))
    return sorted(found)


# Endings tried to turn a corrected stem back into a word that stems to it ("reinitialis" ->
# "reinitialiser"), when the ending the user typed does not do it, and no document says how.
COMMON_ENDINGS = {
    "fr": ("", "er", "e", "es", "s", "ent", "ation", "ement", "ion", "ite"),
    "en": ("", "e", "s", "ing", "ed", "ion", "y"),
    "ticket": ("", "er", "e", "es", "s", "ent", "ation", "ement", "ion", "ite"),
}
# How words are written is read from the stored title and excerpt of a few documents per term.
SPELLING_DOCS = 5
SPELLING_ENOUGH = 3  # occurrences of a term after which no more documents are read


@dataclass
class _Word:
    """A typed word on its way through `correct`."""

    start: int
    end: int
    folded: str
    replacement: str | None = None  # when corrected: stem + ending, folded
    lang: str = ""  # the language ...
    stem: str = ""  # ... and indexed term it was corrected to


def correct(text: str, clauses: Sequence[Clause], target: Target, reader, *,
            spell_from_documents: bool = False) -> str | None:
    """The typed text with each word unknown to the viewer's fields replaced by the closest
    known one, or None when nothing needs correcting. Suggestions are drawn from the fields the
    viewer may search only, so they never reveal words of an article they cannot read.

    With `spell_from_documents` (articles), corrected words are written as the documents write
    them ("réinitialiser", not the folded "reinitialiser"), a word typed unfinished is completed
    ("factur" -> "facture"), and, once something is corrected, the other words get their accents
    back ("impayee" -> "impayée")."""
    words: list[_Word] = []
    for clause in clauses:
        if clause.exclude:
            continue
        for word, (start, end) in zip(clause.words, clause.spans):
            entry = _Word(start, end, word)
            words.append(entry)
            if len(word) < 4 or any(c.isdigit() for c in word):
                continue
            terms = {(name, lang, index_term(word, lang)) for name, lang in target.fields}
            terms = {(n, l, t) for n, l, t in terms if t}
            if not terms:
                continue
            known = sum(reader.doc_frequency(n, t) for n, _, t in terms)
            best = None
            for name, lang, term in terms:
                maxdist = 1 if (len(term) <= 5 or known) else 2
                for candidate in near_terms(reader, name, term, maxdist):
                    if candidate == term:
                        continue
                    distance = edit_distance(term, candidate)
                    frequency = reader.doc_frequency(name, candidate)
                    key = (distance, -frequency, candidate)  # the candidate breaks ties: same answer every time
                    if best is None or key < best[0]:
                        best = (key, lang, term, candidate)
            # A known word is only questioned when a one-letter-off word is far more common
            # ("pase" exists somewhere, "passe" is what people mean).
            if best is None or (known and best[0][1] > -max(5, 10 * known)):
                continue
            _, lang, term, candidate = best
            # Put back what the stemmer cut ("reinitalisation" -> stem "reinitalis" -> corrected
            # "reinitialis" + "ation").
            typed_suffix = word[len(term):] if word.startswith(term) else ""
            entry.replacement = next((candidate + ending for ending in (typed_suffix, *COMMON_ENDINGS.get(lang, ()))
                                      if index_term(candidate + ending, lang) == candidate), candidate)
            entry.lang, entry.stem = lang, candidate
    if spell_from_documents:
        spelled = _spell_from_documents(text, words, target, reader)
    else:
        spelled = {(w.start, w.end): w.replacement for w in words if w.replacement}
    if not spelled:
        return None
    out, cursor = [], 0
    for (start, end), spelling in sorted(spelled.items()):
        out.append(text[cursor:start])
        out.append(spelling)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _spell_from_documents(text: str, words: list[_Word], target: Target, reader) -> dict[tuple[int, int], str]:
    """{(start, end): spelling} for the corrected and completed words, and the other words'
    accents; empty when nothing was corrected or completed (then no document is read)."""
    langs = tuple(dict.fromkeys(lang for _, lang in target.fields))
    # A word typed unfinished is its own stem ("factur"): only such words may need completing.
    unfinished = {(w.start, w.end): [lang for lang in langs if index_term(w.folded, lang) == w.folded]
                  for w in words if not w.replacement and len(w.folded) >= 4}
    unfinished = {key: found for key, found in unfinished.items() if found}
    if not unfinished and not any(w.replacement for w in words):
        return {}
    forms = surface_forms(reader, target, {(w.lang, w.stem) for w in words if w.replacement}
                          | {(lang, w.folded) for w in words for lang in unfinished.get((w.start, w.end), ())})
    corrected: dict[tuple[int, int], str] = {}
    for w in words:
        typed = text[w.start:w.end]
        if w.replacement:
            written = _closest_form(forms.get((w.lang, w.stem)), w.replacement)
            corrected[(w.start, w.end)] = _cased_like(written or w.replacement, typed)
            continue
        for lang in unfinished.get((w.start, w.end), ()):
            seen = forms.get((lang, w.folded)) or Counter()
            if any(fold(form) == w.folded for form in seen):
                break  # the documents write it that way: not unfinished
            longer = Counter({f: n for f, n in seen.items()
                              if fold(f).startswith(w.folded) and len(fold(f)) - len(w.folded) <= 3})
            written = _closest_form(longer, w.folded)
            if written:
                corrected[(w.start, w.end)] = _cased_like(written, typed)
                break
    if not corrected:
        return {}
    # Something is corrected: write the other words with their accents too ("impayee" -> "impayée").
    others = [w for w in words if (w.start, w.end) not in corrected]
    forms = surface_forms(reader, target, {(lang, term) for w in others for lang in langs
                                           if (term := index_term(w.folded, lang))})
    respelled = {}
    for w in others:
        for lang in langs:
            seen = forms.get((lang, index_term(w.folded, lang))) or Counter()
            same = [form for form in seen if fold(form) == w.folded]
            if same:
                typed = text[w.start:w.end]
                written = _cased_like(max(same, key=lambda f: (seen[f], f)), typed)
                if written != typed:
                    respelled[(w.start, w.end)] = written
                break
    return {**respelled, **corrected}


def _closest_form(seen: Counter | None, spelling: str) -> str | None:
    """The written form nearest to a folded `spelling`, the most frequent of equals."""
    if not seen:
        return None
    return min(seen, key=lambda f: (edit_distance(fold(f), spelling), -seen[f], f))


def _cased_like(word: str, typed: str) -> str:
    if len(typed) > 1 and typed.isupper():
        return word.upper()
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


def surface_forms(reader, target: Target, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], Counter]:
    """How the words behind indexed terms are written: {(lang, term): Counter of lower-cased
    words}, e.g. ("fr", "reinitialis") -> {"réinitialiser": 2, "réinitialisation": 1}, read from
    the stored title and excerpt of a few documents holding the term in one of the viewer's
    fields, so nothing comes from a document the viewer may not search. Costs a few stored-field
    reads per term; only the spelling suggestion calls it."""
    fields_of: dict[str, list[str]] = {}
    for name, lang in target.fields:
        fields_of.setdefault(lang, []).append(name)
    forms = {key: Counter() for key in wanted if key[1] and key[0] in fields_of}
    openings = {term[:2] for _, term in forms}
    read: set[int] = set()
    for lang, term in sorted(forms):
        for docnum in islice(_documents_with(reader, fields_of[lang], term), SPELLING_DOCS):
            if sum(forms[(lang, term)].values()) >= SPELLING_ENOUGH:
                break
            if docnum in read:
                continue
            read.add(docnum)
            stored = reader.stored_fields(docnum)  # a document found through `lang` fields is in `lang`
            for match in WORD_PATTERN.finditer(f"{stored.get('title', '')} {stored.get('excerpt', '')}"):
                written = match.group()
                folded, indexed = _typed_term(written, lang)
                if folded[:2] in openings and (lang, indexed) in forms:
                    forms[(lang, indexed)][written.lower()] += 1
    return forms


def _documents_with(reader, fieldnames: Iterable[str], term: str) -> Iterator[int]:
    for leaf, offset in reader.leaf_readers():
        for name in fieldnames:
            try:
                postings = leaf.postings(name, term)
            except TermNotFound:
                continue
            while postings.is_active():
                yield offset + postings.id()
                postings.next()


def _same_terms(a: Sequence[Clause], b: Sequence[Clause], target: Target) -> bool:
    """Whether two parsed queries search for the same indexed terms (only the spelling differs)."""
    langs = tuple(dict.fromkeys(lang for _, lang in target.fields))

    def terms(clauses):
        return [(c.exclude, tuple(index_term(w, lang) for w in c.words for lang in langs)) for c in clauses]

    return terms(a) == terms(b)


# ---------------------------------------------------------------------------------------------
# Searching: the chain a user expects (as typed, corrected, fuzzy, any word)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    docs: int = DEFAULT_BUDGET_DOCS
    seconds: float = DEFAULT_BUDGET_SECONDS


def _attempt(searcher, clauses, target, filters, limit, budget: Budget, mode: str, prefix_last: bool,
             min_share: float = 0.0):
    """(query, [(score, docnum)], total, exact), or None when nothing searchable was typed."""
    reader = searcher.reader()

    def expand(fieldname, term, maxdist):
        return near_terms(reader, fieldname, term, maxdist)[:20] or [term]

    common = _common_terms(reader, target) if mode == "or" else None
    q = build_query(clauses, target, mode=mode, prefix_last=prefix_last, expand=expand, common=common,
                    min_share=min_share)
    if q is None:
        return None
    check_fields(q, target.names())
    return (q, *run_query(searcher, _filters(filters, q), limit, budget.docs, budget.seconds))


def _common_terms(reader, target: Target) -> Callable[[str, str], bool] | None:
    """`common(lang, term)`: whether more than COMMON_SHARE of the documents hold the term in one
    of the target's fields (None for a small index, where shares mean little)."""
    documents = reader.doc_count()
    if documents < COMMON_MIN_DOCS:
        return None
    fields_of: dict[str, list[str]] = {}
    for name, lang in target.fields:
        fields_of.setdefault(lang, []).append(name)

    @lru_cache(maxsize=None)
    def common(lang: str, term: str) -> bool:
        frequency = max((reader.doc_frequency(name, term) for name in fields_of.get(lang, ())), default=0)
        return frequency > COMMON_SHARE * documents

    return common


def _search(searcher, text: str, target: Target, filters: list, limit: int, budget: Budget, *,
            mode: str = "and", prefix_last: bool = False, corrections: bool = True,
            spell_from_documents: bool = False):
    """(SearchResult without hits, [(score, docnum)], the query that found them or None)."""
    clauses = parse(text)
    result = SearchResult(text)
    # "or" chosen by the caller is as-you-type: only articles matching half the telling words.
    share = SUGGESTION_TELLING_SHARE if mode == "or" else 0.0
    found = _attempt(searcher, clauses, target, filters, limit, budget, mode, prefix_last, share)
    if found is None:
        return result, [], None
    q, docs, total, exact = found
    if corrections and len(docs) < 3:
        corrected = correct(text, clauses, target, searcher.reader(), spell_from_documents=spell_from_documents)
        if corrected and corrected != text:
            corrected_clauses = parse(corrected)
            if _same_terms(clauses, corrected_clauses, target):
                # Only the spelling changed ("factur impayee" -> "facture impayée"): same results.
                if docs:
                    result.suggestion = corrected
            else:
                better = _attempt(searcher, corrected_clauses, target, filters, limit, budget, mode, prefix_last,
                                  share)
                if better and len(better[1]) > len(docs):
                    result.suggestion = corrected
                    if not docs:
                        result.corrected = True
                        q, docs, total, exact = better
                        clauses = corrected_clauses
    if not docs and corrections:
        for fallback in ("fuzzy", "or"):
            if fallback == "or" and len([c for c in clauses if not c.exclude]) < 2:
                continue
            found = _attempt(searcher, clauses, target, filters, limit, budget, fallback, prefix_last)
            if found and found[1]:
                q, docs, total, exact = found
                result.approximate = True
                break
    result.total, result.total_exact = total, exact
    return result, docs, q


def _guarded(store: IndexStore, kind: str, work):
    """Run `work(searcher)`; any failure inside the index becomes IndexUnavailable."""
    try:
        with store.searcher(kind) as searcher:
            return work(searcher)
    except IndexUnavailable:
        raise
    except Exception as exc:  # a truncated or damaged file fails in many ways
        store.forget()
        raise IndexUnavailable(f"corrupt: {exc.__class__.__name__}: {exc}") from exc


def search_articles(store: IndexStore, text: str, viewer: Viewer, *, langs: Sequence[str] | None = None,
                    category_ids: Iterable[int] = (), product_ids: Iterable[int] = (), limit: int = 10,
                    mode: str = "and", prefix_last: bool = False, corrections: bool = True,
                    budget: Budget = Budget()) -> SearchResult:
    """Published articles the viewer may read, best first. Raises IndexUnavailable."""
    started = time.perf_counter()
    langs = tuple(l for l in (langs or ()) if l in LANGUAGES) or LANGUAGES
    target = article_target(viewer, langs)
    filters = [any_of("category", category_ids), any_of("product", product_ids)]

    def work(searcher):
        result, docs, q = _search(searcher, text, target, filters, limit, budget, mode=mode,
                                  prefix_last=prefix_last, corrections=corrections, spell_from_documents=True)
        prefixes = highlight_prefixes(q)
        terms_by_lang = highlight_terms(q, target)
        for score, docnum in docs:
            stored = searcher.stored_fields(docnum)
            lang = stored.get("lang", "fr")
            terms = terms_by_lang.get(lang, set())
            result.hits.append(Hit(
                kind="article", id=int(stored["id"]), title=stored.get("title", ""),
                snippet=highlight(stored.get("excerpt", ""), terms, lang, prefixes=prefixes),
                score=round(score, 3),
                fields={"slug": stored.get("slug"), "language": lang, "visibility": stored.get("audience"),
                        "title_html": highlight(stored.get("title", ""), terms, lang, width=400, prefixes=prefixes)},
            ))
        return result

    result = _guarded(store, "articles", work)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def search_tickets(store: IndexStore, text: str, viewer: Viewer, *, limit: int = 10,
                   statuses: Iterable[str] = (), budget: Budget = Budget()) -> SearchResult:
    """Tickets the viewer may see (a customer: their own), best first. Raises IndexUnavailable."""
    started = time.perf_counter()
    target = ticket_target(viewer)
    filters = [ticket_scope(viewer), any_of("status", statuses)]

    def work(searcher):
        result, docs, q = _search(searcher, text, target, filters, limit, budget)
        terms = highlight_terms(q, target).get("ticket", set())
        for score, docnum in docs:
            stored = searcher.stored_fields(docnum)
            snippet = highlight(stored.get("excerpt", ""), terms, "ticket")
            note = Markup("")
            if viewer.staff and stored.get("notes_excerpt"):
                note = highlight(stored["notes_excerpt"], terms, "ticket")
                if "<mark>" not in snippet and "<mark>" in note:
                    snippet, note = note, Markup("")
                    note_first = True
                else:
                    note_first = False
            else:
                note_first = False
            result.hits.append(Hit(
                kind="ticket", id=int(stored["id"]), title=stored.get("title", ""), snippet=snippet,
                score=round(score, 3),
                fields={"number": stored.get("number"), "status": stored.get("status"),
                        "created_at": stored.get("created"), "snippet_is_note": note_first},
            ))
        return result

    result = _guarded(store, "tickets", work)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return result

