"""Who may listen on /console, and who receives which live event."""
import pytest
import socketio as socketio_client


@pytest.fixture()
def crew(app, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Team

    with app.app_context():
        n1, billing = Team(name="Niveau 1"), Team(name="Facturation")
        db.session.add_all([n1, billing])
        db.session.commit()
        n1_id, billing_id = n1.id, billing.id
    factory.user("agent", email="n1@example.com", team_ids=[n1_id])
    factory.user("agent", email="billing@example.com", team_ids=[billing_id])
    factory.user("lead", email="lead@example.com")
    factory.user("customer", email="alice@example.com")
    return {
        "n1": n1_id, "billing": billing_id,
        "tokens": {who: auth.token(f"{who}@example.com") for who in ("n1", "billing", "lead", "alice")},
    }


def test_customers_and_anonymous_clients_are_refused(live_server, crew):
    for auth_payload in (None, {"token": crew["tokens"]["alice"]}, {"token": "hdk_forged"}):
        client = socketio_client.Client(reconnection=False)
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            client.connect(live_server, namespaces=["/console"], auth=auth_payload, transports=["polling"], wait_timeout=5)


def test_ticket_created_reaches_staff_with_no_message_body(client, connect, crew):
    n1 = connect(crew["tokens"]["n1"])
    lead = connect(crew["tokens"]["lead"])
    response = client.post("/api/v1/tickets", json={"subject": "Panne fibre", "body": "Secret détail client", "team": "Niveau 1"},
                           headers={"Authorization": f"Bearer {crew['tokens']['n1']}"})
    ticket_id = response.get_json()["id"]
    for listener in (n1, lead):
        event = listener.wait_for("ticket:created", predicate=lambda d: d["ticket_id"] == ticket_id)
        assert event["subject"] == "Panne fibre" and event["team_id"] == crew["n1"]
        assert "Secret" not in str(event)


def test_watching_a_ticket_requires_being_allowed(client, connect, crew):
    response = client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x"},
                           headers={"Authorization": f"Bearer {crew['tokens']['alice']}"})
    ticket_id = response.get_json()["id"]
    n1 = connect(crew["tokens"]["n1"])
    assert n1.emit("ticket:watch", {"ticket_id": ticket_id}) == {"ok": True}
    assert n1.emit("ticket:watch", {"ticket_id": 999999}) == {"ok": False, "error": "not_found"}
    assert n1.emit("ticket:watch", {"ticket_id": "x"}) == {"ok": False, "error": "not_found"}


def test_rolled_back_changes_are_never_announced(app, connect, crew):
    from helpdesk.extensions import db
    from helpdesk.realtime.events import STAFF_ROOM, emit_after_commit

    n1 = connect(crew["tokens"]["n1"])
    with app.app_context():
        emit_after_commit(db.session, "ticket:updated", {"ticket_id": 1, "note": "rolled back"}, [STAFF_ROOM])
        db.session.rollback()
        emit_after_commit(db.session, "ticket:updated", {"ticket_id": 2, "note": "committed"}, [STAFF_ROOM])
        db.session.commit()
    received = n1.received("ticket:updated", within=1.0)
    assert [e["note"] for e in received] == ["committed"]
