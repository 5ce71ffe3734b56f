"""Calls pushed by the telephone system: caller matching, idempotence, secrets, tickets from calls."""
import pytest

CTI = {"X-CTI-Token": "test-cti-token"}


@pytest.fixture()
def phonebook(app, client, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import CustomerPhone, Team

    with app.app_context():
        team = Team(name="Niveau 1")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    agent = factory.user("agent", email="agent@example.com", name="Agnès", team_ids=[team_id], extension="201")
    alice = factory.customer(name="Alice Martin", email="alice@example.com")
    bob = factory.customer(name="Bob Durand")
    carol = factory.customer(name="Carole Durand")
    with app.app_context():
        db.session.add_all([CustomerPhone(customer_id=alice, number="+33612345678"),
                            CustomerPhone(customer_id=bob, number="+33145678901"),
                            CustomerPhone(customer_id=carol, number="+33145678901")])  # a shared home line
        db.session.commit()
    return {"agent": agent, "alice": alice, "bob": bob, "carol": carol, "team_id": team_id,
            "agent_h": {"Authorization": f"Bearer {auth.token('agent@example.com')}"}}


def _call(client, event, call_id="c-1", **fields):
    body = {"event": event, "call_id": call_id, "from": "06 12 34 56 78", "to": "+33170000000", "direction": "in", **fields}
    return client.post("/api/v1/cti/events", json=body, headers=CTI)


@pytest.mark.parametrize("number", ["06 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "+33 (0)6.12.34.56.78"])
def test_caller_is_recognised_in_any_format(client, phonebook, number):
    response = _call(client, "newCall", **{"from": number})
    assert response.status_code == 200
    assert response.get_json()["customer_ids"] == [phonebook["alice"]]


def test_shared_number_returns_every_candidate_and_unknown_returns_none(client, phonebook):
    assert sorted(_call(client, "newCall", "c-2", **{"from": "01 45 67 89 01"}).get_json()["customer_ids"]) == sorted([phonebook["bob"], phonebook["carol"]])
    assert _call(client, "newCall", "c-3", **{"from": "07 00 00 00 01"}).get_json()["customer_ids"] == []


def test_wrong_or_missing_secret_stores_nothing(app, client, phonebook):
    from helpdesk.extensions import db
    from helpdesk.models import CallLog

    body = {"event": "newCall", "call_id": "x", "from": "0612345678", "direction": "in"}
    assert client.post("/api/v1/cti/events", json=body, headers={"X-CTI-Token": "guess"}).status_code == 401
    assert client.post("/api/v1/cti/events", json=body).status_code == 401
    assert client.post("/api/v1/cti/guess", data={"event": "newCall", "callId": "y", "from": "0612345678"}).status_code == 401
    with app.app_context():
        assert db.session.query(CallLog).count() == 0


def test_bad_event_is_a_400_naming_fields(client, phonebook):
    response = client.post("/api/v1/cti/events", json={"event": "ring", "direction": "sideways"}, headers=CTI)
    assert response.status_code == 400
    assert {"event", "call_id", "direction"} <= set(response.get_json()["error"]["details"]["fields"])


def test_a_call_through_its_life_is_one_calllog_and_one_interaction(app, client, phonebook):
    from helpdesk.extensions import db
    from helpdesk.models import CallLog, Interaction, User

    for _ in range(2):  # every event delivered twice
        _call(client, "newCall")
    for _ in range(2):
        _call(client, "answer", agent_email="agent@example.com")
    with app.app_context():
        assert db.session.get(User, phonebook["agent"]).availability == "on_call"
    for _ in range(2):
        _call(client, "hangup", cause="normalClearing")
    with app.app_context():
        call = db.session.query(CallLog).one()
        assert (call.state, call.agent_id, call.customer_id, call.missed) == ("ended", phonebook["agent"], phonebook["alice"], False)
        assert call.duration_seconds is not None and call.duration_seconds >= 0
        interaction = db.session.query(Interaction).one()
        assert (interaction.kind, interaction.customer_id, interaction.agent_id) == ("call", phonebook["alice"], phonebook["agent"])
        assert db.session.get(User, phonebook["agent"]).availability == "available"
    card = client.get(f"/api/v1/customers/{phonebook['alice']}", headers=phonebook["agent_h"]).get_json()
    assert [item["kind"] for item in card["timeline"]] == ["call"]


def test_hangup_before_answer_is_a_missed_call(app, client, phonebook):
    from helpdesk.extensions import db
    from helpdesk.models import CallLog

    _call(client, "newCall")
    _call(client, "hangup", cause="cancel")
    with app.app_context():
        assert db.session.query(CallLog).one().missed is True


def test_pbx_bridge_format_is_understood(app, client, phonebook):
    from helpdesk.extensions import db
    from helpdesk.models import CallLog

    form = {"event": "newCall", "from": "0612345678", "to": "0170000000", "direction": "in", "callId": "z-1", "user[]": ["Agnès"], "queue": "Niveau 1"}
    response = client.post("/api/v1/cti/test-cti-token", data=form)
    assert response.status_code == 200 and response.get_json() == {}
    client.post("/api/v1/cti/test-cti-token", data={"event": "answer", "callId": "z-1", "answeringNumber": "201", "direction": "in"})
    client.post("/api/v1/cti/test-cti-token", json={"event": "hangup", "callId": "z-1", "cause": "normalClearing", "direction": "in"})
    with app.app_context():
        call = db.session.query(CallLog).one()
        assert (call.state, call.agent_id, call.customer_id) == ("ended", phonebook["agent"], phonebook["alice"])


def test_ticket_from_a_call_is_prefilled_and_carries_the_notes(app, client, phonebook, auth):
    from helpdesk.extensions import db
    from helpdesk.models import CallLog, CustomerProduct, Interaction, Message, Product, Ticket

    with app.app_context():
        owned = CustomerProduct(customer_id=phonebook["alice"], product=Product(sku="BOX", name="Box Fibre"))
        db.session.add(owned)
        db.session.commit()
        owned_id = owned.id
    _call(client, "newCall")
    _call(client, "answer", agent_email="agent@example.com")
    auth.login("agent@example.com")
    client.post("/console/calls/c-1/notes", data={"notes": "Cliente très agacée, 3e appel"})
    form = client.get("/console/calls/c-1/ticket").get_data(as_text=True)
    assert "Box Fibre" in form and "Cliente très agacée" in form
    response = client.post("/console/calls/c-1/ticket", data={
        "customer_id": str(phonebook["alice"]), "product_id": str(owned_id), "subject": "Box coupée", "body": "Plus d'internet",
        "priority": "high", "type": "incident", "team": "", "status": "new"})
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.query(Ticket).one()
        assert (ticket.channel, ticket.customer_id, ticket.product_id) == ("phone", phonebook["alice"], owned_id)
        assert db.session.query(CallLog).one().ticket_id == ticket.id
        assert db.session.query(Interaction).one().ticket_id == ticket.id
        notes = [m for m in db.session.query(Message).filter_by(ticket_id=ticket.id) if m.kind == "note"]
        assert len(notes) == 1 and "3e appel" in notes[0].body


def test_unknown_caller_gets_a_customer_created_with_the_number(app, client, phonebook, auth):
    from helpdesk.extensions import db
    from helpdesk.models import CallLog, Customer

    _call(client, "newCall", "c-9", **{"from": "07 11 22 33 44"})
    auth.login("agent@example.com")
    page = client.get("/console/customers/new?phone=%2B33711223344&call_id=c-9").get_data(as_text=True)
    assert 'value="+33711223344"' in page
    response = client.post("/console/customers/new", data={"name": "Denis Nouveau", "phone": "+33711223344", "call_id": "c-9"})
    assert response.status_code == 302
    with app.app_context():
        created = db.session.query(Customer).filter_by(name="Denis Nouveau").one()
        assert [p.number for p in created.phones] == ["+33711223344"]
        assert db.session.query(CallLog).filter_by(call_id="c-9").one().customer_id == created.id
    assert _call(client, "newCall", "c-10", **{"from": "0711223344"}).get_json()["customer_ids"] == [created.id]
