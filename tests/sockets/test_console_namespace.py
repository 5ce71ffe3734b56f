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
    ids = {
        "n1": factory.user("agent", email="n1@example.com", name="Nina Un", team_ids=[n1_id]),
        "billing": factory.user("agent", email="billing@example.com", name="Bill Facture", team_ids=[billing_id]),
        "lead": factory.user("lead", email="lead@example.com", name="Léa Lead"),
        "alice": factory.user("customer", email="alice@example.com"),
    }
    return {
        "n1": n1_id, "billing": billing_id, "ids": ids,
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
    ack = n1.emit("ticket:watch", {"ticket_id": ticket_id})
    assert ack["ok"] is True and [v["user_id"] for v in ack["viewers"]] == [crew["ids"]["n1"]]
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


def test_presence_shows_who_else_is_on_a_ticket_and_who_types(client, connect, crew):
    response = client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x"},
                           headers={"Authorization": f"Bearer {crew['tokens']['alice']}"})
    ticket_id = response.get_json()["id"]
    n1 = connect(crew["tokens"]["n1"])
    lead = connect(crew["tokens"]["lead"])
    billing = connect(crew["tokens"]["billing"])
    n1.emit("ticket:watch", {"ticket_id": ticket_id})
    lead.emit("ticket:watch", {"ticket_id": ticket_id})
    seen = n1.wait_for("presence", predicate=lambda d: len(d.get("viewers", [])) == 2)
    assert {v["name"] for v in seen["viewers"]} == {"Nina Un", "Léa Lead"}
    lead.emit("ticket:typing", {"ticket_id": ticket_id, "typing": True})
    typing = n1.wait_for("presence", predicate=lambda d: "typing" in d)
    assert typing == {"ticket_id": ticket_id, "user_id": crew["ids"]["lead"], "name": "Léa Lead", "typing": True}
    assert billing.received("presence", within=0.5) == []  # not watching: hears nothing
    lead.close()
    after = n1.wait_for("presence", predicate=lambda d: len(d.get("viewers", [])) == 1)
    assert after["viewers"][0]["name"] == "Nina Un"
