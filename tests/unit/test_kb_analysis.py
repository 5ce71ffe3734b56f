"""Text analysis and query rules of the knowledge-base search, without an app or an index."""
from datetime import datetime, timedelta, timezone

import pytest

from knowledge_base.analysis import fold, language_analyzer
from knowledge_base.search import (
    Viewer,
    article_target,
    build_query,
    check_fields,
    edit_distance,
    highlight,
    index_term,
    parse,
    ticket_target,
)
from knowledge_base.service import deflection_rate, diff_lines, slugify


def terms(text, lang="fr"):
    return [t.text for t in language_analyzer(lang)(text)]


@pytest.mark.parametrize("typed, written", [
    ("reinitialiser", "réinitialiser"),
    ("reinitialise", "Réinitialisé"),
    ("securite", "sécurité"),
    ("decodeur", "Décodeur"),
    ("oeuvre", "œuvre"),
    ("facture", "factures"),
    ("resilier", "résiliation"),
])
def test_a_french_word_typed_without_accents_matches_the_accented_one(typed, written):
    assert terms(typed) == terms(written) != []


def test_english_is_stemmed_with_english_rules():
    assert terms("resetting passwords", "en") == terms("reset password", "en") == ["reset", "password"]


def test_stop_words_are_dropped_in_each_language():
    assert terms("le mot de passe de la box") == ["mot", "pass", "box"]
    assert terms("the password of the router", "en") == ["password", "router"]
    assert terms("été") == []  # a French stop word, accent or not


def test_elided_articles_and_hyphens_split_words():
    assert terms("l'application") == terms("application")
    assert terms("wi-fi") == ["wi", "fi"]


def test_fold_lowercases_and_strips_accents():
    assert fold("Réinitialiser l’Œuvre À NOËL") == "reinitialiser l'oeuvre a noel"


def test_parse_reads_words_phrases_and_exclusions():
    clauses = parse('box "mot de passe" -fibre')
    assert [(c.words, c.exclude) for c in clauses] == [
        (("box",), False), (("mot", "de", "passe"), False), (("fibre",), True)]


def test_a_customer_query_only_names_public_fields():
    q = build_query(parse("facture internal:secret"), article_target(Viewer()))
    names = {getattr(n, "fieldname", None) for n in q.leaves()}
    assert names and all("_public_" in n for n in names)


def test_a_staff_query_names_internal_fields_too():
    q = build_query(parse("facture"), article_target(Viewer(staff=True)))
    names = {n.fieldname for n in q.leaves()}
    assert any("_internal_" in n for n in names) and any("_public_" in n for n in names)


def test_a_customer_ticket_query_never_names_internal_notes():
    customer = build_query(parse("remboursement"), ticket_target(Viewer(user_id=3, customer_ids=(7,))))
    staff = build_query(parse("remboursement"), ticket_target(Viewer(staff=True)))
    assert "notes" not in {n.fieldname for n in customer.leaves()}
    assert "notes" in {n.fieldname for n in staff.leaves()}


def test_field_syntax_or_match_all_cannot_widen_a_query():
    from whoosh import query

    target = article_target(Viewer())
    with pytest.raises(ValueError):
        check_fields(query.Term("body_internal_fr", "secret"), target.names())
    with pytest.raises(ValueError):
        check_fields(query.Every(), target.names())
    assert build_query(parse("*:* le la"), article_target(Viewer(), ["fr"])) is None  # stop words, symbols: nothing


def test_as_you_type_the_last_word_may_be_unfinished():
    q = build_query(parse("ma box ne se conn"), article_target(Viewer(), ["fr"]), mode="or", prefix_last=True)
    prefixes = [n for n in q.leaves() if n.__class__.__name__ == "Prefix"]
    assert {p.text for p in prefixes} == {"conn"}


def test_highlight_marks_matches_and_escapes_html():
    snippet = highlight("Pour <b>réinitialiser</b> la box, appuyez 10 secondes.", {index_term("reinitialiser", "fr")}, "fr")
    assert "<mark>réinitialiser</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet


def test_highlight_shows_the_part_of_a_long_text_with_the_match():
    text = "Introduction. " * 60 + "Le décodeur redémarre seul." + " Fin." * 60
    snippet = highlight(text, {index_term("decodeur", "fr")}, "fr", width=120)
    assert "<mark>décodeur</mark>" in snippet and snippet.startswith("…") and len(snippet) < 260


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("passe", "pasez") == 2
    assert edit_distance("facture", "factrue") == 1
    assert edit_distance("box", "box") == 0


def test_slug_is_ascii_and_readable():
    assert slugify("Réinitialiser votre box : étape 1 !") == "reinitialiser-votre-box-etape-1"


def test_version_diff_shows_removed_and_added_lines():
    lines = diff_lines("a\nb\nc", "a\nB\nc")
    assert [(l.op, l.text) for l in lines] == [(" ", "a"), ("-", "b"), ("+", "B"), (" ", "c")]


def test_deflection_rate_counts_forms_not_article_views():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    hour = timedelta(hours=1)
    events = [
        ("a1", "viewed", now - 5 * hour), ("a1", "viewed", now - 5 * hour),  # two articles, then left
        ("a2", "viewed", now - 4 * hour), ("a2", "submitted", now - 4 * hour),  # sent anyway
        ("a3", "viewed", now - timedelta(minutes=10)),  # too recent to tell
        ("a4", "viewed", now - 3 * hour),  # left
    ]
    stats = deflection_rate(events, now)
    assert (stats.attempts, stats.deflected, stats.submitted, stats.pending, stats.articles_viewed) == (4, 2, 1, 1, 5)
    assert stats.rate == pytest.approx(2 / 3, abs=0.001)
    assert deflection_rate([], now).rate is None
