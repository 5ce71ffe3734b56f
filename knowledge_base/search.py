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
import re
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

from markupsafe import Markup
from whoosh import collectors, query

from knowledge_base.analysis import (
    LANGUAGES,
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


def build_query(clauses: Sequence[Clause], target: Target, *, mode: str = "and",
                prefix_last: bool = False, expand=None) -> query.Query | None:
    """`mode`: "and" (every word), "or" (any word, more is better), "fuzzy" (every word, typos
    allowed: `expand(field, term, maxdist)` lists the indexed terms close to `term`)."""
    required, excluded = [], []
    positive = [c for c in clauses if not c.exclude]
    for index, clause in enumerate(clauses):
        last = bool(prefix_last and positive and clause is positive[-1])
        if len(clause.words) > 1:
            part = _phrase_query(clause.words, target)
        else:
            part = _word_query(clause.words[0], target, "term" if clause.exclude else mode, last, expand)
        if part is None:
            continue
        (excluded if clause.exclude else required).append(part)
    if not required:
        return None
    if mode == "or" and len(required) > 1:
        main = query.Or(required, scale=0.9)  # documents with more of the words rank higher
    else:
        main = required[0] if len(required) == 1 else query.And(required)
    if excluded:
        main = query.AndNot(main, query.Or(excluded))
    return main


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
# "reinitialiser"), when the ending the user typed does not do it.
COMMON_ENDINGS = {
    "fr": ("", "er", "e", "es", "s", "ent", "ation", "ement", "ion", "ite"),
    "en": ("", "e", "s", "ing", "ed", "ion", "y"),
    "ticket": ("", "er", "e", "es", "s", "ent", "ation", "ement", "ion", "ite"),
}


def correct(text: str, clauses: Sequence[Clause], target: Target, reader) -> str | None:
    """The typed text with each word unknown to the viewer's fields replaced by the closest
    known one, or None when nothing needs correcting. Suggestions are drawn from the fields the
    viewer may search only, so they never reveal words of an article they cannot read."""
    replacements: list[tuple[int, int, str]] = []
    for clause in clauses:
        if clause.exclude:
            continue
        for word, (start, end) in zip(clause.words, clause.spans):
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
                    key = (distance, -frequency)
                    if best is None or key < best[0]:
                        best = (key, lang, term, candidate)
            # A known word is only questioned when a one-letter-off word is far more common
            # ("pase" exists somewhere, "passe" is what people mean).
            if best is None or (known and best[0][1] > -max(5, 10 * known)):
                continue
            _, lang, term, candidate = best
            # Show a word, not a stem: put back what the stemmer cut ("reinitalisation" ->
            # stem "reinitalis" -> corrected "reinitialis" + "ation").
            typed_suffix = word[len(term):] if word.startswith(term) else ""
            spelled = next((candidate + ending for ending in (typed_suffix, *COMMON_ENDINGS.get(lang, ()))
                            if index_term(candidate + ending, lang) == candidate), candidate)
            replacements.append((start, end, spelled))
    if not replacements:
        return None
    out, cursor = [], 0
    for start, end, spelled in sorted(replacements):
        out.append(text[cursor:start])
        out.append(spelled)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Searching: the chain a user expects (as typed, corrected, fuzzy, any word)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    docs: int = DEFAULT_BUDGET_DOCS
    seconds: float = DEFAULT_BUDGET_SECONDS


def _attempt(searcher, clauses, target, filters, limit, budget: Budget, mode: str, prefix_last: bool):
    reader = searcher.reader()

    def expand(fieldname, term, maxdist):
        return near_terms(reader, fieldname, term, maxdist)[:20] or [term]

    q = build_query(clauses, target, mode=mode, prefix_last=prefix_last, expand=expand)
    if q is None:
        return None
    check_fields(q, target.names())
    return run_query(searcher, _filters(filters, q), limit, budget.docs, budget.seconds)


def _search(searcher, text: str, target: Target, filters: list, limit: int, budget: Budget, *,
            mode: str = "and", prefix_last: bool = False, corrections: bool = True):
    """(SearchResult without hits, [(score, docnum)], clauses used)."""
    clauses = parse(text)
    result = SearchResult(text)
    found = _attempt(searcher, clauses, target, filters, limit, budget, mode, prefix_last)
    if found is None:
        return result, [], clauses
    docs, total, exact = found
    if corrections and len(docs) < 3:
        corrected = correct(text, clauses, target, searcher.reader())
        if corrected and corrected != text:
            corrected_clauses = parse(corrected)
            better = _attempt(searcher, corrected_clauses, target, filters, limit, budget, mode, prefix_last)
            if better and len(better[0]) > len(docs):
                result.suggestion = corrected
                if not docs:
                    result.corrected = True
                    docs, total, exact = better
                    clauses = corrected_clauses
    if not docs and corrections:
        for fallback in ("fuzzy", "or"):
            if fallback == "or" and len([c for c in clauses if not c.exclude]) < 2:
                continue
            found = _attempt(searcher, clauses, target, filters, limit, budget,
                             "fuzzy" if fallback == "fuzzy" else "or", prefix_last)
            if found and found[0]:
                docs, total, exact = found
                result.approximate = True
                break
    result.total, result.total_exact = total, exact
    return result, docs, clauses


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
        result, docs, clauses = _search(searcher, text, target, filters, limit, budget, mode=mode,
                                        prefix_last=prefix_last, corrections=corrections)
        prefixes = _prefixes(clauses) if prefix_last else ()
        terms_by_lang = {lang: query_terms(clauses, (lang,)) for lang in langs}
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
        result, docs, clauses = _search(searcher, text, target, filters, limit, budget)
        terms = query_terms(clauses, ("ticket",))
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


def _prefixes(clauses: Sequence[Clause]) -> tuple[str, ...]:
    positive = [c for c in clauses if not c.exclude]
    if positive and len(positive[-1].words) == 1 and len(positive[-1].words[0]) >= 3:
        return (positive[-1].words[0],)
    return ()
