"""Teams as admins set them up, over the API and in the browser (CSRF on): a new team with its
calendar, default policy, automatic assignment and members; a new calendar recomputes the team's
open tickets; bad input named by codes and worded on the page; members taken out lose their
sessions; every change in the audit log."""
import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, BusinessCalendar, SLAPolicy, Team, Ticket
from tests.conftest import PASSWORD
from tests.forms import post_form

KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")
WEEKDAYS = {d: [["09:00", "12:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture()
def desk(app, factory, auth):
    with app.app_context():
        office = BusinessCalendar(name="Bureau", timezone="Europe/Paris", hours=WEEKDAYS)
        always = BusinessCalendar(name="24/7", timezone="Europe/Paris", hours=ALWAYS)
        db.session.add_all([office, always])
        db.session.flush()
        policy = SLAPolicy(name="Standard", rank=100, calendar=None, conditions={}, first_response_minutes=240,
                           resolution_minutes=2400)
        team = Team(name="Niveau 1", calendar_id=office.id)
        db.session.add_all([policy, team])
        db.session.commit()
        ids = {"office": office.id, "always": always.id, "policy": policy.id, "team": team.id}
    factory.user("admin", email="root@example.com", name="Rose Root")
    ids["agent"] = factory.user("agent", email="paul@example.com", name="Paul Agent", team_ids=[ids["team"]])
    ids["admin_h"] = {"Authorization": f"Bearer {auth.token('root@example.com')}"}
    ids["agent_h"] = {"Authorization": f"Bearer {auth.token('paul@example.com')}"}
    return ids


def test_a_new_calendar_recomputes_the_teams_open_tickets_and_is_audited(app, client, desk):
    ticket = client.post("/api/v1/tickets", headers=desk["agent_h"],
                         json={"subject": "Box", "body": "Panne", "team": desk["team"]}).get_json()
    before = client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk["agent_h"]).get_json()["sla"]
    changed = client.patch(f"/api/v1/teams/{desk['team']}", headers=desk["admin_h"],
                           json={"calendar_id": desk["always"], "auto_assign": True, "name": "Niveau 1 Plus"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["calendar_id"] == desk["always"] and changed.get_json()["auto_assign"] is True
    after = client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk["agent_h"]).get_json()["sla"]
    with app.app_context():
        created_at = db.session.get(Ticket, ticket["id"]).created_at
    # Round the clock, the 4-hour first response is due 4 hours after creation, whatever the day.
    assert after["first_response"]["due_at"] != before["first_response"]["due_at"]
    assert after["first_response"]["due_at"][:16] == (created_at + timedelta(hours=4)).isoformat()[:16]
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "team", AuditEvent.action == "updated"))
    assert entry.actor_name == "Rose Root"
    assert entry.changes == {"calendar_id": [desk["office"], desk["always"]], "auto_assign": [False, True],
                             "name": ["Niveau 1", "Niveau 1 Plus"]}


def test_bad_team_changes_are_named_by_codes_and_change_nothing(app, client, desk):
    refused = client.patch(f"/api/v1/teams/{desk['team']}", headers=desk["admin_h"], json={
        "name": "", "calendar_id": 999, "default_sla_policy_id": "x", "auto_assign": "oui", "member_ids": [12345]})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["details"]["fields"] == {
        "name": "required", "calendar_id": "unknown_calendar", "default_sla_policy_id": "unknown_policy",
        "auto_assign": "not_true_or_false", "member_ids": "unknown_user"}
    assert client.patch(f"/api/v1/teams/{desk['team']}", headers=desk["agent_h"], json={"name": "Pirates"}).status_code == 403
    with app.app_context():
        assert db.session.get(Team, desk["team"]).name == "Niveau 1"


def test_a_member_taken_out_loses_their_sessions(app, client, desk):
    assert client.get("/api/v1/me", headers=desk["agent_h"]).status_code == 200
    client.patch(f"/api/v1/teams/{desk['team']}", headers=desk["admin_h"], json={"member_ids": []})
    assert client.get("/api/v1/me", headers=desk["agent_h"]).status_code == 401
    teams = client.get("/api/v1/teams", headers=desk["admin_h"]).get_json()["items"]
    assert [t["member_ids"] for t in teams if t["id"] == desk["team"]] == [[]]


def test_an_admin_sets_up_a_second_team_in_the_browser(app, desk):
    from helpdesk import create_app

    browser = create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS}).test_client()
    assert post_form(browser, "/login", {"email": "root@example.com", "password": PASSWORD}).status_code == 302
    refused = post_form(browser, "/admin/teams", {"name": "Niveau 1", "calendar_id": str(desk["office"]),
                                                  "default_sla_policy_id": "None", "member_ids": str(desk["agent"])})
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert "Cette valeur est déjà utilisée." in page and 'value="Niveau 1"' in page
    done = post_form(browser, "/admin/teams", {"name": "Niveau 2", "calendar_id": str(desk["always"]),
                                               "default_sla_policy_id": str(desk["policy"]), "auto_assign": "y",
                                               "member_ids": str(desk["agent"])})
    assert done.status_code == 302
    shown = html.unescape(browser.get(done.headers["Location"]).get_data(as_text=True))
    assert "Équipe Niveau 2 créée." in shown
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "Niveau 2"))
        assert (team.calendar_id, team.default_sla_policy_id, team.auto_assign) == (desk["always"], desk["policy"], True)
        assert [m.id for m in team.members] == [desk["agent"]]
    assert browser.post("/admin/teams", data={"name": "Sans jeton"}).status_code == 400  # CSRF
    agent = create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS}).test_client()
    post_form(agent, "/login", {"email": "paul@example.com", "password": PASSWORD})
    assert agent.get("/admin/teams").status_code == 403
