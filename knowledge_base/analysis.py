"""Text analysis for the search index: French and English stemming with accents folded first.

Accents are folded *before* stop words and stemming, on the indexed text and on the query alike,
so "reinitialiser", "réinitialiser" and "réinitialisé" all reduce to the same term. (Stemming
first and folding after would not: the French Snowball rules look for accented suffixes such as
"-ité", so "securite" and "sécurité" would stem differently.) Pure functions, no Flask.
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
    StopFilter,
)
from whoosh.lang.snowball.english import EnglishStemmer
from whoosh.lang.snowball.french import FrenchStemmer
from whoosh.lang.stopwords import stoplists
from whoosh.support.charset import accent_map

LANGUAGES = ("fr", "en")

# Words: letters and digits; an apostrophe (l'application, aujourd’hui) or a hyphen separates words.
# Dotted or slashed codes stay whole ("v2.1", "192.168.1.1").
WORD_PATTERN = re.compile(r"\w+(?:[.]\w+)*", re.UNICODE)


_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'"})


def fold(text: str) -> str:
    """Lower-case and strip accents: "Réinitialiser l'Œuvre" -> "reinitialiser l'oeuvre"."""
    text = (text or "").lower().translate(_LIGATURES).translate(accent_map)
    # accent_map covers Latin letters; anything else with a combining mark is stripped here.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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


class FoldFilter(Filter):
    """Accent folding as a Whoosh filter (also catches combining marks accent_map misses)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = _fold_word(token.text)
            yield token


def language_analyzer(lang: str) -> Analyzer:
    """Tokenise, lower-case, fold accents, drop stop words, stem (skipped for spelling words)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=STOPWORDS[lang], minsize=2)
        # The stem function carries its own LRU cache, so Whoosh's per-filter cache is off.
        | StemFilter(stemfn=STEM_FUNCTIONS[lang], cachesize=None)
    )


def ticket_analyzer() -> Analyzer:
    """Tickets carry no language: French stemming (the helpdesk's main language), both stop lists."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | FoldFilter()
        | StopFilter(stoplist=STOPWORDS_ANY, minsize=2)
        | StemFilter(stemfn=STEM_FUNCTIONS["fr"], cachesize=None)
    )


def words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) for each word of `text`, stop words included."""
    return [(fold(m.group()), m.start(), m.end()) for m in WORD_PATTERN.finditer(text or "")]
