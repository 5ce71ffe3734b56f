"""Text analysis and query rules of the knowledge-base search, without an app or an index."""
from datetime import datetime, timedelta, timezone

import pytest

from knowledge_base.analysis import fold, index_term, language_analyzer, part_terms, ticket_analyzer
from knowledge_base.matching import AtLeast
from knowledge_base.search import (
    Target,
    Viewer,
    article_target,
    build_query,
    check_fields,
    highlight,
    highlight_terms,
    is_weak,
    parse,
    ticket_target,
)
from knowledge_base.spelling import edit_distance
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


def test_elided_articles_are_separate_words():
    assert terms("l'application") == terms("application")


# --- hyphenated and glued words ------------------------------------------------------------------


@pytest.mark.parametrize("hyphenated, glued", [
    ("Wi-Fi", "wifi"),
    ("e-mail", "email"),
    ("re-démarrer", "redémarrer"),
    ("rendez-vous", "rendezvous"),
    ("Wi\u2011Fi", "WiFi"),  # a non-breaking hyphen
])
def test_a_hyphenated_word_is_also_indexed_glued(hyphenated, glued):
    assert len(terms(glued)) == 1 and terms(glued)[0] in terms(hyphenated)
    assert index_term(fold(hyphenated), "fr") == index_term(fold(glued), "fr") == terms(glued)[0]
    assert index_term(fold(hyphenated), "en") == terms(glued, "en")[0]


def test_a_hyphenated_word_keeps_its_parts_except_stop_words_and_single_letters():
    assert set(terms("Wi-Fi")) == {"wif", "wi", "fi"}
    assert set(terms("e-mail")) == {"email", "mail"}  # "e": too short on its own
    assert set(terms("rendez-vous")) == {"rendezvous", "rend"}  # "vous": a stop word
    assert set(terms("mots-clés")) == set(terms("motsclés") + terms("mots clés"))
    assert part_terms("mots-cles", "fr") == ("mot", "cle") and part_terms("wifi", "fr") == ()


def test_the_query_terms_of_a_hyphenated_word_are_what_the_index_holds():
    for written in ("Wi-Fi", "e-mail", "rendez-vous", "a-t-il", "BOX-X200", "v2.1-beta"):
        for lang in ("fr", "en"):
            folded = fold(written)
            expected = {t for t in (index_term(folded, lang), *part_terms(folded, lang)) if t}
            assert set(terms(written, lang)) == expected, (written, lang)
    assert {t.text for t in ticket_analyzer()("Wi-Fi")} == {"wif", "wi", "fi"}


def test_the_glued_form_stands_at_the_first_and_last_position_of_the_parts():
    tokens = [(t.text, t.pos) for t in language_analyzer("fr")("le Wi-Fi gratuit", positions=True)]
    assert sorted(tokens, key=lambda t: (t[1], t[0])) == [("wi", 1), ("wif", 1), ("fi", 2), ("wif", 2), ("gratuit", 3)]


def test_a_query_reads_a_hyphenated_word_as_one_word():
    assert [(c.words, c.exclude) for c in parse("box wi-fi -e-mail lave-")] == [
        (("box",), False), (("wi-fi",), False), (("e-mail",), True), (("lave",), False)]
    assert parse('"code wi-fi invité"')[0].words == ("code", "wi-fi", "invite")


def test_a_hyphenated_query_word_looks_for_the_joined_form_or_the_parts_in_a_row():
    from whoosh import query

    q = build_query(parse("wi-fi"), article_target(Viewer(), ["fr"]))
    assert set(q.children()) == {query.Term("head_public_fr", "wif"), query.Phrase("head_public_fr", ["wi", "fi"]),
                                 query.Term("body_public_fr", "wif"), query.Phrase("body_public_fr", ["wi", "fi"])}
    prefixes = [n for n in build_query(parse("lave-li"), article_target(Viewer(), ["fr"]), mode="or",
                                       prefix_last=True).leaves() if isinstance(n, query.Prefix)]
    assert {p.text for p in prefixes} == {"laveli"}


def _search_texts(texts, typed, **options):
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    schema = Schema(id=ID(stored=True), body_public_fr=TEXT(analyzer=language_analyzer("fr")))
    index = RamStorage().create_index(schema)
    with index.writer() as writer:
        for number, text in enumerate(texts):
            writer.add_document(id=str(number), body_public_fr=text)
    target = Target((("body_public_fr", "fr"),))
    with index.searcher() as searcher:
        return {texts[int(hit["id"])] for hit in searcher.search(build_query(parse(typed), target, **options),
                                                                  limit=None)}


def test_hyphenated_and_glued_spellings_find_each_other_both_ways():
    texts = ["le Wi-Fi gratuit", "activer le wifi", "le wi fi", "par e-mail", "un email", "le mail", "wiki fil"]
    assert _search_texts(texts, "wifi") == {"le Wi-Fi gratuit", "activer le wifi"}
    assert _search_texts(texts, "WiFi") == _search_texts(texts, "Wi-Fi") - {"le wi fi"} == {
        "le Wi-Fi gratuit", "activer le wifi"}
    assert _search_texts(texts, "wi-fi") == {"le Wi-Fi gratuit", "activer le wifi", "le wi fi"}
    assert _search_texts(texts, "email") == {"par e-mail", "un email"}
    assert _search_texts(texts, "e-mail") == {"par e-mail", "un email", "le mail"}
    assert _search_texts(texts, "wi -wifi") == {"le wi fi"}  # excluding one spelling excludes both
    # Being typed: "wi-f" is on its way to "wi-fi" or "wifi" (and "wi" is a part already typed).
    assert _search_texts(texts, "box wi-f", mode="or", prefix_last=True) == {"le Wi-Fi gratuit", "activer le wifi",
                                                                            "le wi fi"}


def test_phrases_with_a_hyphenated_or_glued_word():
    texts = ["activer le Wi-Fi gratuit", "activer le wifi gratuit", "le Wi-Fi payant", "gratuit le wifi",
             "mot de passe oublié", "passe mot"]
    both = {"activer le Wi-Fi gratuit", "activer le wifi gratuit"}
    assert _search_texts(texts, '"activer le wi-fi gratuit"') == both
    assert _search_texts(texts, '"wi-fi gratuit"') == both
    assert _search_texts(texts, '"wifi gratuit"') == both  # glued, at the end of a phrase
    assert _search_texts(texts, '"activer le wifi"') == both  # glued, at the start of a phrase
    assert _search_texts(texts, '"mot de passe"') == {"mot de passe oublié"}


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


def test_highlight_marks_a_hyphenated_word_found_by_its_glued_form_and_back():
    assert "<mark>Wi-Fi</mark>" in highlight("Le code Wi-Fi est au dos.", {index_term("wifi", "fr")}, "fr")
    assert "<mark>wifi</mark>" in highlight("Le code wifi est au dos.", {index_term("wi-fi", "fr")}, "fr")
    assert "<mark>lave-linge</mark>" in highlight("Le lave-linge fuit.", set(), "fr", prefixes=("laveli",))


def test_highlight_shows_the_part_of_a_long_text_with_the_match():
    text = "Introduction. " * 60 + "Le décodeur redémarre seul." + " Fin." * 60
    snippet = highlight(text, {index_term("decodeur", "fr")}, "fr", width=120)
    assert "<mark>décodeur</mark>" in snippet and snippet.startswith("…") and len(snippet) < 260


def test_a_stop_word_of_one_language_is_only_looked_for_in_the_other():
    q = build_query(parse("mot de passe"), article_target(Viewer()))
    by_language = {}
    for branch in q.children():
        languages = {leaf.fieldname[-2:] for leaf in branch.leaves()}
        assert len(languages) == 1  # each language's words are required of that language's fields only
        by_language[languages.pop()] = {leaf.text for leaf in branch.leaves()}
    assert by_language == {"fr": {"mot", "pass"}, "en": {"mot", "de", "pass"}}


def test_as_you_type_common_support_words_only_add_to_the_score():
    target = article_target(Viewer(), ["fr"])
    q = build_query(parse("ma box wifi ne marche plus"), target, mode="or", prefix_last=True)
    assert isinstance(q, AtLeast) and q.minimum == 1
    assert {leaf.text for part in q.required for leaf in part.leaves()} == {"box", "wif"}
    assert {leaf.text for part in q.optional for leaf in part.leaves()} == {"march", "plus"}
    assert build_query(parse("ça ne marche plus"), target, mode="or", prefix_last=True) is None


def test_a_share_of_the_telling_words_may_be_required():
    q = build_query(parse("box voyant fixe"), article_target(Viewer(), ["fr"]), mode="or", min_share=0.5)
    assert isinstance(q, AtLeast) and q.minimum == 2 and not q.optional


def test_weak_words_include_the_beginning_of_one_being_typed():
    assert is_weak("marche", "fr") and is_weak("probleme", "fr") and is_weak("working", "en")
    assert not is_weak("box", "fr") and not is_weak("fonc", "fr")
    assert is_weak("fonc", "fr", unfinished=True)  # "fonctionne" on its way
    assert is_weak("appareil", "fr", common=lambda lang, term: term == "appareil")


def test_snippets_mark_what_a_fuzzy_query_matched_not_what_was_typed():
    target = article_target(Viewer(), ["fr"])
    q = build_query(parse("imprimnte -laser"), target, mode="fuzzy",
                    expand=lambda field, term, maxdist: ["imprim", "impriment"])
    terms = highlight_terms(q, target)["fr"]
    assert terms == {"imprim", "impriment"}  # the excluded word is not marked
    assert "<mark>imprimante</mark>" in highlight("Quand l'imprimante laser reste bloquée", terms, "fr")


def test_at_least_finds_documents_with_enough_of_the_required_words():
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage
    from whoosh.query import Term

    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=language_analyzer("fr")))
    index = RamStorage().create_index(schema)
    texts = ["box voyant fixe", "box voyant", "box plus", "plus plus", "voyant fixe plus", "wifi"]
    for start in (0, 3):  # two segments
        writer = index.writer()
        for number, text in enumerate(texts[start:start + 3], start):
            writer.add_document(id=str(number), body=text)
        writer.commit(merge=False)
    required = [Term("body", "box"), Term("body", "voi"), Term("body", "fix")]
    with index.searcher() as searcher:
        def found(q):
            return {hit["id"]: hit.score for hit in searcher.search(q, limit=None)}

        two_of_three = found(AtLeast(required, [Term("body", "plus")], minimum=2))
        assert set(two_of_three) == {"0", "1", "4"}  # "box plus": one required word; "plus plus": none
        assert set(found(AtLeast(required, minimum=3))) == {"0"}
        assert set(found(AtLeast(required, minimum=1))) == {"0", "1", "2", "4"}
        assert two_of_three["4"] > found(AtLeast(required, minimum=2))["4"]  # the optional word adds


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


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LETTERS = "abcdefghijklmnopqrstuvwxyzéèêàâçîïôûùœæÉÈÀÇŒ"


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet=_LETTERS, min_size=1, max_size=9), min_size=1, max_size=3),
       st.sampled_from(("fr", "en", "ticket")))
def test_snippets_never_skip_a_word_they_should_mark(parts, lang):
    """Snippets stem only the words whose opening could be a searched term's; a word written
    with accents, capitals or hyphens is never skipped when one of its terms was searched."""
    from knowledge_base.analysis import may_index_under, word_terms

    word = "-".join(parts)
    _, _, terms = word_terms(word, lang)
    for term in terms:
        assert may_index_under(word, {term[:2]})
