"""People as admins manage them, over the API and in the browser (CSRF on): an invitation by e-mail to
choose a password (single-use), creation with a password, role and team changes, deactivation ending
the person's sessions and tokens, the last active admin kept, every change in the audit log."""
import html
import re

import pytest
from sqlalchemy import select

from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, OutboxMessage, Team, User
from tests.conftest import PASSWORD
from tests.forms import post_form

KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")
CHOSEN = "mon tout premier mot de passe"


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture()
def protected(app):
    from helpdesk import create_app

    return create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS})


@pytest.fixture()
def desk(app, factory, auth):
    with app.app_context():
        team = Team(name="Niveau 2")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    factory.user("admin", email="root@example.com", name="Rose Root")
    factory.user("agent", email="paul@example.com", name="Paul Agent")
    return {"team_id": team_id, "admin": {"Authorization": f"Bearer {auth.token('root@example.com')}"},
            "agent": {"Authorization": f"Bearer {auth.token('paul@example.com')}"}}


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def invitation_path(app, email: str) -> str:
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == email,
                                                             OutboxMessage.kind == "account_invite"))
        return re.search(r"https?://[^/\s]+(/password/reset/[A-Za-z0-9_\-]+)", mail.body_text).group(1)


def test_an_invited_agent_chooses_a_password_once_and_lands_in_the_console(app, client, desk, protected):
    response = client.post("/api/v1/users", headers=desk["admin"], json={
        "email": "nina@example.com", "name": "Nina Nouvelle", "role": "agent", "team_ids": [desk["team_id"]]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["team_ids"] == [desk["team_id"]]
    path = invitation_path(app, "nina@example.com")
    browser = protected.test_client()
    assert post_form(browser, "/login", {"email": "nina@example.com", "password": CHOSEN}).status_code == 400
    page = browser.get(path).get_data(as_text=True)
    assert "Choisissez votre mot de passe" in page
    done = post_form(browser, path, {"password": CHOSEN, "password_confirm": CHOSEN})
    assert done.status_code == 302 and done.headers["Location"].endswith("/console")
    assert browser.get("/console").status_code == 200
    assert protected.test_client().get(path).status_code == 410  # single use
    with app.app_context():
        invited = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invited"))
        assert invited.actor_name == "Rose Root" and invited.object_id == user_id(app, "nina@example.com")


def test_role_and_team_changes_and_deactivation_end_sessions_and_tokens(app, client, desk, factory, auth, protected):
    paul_id = user_id(app, "paul@example.com")
    browser = protected.test_client()
    assert post_form(browser, "/login", {"email": "paul@example.com", "password": PASSWORD}).status_code == 302
    changed = client.patch(f"/api/v1/users/{paul_id}", headers=desk["admin"],
                           json={"role": "lead", "team_ids": [desk["team_id"]], "name": "Paul Lead"})
    assert changed.status_code == 200 and changed.get_json()["role"] == "lead"
    assert browser.get("/console").status_code == 200  # more rights: nothing ends
    assert client.get("/api/v1/me", headers=desk["agent"]).status_code == 200

    off = client.patch(f"/api/v1/users/{paul_id}", headers=desk["admin"], json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert browser.get("/console").status_code == 302  # the web session is over
    assert client.get("/api/v1/me", headers=desk["agent"]).status_code == 401
    assert post_form(protected.test_client(), "/login", {"email": "paul@example.com", "password": PASSWORD}).status_code == 400
    client.patch(f"/api/v1/users/{paul_id}", headers=desk["admin"], json={"active": True})
    assert post_form(protected.test_client(), "/login", {"email": "paul@example.com", "password": PASSWORD}).status_code == 302
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == paul_id).order_by(AuditEvent.id)))
        change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "updated",
                                                            AuditEvent.object_id == paul_id))
    assert actions == ["created", "updated", "deactivated", "reactivated"]
    assert change.changes == {"name": ["Paul Agent", "Paul Lead"], "role": ["agent", "lead"],
                              "team_ids": [[], [desk["team_id"]]]}


def test_the_last_active_admin_stays_one(app, client, desk, factory, auth):
    root_id = user_id(app, "root@example.com")
    for change, field in (({"role": "agent"}, "role"), ({"active": False}, "active")):
        refused = client.patch(f"/api/v1/users/{root_id}", headers=desk["admin"], json=change)
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "last_admin"
        assert refused.get_json()["error"]["details"]["fields"] == {field: "last_admin"}
    factory.user("admin", email="second@example.com")
    assert client.patch(f"/api/v1/users/{root_id}", headers=desk["admin"], json={"role": "lead"}).status_code == 200


def test_bad_changes_are_named_by_codes_and_change_nothing(app, client, desk, factory):
    paul_id = user_id(app, "paul@example.com")
    customer_user = factory.user("customer", email="lea@example.com")
    refused = client.patch(f"/api/v1/users/{paul_id}", headers=desk["admin"],
                           json={"role": "boss", "team_ids": [999], "active": "no", "colour": "red", "name": ""})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["details"]["fields"] == {
        "role": "not_a_choice", "team_ids": "unknown_team", "active": "not_true_or_false", "colour": "unknown_field",
        "name": "required"}
    portal = client.patch(f"/api/v1/users/{customer_user}", headers=desk["admin"], json={"role": "admin"})
    assert portal.status_code == 400 and portal.get_json()["error"]["details"]["fields"] == {"role": "customer_account"}
    with app.app_context():
        assert db.session.get(User, paul_id).role == "agent" and db.session.get(User, customer_user).role == "customer"


@pytest.mark.parametrize("method, path", [("get", "/api/v1/users"), ("patch", "/api/v1/users/{id}"),
                                          ("post", "/api/v1/users")])
def test_only_admins_manage_people(app, client, desk, method, path):
    paul_id = user_id(app, "paul@example.com")
    response = getattr(client, method)(path.format(id=paul_id), headers=desk["agent"],
                                       json={"role": "admin", "email": "x@example.com"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, paul_id).role == "agent"


def test_the_people_list_filters_by_role_team_and_state(app, client, desk, factory):
    factory.user("lead", email="lina@example.com", name="Lina Lead", team_ids=[desk["team_id"]])
    listing = client.get(f"/api/v1/users?team={desk['team_id']}", headers=desk["admin"]).get_json()
    assert [u["email"] for u in listing["items"]] == ["lina@example.com"]
    leads = client.get("/api/v1/users?role=lead&q=lina", headers=desk["admin"]).get_json()
    assert [u["name"] for u in leads["items"]] == ["Lina Lead"]


# --- in the browser --------------------------------------------------------------------------------------


def admin_browser(protected):
    browser = protected.test_client()
    assert post_form(browser, "/login", {"email": "root@example.com", "password": PASSWORD}).status_code == 302
    return browser


def test_an_admin_invites_in_the_browser_and_a_refused_form_keeps_what_was_typed(app, desk, protected):
    browser = admin_browser(protected)
    refused = post_form(browser, "/admin/people/new", {"email": "pas-une-adresse", "name": "Nina", "role": "agent",
                                                       "team_ids": str(desk["team_id"]), "locale": "fr"})
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert "Cette adresse e-mail n'est pas valide." in page and 'value="Nina"' in page
    assert re.search(rf'checked[^>]*value="{desk["team_id"]}"|value="{desk["team_id"]}"[^>]*checked', page)
    done = post_form(browser, "/admin/people/new", {"email": "nina@example.com", "name": "Nina", "role": "agent",
                                                    "team_ids": str(desk["team_id"]), "locale": "fr"})
    assert done.status_code == 302
    assert "Invitation envoyée à nina@example.com." in browser.get(done.headers["Location"]).get_data(as_text=True)
    assert invitation_path(app, "nina@example.com")
    listing = browser.get(f"/admin/people?team={desk['team_id']}").get_data(as_text=True)
    assert "nina@example.com" in listing and "invité" in listing and "paul@example.com" not in listing


def test_an_admin_changes_a_role_and_deactivates_in_the_browser(app, desk, protected):
    browser = admin_browser(protected)
    paul_id = user_id(app, "paul@example.com")
    page = f"/admin/people/{paul_id}"
    assert post_form(browser, page, {"name": "Paul Agent", "role": "lead", "team_ids": str(desk["team_id"])}).status_code == 302
    assert post_form(browser, f"{page}/active", {"active": "0"}, page=page).status_code == 302
    shown = browser.get(page).get_data(as_text=True)
    assert "Réactiver le compte" in shown and "désactivé" in shown
    with app.app_context():
        paul = db.session.get(User, paul_id)
        assert paul.role == "lead" and not paul.active and [t.id for t in paul.teams] == [desk["team_id"]]
    root_id = user_id(app, "root@example.com")
    refused = post_form(browser, f"/admin/people/{root_id}/active", {"active": "0"}, page=f"/admin/people/{root_id}")
    assert "dernier administrateur actif" in html.unescape(browser.get(refused.headers["Location"]).get_data(as_text=True))


def test_people_pages_are_for_admins_only_and_need_their_csrf_token(app, desk, protected):
    agent = protected.test_client()
    post_form(agent, "/login", {"email": "paul@example.com", "password": PASSWORD})
    assert agent.get("/admin/people").status_code == 403
    browser = admin_browser(protected)
    paul_id = user_id(app, "paul@example.com")
    assert browser.post(f"/admin/people/{paul_id}/active", data={"active": "0"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, paul_id).active


def test_an_english_invitation_is_written_in_english(app, client, desk):
    client.post("/api/v1/users", headers=desk["admin"], json={"email": "john@example.com", "name": "John",
                                                              "role": "agent", "locale": "en"})
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "john@example.com"))
    assert mail.subject == "Your account on the customer service desk"
    assert "Rose Root opened an account for you" in mail.body_text and "Choose your password" in mail.body_text
