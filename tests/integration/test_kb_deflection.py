"""Deflection: articles suggested while a customer types a request, what they opened, whether
they sent the request after all, and the rate the team lead sees."""
from __future__ import annotations

import pytest


@pytest.fixture()
def setup(app, factory):
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    app.config.update(KB_INDEX_ON_COMMIT=True)
    agent = factory.user("agent", email="agent@example.com")
    factory.user("customer", email="client@example.com")
    factory.user("lead", email="lead@example.com")
    with app.app_context():
        article = service.create_article(db.session, db.session.get(User, agent), {
            "title": "Ma box ne se connecte plus à internet", "status": "published",
            "body": "Redémarrez la box puis vérifiez le voyant **Internet**."}, utcnow())
        db.session.commit()
        return {"slug": article.slug, "id": article.id}


def test_articles_are_suggested_while_the_subject_is_typed(setup, client, auth):
    auth.login("client@example.com")
    page = client.get("/portal/requests/new").get_data(as_text=True)
    assert 'id="suggestions"' in page and "js/deflection.js" in page and 'name="kb_attempt"' in page
    data = client.get("/api/v1/kb/suggest", query_string={"q": "ma box ne se conn"}).get_json()
    assert [item["title"] for item in data["items"]] == ["Ma box ne se connecte plus à internet"]
    assert data["items"][0]["url"] == f"/help/articles/{setup['slug']}"


def test_a_viewed_suggestion_then_no_request_counts_as_deflected(setup, app, client, auth):
    from datetime import timedelta

    from helpdesk.extensions import db
    from helpdesk.models import utcnow
    from knowledge_base.models import DeflectionEvent

    auth.login("client@example.com")
    client.get(f"/help/articles/{setup['slug']}", query_string={"attempt": "attempt-one-123", "q": "ma box"})
    client.get(f"/help/articles/{setup['slug']}", query_string={"attempt": "attempt-two-456", "q": "box"})
    response = client.post("/portal/requests/new", data={"subject": "Box en panne", "body": "Toujours en panne.",
                                                         "product_id": "", "kb_attempt": "attempt-two-456"})
    assert response.status_code == 302
    with app.app_context():
        outcomes = sorted((e.attempt, e.outcome) for e in db.session.scalars(db.select(DeflectionEvent)))
        assert outcomes == [("attempt-one-123", "viewed"), ("attempt-two-456", "submitted"),
                            ("attempt-two-456", "viewed")]
        # An hour later, the first attempt is known to be deflected.
        for event in db.session.scalars(db.select(DeflectionEvent)):
            event.created_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    auth.logout()
    auth.login("lead@example.com")
    page = client.get("/lead").get_data(as_text=True)
    assert 'id="kb-deflection"' in page and "50.0 %" in page


def test_staff_and_visitors_reading_articles_are_not_counted(setup, app, client, auth):
    from helpdesk.extensions import db
    from knowledge_base.models import DeflectionEvent

    client.get(f"/help/articles/{setup['slug']}", query_string={"attempt": "attempt-visitor-1"})
    auth.login("agent@example.com")
    client.get(f"/help/articles/{setup['slug']}", query_string={"attempt": "attempt-agent-1"})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(DeflectionEvent)) == 0
