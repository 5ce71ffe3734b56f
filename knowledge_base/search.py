"""Searching the indexes: the query language, visibility in the query, snippets, and the search
entry points (as typed, corrected, fuzzy, any word). Spelling corrections are in `spelling`, our
own Whoosh query and collector in `matching`, the indexed form of a word in `analysis`.

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
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from markupsafe import Markup
from whoosh import query

from knowledge_base.analysis import (
    LANGUAGES,
    WEAK_WORDS,
    WORD_PATTERN,
    fold,
    index_term,
    is_compound,
    joined,
    may_index_under,
    part_terms,
    word_terms,
)
from knowledge_base.index import AUDIENCES, IndexStore, IndexUnavailable, article_field
from knowledge_base.matching import DEFAULT_BUDGET_DOCS, DEFAULT_BUDGET_SECONDS, Any, AtLeast, run_query
from knowledge_base.spelling import correction, near_terms, same_terms, warm_vocabularies

MAX_QUERY_CHARS = 300
CORRECTIONS_TRIED = 2  # "did you mean" candidates tried in turn while the closest finds nothing
MAX_QUERY_WORDS = 12


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

    @property
    def title_html(self) -> Markup:
        """The title with the searched words in <mark> (escaped), or just escaped."""
        return self.fields.get("title_html") or Markup.escape(self.title)


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


def _in_a_row(name: str, terms: Sequence[str]) -> query.Query:
    return query.Term(name, terms[0]) if len(terms) == 1 else query.Phrase(name, list(terms))


def _typos_allowed(term: str) -> int:
    return 1 if len(term) < 7 else 2


def _near(name: str, term: str, expand) -> query.Query:
    """`term` or the indexed terms a typo away from it (fuzzy matching)."""
    if len(term) < 4:
        return query.Term(name, term)
    near = expand(name, term, _typos_allowed(term))
    return query.Term(name, near[0]) if len(near) == 1 else Any([query.Term(name, t) for t in near])


def _word_query(word: str, target: Target, mode: str, last: bool, expand=None) -> query.Query | None:
    alternatives = []
    for name, lang in target.fields:
        term = index_term(word, lang)
        parts = part_terms(word, lang)
        if term is None and not parts:
            continue
        fuzzy = mode == "fuzzy" and expand is not None
        if term is not None:
            alternatives.append(_near(name, term, expand) if fuzzy else query.Term(name, term))
        if parts and fuzzy:
            # A hyphenated word with a typo ("recto-verco"): each part near what was typed.
            alternatives.append(query.And([_near(name, part, expand) for part in parts]))
        elif parts:
            # A hyphenated word: the joined form above, or its parts in a row ("wi fi" in a text
            # indexed before compounds were, or written with a space).
            alternatives.append(_in_a_row(name, parts))
        if last and len(joined(word)) >= 3:
            # As-you-type: the last word may be unfinished ("reinit" -> "reinitialis", "lave-li" ->
            # "lavelinge").
            alternatives.append(query.Prefix(name, joined(word)))
    if not alternatives:
        return None
    return alternatives[0] if len(alternatives) == 1 else Any(alternatives)


def _phrase_query(words: Sequence[str], target: Target) -> query.Query | None:
    """With hyphenated words, two phrases: their parts in a row ("wi", "fi", as the hyphenated
    text is indexed) or their joined forms ("wif", as "wifi" is)."""
    compound = any(is_compound(w) for w in words)
    alternatives = []
    for name, lang in target.fields:
        spellings = [[t for w in words for t in (part_terms(w, lang) or (index_term(w, lang),)) if t]]
        if compound:
            spellings.append([t for t in (index_term(w, lang) for w in words) if t])
        for terms in dict.fromkeys(tuple(terms) for terms in spellings if terms):
            alternatives.append(_in_a_row(name, terms))
    if not alternatives:
        return None
    return alternatives[0] if len(alternatives) == 1 else Any(alternatives)


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
def _weak_words(lang: str) -> tuple[str, ...]:
    return tuple(sorted(WEAK_WORDS["fr"] | WEAK_WORDS["en"] if lang == "ticket" else WEAK_WORDS[lang]))


@lru_cache(maxsize=8)
def _weak_terms(lang: str) -> frozenset[str]:
    return frozenset(t for t in (index_term(w, lang) for w in _weak_words(lang)) if t)


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
    main = mains[0] if len(mains) == 1 else Any(mains)
    if excluded:
        main = query.AndNot(main, Any(excluded))
    return main


def _combine(telling: list, weak: list, mode: str, min_share: float) -> query.Query | None:
    if not telling:
        return None
    if mode != "or":
        return telling[0] if len(telling) == 1 else query.And(telling)
    minimum = max(1, math.ceil(len(telling) * min_share))
    if not weak and minimum == 1:
        return telling[0] if len(telling) == 1 else Any(telling, scale=0.9)
    return AtLeast(telling, [part.with_boost(part.boost * WEAK_BOOST) for part in weak], minimum)


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
    return terms[0] if len(terms) == 1 else Any(terms)


def ticket_scope(viewer: Viewer) -> query.Query | None:
    """None for staff (every ticket); a customer's own tickets otherwise (NullQuery when none)."""
    if viewer.staff:
        return None
    own = [query.Term("customer", str(c)) for c in viewer.customer_ids]
    if viewer.user_id is not None:
        own.append(query.Term("requester", str(viewer.user_id)))
    return Any(own) if own else query.NullQuery


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
                terms.update(part_terms(word, lang))
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


def highlight(text: str, terms: set[str], lang: str, width: int = 220, prefixes: Sequence[str] = ()) -> Markup:
    """The `width`-character window of `text` with the most query terms, terms in <mark>, escaped."""
    text = " ".join((text or "").split())
    if not text:
        return Markup("")
    marks = []
    openings = {term[:2] for term in terms} | {prefix[:2] for prefix in prefixes}
    for match in WORD_PATTERN.finditer(text):
        written = match.group()
        if not may_index_under(written, openings):
            continue  # (most words of a text: no need to stem them)
        word, _, indexed = word_terms(written, lang)
        if not indexed.isdisjoint(terms) or (prefixes and any(word.startswith(p) for p in prefixes)):
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
# Searching: the chain a user expects (as typed, corrected, fuzzy, any word)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """Scoring budget of one search, shared by its attempts (as typed, corrected, fuzzy, any word)."""

    docs: int = DEFAULT_BUDGET_DOCS
    seconds: float = DEFAULT_BUDGET_SECONDS


# A later attempt (the corrected or fuzzy query) still gets this long when the first used it all.
MIN_ATTEMPT_SECONDS = 0.005


def _attempt(searcher, clauses, target, filters, limit, budget: Budget, deadline: float, mode: str,
             prefix_last: bool, min_share: float = 0.0):
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
    seconds = max(MIN_ATTEMPT_SECONDS, deadline - time.perf_counter())
    return (q, *run_query(searcher, _filters(filters, q), limit, budget.docs, seconds))


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
    deadline = time.perf_counter() + budget.seconds
    found = _attempt(searcher, clauses, target, filters, limit, budget, deadline, mode, prefix_last, share)
    if found is None:
        return result, [], None
    q, docs, total, exact = found
    if corrections and len(docs) < 3:
        def attempt(corrected_clauses):
            return _attempt(searcher, corrected_clauses, target, filters, limit, budget, deadline, mode,
                            prefix_last, share)

        result.suggestion, better = _did_you_mean(text, clauses, len(docs), target, searcher.reader(), attempt,
                                                  deadline, spell_from_documents)
        if better is not None and not docs:
            result.corrected = True
            clauses, (q, docs, total, exact) = better
    if not docs and corrections:
        for fallback in ("fuzzy", "or"):
            if fallback == "or" and len([c for c in clauses if not c.exclude]) < 2:
                continue
            found = _attempt(searcher, clauses, target, filters, limit, budget, deadline, fallback, prefix_last)
            if found and found[1]:
                q, docs, total, exact = found
                result.approximate = True
                break
    result.total, result.total_exact = total, exact
    return result, docs, q


def _did_you_mean(text: str, clauses, found: int, target: Target, reader, attempt, deadline: float,
                  spell_from_documents: bool):
    """(suggestion or None, (clauses, attempt) of the corrected text when it finds more than the
    `found` documents of the text as typed, else None)."""
    avoid: frozenset[str] = frozenset()
    for _ in range(CORRECTIONS_TRIED):
        corrected, stems = correction(text, clauses, target, reader, spell_from_documents=spell_from_documents,
                                      avoid=avoid)
        if not corrected or corrected == text:
            return None, None
        corrected_clauses = parse(corrected)
        if same_terms(clauses, corrected_clauses, target):
            # Only the spelling changed ("factur impayee" -> "facture impayée"): same results.
            return (corrected if found else None), None
        better = attempt(corrected_clauses)
        if better and len(better[1]) > found:
            return corrected, (corrected_clauses, better)
        if (better and better[1]) or time.perf_counter() > deadline:
            return None, None  # found something, just not more: not worth a suggestion
        # The closest words found nothing together with the rest ("imprimnte bloquee" ->
        # "impriment"): the next closest ("imprimante") may.
        avoid |= stems
    return None, None


def warm_spelling(store: IndexStore, kind: str) -> int:
    """Load the typo-correction vocabularies of every field a viewer may search in `kind`'s index
    (the widest viewer: staff), on a reader of its own. The app runs it in the background when a
    process first searches an index generation; the number of vocabularies read is returned."""
    staff = Viewer(staff=True)
    target = article_target(staff) if kind == "articles" else ticket_target(staff)
    _, index = store.open_index(kind)
    with index.reader() as reader:
        return warm_vocabularies(reader, [name for name, _ in target.fields])


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
                        "created_at": stored.get("created"), "snippet_is_note": note_first,
                        "title_html": highlight(stored.get("title", ""), terms, "ticket", width=400)},
            ))
        return result

    result = _guarded(store, "tickets", work)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return result

