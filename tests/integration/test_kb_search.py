"""Searching the knowledge base and past tickets as users do, through the API, with real Whoosh
indexes in the test's instance folder: languages, accents, typos, and what a customer must never see."""
from __future__ import annotations

import pytest

ARTICLES = [
    dict(title="Réinitialiser le mot de passe de l'espace client",
         body="Pour **réinitialiser** votre mot de passe, cliquez sur « Mot de passe oublié ». "
              "Un courriel de réinitialisation vous est envoyé.", tags=["compte"], status="published"),
    dict(title="Redémarrer la box quand le voyant clignote en rouge",
         body="Débranchez l'alimentation de la box, attendez dix secondes puis rebranchez-la. "
              "Le décodeur redémarre ensuite tout seul.", tags=["box", "panne"], status="published"),
    dict(title="Reset your customer account password", language="en",
         body="To reset your password, click *Forgot password* and follow the e-mail.", status="published"),
    dict(title="Procédure interne de remboursement exceptionnel", visibility="internal",
         body="Geste commercial plafonné : validation du superviseur pour tout remboursement exceptionnel.",
         status="published"),
    dict(title="Brouillon : nouvelle offre fibre confidentielle",
         body="Offre confidentielle pas encore annoncée : fibre ultrarapide à prix cassé.", status="draft"),
]


@pytest.fixture()
def kb_app(app):
    app.config.update(KB_INDEX_ON_COMMIT=True)
    return app


class World:
    def __init__(self, app, factory):
        from helpdesk.extensions import db
        from helpdesk.models import User, utcnow
        from knowledge_base import service

        self.app = app
        self.agent = factory.user("agent", email="agent@example.com")
        self.customer = factory.user("customer", email="alice@example.com", name="Alice Martin")
        self.other = factory.user("customer", email="bruno@example.com", name="Bruno Durand")
        self.articles = {}
        with app.app_context():
            # A customer account is linked to (or creates) the customer card with its e-mail.
            self.customer_id = db.session.get(User, self.customer).customer_id
            self.other_customer_id = db.session.get(User, self.other).customer_id
            author = db.session.get(User, self.agent)
            for spec in ARTICLES:
                article = service.create_article(db.session, author, dict(spec), utcnow())
                db.session.commit()
                self.articles[spec["title"]] = article.id


@pytest.fixture()
def world(kb_app, factory):
    return World(kb_app, factory)


def search(client, auth, email, q, **params):
    token = auth.token(email)
    response = client.get("/api/v1/kb/search", query_string={"q": q, **params},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titles(data):
    return [item["title"] for item in data["items"]]


def test_a_french_query_without_accents_finds_the_accented_article(world, client, auth):
    data = search(client, auth, "alice@example.com", "reinitialiser mot de passe")
    assert titles(data)[0] == "Réinitialiser le mot de passe de l'espace client"
    assert "<mark>" in data["items"][0]["snippet"]


def test_inflected_and_accented_forms_match(world, client, auth):
    assert "Redémarrer la box quand le voyant clignote en rouge" in titles(
        search(client, auth, "alice@example.com", "redemarrage decodeur"))


def test_english_query_finds_the_english_article_and_lang_filters(world, client, auth):
    data = search(client, auth, "alice@example.com", "resetting passwords")
    assert titles(data)[0] == "Reset your customer account password"
    french_only = search(client, auth, "alice@example.com", "resetting passwords", lang="fr")
    assert "Reset your customer account password" not in titles(french_only)


def test_a_typo_gets_a_did_you_mean_and_results(world, client, auth):
    data = search(client, auth, "alice@example.com", "reinitialsier")
    assert data["suggestion"] == "réinitialiser"  # spelled as the articles spell it
    assert data["corrected"] is True
    assert titles(data)[0] == "Réinitialiser le mot de passe de l'espace client"


def test_a_phrase_must_match_in_order(world, client, auth):
    assert titles(search(client, auth, "alice@example.com", '"mot de passe oublié"')) == [
        "Réinitialiser le mot de passe de l'espace client"]
    assert search(client, auth, "alice@example.com", '"passe mot"')["items"] == [] or \
        search(client, auth, "alice@example.com", '"passe mot"')["approximate"]


def test_a_customer_never_sees_drafts_or_internal_articles_in_results_or_counts(world, client, auth):
    for q in ("remboursement exceptionnel", "superviseur", "offre confidentielle", "fibre ultrarapide"):
        data = search(client, auth, "alice@example.com", q)
        assert data["items"] == [] and data["total"] == 0, q
        assert data["suggestion"] is None
    # An agent finds the internal procedure, never the draft.
    staff = search(client, auth, "agent@example.com", "remboursement exceptionnel")
    assert titles(staff) == ["Procédure interne de remboursement exceptionnel"]
    assert staff["items"][0]["visibility"] == "internal"
    assert search(client, auth, "agent@example.com", "offre confidentielle")["total"] == 0


def test_a_customer_cannot_read_a_draft_or_internal_article_by_id_or_page(world, client, auth):
    token = auth.token("alice@example.com")
    for title in ("Procédure interne de remboursement exceptionnel", "Brouillon : nouvelle offre fibre confidentielle"):
        article_id = world.articles[title]
        assert client.get(f"/api/v1/kb/articles/{article_id}",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 404
    auth.login("alice@example.com")
    internal = client.get(f"/api/v1/kb/articles/{world.articles[ARTICLES[3]['title']]}").get_json()
    assert internal["error"]["code"] == "not_found"
    assert client.get("/help/search", query_string={"q": "superviseur"}).data.count(b"<mark>") == 0


def test_the_index_follows_edits_visibility_changes_and_deletes(world, client, auth):
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service
    from knowledge_base.models import Article

    article_id = world.articles["Redémarrer la box quand le voyant clignote en rouge"]
    with world.app.app_context():
        agent = db.session.get(User, world.agent)
        service.update_article(db.session, agent, article_id, {"body": "Vérifiez le câble optique."}, utcnow())
        db.session.commit()
    assert search(client, auth, "alice@example.com", "cable optique")["total"] == 1
    assert search(client, auth, "alice@example.com", "alimentation")["total"] == 0

    with world.app.app_context():
        service.update_article(db.session, db.session.get(User, world.agent), article_id,
                               {"visibility": "internal"}, utcnow())
        db.session.commit()
    assert search(client, auth, "alice@example.com", "cable optique")["total"] == 0
    assert search(client, auth, "agent@example.com", "cable optique")["total"] == 1

    with world.app.app_context():
        service.archive_article(db.session, db.session.get(User, world.agent), article_id, utcnow())
        db.session.commit()
    assert search(client, auth, "agent@example.com", "cable optique")["total"] == 0

    with world.app.app_context():
        db.session.delete(db.session.get(Article, world.articles[ARTICLES[0]["title"]]))
        db.session.commit()
    assert search(client, auth, "agent@example.com", "reinitialiser")["total"] == 0


def test_a_rolled_back_change_is_never_indexed(world, client, auth):
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    with world.app.app_context():
        service.create_article(db.session, db.session.get(User, world.agent),
                               {"title": "Article fantôme", "body": "zorglub", "status": "published"}, utcnow())
        db.session.rollback()
    assert search(client, auth, "agent@example.com", "zorglub")["total"] == 0


def test_categories_and_products_filter_results(world, client, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Product, User, utcnow
    from knowledge_base import service

    with world.app.app_context():
        agent = db.session.get(User, world.agent)
        parent = service.create_category(db.session, agent, {"name": "Internet"})
        child = service.create_category(db.session, agent, {"name": "Box", "parent": parent.id})
        db.session.add(Product(sku="BOX-X200", name="Box X200"))
        db.session.commit()
        service.update_article(db.session, agent, world.articles[ARTICLES[1]["title"]],
                               {"category": child.id, "product_skus": ["BOX-X200"]}, utcnow())
        db.session.commit()
    assert search(client, auth, "alice@example.com", "box", category="internet")["total"] == 1  # parent finds child
    assert search(client, auth, "alice@example.com", "box", product="BOX-X200")["total"] == 1
    assert search(client, auth, "alice@example.com", "box", product="OTHER")["total"] == 0


# --- past tickets ------------------------------------------------------------------------------


def _ticket_with_note(world, factory, customer_id, subject, reply, note):
    from helpdesk.extensions import db
    from helpdesk.models import Message

    ticket_id = factory.ticket(customer_id=customer_id, subject=subject)
    with world.app.app_context():
        db.session.add(Message(ticket_id=ticket_id, kind="reply", body=f"<p>{reply}</p>"))
        db.session.add(Message(ticket_id=ticket_id, kind="note", body=f"<p>{note}</p>"))
        db.session.commit()
    return ticket_id


def ticket_search(client, auth, email, q):
    token = auth.token(email)
    response = client.get("/api/v1/search/tickets", query_string={"q": q},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.get_json()


def test_an_agent_finds_how_a_similar_case_was_solved_including_notes(world, factory, client, auth):
    mine = _ticket_with_note(world, factory, world.customer_id, "Télévision sans son",
                             "Nous avons réinitialisé le décodeur à distance.", "Client pénible, escalade Kevin")
    data = ticket_search(client, auth, "agent@example.com", "decodeur reinitialise")
    assert [item["id"] for item in data["items"]] == [mine]
    assert ticket_search(client, auth, "agent@example.com", "escalade kevin")["total"] == 1


def test_a_customer_searches_only_their_own_tickets_and_never_internal_notes(world, factory, client, auth):
    mine = _ticket_with_note(world, factory, world.customer_id, "Facture en double",
                             "Le second prélèvement sera remboursé.", "Vérifier fraude carte bancaire")
    _ticket_with_note(world, factory, world.other_customer_id, "Facture erronée",
                      "Avoir émis sur la facture.", "fraude avérée")
    data = ticket_search(client, auth, "alice@example.com", "facture")
    assert [item["id"] for item in data["items"]] == [mine] and data["total"] == 1
    for q in ("fraude", "carte bancaire", "avoir emis"):
        leaked = ticket_search(client, auth, "alice@example.com", q)
        assert leaked["items"] == [] and leaked["total"] == 0, q
    assert "fraude" not in str(ticket_search(client, auth, "alice@example.com", "prelevement"))


def test_a_ticket_created_over_the_api_is_found_by_the_next_search(world, client, auth):
    """Creation writes the ticket with Core statements, outside the unit of work the search index
    watches: it must still be indexed at its commit."""
    headers = {"Authorization": f"Bearer {auth.token('agent@example.com')}"}
    created = client.post("/api/v1/tickets", headers=headers, json={
        "subject": "Parabole désorientée après la tempête", "body": "Plus aucune chaîne satellite.",
        "customer_id": world.customer_id})
    assert created.status_code == 201, created.get_json()
    found = ticket_search(client, auth, "agent@example.com", "parabole tempete")
    assert [item["id"] for item in found["items"]] == [created.get_json()["id"]]


def test_an_agent_finds_a_ticket_writing_wi_fi_by_typing_wifi_and_back(world, factory, client, auth):
    hyphenated = _ticket_with_note(world, factory, world.customer_id, "Le Wi-Fi coupe le soir",
                                   "Canal changé sur la box.", "RAS")
    glued = _ticket_with_note(world, factory, world.customer_id, "Plus de wifi à l'étage",
                              "Répéteur conseillé.", "RAS")
    for typed in ("wifi", "wi-fi"):
        assert {item["id"] for item in ticket_search(client, auth, "agent@example.com", typed)["items"]} == {
            hyphenated, glued}, typed


def test_typo_vocabularies_are_read_ahead_after_the_first_search(world, client, auth):
    """The first search of a process (or after a rebuild) starts reading the typo-correction
    vocabularies in the background, so the next customer with a typo does not wait for them."""
    from knowledge_base import search as kb_search
    from knowledge_base.engine import kb
    from knowledge_base.spelling import warm_vocabularies

    search(client, auth, "alice@example.com", "box")
    with world.app.app_context():
        engine = kb()
    engine.wait_for_warm_up()
    staff = kb_search.article_target(kb_search.Viewer(staff=True))
    _, index = engine.store.open_index("articles")
    with index.reader() as reader:
        assert warm_vocabularies(reader, [name for name, _ in staff.fields]) == 0  # all there already
    assert titles(search(client, auth, "alice@example.com", "reinitialsier"))[0] == \
        "Réinitialiser le mot de passe de l'espace client"


def test_the_scoring_budget_is_a_setting_and_a_cut_short_count_says_so(world, client, auth):
    """Beyond the scoring budget a search shows the best matches seen and says "more than N"
    (total_exact false); a site may raise the budget for exact ranking on a big base."""
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    with world.app.app_context():
        service.create_article(db.session, db.session.get(User, world.agent), dict(
            title="Changer de box", body="La nouvelle box arrive sous trois jours.", status="published"), utcnow())
        db.session.commit()
    data = search(client, auth, "agent@example.com", "box")
    assert data["total"] == 2 and data["total_exact"] is True
    world.app.config["KB_SCORING_BUDGET_DOCS"] = 1
    data = search(client, auth, "agent@example.com", "box")
    assert data["total"] == 1 and data["total_exact"] is False and len(data["items"]) == 1


def test_past_tickets_show_why_they_matched_the_subject_marked_and_closest_results_said(world, factory, client,
                                                                                        auth):
    _ticket_with_note(world, factory, world.customer_id, "Carte SIM bloquée", "Code PUK envoyé par SMS.", "RAS")
    data = ticket_search(client, auth, "agent@example.com", "sim bloquee")
    assert data["items"][0]["subject_html"] == "Carte <mark>SIM</mark> <mark>bloquée</mark>"
    # Nothing has both words: the closest tickets are shown, and the page says so.
    auth.login("agent@example.com")
    page = client.get("/kb/search", query_string={"q": "imprimante bloquee"}).get_data(as_text=True)
    tickets = page.split("Tickets passés", 1)[1]
    assert "Aucun résultat exact : voici les plus proches." in tickets
    assert "<mark>bloquée</mark>" in tickets
