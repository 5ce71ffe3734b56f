"""How knowledge-base searches are normalised, grouped and screened for personal data before they
count as missing articles (no app, no database)."""
from datetime import datetime, timedelta, timezone

import pytest

from knowledge_base.misses import (
    draft_title,
    looks_personal,
    normalise_search,
    query_key,
    read_search,
    search_language,
    sign_search,
    unique_instant,
)


@pytest.mark.parametrize("variant", ["Imprimantes bloquées", "bloquée imprimante", "IMPRIMANTE BLOQUEE",
                                     "l'imprimante est bloquée", "imprimante  bloquée imprimante"])
def test_similar_french_queries_share_a_key(variant):
    assert query_key(variant, "fr") == query_key("imprimante bloquée", "fr") == "bloque imprim"


def test_english_queries_are_stemmed_with_the_english_analyser():
    assert query_key("printers stuck", "en") == query_key("Stuck printer", "en") == "printer stuck"
    # "the" is an English stop word, not a French one.
    assert "the" not in query_key("the printer", "en")


def test_hyphenated_words_group_with_their_joined_form():
    assert query_key("Wi-Fi", "fr") == query_key("wifi", "fr")


def test_quotes_and_excluded_words_do_not_change_the_key():
    assert query_key('"mot de passe"', "fr") == query_key("mot de passe", "fr")
    assert query_key("box -fibre", "fr") == query_key("box", "fr")


def test_the_key_fits_its_column_and_is_cut_on_a_word():
    key = query_key(" ".join(f"mot{i:03d}x" for i in range(60)), "fr")
    assert len(key) <= 200 and not key.endswith(" ")


def test_the_query_is_kept_trimmed_lower_cased_with_spaces_collapsed():
    search = normalise_search("  Imprimante   BLOQUÉE ", "fr")
    assert (search.query, search.key, search.language) == ("imprimante bloquée", "bloque imprim", "fr")


@pytest.mark.parametrize("text", ["", " ", "a", "é", "le la de", "?!", None, 42])
def test_empty_one_letter_or_stop_word_queries_are_not_recorded(text):
    assert normalise_search(text, "fr") is None


@pytest.mark.parametrize("text", [
    "jean.dupont@example.com", "facture jean@exemple.fr", "appeler 06 12 34 56 78", "0612345678",
    "+33 6 12 34 56 78", "+44 20 7946 0958", "contrat 12345678", "carte 4970 1012 3456 7890",
    "FR76 3000 6000 0112 3456 7890 189", "imei 356938035643809",
])
def test_queries_holding_personal_data_are_dropped_entirely(text):
    assert looks_personal(text)
    assert normalise_search(text, "fr") is None


@pytest.mark.parametrize("text", ["erreur 0x80070005", "ticket 10023", "facture 2024", "code postal 75011",
                                  "box 4K", "version 2.4.1", "écran 24 27 pouces"])
def test_ordinary_queries_with_numbers_are_kept(text):
    assert not looks_personal(text)
    assert normalise_search(text, "fr") is not None


def test_the_language_counted_is_the_one_searched_else_the_interface_language():
    assert search_language(["en"], "fr") == "en"
    assert search_language(None, "en") == "en"
    assert search_language(["fr", "en"], "en") == "en"
    assert search_language(None, None) == "fr"
    assert search_language(None, "de") == "fr"


def test_result_links_carry_the_signed_instant_of_the_search():
    searched_at = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=timezone.utc)
    token = sign_search(searched_at, "secret")
    assert read_search(token, "secret") == searched_at
    assert read_search(token, "another secret") is None
    micros, signature = token.split(".", 1)
    assert read_search(f"{int(micros) + 1}.{signature}", "secret") is None
    assert read_search(micros, "secret") is None
    assert read_search(None, "secret") is None and read_search("", "secret") is None


def test_two_searches_of_one_process_never_share_an_instant():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    first, second, earlier = unique_instant(now), unique_instant(now), unique_instant(now - timedelta(seconds=1))
    assert first < second < earlier and second - first == timedelta(microseconds=1)


def test_a_draft_title_is_the_query_capitalised():
    assert draft_title("imprimante bloquée") == "Imprimante bloquée"
