"""Integrations as admins run them in the browser (CSRF on): API tokens made with a role scope and an
expiry, shown once, listed by prefix with their last use, revoked; the telephony secret rotated, the
old one refused on both webhook endpoints; whether the SMTP server answers; nothing secret in the
audit log; and none of it for anyone but admins."""
import html
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.models import ApiToken, AuditEvent, Setting, User, utcnow
from tests.conftest import PASSWORD
from tests.forms import post_form

KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")
NEW = "/admin/integrations/tokens/new"
CALL = {"event": "newCall", "call_id": "c-1", "from": "06 12 34 56 78", "to": "+33170000000", "direction": "in"}
COMPAT = {"event": "newCall", "callId": "z-1", "from": "0612345678", "to": "0170000000", "direction": "in"}


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True
    BASE_URL = "https://support.example.com"


@pytest.fixture()
def staff(app, factory):
    return {"admin": factory.user("admin", email="admin@example.com", name="Ada Admin"),
            "lead": factory.user("lead", email="lead@example.com", name="Léon Lead"),
            "agent": factory.user("agent", email="agent@example.com", name="Paul Agent")}


@pytest.fixture()
def browser_admin(app, staff):
    """An admin's browser on the app with CSRF on, logged in (its app: browser_admin.application)."""
    from helpdesk import create_app

    served = create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS})
    client = served.test_client()
    assert post_form(client, "/login", {"email": "admin@example.com", "password": PASSWORD}).status_code == 302
    return client


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def make_token(browser, owner_id: int, scope: str = "agent", name: str = "Pont CRM", days: int = 30):
    return post_form(browser, NEW, {"name": name, "owner_id": str(owner_id), "scope": scope,
                                    "expires_on": in_days(days)})


def shown_token(response) -> str:
    return re.search(r'id="token-value">([^<]+)<', response.get_data(as_text=True)).group(1)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def audit_json(app) -> str:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent)).all()
        return json.dumps([{"label": r.object_label, "changes": r.changes, "type": r.object_type,
                            "action": r.action} for r in rows], ensure_ascii=False)


# --- API tokens -------------------------------------------------------------------------------------


def test_a_token_is_shown_once_then_only_its_prefix_with_its_last_use(app, client, staff, browser_admin):
    made = make_token(browser_admin, staff["agent"])
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    token = shown_token(made)
    assert token.startswith("hdk_")
    listed = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert token not in listed and html.escape(token[:12]) in listed and "Pont CRM" in listed
    assert "Paul Agent" in listed and "jamais" in listed  # never used yet

    assert client.get("/api/v1/tickets", headers=bearer(token)).status_code == 200
    with app.app_context():
        record = db.session.scalar(select(ApiToken).where(ApiToken.name == "Pont CRM"))
        assert record.last_used_at is not None and record.user_id == staff["agent"]
        assert token not in (record.token_hash, record.prefix) and record.scopes == "role:agent"
    again = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert token not in again


def test_an_agent_scoped_token_of_an_admin_cannot_administer(app, client, staff, browser_admin, auth):
    limited = shown_token(make_token(browser_admin, staff["admin"], scope="agent", name="Lecture seule"))
    full = auth.token("admin@example.com")
    assert client.get("/api/v1/users", headers=bearer(full)).status_code == 200
    assert client.get("/api/v1/users", headers=bearer(limited)).status_code == 403
    assert client.post("/api/v1/products", headers=bearer(limited), json={"sku": "X1", "name": "X"}).status_code == 403
    assert client.get("/api/v1/admin/audit", headers=bearer(limited)).status_code == 403
    assert client.get("/api/v1/tickets", headers=bearer(limited)).status_code == 200  # what an agent does, it does
    # The same admin's browser session keeps the admin's own role.
    assert browser_admin.get("/admin/integrations").status_code == 200


def test_a_lead_scoped_token_reads_reports_but_manages_no_users(app, client, staff, browser_admin):
    lead_level = shown_token(make_token(browser_admin, staff["admin"], scope="lead", name="Tableau de bord"))
    assert client.get("/api/v1/reports/sla", headers=bearer(lead_level)).status_code == 200
    assert client.get("/api/v1/users", headers=bearer(lead_level)).status_code == 403


def test_a_revoked_token_is_refused_from_its_next_request(app, client, staff, browser_admin):
    token = shown_token(make_token(browser_admin, staff["agent"]))
    assert client.get("/api/v1/tickets", headers=bearer(token)).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Pont CRM"))
    revoked = post_form(browser_admin, f"/admin/integrations/tokens/{token_id}/revoke", {}, page=NEW)
    assert revoked.status_code == 302
    refused = client.get("/api/v1/tickets", headers=bearer(token))
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    page = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert "Jeton « Pont CRM » révoqué" in page  # the flash, once
    assert "Pont CRM" not in page.split('id="api-tokens"')[1].split("</section>")[0]
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "api_token")
                                  .order_by(AuditEvent.id)).all()
        assert [(r.action, r.object_id, r.actor_id) for r in rows] == [
            ("created", token_id, staff["admin"]), ("revoked", token_id, staff["admin"])]
        assert rows[0].changes["scope"] == [None, "agent"] and rows[0].changes["owner_id"] == [None, staff["agent"]]
    assert token not in audit_json(app)


def test_an_expired_token_is_refused(app, client, staff, browser_admin):
    token = shown_token(make_token(browser_admin, staff["agent"], days=2))
    assert client.get("/api/v1/tickets", headers=bearer(token)).status_code == 200
    with app.app_context():
        record = db.session.scalar(select(ApiToken).where(ApiToken.name == "Pont CRM"))
        record.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/tickets", headers=bearer(token)).status_code == 401
    listed = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert "expiré" in listed


def test_bad_token_fields_are_worded_next_to_them_kept_and_nothing_is_stored(app, staff, browser_admin):
    before_tokens, before_audit = count(app, ApiToken), count(app, AuditEvent)
    refused = post_form(browser_admin, NEW, {"name": "", "owner_id": str(staff["agent"]), "scope": "superuser",
                                             "expires_on": in_days(-1)})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert re.search(r'has-error">\s*<label for="name"', page)
    assert re.search(r'has-error">\s*<label for="scope"', page)
    assert re.search(r'has-error">\s*<label for="expires_on"', page)
    assert "Ce champ est obligatoire." in page and "Valeur non proposée." in page
    assert "Choisissez une date après aujourd&#39;hui." in page
    assert f'value="{in_days(-1)}"' in page  # what was typed is kept
    assert re.search(rf'<option selected value="{staff["agent"]}"|<option value="{staff["agent"]}" selected', page)

    above = post_form(browser_admin, NEW, {"name": "Mon CRM", "owner_id": str(staff["agent"]), "scope": "admin",
                                           "expires_on": in_days(10)})
    assert above.status_code == 400
    page = above.get_data(as_text=True)
    assert "plus de droits que la personne" in page and 'value="Mon CRM"' in page

    unknown = post_form(browser_admin, NEW, {"name": "Mon CRM", "owner_id": "99999", "scope": "agent",
                                             "expires_on": "demain"})
    page = unknown.get_data(as_text=True)
    assert unknown.status_code == 400 and "Personne inconnue" in page and "Date invalide" in page
    assert (count(app, ApiToken), count(app, AuditEvent)) == (before_tokens, before_audit)


def test_forms_refuse_a_post_without_its_csrf_token(app, staff, browser_admin):
    before = count(app, ApiToken)
    response = browser_admin.post(NEW, data={"name": "Sans jeton", "owner_id": str(staff["admin"]), "scope": "agent",
                                             "expires_on": in_days(5)})
    assert response.status_code == 400 and count(app, ApiToken) == before
    assert browser_admin.post("/admin/integrations/telephony/rotate").status_code == 400
    with app.app_context():
        assert db.session.get(Setting, "telephony_secret") is None


@pytest.mark.parametrize("role", ["agent", "lead"])
@pytest.mark.parametrize("method, path", [
    ("get", "/admin/integrations"), ("get", NEW), ("post", NEW), ("post", "/admin/integrations/tokens/1/revoke"),
    ("post", "/admin/integrations/telephony/rotate"),
])
def test_integrations_are_for_admins_only(app, client, staff, auth, role, method, path):
    auth.login(f"{role}@example.com")
    response = getattr(client, method)(path, data={"name": "x", "owner_id": str(staff[role]), "scope": "agent",
                                                   "expires_on": in_days(3)} if method == "post" else None)
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Setting, "telephony_secret") is None
        assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.name == "x")) == 0


def test_the_admin_home_links_the_integrations(app, staff, browser_admin):
    assert "/admin/integrations" in browser_admin.get("/admin").get_data(as_text=True)


# --- telephony secret ---------------------------------------------------------------------------------


def rotate(browser) -> tuple[str, str]:
    response = post_form(browser, "/admin/integrations/telephony/rotate", {}, page=NEW)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = html.unescape(response.get_data(as_text=True))
    return re.search(r'id="secret-value">([^<]+)<', page).group(1), page


def webhooks_answer(client, secret: str) -> tuple[int, int]:
    native = client.post("/api/v1/cti/events", json=CALL, headers={"X-CTI-Token": secret})
    compat = client.post(f"/api/v1/cti/{secret}", data=COMPAT)
    return native.status_code, compat.status_code


def test_rotating_the_secret_retires_the_old_one_on_both_endpoints(app, client, staff, browser_admin):
    assert "CTI_TOKEN" in browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert webhooks_answer(client, "test-cti-token") == (200, 200)  # the configured secret, before any rotation

    first, page = rotate(browser_admin)
    assert "https://support.example.com/api/v1/cti/events" in page
    assert f"X-CTI-Token: {first}" in page
    assert f"https://support.example.com/api/v1/cti/{first}" in page
    assert '"event": "newCall"' in page and "callId=" in page
    assert "CTI_TOKEN, défini dans la configuration, ne fonctionne plus" in page
    assert webhooks_answer(client, "test-cti-token") == (401, 401)
    assert webhooks_answer(client, first) == (200, 200)

    second, _page = rotate(browser_admin)
    assert second != first
    assert webhooks_answer(client, first) == (401, 401)
    assert webhooks_answer(client, second) == (200, 200)

    listed = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert first not in listed and second not in listed and "Renouveler le secret" in listed
    stored = audit_json(app)
    assert first not in stored and second not in stored
    with app.app_context():
        setting = db.session.get(Setting, "telephony_secret")
        assert second not in json.dumps(setting.value)
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "telephony_secret")).all()
        assert [(r.action, r.actor_id) for r in rows] == [("rotated", staff["admin"])] * 2


# --- mail status --------------------------------------------------------------------------------------


def test_the_page_says_whether_the_smtp_server_answers(app, staff, browser_admin, smtp):
    served = browser_admin.application
    page = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert "Aucun serveur SMTP configuré" in page and "/admin/mail" in page

    smtp()
    served.config.update({k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL")})
    page = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert "joignable" in page and "injoignable" not in page

    from tests.net import free_port

    served.config.update(MAIL_PORT=free_port())
    page = browser_admin.get("/admin/integrations").get_data(as_text=True)
    assert "injoignable" in page and "ConnectionRefusedError" in page


# --- the same over the API ----------------------------------------------------------------------------


def test_admins_manage_tokens_over_the_api_too(app, client, staff, auth):
    admin, agent = bearer(auth.token("admin@example.com")), bearer(auth.token("agent@example.com"))
    made = client.post("/api/v1/admin/tokens", headers=admin, json={
        "name": "Standard", "owner_id": staff["lead"], "scope": "agent", "expires_on": in_days(60)})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    token = body["token"]
    assert body["scope"] == "agent" and body["owner_id"] == staff["lead"] and token.startswith(body["prefix"])
    assert client.get("/api/v1/reports/sla", headers=bearer(token)).status_code == 403  # a lead's, scoped to agent
    listed = client.get("/api/v1/admin/tokens", headers=admin).get_json()["items"]
    assert "Standard" in [t["name"] for t in listed] and token not in json.dumps(listed)

    refused = client.post("/api/v1/admin/tokens", headers=admin, json={
        "name": "", "owner_id": staff["agent"], "scope": "lead", "expires_on": "2020-01-01"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["details"]["fields"] == {
        "name": "required", "scope": "above_owner_role", "expires_on": "not_in_future"}

    assert client.get("/api/v1/admin/tokens", headers=agent).status_code == 403
    assert client.post("/api/v1/admin/tokens", headers=agent, json={
        "name": "x", "owner_id": staff["agent"], "scope": "agent", "expires_on": in_days(3)}).status_code == 403
    assert client.delete(f"/api/v1/admin/tokens/{body['id']}", headers=agent).status_code == 403

    revoked = client.delete(f"/api/v1/admin/tokens/{body['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"] is not None
    assert client.get("/api/v1/tickets", headers=bearer(token)).status_code == 401
    assert client.delete("/api/v1/admin/tokens/99999", headers=admin).status_code == 404
    assert token not in audit_json(app)
