"""An admin sets up calendars, teams and SLA policies over the API; open tickets follow."""
from datetime import datetime, timezone

import pytest


@pytest.fixture()
def admin_h(factory, auth):
    factory.user("admin", email="root@example.com")
    return {"Authorization": f"Bearer {auth.token('root@example.com')}"}


HOURS = {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], "tue": [["09:00", "12:30"], ["13:30", "18:00"]],
         "wed": [["09:00", "12:30"], ["13:30", "18:00"]], "thu": [["09:00", "12:30"], ["13:30", "18:00"]],
         "fri": [["09:00", "12:30"], ["13:30", "18:00"]]}


def test_admin_builds_calendar_team_and_policy(client, admin_h):
    cal = client.post("/api/v1/calendars", json={"name": "Paris", "timezone": "Europe/Paris", "hours": HOURS,
                                                 "holidays_country": "fr", "closed_days": ["2026-12-24"]}, headers=admin_h)
    assert cal.status_code == 201, cal.get_json()
    assert cal.get_json()["holidays_country"] == "FR"
    team = client.post("/api/v1/teams", json={"name": "Niveau 1", "calendar_id": cal.get_json()["id"]}, headers=admin_h)
    assert team.status_code == 201
    policy = client.post("/api/v1/sla-policies", json={
        "name": "Urgent", "calendar_id": cal.get_json()["id"], "conditions": {"priority": "urgent", "team": "Niveau 1"},
        "targets": {"first_response_minutes": 30, "next_response_minutes": 60, "resolution_minutes": 240}, "rank": 10,
    }, headers=admin_h)
    assert policy.status_code == 201, policy.get_json()
    assert policy.get_json()["conditions"] == {"priority": "urgent", "team": team.get_json()["id"]}


@pytest.mark.parametrize("body, fields", [
    ({"name": "", "hours": {"mon": [["18:00", "09:00"]]}}, {"name": "required", "hours.mon": "end_before_start"}),
    ({"name": "X", "hours": {"funday": [["09:00", "10:00"]]}}, {"hours.funday": "unknown_day"}),
    ({"name": "X", "hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]], "sat": [["9h", "12:00"]]}},
     {"hours.mon": "overlap", "hours.sat": "bad_time"}),
    ({"name": "X", "hours": HOURS, "timezone": "Mars/Olympus"}, {"timezone": "unknown_timezone"}),
    ({"name": "X", "hours": HOURS, "holidays_country": "ZZ"}, {"holidays_country": "unknown_country"}),
    ({"name": "X", "hours": HOURS, "holidays_country": "FR", "holidays_subdivision": "99"},
     {"holidays_subdivision": "unknown_subdivision"}),
    ({"name": "X", "hours": HOURS, "closed_days": ["24/12/2026"]}, {"closed_days": "bad_date"}),
    ({"name": "X", "hours": HOURS, "openings": {"2026-12-19": [["12:00", "09:00"]], "19/12": [["09:00", "12:00"]]}},
     {"openings.2026-12-19": "end_before_start", "openings.19/12": "bad_date"}),
])
def test_bad_calendars_are_refused_field_by_field(app, client, admin_h, body, fields):
    from helpdesk.extensions import db
    from helpdesk.models import BusinessCalendar

    response = client.post("/api/v1/calendars", json=body, headers=admin_h)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["fields"] == fields
    with app.app_context():
        assert db.session.query(BusinessCalendar).count() == 0


def test_bad_policy_is_refused(client, admin_h):
    response = client.post("/api/v1/sla-policies", json={"name": "P", "conditions": {"priority": "asap", "colour": "red"},
                                                         "targets": {"first_response_minutes": -5}, "warn_at_percent": 150}, headers=admin_h)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["fields"] == {
        "conditions.priority": "not_a_choice", "conditions.colour": "unknown_field",
        "targets.first_response_minutes": "out_of_range", "warn_at_percent": "out_of_range"}


def test_only_admins_administer(client, factory, auth):
    factory.user("lead", email="lead@example.com")
    headers = {"Authorization": f"Bearer {auth.token('lead@example.com')}"}
    assert client.post("/api/v1/teams", json={"name": "T"}, headers=headers).status_code == 403


def test_changing_a_policy_moves_open_tickets_deadlines(app, client, admin_h, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    always = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cal = client.post("/api/v1/calendars", json={"name": "24/7", "timezone": "UTC", "hours": always}, headers=admin_h).get_json()
    policy = client.post("/api/v1/sla-policies", json={"name": "All", "calendar_id": cal["id"],
                                                       "targets": {"first_response_minutes": 60, "resolution_minutes": 600}}, headers=admin_h).get_json()
    ticket = client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x"}, headers=admin_h).get_json()
    created = datetime.fromisoformat(ticket["created_at"])
    first_due = datetime.fromisoformat(ticket["sla"]["first_response"]["due_at"])
    assert (first_due - created).total_seconds() == pytest.approx(3600, abs=1)
    client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": {"first_response_minutes": 15, "resolution_minutes": 600}}, headers=admin_h)
    after = client.get(f"/api/v1/tickets/{ticket['id']}", headers=admin_h).get_json()
    new_due = datetime.fromisoformat(after["sla"]["first_response"]["due_at"])
    assert (new_due - created).total_seconds() == pytest.approx(900, abs=1)
    with app.app_context():
        assert abs((db.session.get(Ticket, ticket["id"]).first_response_due_at - new_due).total_seconds()) < 1
