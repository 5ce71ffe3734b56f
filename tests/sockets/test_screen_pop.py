"""call:incoming reaches the agents concerned, with the caller's card; nobody else hears it."""
import pytest

CTI = {"X-CTI-Token": "test-cti-token"}


@pytest.fixture()
def floor(app, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import CustomerPhone, CustomerProduct, Product, Team

    with app.app_context():
        n1, billing = Team(name="Niveau 1"), Team(name="Facturation")
        db.session.add_all([n1, billing])
        db.session.commit()
        teams = {"n1": n1.id, "billing": billing.id}
    ids = {
        "ana": factory.user("agent", email="ana@example.com", name="Ana", team_ids=[teams["n1"]], availability="available"),
        "ben": factory.user("agent", email="ben@example.com", name="Ben", team_ids=[teams["n1"]], availability="available"),
        "cy": factory.user("agent", email="cy@example.com", name="Cy", team_ids=[teams["billing"]], availability="away"),
    }
    alice = factory.customer(name="Alice Martin", email="alice@example.com", segment="vip")
    with app.app_context():
        db.session.add(CustomerPhone(customer_id=alice, number="+33612345678"))
        db.session.add(CustomerProduct(customer_id=alice, product=Product(sku="BOX", name="Box Fibre 8"), serial="SN1"))
        db.session.commit()
    factory.ticket(customer_id=alice, subject="Box coupée en mars")
    tokens = {who: auth.token(f"{who}@example.com") for who in ids}
    return {"teams": teams, "ids": ids, "tokens": tokens, "alice": alice}


def _new_call(client, call_id, **fields):
    body = {"event": "newCall", "call_id": call_id, "from": "06 12 34 56 78", "direction": "in", **fields}
    assert client.post("/api/v1/cti/events", json=body, headers=CTI).status_code == 200


def test_known_caller_pops_the_card_for_the_named_agent_only(client, connect, floor):
    ana, ben, cy = (connect(floor["tokens"][w]) for w in ("ana", "ben", "cy"))
    _new_call(client, "k-1", agent_email="ana@example.com")
    event = ana.wait_for("call:incoming")
    assert event["number"] == "+33612345678" and event["unknown"] is False
    card = event["customer"]
    assert card["customer"]["name"] == "Alice Martin"
    assert [p["name"] for p in card["products"]] == ["Box Fibre 8"]
    assert [t["subject"] for t in card["recent_tickets"]] == ["Box coupée en mars"]
    assert ben.received("call:incoming") == [] and cy.received("call:incoming") == []


def test_team_call_reaches_the_team_not_other_teams(client, connect, floor):
    ana, ben, cy = (connect(floor["tokens"][w]) for w in ("ana", "ben", "cy"))
    _new_call(client, "k-2", team="Niveau 1")
    assert ana.wait_for("call:incoming")["call_id"] == "k-2"
    assert ben.wait_for("call:incoming")["call_id"] == "k-2"
    assert cy.received("call:incoming") == []


def test_unrouted_call_reaches_available_agents_only(client, connect, floor):
    ana, cy = connect(floor["tokens"]["ana"]), connect(floor["tokens"]["cy"])
    _new_call(client, "k-3", **{"from": "07 99 99 99 99"})
    event = ana.wait_for("call:incoming")
    assert event["unknown"] is True and event["customer"] is None and event["number"] == "+33799999999"
    assert cy.received("call:incoming") == []  # away


def test_answer_tells_the_others_and_duplicates_stay_silent(client, connect, floor):
    ana, ben = connect(floor["tokens"]["ana"]), connect(floor["tokens"]["ben"])
    _new_call(client, "k-4", team="Niveau 1")
    _new_call(client, "k-4", team="Niveau 1")  # re-delivered
    ben.wait_for("call:incoming")
    body = {"event": "answer", "call_id": "k-4", "direction": "in", "agent_email": "ana@example.com"}
    client.post("/api/v1/cti/events", json=body, headers=CTI)
    client.post("/api/v1/cti/events", json=body, headers=CTI)
    update = ben.wait_for("call:updated")
    assert (update["state"], update["agent_name"]) == ("answered", "Ana")
    assert ben.received("call:incoming") == [] and ben.received("call:updated") == []


def test_how_a_call_goes_on_is_told_to_those_it_rang_and_the_leads_not_everyone(app, client, connect, floor, factory, auth):
    factory.user("lead", email="lea@example.com", name="Léa", availability="available")
    ana, ben = connect(floor["tokens"]["ana"]), connect(floor["tokens"]["ben"])
    lead = connect(auth.token("lea@example.com"))
    _new_call(client, "k-9", agent_email="ana@example.com")
    ana.wait_for("call:incoming")
    assert ben.received("call:incoming") == []  # (reads everything Ben heard so far)
    for event in ("answer", "hangup"):
        body = {"event": event, "call_id": "k-9", "direction": "in", "agent_email": "ana@example.com"}
        assert client.post("/api/v1/cti/events", json=body, headers=CTI).status_code == 200
    assert [u["state"] for u in (lead.wait_for("call:updated"), lead.wait_for("call:updated"))] == ["answered", "ended"]
    assert ana.wait_for("call:updated")["state"] == "answered"
    assert ana.wait_for("call:updated")["wrap_up"] is True
    # Ben is available and on Ana's team, but the call rang Ana alone: how it went on is not his.
    assert ben.received("call:updated") == []
