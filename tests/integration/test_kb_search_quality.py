"""What users notice about search quality, through the API with real Whoosh indexes: "did you
mean" written as the articles write it, typo-tolerant matches marked in snippets, and
as-you-type suggestions that follow the words telling what the request is about."""
from __future__ import annotations

import pytest

ARTICLES = [
    dict(title="Réinitialiser le mot de passe de l'espace client",
         body="Pour **réinitialiser** votre mot de passe, cliquez sur « Mot de passe oublié ». "
              "Un courriel de réinitialisation vous est envoyé."),
    dict(title="Régler une facture impayée",
         body="Une facture impayée entraîne une relance. Réglez le montant dû par carte bancaire depuis "
              "la rubrique Paiement de l'espace client."),
    dict(title="Imprimante bloquée : dégager une feuille coincée",
         body="Quand l'imprimante reste bloquée, éteignez-la, ouvrez le capot avant et retirez doucement "
              "la feuille coincée."),
    dict(title="Imprimer en recto verso",
         body="Les modèles du catalogue impriment en recto verso : cochez « Recto verso » avant de lancer "
              "l'impression."),
    dict(title="Améliorer le débit de votre wifi",
         body="Placez la box en hauteur, loin du micro-ondes, et laissez le choix automatique du canal wifi."),
    dict(title="Redémarrer votre box internet",
         body="Débranchez la box trente secondes puis rebranchez-la ; le voyant passe au blanc fixe."),
    dict(title="Le lave-linge ne marche plus : que vérifier ?",
         body="Si le lave-linge ne démarre plus, vérifiez le hublot et la prise. Il ne marche toujours pas ? "
              "Contactez-nous."),
    dict(title="Votre réfrigérateur ne refroidit plus",
         body="Le réfrigérateur ne marche plus correctement : vérifiez le thermostat et le joint de porte. "
              "Plus rien ne marche ? Contactez-nous."),
]
BOX_AND_WIFI = {"Améliorer le débit de votre wifi", "Redémarrer votre box internet"}
APPLIANCES = {"Le lave-linge ne marche plus : que vérifier ?", "Votre réfrigérateur ne refroidit plus"}


@pytest.fixture()
def corpus(app, factory):
    return _published(app, factory, ARTICLES)


def _published(app, factory, articles):
    """An agent publishes `articles` (indexed on commit); Alice is a customer who searches them."""
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    app.config.update(KB_INDEX_ON_COMMIT=True)
    agent = factory.user("agent", email="agent@example.com")
    factory.user("customer", email="alice@example.com", name="Alice Martin")
    with app.app_context():
        author = db.session.get(User, agent)
        for spec in articles:
            service.create_article(db.session, author, {**spec, "status": "published"}, utcnow())
            db.session.commit()
    return app


def ask(client, auth, path, q, email="alice@example.com"):
    token = auth.token(email)
    response = client.get(f"/api/v1/kb/{path}", query_string={"q": q}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titles(data):
    return [item["title"] for item in data["items"]]


# --- "did you mean" is written as the articles write it --------------------------------------


def test_a_typo_is_corrected_to_the_accented_word_of_the_articles(corpus, client, auth):
    data = ask(client, auth, "search", "reinitialsier mot de passe")
    assert data["suggestion"] == "réinitialiser mot de passe"
    assert data["corrected"] is True
    assert titles(data) == ["Réinitialiser le mot de passe de l'espace client"]


def test_an_unfinished_word_is_completed_and_the_other_words_get_their_accents_back(corpus, client, auth):
    data = ask(client, auth, "search", "factur impayee")
    assert data["suggestion"] == "facture impayée"
    # Both spellings find the same article: it is shown, the suggestion only fixes the spelling.
    assert data["corrected"] is False
    assert titles(data) == ["Régler une facture impayée"]
    page = client.get("/help/search", query_string={"q": "factur impayee"}).get_data(as_text=True)
    assert "Vouliez-vous dire" in page and "<strong>facture impayée</strong>" in page


@pytest.mark.parametrize("typed, meant", [
    ("reinitialisaton", "réinitialisation"),   # the stemmer cannot cut a misspelt ending
    ("Reinitialisaton du mot de pase", "Réinitialisation du mot de passe"),
])
def test_a_typo_in_a_word_ending_is_corrected(corpus, client, auth, typed, meant):
    data = ask(client, auth, "search", typed)
    assert data["suggestion"] == meant and data["corrected"] is True
    assert titles(data) == ["Réinitialiser le mot de passe de l'espace client"]


@pytest.mark.parametrize("typed", ["imprimnte bloquee", "imprimamte bloquee"])
def test_when_the_closest_word_finds_nothing_the_next_closest_is_tried(corpus, client, auth, typed):
    # "imprimnte" is one letter from "impriment" (in another article) and from "imprimante"; only
    # "imprimante" goes with "bloquée". ("imprimamte": two from "impriment", and "imprim" + a
    # mistyped "ante".)
    data = ask(client, auth, "search", typed)
    assert data["suggestion"] == "imprimante bloquée" and data["corrected"] is True
    assert titles(data) == ["Imprimante bloquée : dégager une feuille coincée"]


def test_the_suggestion_keeps_the_capital_the_user_typed(corpus, client, auth):
    assert ask(client, auth, "search", "Reinitialsier")["suggestion"] == "Réinitialiser"


def test_words_typed_without_accents_alone_are_not_questioned(corpus, client, auth):
    data = ask(client, auth, "search", "facture impayee")
    assert data["suggestion"] is None and titles(data) == ["Régler une facture impayée"]


def test_a_stop_word_of_one_language_is_not_required_of_the_other(corpus, client, auth):
    # "de" is a French stop word but not an English one: the French article still matches every word.
    data = ask(client, auth, "search", "mot de passe")
    assert titles(data) == ["Réinitialiser le mot de passe de l'espace client"]
    assert data["approximate"] is False


# --- typo-tolerant matches are marked ----------------------------------------------------------


def test_a_word_matched_only_through_typo_tolerance_is_marked_in_the_snippet(corpus, client, auth):
    data = ask(client, auth, "search", "imprimnte bloquee")
    snippet = data["items"][0]["snippet"]
    assert "<mark>imprimante</mark>" in snippet and "<mark>bloquée</mark>" in snippet


def test_a_typo_in_a_hyphenated_word_is_tolerated(corpus, client, auth):
    data = ask(client, auth, "search", "recto-verco")
    assert titles(data) == ["Imprimer en recto verso"] and data["approximate"] is True
    assert "<mark>verso</mark>" in data["items"][0]["snippet"]


# --- as-you-type suggestions follow the telling words ------------------------------------------


def test_suggestions_follow_the_telling_words_not_the_common_ones(corpus, client, auth):
    data = ask(client, auth, "suggest", "ma box wifi ne marche plus")
    assert set(titles(data)) == BOX_AND_WIFI  # the appliances "ne marche plus" too, and are left out
    assert "marche" not in str(data["items"])  # snippets mark the words that chose them


def test_suggestions_while_the_last_word_is_being_typed(corpus, client, auth):
    assert set(titles(ask(client, auth, "suggest", "ma box wifi ne march"))) == BOX_AND_WIFI
    assert set(titles(ask(client, auth, "suggest", "mon lave-li"))) == {"Le lave-linge ne marche plus : que vérifier ?"}


def test_a_request_made_only_of_common_words_suggests_nothing(corpus, client, auth):
    assert ask(client, auth, "suggest", "ça ne marche plus du tout")["items"] == []


def test_suggestions_need_half_of_the_telling_words(corpus, client, auth):
    # "box", "voyant" and "fixe" are all in one article; the wifi article has "box" only (1 of 3).
    assert titles(ask(client, auth, "suggest", "box voyant fixe")) == ["Redémarrer votre box internet"]


def test_suggestions_on_the_demo_knowledge_base(app, runner, factory, client, auth):
    app.config.update(KB_INDEX_ON_COMMIT=True)
    result = runner.invoke(args=["demo", "seed", "--customers", "0", "--tickets", "0", "--articles", "60", "--quiet"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    factory.user("customer", email="alice@example.com")
    data = ask(client, auth, "suggest", "ma box wifi ne marche plus")
    assert data["items"] and all("box" in t.lower() or "wi-fi" in t.lower() for t in titles(data)), titles(data)
    assert not any(word in t.lower() for t in titles(data) for word in ("réfrigérateur", "lave-linge"))


# --- hyphenated and glued words find each other --------------------------------------------------

COMPOUND_ARTICLES = [
    dict(title="Partager le Wi-Fi avec vos invités",
         body="Le code Wi-Fi invité est imprimé au dos de la box."),
    dict(title="Améliorer le débit du wifi",
         body="Placez la box en hauteur, loin des murs épais."),
    dict(title="Recevoir vos factures par e-mail",
         body="Activez l'envoi par e-mail dans vos préférences."),
    dict(title="Changer l'adresse email du compte",
         body="Votre adresse email sert à recevoir les avis de paiement."),
    dict(title="Prendre rendez-vous avec un technicien",
         body="Choisissez un créneau dans l'espace client."),
]
WIFI = {"Partager le Wi-Fi avec vos invités", "Améliorer le débit du wifi"}
EMAIL = {"Recevoir vos factures par e-mail", "Changer l'adresse email du compte"}


@pytest.fixture()
def compounds(app, factory):
    return _published(app, factory, COMPOUND_ARTICLES)


@pytest.mark.parametrize("typed", ["wifi", "wi-fi", "Wi-Fi", "WiFi"])
def test_wifi_finds_articles_writing_it_hyphenated_or_glued(compounds, client, auth, typed):
    data = ask(client, auth, "search", typed)
    assert set(titles(data)) == WIFI
    assert data["approximate"] is False and data["corrected"] is False
    assert set(titles(ask(client, auth, "suggest", typed))) == WIFI


@pytest.mark.parametrize("typed", ["email", "e-mail"])
def test_email_finds_articles_writing_it_hyphenated_or_glued(compounds, client, auth, typed):
    assert set(titles(ask(client, auth, "search", typed))) == EMAIL
    assert set(titles(ask(client, auth, "suggest", f"recevoir un {typed}"))) >= EMAIL


@pytest.mark.parametrize("typed", ["rendez-vous technicien", "rendez vous technicien", "rendezvous technicien"])
def test_rendez_vous_with_or_without_the_hyphen(compounds, client, auth, typed):
    assert titles(ask(client, auth, "search", typed)) == ["Prendre rendez-vous avec un technicien"]


def test_the_snippet_marks_the_word_as_the_article_writes_it(compounds, client, auth):
    data = ask(client, auth, "search", "wifi invite")
    assert titles(data) == ["Partager le Wi-Fi avec vos invités"]
    assert "<mark>Wi-Fi</mark>" in data["items"][0]["snippet"]


def test_as_you_type_a_hyphenated_word_being_typed(compounds, client, auth):
    assert set(titles(ask(client, auth, "suggest", "partager le wi-f"))) >= {"Partager le Wi-Fi avec vos invités"}
    assert set(titles(ask(client, auth, "suggest", "code wif"))) == WIFI


@pytest.mark.parametrize("phrase", ['"code wi-fi invité"', '"code wifi"', '"wifi invité"', '"adresse e-mail"'])
def test_a_phrase_with_a_hyphenated_or_glued_word(compounds, client, auth, phrase):
    expected = "Changer l'adresse email du compte" if "adresse" in phrase else "Partager le Wi-Fi avec vos invités"
    data = ask(client, auth, "search", phrase)
    assert titles(data) == [expected] and data["approximate"] is False
