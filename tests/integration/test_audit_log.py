"""The audit log holds every admin change made so far (calendars, teams, SLA policies, users, survey
settings, mail resent), with who made it and each field from what to what; a refused change records
nothing; passwords never appear in it."""
import pytest

HOURS = {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture()
def admin_h(factory, auth):
    factory.user("admin", email="root@example.com", name="Rose Root")
    return {"Authorization": f"Bearer {auth.token('root@example.com')}"}


def log(client, admin_h, **filters) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    response = client.get(f"/api/v1/admin/audit?limit=200&{query}", headers=admin_h)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_every_admin_change_is_recorded_with_its_author_and_fields(client, admin_h):
    calendar = client.post("/api/v1/calendars", json={"name": "Paris", "timezone": "Europe/Paris", "hours": HOURS,
                                                      "holidays_country": "FR"}, headers=admin_h).get_json()
    client.patch(f"/api/v1/calendars/{calendar['id']}", json={"closed_days": ["2026-12-24"]}, headers=admin_h)
    team = client.post("/api/v1/teams", json={"name": "Niveau 2", "calendar_id": calendar["id"]}, headers=admin_h).get_json()
    policy = client.post("/api/v1/sla-policies", json={
        "name": "Meilleurs clients", "calendar_id": calendar["id"], "conditions": {"tactical_segment": "best"},
        "targets": {"first_response_minutes": 30, "resolution_minutes": 480}}, headers=admin_h).get_json()
    client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": {"first_response_minutes": 15,
                                                                           "resolution_minutes": 480}}, headers=admin_h)
    user = client.post("/api/v1/users", json={"email": "nina@example.com", "name": "Nina", "role": "agent",
                                              "password": "un mot de passe assez long", "team_ids": [team["id"]]},
                       headers=admin_h).get_json()
    client.put("/api/v1/admin/survey-settings", json={"delay_minutes": 30}, headers=admin_h)

    entries = log(client, admin_h)
    seen = [(e["action"], e["object"]["type"], e["object"]["id"]) for e in entries if e["actor"]["name"] == "Rose Root"]
    assert seen == [("updated", "survey_settings", None), ("created", "user", user["id"]),
                    ("updated", "sla_policy", policy["id"]), ("created", "sla_policy", policy["id"]),
                    ("created", "team", team["id"]), ("updated", "calendar", calendar["id"]),
                    ("created", "calendar", calendar["id"])]
    by_key = {(e["action"], e["object"]["type"]): e for e in entries if e["actor"]["name"] == "Rose Root"}
    assert by_key[("updated", "calendar")]["changes"] == {"closed_days": {"before": [], "after": ["2026-12-24"]}}
    assert by_key[("updated", "sla_policy")]["changes"] == {"first_response_minutes": {"before": 30, "after": 15}}
    assert by_key[("updated", "survey_settings")]["changes"] == {"delay_minutes": {"before": 0, "after": 30}}
    created_user = by_key[("created", "user")]
    assert created_user["changes"]["role"] == {"before": None, "after": "agent"}
    assert created_user["changes"]["password"] == {"before": None, "after": "(secret)"}
    assert "un mot de passe" not in str(entries)
    assert [e["object"]["id"] for e in log(client, admin_h, object=f"calendar:{calendar['id']}")] == [calendar["id"]] * 2


def test_a_refused_change_records_nothing(client, admin_h):
    before = len(log(client, admin_h))
    assert client.post("/api/v1/calendars", json={"name": "", "hours": {}}, headers=admin_h).status_code == 400
    assert client.post("/api/v1/sla-policies", json={"name": "P", "conditions": {"priority": "asap"}},
                       headers=admin_h).status_code == 400
    assert client.put("/api/v1/admin/survey-settings", json={"delay_minutes": -5}, headers=admin_h).status_code == 400
    assert len(log(client, admin_h)) == before
