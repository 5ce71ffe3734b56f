"""Writing and reading articles: the API of API.md, the authoring pages, the help centre."""
from __future__ import annotations

import pytest


@pytest.fixture()
def kb_app(app):
    app.config.update(KB_INDEX_ON_COMMIT=True)
    return app


@pytest.fixture()
def agent_token(kb_app, factory, auth):
    factory.user("agent", email="agent@example.com")
    return {"Authorization": f"Bearer {auth.token('agent@example.com')}"}


def create(client, headers, **fields):
    body = {"title": "Configurer la messagerie vocale", "body": "Composez le **888**.", **fields}
    response = client.post("/api/v1/kb/articles", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_agent_creates_an_article_as_a_draft_with_its_first_version(client, agent_token):
    article = create(client, agent_token, tags=["Messagerie", "mobile"], language="fr")
    assert article["status"] == "draft" and article["visibility"] == "public"
    assert article["slug"] == "configurer-la-messagerie-vocale"
    assert article["body_html"] == "<p>Composez le <strong>888</strong>.</p>"
    assert article["tags"] == ["messagerie", "mobile"] and article["version"] == 1
    assert client.get(f"/api/v1/kb/articles/{article['id']}", headers=agent_token).get_json()["title"] == article["title"]


def test_invalid_input_names_each_bad_field(client, agent_token):
    response = client.post("/api/v1/kb/articles", json={"title": "", "language": "de", "product_skus": ["NOPE"],
                                                        "visibility": "secret"}, headers=agent_token)
    assert response.status_code == 400
    fields = response.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"title", "body", "language", "product_skus", "visibility"}


def test_customers_cannot_write_articles(client, factory, auth, agent_token):
    factory.user("customer", email="client@example.com")
    token = auth.token("client@example.com")
    response = client.post("/api/v1/kb/articles", json={"title": "x", "body": "y"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_every_save_keeps_a_version_that_can_be_compared_and_restored(kb_app, client, agent_token, auth):
    article = create(client, agent_token)
    updated = client.put(f"/api/v1/kb/articles/{article['id']}", json={"body": "Composez le **123**.", "version": 1},
                         headers=agent_token).get_json()
    assert updated["version"] == 2 and "123" in updated["body_html"]
    stale = client.put(f"/api/v1/kb/articles/{article['id']}", json={"body": "autre", "version": 1}, headers=agent_token)
    assert stale.status_code == 409

    auth.login("agent@example.com")
    page = client.get(f"/kb/articles/{article['id']}/compare?a=1&b=2")
    assert page.status_code == 200
    assert "Composez le **888**." in page.get_data(as_text=True) and "Composez le **123**." in page.get_data(as_text=True)
    response = client.post(f"/kb/articles/{article['id']}/versions/1/restore")
    assert response.status_code == 302
    restored = client.get(f"/api/v1/kb/articles/{article['id']}", headers=agent_token).get_json()
    assert restored["version"] == 3 and "888" in restored["body_html"]


def test_translations_are_linked_and_offered_on_the_article_page(client, agent_token):
    french = create(client, agent_token, status="published")
    english = create(client, agent_token, title="Set up voicemail", body="Dial **888**.", language="en",
                     translation_of=french["id"], status="published")
    assert english["translation_group_id"] == french["id"]
    assert client.get(f"/api/v1/kb/articles/{french['id']}", headers=agent_token).get_json()["translations"] == [
        {"id": english["id"], "language": "en", "slug": english["slug"]}]
    page = client.get(f"/help/articles/{french['slug']}").get_data(as_text=True)
    assert f'href="/help/articles/{english["slug"]}"' in page
    duplicate = client.post("/api/v1/kb/articles", json={"title": "Encore", "body": "x", "language": "en",
                                                         "translation_of": french["id"]}, headers=agent_token)
    assert duplicate.status_code == 400


def test_the_help_centre_shows_published_public_articles_to_anyone(client, agent_token):
    public = create(client, agent_token, status="published")
    internal = create(client, agent_token, title="Script d'appel interne", visibility="internal", status="published")
    draft = create(client, agent_token, title="Brouillon secret")
    anonymous = client.application.test_client()
    assert anonymous.get(f"/help/articles/{public['slug']}").status_code == 200
    assert anonymous.get(f"/help/articles/{internal['slug']}").status_code == 404
    assert anonymous.get(f"/help/articles/{draft['slug']}").status_code == 404
    home = anonymous.get("/help").get_data(as_text=True)
    assert "Configurer la messagerie vocale" in home and "Script d'appel" not in home and "Brouillon" not in home
    results = anonymous.get("/help/search?q=messagerie").get_data(as_text=True)
    assert "<mark>messagerie</mark>" in results.lower() or "<mark>Messagerie</mark>" in results


def test_views_are_counted_and_readers_vote_with_a_comment(kb_app, client, factory, auth, agent_token):
    article = create(client, agent_token, status="published")
    factory.user("customer", email="client@example.com")
    auth.login("client@example.com")
    client.get(f"/help/articles/{article['slug']}")
    client.get(f"/help/articles/{article['slug']}")
    response = client.post(f"/help/articles/{article['slug']}/vote", data={"helpful": "no", "comment": "Pas clair"})
    assert response.status_code == 302
    client.post(f"/help/articles/{article['slug']}/vote", data={"helpful": "yes"})  # changes their mind
    data = client.get(f"/api/v1/kb/articles/{article['id']}", headers=agent_token).get_json()
    assert (data["view_count"], data["helpful_count"], data["not_helpful_count"]) == (2, 1, 0)
    auth.logout()
    auth.login("agent@example.com")
    assert "Pas clair" in client.get(f"/kb/articles/{article['id']}").get_data(as_text=True)


def test_authoring_pages_create_preview_publish_and_archive(kb_app, client, factory, auth):
    factory.user("agent", email="agent@example.com")
    auth.login("agent@example.com")
    assert client.get("/kb").status_code == 200
    preview = client.post("/kb/articles/new", data={"title": "Activer le roaming", "body": "*Important*",
                                                    "language": "fr", "visibility": "public", "action": "preview"})
    assert preview.status_code == 200 and "<em>Important</em>" in preview.get_data(as_text=True)
    live = client.post("/kb/preview", data={"body": "<script>x</script>**b**"}).get_json()["html"]
    assert "<strong>b</strong>" in live and "<script>" not in live
    created = client.post("/kb/articles/new", data={"title": "Activer le roaming", "body": "Allez dans Réglages.",
                                                    "language": "fr", "visibility": "public", "tags": "mobile, étranger",
                                                    "action": "publish"})
    assert created.status_code == 302
    article_url = created.headers["Location"]
    article_id = int(article_url.rstrip("/").split("/")[-1])
    assert client.get("/help/articles/activer-le-roaming").status_code == 200
    client.post(f"/kb/articles/{article_id}/archive")
    assert client.get("/help/articles/activer-le-roaming").status_code == 404
    edit = client.get(f"/kb/articles/{article_id}/edit")
    assert edit.status_code == 200 and "mobile, étranger" in edit.get_data(as_text=True)


def test_categories_nest_one_level_and_the_help_centre_lists_them(kb_app, client, factory, auth, agent_token):
    auth.login("agent@example.com")
    client.post("/kb/categories", data={"name": "Internet"})
    from helpdesk.extensions import db
    from knowledge_base.models import ArticleCategory

    with kb_app.app_context():
        parent_id = db.session.scalar(db.select(ArticleCategory.id).where(ArticleCategory.name == "Internet"))
    client.post("/kb/categories", data={"name": "Box", "parent": parent_id})
    with kb_app.app_context():
        child_id = db.session.scalar(db.select(ArticleCategory.id).where(ArticleCategory.name == "Box"))
    too_deep = client.post("/kb/categories", data={"name": "Voyants", "parent": child_id})
    assert too_deep.status_code == 400
    create(client, agent_token, status="published", category="box")
    home = client.get("/help").get_data(as_text=True)
    assert "Internet" in home and "/help/categories/box" in home
    assert "Configurer la messagerie vocale" in client.get("/help/categories/internet").get_data(as_text=True)


def test_customers_and_visitors_cannot_open_authoring_pages(client, factory, auth):
    assert client.get("/kb").status_code in (302, 401)
    factory.user("customer", email="client@example.com")
    auth.login("client@example.com")
    assert client.get("/kb").status_code == 403
    assert client.get("/kb/articles/new").status_code == 403


def test_the_console_offers_the_search_box_and_the_insert_hook(kb_app, client, factory, auth):
    factory.user("agent", email="agent@example.com")
    ticket_id = factory.ticket()
    auth.login("agent@example.com")
    page = client.get(f"/console/tickets/{ticket_id}").get_data(as_text=True)
    assert "data-kb-console" in page and "data-kb-insert-target" in page and "js/kb.js" in page
    assert "data-kb-console" in client.get("/console").get_data(as_text=True)


def test_outside_tests_the_index_is_written_by_a_background_thread(app):
    """Servers hand committed changes to one indexing thread, so no request waits for Whoosh."""
    import threading

    from helpdesk.extensions import db
    from knowledge_base.models import Article

    app.config.update(KB_INDEX_ON_COMMIT=True, KB_INDEX_SYNC=False)
    kb = app.extensions["knowledge_base"]
    written = []
    kb._write = lambda articles, tickets: written.append((threading.current_thread().name, articles, tickets))
    with app.app_context():
        article = Article(slug="wifi", title="Wi-Fi", body="Redémarrez la box", body_html="<p>Redémarrez la box</p>",
                          status="published", visibility="public", language="fr")
        db.session.add(article)
        db.session.commit()
        article_id = article.id
    kb.flush_pending()
    assert written and written[0][0] == "kb-indexer" and article_id in written[0][1]
