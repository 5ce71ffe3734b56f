"""A policy or calendar change concerning many open tickets is recomputed in the background, with
its progress shown; an interrupted recompute is taken over where it stopped; none runs twice."""
from datetime import datetime, timedelta, timezone

import pytest

ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture()
def admin_h(factory, auth):
    factory.user("admin", email="root@example.com")
    return {"Authorization": f"Bearer {auth.token('root@example.com')}"}


@pytest.fixture()
def setup(app, client, admin_h):
    """A 24/7 policy (first response 60 min) and three open tickets on it."""
    cal = client.post("/api/v1/calendars", json={"name": "24/7", "timezone": "UTC", "hours": ALWAYS},
                      headers=admin_h).get_json()
    policy = client.post("/api/v1/sla-policies", json={"name": "All", "calendar_id": cal["id"],
                                                       "targets": {"first_response_minutes": 60}},
                         headers=admin_h).get_json()
    tickets = [client.post("/api/v1/tickets", json={"subject": f"Panne {i}", "body": "x"}, headers=admin_h).get_json()
               for i in range(3)]
    return cal, policy, tickets


def _first_due_minutes(client, headers, ticket) -> float:
    after = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).get_json()
    due = datetime.fromisoformat(after["sla"]["first_response"]["due_at"])
    return (due - datetime.fromisoformat(ticket["created_at"])).total_seconds() / 60


def _run_pending(app):
    from helpdesk.extensions import db
    from helpdesk.models import utcnow
    from helpdesk.sla.recompute import run_pending

    with app.app_context():
        return run_pending(db.session, utcnow)


def test_a_small_change_is_recomputed_within_the_request(client, admin_h, setup):
    _cal, policy, tickets = setup
    response = client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": {"first_response_minutes": 15}},
                            headers=admin_h)
    assert response.status_code == 200
    job = response.get_json()["recompute"]
    assert (job["state"], job["total"], job["done"], job["percent"]) == ("done", 3, 3, 100)
    assert _first_due_minutes(client, admin_h, tickets[0]) == pytest.approx(15, abs=0.1)


def test_a_big_change_goes_to_the_background_and_shows_its_progress(app, client, admin_h, setup):
    _cal, policy, tickets = setup
    app.config["SLA_RECOMPUTE_INLINE"] = 2  # three tickets are "many"
    response = client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": {"first_response_minutes": 15}},
                            headers=admin_h)
    job = response.get_json()["recompute"]
    assert job["state"] == "queued" and job["total"] == 3 and job["done"] == 0 and job["percent"] == 0
    # The change is saved; the tickets' deadlines follow once the background has run.
    assert _first_due_minutes(client, admin_h, tickets[0]) == pytest.approx(60, abs=0.1)
    assert _run_pending(app) == 1
    progress = client.get(f"/api/v1/admin/recomputes/{job['id']}", headers=admin_h).get_json()
    assert progress["state"] == "done" and progress["done"] == 3 and progress["percent"] == 100
    assert all(_first_due_minutes(client, admin_h, t) == pytest.approx(15, abs=0.1) for t in tickets)
    assert _run_pending(app) == 0  # nothing is done twice


def test_a_calendar_change_recomputes_in_the_background_too(app, client, admin_h, setup):
    cal, _policy, tickets = setup
    app.config["SLA_RECOMPUTE_INLINE"] = 0
    weekdays = {d: [["09:00", "10:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    job = client.patch(f"/api/v1/calendars/{cal['id']}", json={"hours": weekdays}, headers=admin_h).get_json()["recompute"]
    assert job["state"] == "queued" and job["total"] == 3
    _run_pending(app)
    assert _first_due_minutes(client, admin_h, tickets[0]) > 60  # one open hour a day now


def test_a_recompute_is_claimed_once_and_a_stopped_one_is_taken_over_where_it_stopped(app, client, admin_h, setup):
    from helpdesk.extensions import db
    from helpdesk.models import SlaRecompute, utcnow
    from helpdesk.sla import recompute

    _cal, policy, tickets = setup
    app.config["SLA_RECOMPUTE_INLINE"] = 0
    job = client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": {"first_response_minutes": 15}},
                       headers=admin_h).get_json()["recompute"]
    now = utcnow()
    with app.app_context():
        assert recompute.claim(db.session, job["id"], now) is True
        assert recompute.claim(db.session, job["id"], now) is False  # another worker: refused
        # The first worker did the first ticket, then died.
        row = db.session.get(SlaRecompute, job["id"])
        row.done, row.last_ticket_id = 1, tickets[0]["id"]
        db.session.commit()
        assert recompute.run(db.session, job["id"], lambda: now + timedelta(seconds=30)) is False  # heartbeat fresh
        later = now + recompute.STALE_AFTER + timedelta(seconds=1)
        assert recompute.run(db.session, job["id"], lambda: later) is True
        row = db.session.get(SlaRecompute, job["id"])
        assert (row.state, row.done) == ("done", 3)  # 1 before + the 2 left, not 4
    # The first ticket was left as the dead worker left it (60 min); the rest follow the change.
    assert _first_due_minutes(client, admin_h, tickets[0]) == pytest.approx(60, abs=0.1)
    assert _first_due_minutes(client, admin_h, tickets[2]) == pytest.approx(15, abs=0.1)


def test_a_failing_recompute_is_marked_failed_with_its_error(app, client, admin_h, setup, monkeypatch):
    from helpdesk.extensions import db
    from helpdesk.models import SlaRecompute, utcnow
    from helpdesk.sla import recompute

    _cal, policy, _tickets = setup
    app.config["SLA_RECOMPUTE_INLINE"] = 0
    job = client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": {"first_response_minutes": 15}},
                       headers=admin_h).get_json()["recompute"]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recompute, "refresh_sla_for_tickets", broken)
    with app.app_context():
        assert recompute.run(db.session, job["id"], utcnow) is True
        row = db.session.get(SlaRecompute, job["id"])
        assert row.state == "failed" and "disk full" in row.error and row.finished_at is not None


def test_a_queued_recompute_starts_in_the_background_once_the_change_commits(app, client, admin_h, setup):
    """With background work on (as on a server), the web process starts it at once."""
    import time

    from helpdesk.extensions import db
    from helpdesk.models import SlaRecompute

    _cal, policy, tickets = setup
    app.config.update(SLA_RECOMPUTE_INLINE=0, BACKGROUND_TASKS=True)
    job = client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"targets": {"first_response_minutes": 15}},
                       headers=admin_h).get_json()["recompute"]
    deadline = time.monotonic() + 20
    state = None
    while time.monotonic() < deadline:
        with app.app_context():
            state = db.session.get(SlaRecompute, job["id"]).state
            db.session.remove()
        if state == "done":
            break
        time.sleep(0.1)
    assert state == "done"
    assert _first_due_minutes(client, admin_h, tickets[1]) == pytest.approx(15, abs=0.1)


def test_a_failed_change_queues_nothing(app, client, admin_h, setup):
    from helpdesk.extensions import db
    from helpdesk.models import SlaRecompute

    _cal, policy, _tickets = setup
    app.config["SLA_RECOMPUTE_INLINE"] = 0
    with app.app_context():
        before = db.session.query(SlaRecompute).count()
    response = client.patch(f"/api/v1/sla-policies/{policy['id']}", json={"warn_at_percent": 500}, headers=admin_h)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(SlaRecompute).count() == before
    assert client.get("/api/v1/admin/recomputes/999999", headers=admin_h).status_code == 404


def test_only_admins_follow_recomputes(client, factory, auth, admin_h, setup):
    factory.user("lead", email="lead@example.com")
    lead = {"Authorization": f"Bearer {auth.token('lead@example.com')}"}
    assert client.get("/api/v1/admin/recomputes/1", headers=lead).status_code == 403
    assert client.get("/api/v1/sla-policies", headers=lead).status_code == 403
    assert client.get("/api/v1/calendars", headers=lead).status_code == 403
    assert [p["name"] for p in client.get("/api/v1/sla-policies", headers=admin_h).get_json()["items"]] == ["All"]
