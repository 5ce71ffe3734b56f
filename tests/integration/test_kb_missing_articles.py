"""Missing articles: searches that found nothing, or whose results nobody opened, become a list
ranked by demand for the authors and the leads, with one click to draft the article; and the
deflection of each suggested article."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

LATER = timedelta(minutes=31)


@pytest.fixture()
def world(app, factory):
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    app.config.update(KB_INDEX_ON_COMMIT=True)
    ids = {"agent": factory.user("agent", email="agent@example.com"),
           "customer": factory.user("customer", email="client@example.com"),
           "lead": factory.user("lead", email="lead@example.com")}
    with app.app_context():
        article = service.create_article(db.session, db.session.get(User, ids["agent"]), {
            "title": "Redémarrer la box quand le voyant clignote", "status": "published",
            "body": "Débranchez la box, attendez dix secondes puis rebranchez-la."}, utcnow())
        db.session.commit()
        ids["article"], ids["slug"] = article.id, article.slug
    return ids


def fold(app, after=LATER):
    from helpdesk.extensions import db
    from helpdesk.models import utcnow
    from knowledge_base.misses import fold_search_log

    with app.app_context():
        return fold_search_log(db.session, utcnow() + after)


def misses(app):
    from helpdesk.extensions import db
    from knowledge_base.models import SearchMiss

    with app.app_context():
        return {(m.query_key, m.source): (m.searches, m.no_results, m.not_followed)
                for m in db.session.scalars(db.select(SearchMiss))}


def logged(app):
    from helpdesk.extensions import db
    from knowledge_base.models import SearchLog

    with app.app_context():
        return [(r.query, r.source, r.results, r.followed_at is not None)
                for r in db.session.scalars(db.select(SearchLog).order_by(SearchLog.id))]


def result_link(page: str, slug: str) -> str:
    return re.search(r'href="(/help/articles/%s\?s=[^"]+)"' % re.escape(slug), page).group(1)


def test_help_centre_searches_that_fail_become_missing_articles_after_folding(world, app, client):
    client.get("/help/search", query_string={"q": "imprimante bloquée"})
    client.get("/help/search", query_string={"q": "Imprimantes bloquées"})
    client.get("/help/search", query_string={"q": "box voyant"})  # found, never opened
    opened = client.get("/help/search", query_string={"q": "redémarrer la box"}).get_data(as_text=True)
    assert client.get(result_link(opened, world["slug"]).replace("&amp;", "&")).status_code == 200
    assert [(q, s, r > 0, f) for q, s, r, f in logged(app)] == [
        ("imprimante bloquée", "help", False, False), ("imprimantes bloquées", "help", False, False),
        ("box voyant", "help", True, False), ("redémarrer la box", "help", True, True)]

    # At once, only what is decided: the searches without results, and the followed one.
    assert fold(app, after=timedelta(0)) == 3
    assert misses(app) == {("bloque imprim", "help"): (2, 2, 0)}
    # 30 minutes on, the search whose results nobody opened is a miss too.
    assert fold(app) == 1
    assert misses(app) == {("bloque imprim", "help"): (2, 2, 0), ("box voi", "help"): (1, 0, 1)}


def test_a_followed_search_adds_to_the_searches_of_its_group_but_is_no_miss(world, app, client):
    client.get("/help/search", query_string={"q": "box voyant"})
    fold(app)
    page = client.get("/help/search", query_string={"q": "voyant box"}).get_data(as_text=True)
    client.get(result_link(page, world["slug"]).replace("&amp;", "&"))
    fold(app)
    assert misses(app) == {("box voi", "help"): (2, 0, 1)}


def test_folding_twice_at_the_same_time_counts_each_search_once(world, app, client):
    client.get("/help/search", query_string={"q": "imprimante bloquée"})
    assert fold(app) == 1
    client.get("/help/search", query_string={"q": "imprimante bloquée"})
    assert fold(app) == 1
    assert fold(app) == 0
    assert misses(app) == {("bloque imprim", "help"): (2, 2, 0)}


def test_folded_log_rows_are_deleted_after_thirty_days(world, app, client):
    client.get("/help/search", query_string={"q": "imprimante bloquée"})
    fold(app)
    assert len(logged(app)) == 1
    fold(app, after=timedelta(days=31))
    assert logged(app) == [] and misses(app) == {("bloque imprim", "help"): (1, 1, 0)}


def test_a_forged_or_foreign_token_marks_nothing(world, app, client):
    page = client.get("/help/search", query_string={"q": "box voyant"}).get_data(as_text=True)
    link = result_link(page, world["slug"]).replace("&amp;", "&")
    micros, signature = link.split("s=")[1].split(".")
    client.get(f"/help/articles/{world['slug']}", query_string={"s": f"{int(micros) + 1}.{signature}"})
    client.get(f"/help/articles/{world['slug']}", query_string={"s": micros})
    assert logged(app)[0][3] is False
    client.get(link)
    assert logged(app)[0][3] is True


def test_in_a_server_the_search_is_written_after_the_response_is_sent(world, app, client):
    app.config["KB_SEARCH_LOG_SYNC"] = False
    response = client.get("/help/search", query_string={"q": "imprimante bloquée"})
    assert response.status_code == 200 and logged(app) == []  # the page is out, the row not yet
    response.close()  # the server closes the response once it is sent
    assert logged(app) == [("imprimante bloquée", "help", 0, False)]
    page = client.get("/help/search", query_string={"q": "box voyant"}, buffered=True).get_data(as_text=True)
    assert client.get(result_link(page, world["slug"]).replace("&amp;", "&")).status_code == 200
    assert logged(app)[-1] == ("box voyant", "help", 1, True)


def test_no_personal_data_is_recorded(world, app, client, auth):
    for q in ("jean.dupont@example.com", "rappeler le 06 12 34 56 78", "contrat 12345678", "a", ""):
        assert client.get("/help/search", query_string={"q": q}).status_code == 200
    auth.login("agent@example.com")
    client.get("/kb/search", query_string={"q": "client marie@exemple.fr"})
    assert logged(app) == []


def test_the_console_search_page_and_the_api_record_searches_but_not_as_you_type(world, app, client, auth):
    auth.login("agent@example.com")
    page = client.get("/kb/search", query_string={"q": "imprimante bloquée"})
    assert page.status_code == 200
    data = client.get("/api/v1/kb/search", query_string={"q": "box voyant"}).get_json()
    assert data["search_id"] and data["items"][0]["url"] == f"/help/articles/{world['slug']}?s={data['search_id']}"
    typing = client.get("/api/v1/kb/search", query_string={"q": "box voy", "record": "0"}).get_json()
    assert typing["search_id"] is None and "?s=" not in typing["items"][0]["url"]
    client.get("/api/v1/kb/suggest", query_string={"q": "imprimante blo"})
    assert [(q, s) for q, s, _, _ in logged(app)] == [("imprimante bloquée", "console"), ("box voyant", "console")]
    # The agent opens the article from the console search page: followed.
    page = client.get("/kb/search", query_string={"q": "redémarrer box"}).get_data(as_text=True)
    link = re.search(r'href="(/kb/articles/%d\?s=[^"]+)"' % world["article"], page).group(1)
    assert client.get(link).status_code == 200
    assert logged(app)[-1][3] is True


def test_a_request_sent_without_opening_a_suggestion_counts_its_subject(world, app, client, auth):
    auth.login("client@example.com")
    form = {"subject": "Imprimante bloquée", "body": "Elle ne sort plus rien.", "product_id": "",
            "kb_attempt": "attempt-no-view-1", "kb_suggested": "0"}
    assert client.post("/portal/requests/new", data=form).status_code == 302
    # A request whose suggestion was opened is deflection's business, not a missed search.
    client.get(f"/help/articles/{world['slug']}", query_string={"attempt": "attempt-viewed-2"})
    client.post("/portal/requests/new", data={**form, "subject": "Box en panne", "kb_attempt": "attempt-viewed-2",
                                              "kb_suggested": "1"})
    # Without the page's script (no attempt), nothing was searched.
    client.post("/portal/requests/new", data={**form, "subject": "Télécommande perdue", "kb_attempt": ""})
    assert logged(app) == [("imprimante bloquée", "portal", 0, False)]
    fold(app)
    assert misses(app) == {("bloque imprim", "portal"): (1, 1, 0)}


def _miss_ids(page: str) -> list[str]:
    return re.findall(r'data-miss-id="(\d+)"', page)


def test_authors_see_missing_articles_by_demand_and_draft_one_in_a_click(world, app, client, auth):
    from helpdesk.extensions import db
    from knowledge_base.models import Article, SearchMiss

    for q in ("imprimante bloquée", "Imprimantes bloquées", "imprimante bloquée", "bloquée imprimante",
              "facture introuvable"):
        client.get("/help/search", query_string={"q": q})
    auth.login("agent@example.com")
    client.get("/kb/search", query_string={"q": "imprimante bloquée"})  # the same group, from the console
    fold(app)

    page = html.unescape(client.get("/kb/missing").get_data(as_text=True))
    rows = page.split('data-miss-id="')[1:]
    assert len(rows) == 2
    assert "imprimante bloquée" in rows[0] and "Centre d'aide, Console" in rows[0] and "facture introuvable" in rows[1]
    assert "Rédiger l'article" in page and 'name="csrf_token"' in page

    first = _miss_ids(page)[0]
    response = client.post(f"/kb/missing/{first}/draft")
    assert response.status_code == 302 and re.search(r"/kb/articles/\d+/edit$", response.headers["Location"])
    with app.app_context():
        draft = db.session.scalar(db.select(Article).where(Article.title == "Imprimante bloquée"))
        assert (draft.status, draft.language, draft.visibility) == ("draft", "fr", "public")
        assert draft.author_id == world["agent"]
        # Both sources of the group point at the draft.
        assert set(db.session.scalars(db.select(SearchMiss.draft_article_id)
                                      .where(SearchMiss.query_key == "bloque imprim"))) == {draft.id}
    assert client.get(response.headers["Location"]).status_code == 200
    page = client.get("/kb/missing").get_data(as_text=True)
    assert "imprimante bloquée" not in page and "facture introuvable" in page
    # A second click on the old form gives the same draft, not another one.
    client.post(f"/kb/missing/{first}/draft")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Article)
                                 .where(Article.title == "Imprimante bloquée")) == 1

    # "Ignorer" goes back where it was asked from (a same-site path only).
    response = client.post(f"/kb/missing/{_miss_ids(page)[0]}/dismiss", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/kb/missing")
    assert _miss_ids(client.get("/kb/missing").get_data(as_text=True)) == []


def test_the_draft_and_dismiss_forms_need_the_csrf_token(world, app, client, auth):
    client.get("/help/search", query_string={"q": "imprimante bloquée"})
    fold(app)
    auth.login("agent@example.com")
    app.config["WTF_CSRF_ENABLED"] = True
    miss = _miss_ids(client.get("/kb/missing").get_data(as_text=True))[0]
    assert client.post(f"/kb/missing/{miss}/draft").status_code == 400
    assert client.post(f"/kb/missing/{miss}/dismiss").status_code == 400


def test_customers_never_see_nor_act_on_the_list(world, app, client, auth):
    from helpdesk.extensions import db
    from knowledge_base.models import Article, SearchMiss

    client.get("/help/search", query_string={"q": "imprimante bloquée"})
    fold(app)
    with app.app_context():
        miss = db.session.scalar(db.select(SearchMiss.id))
        articles = db.session.scalar(db.select(db.func.count()).select_from(Article))
    assert client.get("/kb/missing").status_code == 302  # visitors: to the login page
    auth.login("client@example.com")
    assert client.get("/kb/missing").status_code == 403
    assert client.post(f"/kb/missing/{miss}/draft").status_code == 403
    assert client.post(f"/kb/missing/{miss}/dismiss").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Article)) == articles
        assert db.session.get(SearchMiss, miss).dismissed_at is None


def test_the_service_refuses_customers_too(world, app):
    from helpdesk.errors import Forbidden
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import misses as rules

    with app.app_context():
        customer = db.session.get(User, world["customer"])
        with pytest.raises(Forbidden):
            rules.draft_missing_article(db.session, customer, 1, utcnow())
        with pytest.raises(Forbidden):
            rules.dismiss_missing_article(db.session, customer, 1, utcnow())


def report(client, token, **params):
    return client.get("/api/v1/reports/missing-articles", query_string=params,
                      headers={"Authorization": f"Bearer {token}"})


def test_the_api_lists_missing_articles_in_json_and_csv(world, app, client, auth):
    for q in ("imprimante bloquée", "imprimante bloquée", "=cmd|' /C calc'!A0", "printer stuck"):
        client.get("/help/search", query_string={"q": q, "lang": "en" if "printer" in q else ""})
    fold(app)
    token = auth.token("lead@example.com")
    data = report(client, token).get_json()
    assert data["total"] == 3
    first = data["items"][0]
    assert {k: first[k] for k in ("query", "language", "source", "searches", "no_results", "not_followed",
                                  "draft_article_id")} == {
        "query": "imprimante bloquée", "language": "fr", "source": "help", "searches": 2, "no_results": 2,
        "not_followed": 0, "draft_article_id": None}
    assert first["last_seen_at"].endswith("+00:00")
    assert [i["query"] for i in report(client, token, lang="en").get_json()["items"]] == ["printer stuck"]
    assert report(client, token, **{"from": "2000-01-01", "to": "2000-01-31"}).get_json() == {
        "from": "2000-01-01", "to": "2000-01-31", "items": [], "total": 0}

    csv = report(client, token, format="csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert text.startswith("\ufeffquery,language,source,searches,no_results,not_followed")
    assert "imprimante bloquée,fr,help,2,2,0," in text
    assert "'=cmd|' /c calc'!a0" in text and "\n=cmd" not in text and ",=cmd" not in text
    by_header = client.get("/api/v1/reports/missing-articles",
                           headers={"Authorization": f"Bearer {token}", "Accept": "text/csv"})
    assert by_header.mimetype == "text/csv"


def test_bad_report_filters_are_a_400_naming_each_field(world, client, auth):
    token = auth.token("lead@example.com")
    response = report(client, token, **{"from": "yesterday", "lang": "de", "limit": "1000", "source": "x"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]["fields"]) == {"from", "lang", "limit", "source"}
    assert report(client, token, **{"from": "2026-02-01", "to": "2026-01-01"}).status_code == 400


def test_only_leads_and_admins_read_the_report(world, client, auth):
    assert client.get("/api/v1/reports/missing-articles").status_code == 401
    for email in ("client@example.com", "agent@example.com"):
        response = report(client, auth.token(email))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
        assert report(client, auth.token(email), format="csv").status_code == 403


def test_deflection_per_suggested_article(world, app, client, auth):
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service
    from knowledge_base.models import DeflectionEvent

    with app.app_context():
        other = service.create_article(db.session, db.session.get(User, world["agent"]), {
            "title": "Changer le mot de passe wifi", "status": "published", "body": "Menu *Wi-Fi*."}, utcnow())
        db.session.commit()
        other_slug = other.slug
    auth.login("client@example.com")
    box = f"/help/articles/{world['slug']}"
    client.get(box, query_string={"attempt": "attempt-abandoned-1"})
    client.get(box, query_string={"attempt": "attempt-abandoned-1"})
    client.get(f"/help/articles/{other_slug}", query_string={"attempt": "attempt-abandoned-1"})
    client.get(box, query_string={"attempt": "attempt-sent-2"})
    client.post("/portal/requests/new", data={"subject": "Box en panne", "body": "Toujours rien.", "product_id": "",
                                              "kb_attempt": "attempt-sent-2"})
    client.get(box, query_string={"attempt": "attempt-recent-3"})
    with app.app_context():
        older = db.select(DeflectionEvent).where(DeflectionEvent.attempt != "attempt-recent-3")
        for event in db.session.scalars(older):
            event.created_at -= timedelta(hours=2)
        db.session.commit()
        now = utcnow()
        rows = service.deflection_by_article(db.session, now - timedelta(days=30), now + timedelta(seconds=1), now=now)
        assert [(r.title, r.views, r.attempts, r.deflected, r.submitted, r.pending, r.rate) for r in rows] == [
            ("Redémarrer la box quand le voyant clignote", 4, 3, 1, 1, 1, 0.5),
            ("Changer le mot de passe wifi", 1, 1, 1, 0, 0, 1.0)]
    auth.logout()
    auth.login("agent@example.com")
    page = client.get("/kb/missing").get_data(as_text=True)
    assert 'data-kb-deflection-articles' in page and "50.0 %" in page and "100.0 %" in page


def test_the_fold_command(world, app, client, runner):
    from helpdesk.extensions import db
    from knowledge_base.models import SearchLog

    client.get("/help/search", query_string={"q": "imprimante bloquée"})
    client.get("/help/search", query_string={"q": "box voyant"})  # undecided for 30 minutes
    result = runner.invoke(args=["kb", "fold-searches"])
    assert result.exit_code == 0, result.output
    assert "1 searches folded" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SearchLog)
                                 .where(SearchLog.folded_at.is_(None))) == 1


def test_processes_folding_at_once_count_each_search_once(world, app, client):
    import threading

    from helpdesk.extensions import db
    from helpdesk.models import utcnow
    from knowledge_base.misses import fold_search_log

    for i in range(30):
        client.get("/help/search", query_string={"q": "imprimante bloquée" if i % 2 else "facture introuvable"})
    now = utcnow() + LATER
    folded, start = [], threading.Barrier(3)

    def worker():
        with app.app_context():
            start.wait()
            try:
                folded.append(fold_search_log(db.session, now))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(folded)[-1] == 30 and sum(folded) == 30
    assert misses(app) == {("bloque imprim", "help"): (15, 15, 0), ("factur introuv", "help"): (15, 15, 0)}
