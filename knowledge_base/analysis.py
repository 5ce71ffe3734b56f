"""Text analysis for the search index: French and English stemming with accents folded first.

Accents are folded *before* stop words and stemming, on the indexed text and on the query alike,
so "reinitialiser", "réinitialiser" and "réinitialisé" all reduce to the same term. (Stemming
first and folding after would not: the French Snowball rules look for accented suffixes such as
"-ité", so "securite" and "sécurité" would stem differently.) Pure functions, no Flask;
`index_term` gives the indexed form of one word, as queries must look for it.

A hyphenated word is indexed as its parts *and* joined ("Wi-Fi" -> "wi", "fi" and "wifi"), so
"wifi", "wi-fi" and "Wi-Fi" find each other whichever way the article and the query write it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.lang.snowball.english import EnglishStemmer
from whoosh.lang.snowball.french import FrenchStemmer
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

LANGUAGES = ("fr", "en")

# Words: letters and digits; an apostrophe (l'application, aujourd’hui) separates words. Dotted
# codes stay whole ("v2.1", "192.168.1.1"), and so do hyphenated words ("wi-fi", "rendez-vous"):
# StopAndCompoundFilter indexes their parts and their joined form. A hyphen must have a letter
# or digit on both sides ("lave-" being typed is "lave"; "-fibre" in a query is an exclusion).
WORD_PATTERN = re.compile(r"\w+(?:[.]\w+)*(?:[-\u2010\u2011]\w+(?:[.]\w+)*)*", re.UNICODE)


# The Unicode hyphens (U+2010, non-breaking U+2011) become "-" when folded.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'", "\u2010": "-", "\u2011": "-"})


def fold(text: str) -> str:
    """Lower-case and strip accents: "Réinitialiser l'Œuvre" -> "reinitialiser l'oeuvre"."""
    text = (text or "").lower().translate(_LIGATURES).translate(accent_map)
    # accent_map covers Latin letters; anything else with a combining mark is stripped here.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_compound(word: str) -> bool:
    """Whether a folded word is hyphenated ("wi-fi")."""
    return "-" in word


def compound_parts(word: str) -> list[str]:
    """The parts of a folded hyphenated word: "mots-cles" -> ["mots", "cles"]."""
    return word.split("-")


def joined(word: str) -> str:
    """A folded hyphenated word written as one: "wi-fi" -> "wifi", "e-mail" -> "email"."""
    return word.replace("-", "")


def _folded_stoplist(lang: str) -> frozenset[str]:
    return frozenset(fold(word) for word in stoplists[lang])


STOPWORDS = {lang: _folded_stoplist(lang) for lang in LANGUAGES}
# Tickets are not tagged with a language: both lists apply to them.
STOPWORDS_ANY = STOPWORDS["fr"] | STOPWORDS["en"]

# Words that fill support requests ("ma box ne marche plus", "my phone doesn't work anymore")
# without telling which article is meant. Not stop words: "plus" or "problème" can be what an
# exact search is for. Any-word searches (as-you-type suggestions) only let them add to the score.
WEAK_WORDS = {
    "fr": frozenset(fold(word) for word in """
        marche marcher marchent fonctionne fonctionnent fonctionner fonctionnement plus pas problème
        problèmes souci soucis panne bug bugs impossible aide aider besoin toujours encore rien
        jamais depuis ça bonjour merci urgent svp""".split()),
    "en": frozenset("""
        work works working worked problem problems issue issues trouble help anymore still
        please hello thanks urgent""".split()),
}

_STEMMERS = {"fr": FrenchStemmer(), "en": EnglishStemmer()}


@lru_cache(maxsize=200_000)
def _stem_fr(word: str) -> str:
    return _STEMMERS["fr"].stem(word)


@lru_cache(maxsize=200_000)
def _stem_en(word: str) -> str:
    return _STEMMERS["en"].stem(word)


STEM_FUNCTIONS = {"fr": _stem_fr, "en": _stem_en}


def stem(word: str, lang: str) -> str:
    """The index term of one already-folded word in `lang`."""
    return STEM_FUNCTIONS[lang](word)


_fold_word = lru_cache(maxsize=200_000)(fold)


def may_index_under(word: str, openings: frozenset[str] | set[str]) -> bool:
    """Whether a word as written could have one of the indexed terms whose first two letters are
    `openings`: stemming only changes the end of a word, and a hyphenated word is indexed under
    its parts and their joined form. A cheap test before `word_terms`, which stems."""
    folded = _fold_word(word)
    pieces = (folded,) if "-" not in folded else (joined(folded), *compound_parts(folded))
    # (a one-letter term, "b" for "bs", has a one-letter opening)
    return any(piece[:2] in openings or piece[:1] in openings for piece in pieces)


class FoldFilter(Filter):
    """Accent folding as a Whoosh filter (also catches combining marks accent_map misses)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = _fold_word(token.text)
            yield token


class StopAndCompoundFilter(Filter):
    """Drops stop words, as StopFilter does (the following words renumbered), and turns a
    hyphenated word into its parts, in order, and its joined form: "wi-fi" -> "wi", "fi" and
    "wifi", so a query for "wifi" finds "Wi-Fi" and a query for "wi-fi" (the parts in a row, or
    the joined form) finds "wifi". Parts that are stop words or too short are left out as they
    would be on their own ("e-mail" -> "mail", "email"; "rendez-vous" -> "rendez", "rendezvous").

    The joined form is placed at the first and at the last part's position, so a phrase that
    begins or ends with the glued word ("activer le wifi", "wifi gratuit") still meets the
    hyphenated text; the parts keep their own positions for phrases written with the hyphen.
    One filter for both, rather than a second pass after StopFilter: analysis is pure Python and
    every stage costs on each token indexed."""

    def __init__(self, stoplist: frozenset[str], minsize: int = 2):
        self.stops = stoplist
        self.min = minsize

    def _kept(self, word: str) -> bool:
        return len(word) >= self.min and word not in self.stops

    def __call__(self, tokens):
        stops, minsize = self.stops, self.min
        pos = None  # the position of the last word kept
        for token in tokens:
            text = token.text
            if "-" not in text:
                if len(text) < minsize or text in stops:
                    if not token.removestops:
                        token.stopped = True
                        yield token
                    continue
                if token.positions:
                    pos = token.pos if pos is None else pos + 1
                    token.pos = pos
                token.stopped = False
                yield token
                continue
            base = (token.pos if pos is None else pos + 1) if token.positions else 0
            start = token.startchar if token.chars else 0
            parts = []  # (text, startchar)
            offset = 0
            for part in compound_parts(text):
                if self._kept(part):
                    parts.append((part, start + offset))
                offset += len(part) + 1
            whole = joined(text)
            emitted = []  # (text, position, startchar, endchar)
            if self._kept(whole):
                emitted.append((whole, base, start, start + len(text)))
            emitted.extend((part, base + i, at, at + len(part)) for i, (part, at) in enumerate(parts))
            if self._kept(whole) and len(parts) > 1:
                emitted.append((whole, base + len(parts) - 1, start, start + len(text)))
            if not emitted:
                continue
            if token.positions:
                pos = base + max(len(parts), 1) - 1  # the word takes one position per part kept
            for text, position, startchar, endchar in emitted:
                out = token.copy()
                out.text = text
                out.stopped = False
                if out.positions:
                    out.pos = position
                if out.chars:
                    out.startchar, out.endchar = startchar, endchar
                yield out


def language_analyzer(lang: str) -> Analyzer:
    """Tokenise, lower-case, fold accents, drop stop words and split hyphenated words, stem."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | StopAndCompoundFilter(STOPWORDS[lang], minsize=2)
        # The stem function carries its own LRU cache, so Whoosh's per-filter cache is off.
        | StemFilter(stemfn=STEM_FUNCTIONS[lang], cachesize=None)
    )


def ticket_analyzer() -> Analyzer:
    """Tickets carry no language: French stemming (the helpdesk's main language), both stop lists."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | StopAndCompoundFilter(STOPWORDS_ANY, minsize=2)
        | StemFilter(stemfn=STEM_FUNCTIONS["fr"], cachesize=None)
    )


def words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) for each word of `text`, stop words included."""
    return [(fold(m.group()), m.start(), m.end()) for m in WORD_PATTERN.finditer(text or "")]


# ---------------------------------------------------------------------------------------------
# The indexed form of a word: what queries, snippets and spelling look for
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _analyzer(lang: str):
    return ticket_analyzer() if lang == "ticket" else language_analyzer(lang)


@lru_cache(maxsize=100_000)
def index_term(word: str, lang: str) -> str | None:
    """The indexed form of one folded word for `lang` ("ticket" for the ticket index); None for a
    stop word. A hyphenated word's is its joined form ("wi-fi" -> "wif", as "wifi"), which the
    index holds for the word written either way."""
    tokens = [t.text for t in _analyzer(lang)(joined(word))]
    return tokens[0] if tokens else None


@lru_cache(maxsize=100_000)
def part_terms(word: str, lang: str) -> tuple[str, ...]:
    """The indexed terms of a hyphenated word's parts, stop words left out ("mots-cles" ->
    ("mot", "cle")); () for a plain word."""
    if not is_compound(word):
        return ()
    return tuple(t for t in (index_term(part, lang) for part in compound_parts(word)) if t)


@lru_cache(maxsize=200_000)
def word_terms(word: str, lang: str) -> tuple[str, str | None, frozenset[str]]:
    """(folded word written as one, its indexed term, every term it is indexed under) of a word
    as written in a text: "Wi-Fi" -> ("wifi", "wif", {"wif", "wi", "fi"})."""
    folded = fold(word)
    term = index_term(folded, lang)
    terms = frozenset(t for t in (term, *part_terms(folded, lang)) if t)
    return joined(folded), term, terms
