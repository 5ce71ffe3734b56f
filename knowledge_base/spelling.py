"""Spelling: the words of an index near a typed one, "did you mean" corrections, and how the
articles write a word (accents, capitals) so that a suggestion reads as they do.

Pure of Flask: functions take a Whoosh reader and the viewer's `search.Target`, and only look at
the fields it names, so a suggestion never comes from a document the viewer may not search.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from whoosh.reading import TermNotFound

from knowledge_base.analysis import WORD_PATTERN, fold, index_term, is_compound, word_terms

if TYPE_CHECKING:
    from knowledge_base.search import Clause, Target


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


_VOCABULARIES: "OrderedDict[tuple, tuple[str, ...]]" = OrderedDict()
_VOCABULARY_GUARD = threading.Lock()
MAX_VOCABULARIES = 128


def _vocabulary_key(leaf, fieldname: str) -> tuple:
    segment = leaf.segment()
    return (getattr(getattr(leaf, "_storage", None), "folder", ""), segment.segment_id() if segment else id(leaf),
            fieldname)


def _segment_vocabulary(leaf, fieldname: str) -> tuple[str, ...]:
    """The sorted terms of one field in one segment, kept in memory (segments never change).
    Whoosh's own fuzzy lookups binary-search the on-disk term table read by read, which costs
    tens of milliseconds per word without mmap; bisecting a list costs microseconds."""
    key = _vocabulary_key(leaf, fieldname)
    with _VOCABULARY_GUARD:
        found = _VOCABULARIES.get(key)
        if found is not None:
            _VOCABULARIES.move_to_end(key)
            return found
    # A tuple of strings, not a list: the garbage collector stops tracking it after its first pass,
    # instead of walking hundreds of thousands of references at every full collection.
    terms = tuple(leaf.field_terms(fieldname)) if fieldname in leaf.indexed_field_names() else ()
    with _VOCABULARY_GUARD:
        _VOCABULARIES[key] = terms
        while len(_VOCABULARIES) > MAX_VOCABULARIES:
            _VOCABULARIES.popitem(last=False)
    return terms


def warm_vocabularies(reader, fieldnames: Sequence[str], limit: int = MAX_VOCABULARIES // 2) -> int:
    """Read the vocabularies of `fieldnames` in every segment of `reader` that are not in memory
    yet (at most `limit` in all, so one index cannot push out another's), so that the first search
    with a typo after a start or an index change does not pay for reading them. Returns how many
    were read."""
    read = 0
    wanted = [(leaf, name) for leaf, _ in reader.leaf_readers() for name in fieldnames][:limit]
    for leaf, name in wanted:
        with _VOCABULARY_GUARD:
            cached = _vocabulary_key(leaf, name) in _VOCABULARIES
        if not cached:
            _segment_vocabulary(leaf, name)
            read += 1
    return read


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
        # One search asks for the same words several times ("did you mean", then the fuzzy
        # fallback), and typos recur across searches: each segment's answer is remembered.
        key = (_vocabulary_key(leaf, fieldname), term, maxdist, prefix)
        with _VOCABULARY_GUARD:
            near = _NEAR.get(key)
            if near is not None:
                _NEAR.move_to_end(key)
        if near is None:
            words = _segment_vocabulary(leaf, fieldname)

            def lookup(word, words=words):
                position = bisect_left(words, word)
                return words[position] if position < len(words) else None

            near = tuple(find_all_matches(dfa, lookup)) if words else ()
            with _VOCABULARY_GUARD:
                _NEAR[key] = near
                while len(_NEAR) > MAX_NEAR:
                    _NEAR.popitem(last=False)
        found.update(near)
    return sorted(found)


_NEAR: "OrderedDict[tuple, tuple[str, ...]]" = OrderedDict()
MAX_NEAR = 50_000


# Endings tried to turn a corrected stem back into a word that stems to it ("reinitialis" ->
# "reinitialiser"), when the ending the user typed does not do it, and no document says how.
_FRENCH_ENDINGS = ("", "er", "e", "es", "s", "ent", "ation", "ement", "ion", "ite", "ante", "ant", "ance", "eur", "age")
COMMON_ENDINGS = {
    "fr": _FRENCH_ENDINGS,
    "en": ("", "e", "s", "ing", "ed", "ion", "y", "er", "ation"),
    "ticket": _FRENCH_ENDINGS,  # tickets are stemmed in French (analysis.ticket_analyzer)
}
# How words are written is read from the stored title and excerpt of a few documents per term.
SPELLING_DOCS = 5
SPELLING_ENOUGH = 3  # occurrences of a term after which no more documents are read


@dataclass
class _Word:
    """A typed word on its way through `correction`."""

    start: int
    end: int
    folded: str
    replacement: str | None = None  # when corrected: stem + ending, folded
    lang: str = ""  # the language ...
    stem: str = ""  # ... and indexed term it was corrected to


def correction(text: str, clauses: Sequence[Clause], target: Target, reader, *, spell_from_documents: bool = False,
               avoid: frozenset[str] = frozenset()) -> tuple[str | None, frozenset[str]]:
    """(corrected text, the indexed terms it corrected to). Terms in `avoid` are not proposed: the
    caller tried them and they found nothing with the other words, so the next closest is wanted.

    The typed text with each word unknown to the viewer's fields replaced by the closest
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
            # (A hyphenated word is not corrected: fuzzy matching still finds its joined form.)
            if len(word) < 4 or any(c.isdigit() for c in word) or is_compound(word):
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
                    if candidate == term or candidate in avoid:
                        continue
                    distance = edit_distance(term, candidate)
                    frequency = reader.doc_frequency(name, candidate)
                    key = (distance, -frequency, candidate)  # the candidate breaks ties: same answer every time
                    if best is None or key < best[0]:
                        best = (key, lang, term, candidate)
            if best is None and not known:
                # "remboursemnt": the stemmer cannot cut a misspelt ending, so the typed word's stem
                # is too far from the indexed one; a known stem followed by an ending typed with one
                # mistake is the answer.
                mistyped = next(filter(None, (_known_stem_and_ending(reader, name, lang, word, avoid)
                                              for name, lang in target.fields)), None)
                if mistyped is not None:
                    entry.lang, entry.stem, entry.replacement = mistyped
                    continue
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
        return None, frozenset()
    out, cursor = [], 0
    for (start, end), spelling in sorted(spelled.items()):
        out.append(text[cursor:start])
        out.append(spelling)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), frozenset(w.stem for w in words if w.replacement)


def _known_stem_and_ending(reader, fieldname: str, lang: str, word: str,
                           avoid: frozenset[str] = frozenset()) -> tuple[str, str, str] | None:
    """(lang, stem, word) when the folded `word` is an indexed stem of `fieldname` followed by one of
    the language's common endings typed with one mistake: "remboursemnt" -> ("fr", "rembours",
    "remboursement"). The longest such stem wins; of the endings, the closest, then the longest."""
    endings = [ending for ending in COMMON_ENDINGS.get(lang, ()) if ending]
    for cut in range(len(word) - 1, 3, -1):
        stem, rest = word[:cut], word[cut:]
        near = [(edit_distance(rest, ending), -len(ending), ending) for ending in endings
                if abs(len(rest) - len(ending)) <= 1]
        near = sorted(n for n in near if n[0] <= 1)
        if not near or stem in avoid or not _indexed(reader, fieldname, stem):
            continue
        for _, _, ending in near:
            if index_term(stem + ending, lang) == stem:
                return lang, stem, stem + ending
    return None


def _indexed(reader, fieldname: str, term: str) -> bool:
    """Whether a segment's (in-memory) vocabulary of `fieldname` holds `term`."""
    for leaf, _ in reader.leaf_readers():
        words = _segment_vocabulary(leaf, fieldname)
        position = bisect_left(words, term)
        if position < len(words) and words[position] == term:
            return True
    return False


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
            written = _closest_form(forms.get((w.lang, w.stem)), w.folded, w.replacement)
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


def _closest_form(seen: Counter | None, spelling: str, then: str = "") -> str | None:
    """The written form nearest to a folded `spelling` ("imprimnte" -> "imprimante", not
    "imprimer"), then to `then`, the most frequent of equals."""
    if not seen:
        return None
    return min(seen, key=lambda f: (edit_distance(fold(f), spelling), edit_distance(fold(f), then) if then else 0,
                                    -seen[f], f))


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
                folded, indexed, _ = word_terms(written, lang)
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


def same_terms(a: Sequence[Clause], b: Sequence[Clause], target: Target) -> bool:
    """Whether two parsed queries search for the same indexed terms (only the spelling differs)."""
    langs = tuple(dict.fromkeys(lang for _, lang in target.fields))

    def terms(clauses):
        return [(c.exclude, tuple(index_term(w, lang) for w in c.words for lang in langs)) for c in clauses]

    return terms(a) == terms(b)
