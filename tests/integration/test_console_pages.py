"""The agent console in the browser's shoes (server-rendered pages, forms posted as a browser would)."""
import html
import re

import pytest


@pytest.fixture()
def desk(app, factory, auth, client):
    from helpdesk.extensions import db
    from helpdesk.models import CannedResponse, Team, User

    with app.app_context():
        team = Team(name="Facturation")
        db.session.add(team)
        db.session.add(CannedResponse(title="Clôture facture", body="Bonjour {{ customer.name }}, votre dossier {{ ticket.number }} est réglé.",
                                      set_status="resolved"))
        db.session.commit()
        team_id = team.id
    agent = factory.user("agent", email="agent@example.com", name="Agnès Agent", team_ids=[team_id])
    customer = factory.customer(name="Mme Durand", email="durand@example.com")
    with app.app_context():
        from datetime import date

        from helpdesk.models import CustomerProduct, Product

        box = Product(sku="BOX-FIBRE", name="Box Fibre 8", family="box")
        phone = Product(sku="TEL-X", name="Smartphone X", family="mobile")
        db.session.add_all([
            CustomerProduct(customer_id=customer, product=box, serial="SN-BOX-1", purchased_at=date(2020, 1, 5), warranty_until=date(2022, 1, 5)),
            CustomerProduct(customer_id=customer, product=phone, purchased_at=date(2026, 6, 1), warranty_until=date(2099, 6, 1)),
        ])
        db.session.commit()
    ticket = factory.ticket(customer_id=customer, subject="Double prélèvement", team_id=team_id, assignee_id=agent)
    auth.login("agent@example.com")
    return {"agent": agent, "customer": customer, "ticket": ticket, "team_id": team_id}


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def _seen(page: str) -> str:
    return re.search(r'name="seen_message_id" type="hidden" value="(\d+)"', page).group(1)


def test_queue_views(client, desk):
    mine = client.get("/console?view=mine").get_data(as_text=True)
    assert "Double prélèvement" in mine and "Mme Durand" in mine
    assert "Double prélèvement" not in client.get("/console?view=unassigned").get_data(as_text=True)
    assert "Double prélèvement" in client.get(f"/console?view=open&team={desk['team_id']}").get_data(as_text=True)
    bad = client.get("/console?view=nonsense")
    assert bad.status_code == 200 and "Filtre ignoré" in bad.get_data(as_text=True)


def test_ticket_page_shows_conversation_card_and_history(client, desk):
    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    assert "Double prélèvement" in page
    assert "ça ne marche plus" in page  # the customer's first message
    assert "Fiche client" in page and "Mme Durand" in page
    assert "Box Fibre 8" in page and "garantie expirée" in page
    assert "Smartphone X" in page and "garantie jusqu" in page
    assert "Historique" in page


def test_agent_replies_from_the_page(client, desk):
    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    response = client.post(f"/console/tickets/{desk['ticket']}/reply",
                           data={"body": "Nous **remboursons** le second prélèvement.", "version": _version(page), "seen_message_id": _seen(page)})
    assert response.status_code == 302
    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    assert "<strong>remboursons</strong>" in page
    assert "Réponse envoyée." in page


def test_reply_crossing_a_new_customer_message_is_held_for_confirmation(app, client, desk):
    from helpdesk.extensions import db
    from helpdesk.models import Message, utcnow

    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    seen = _seen(page)
    with app.app_context():
        db.session.add(Message(ticket_id=desk["ticket"], kind="reply", from_customer=True, body="<p>En fait c'est réglé !</p>", created_at=utcnow()))
        db.session.commit()
    held = client.post(f"/console/tickets/{desk['ticket']}/reply", data={"body": "Nous remboursons.", "seen_message_id": seen})
    assert held.status_code == 409
    text = held.get_data(as_text=True)
    assert "un nouveau message est arrivé" in text and "réglé" in text
    sent = client.post(f"/console/tickets/{desk['ticket']}/reply", data={"body": "Nous remboursons.", "seen_message_id": seen, "confirm_crossing": "1"})
    assert sent.status_code == 302


def test_second_save_of_the_same_version_gets_a_conflict_message(client, desk):
    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    version = _version(page)
    form = {"version": version, "status": "open", "priority": "high", "type": "question", "team": str(desk["team_id"]),
            "assignee_id": str(desk["agent"]), "tags": ""}
    assert client.post(f"/console/tickets/{desk['ticket']}/fields", data=form).status_code == 302
    second = client.post(f"/console/tickets/{desk['ticket']}/fields", data={**form, "priority": "low"})
    assert second.status_code == 409
    assert "modifié par quelqu'un d'autre" in html.unescape(second.get_data(as_text=True))
    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    assert 'selected value="high"' in page


def test_macro_fills_placeholders_and_sets_status(client, desk, app):
    from helpdesk.extensions import db
    from helpdesk.models import CannedResponse, Ticket

    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    with app.app_context():
        macro_id = db.session.query(CannedResponse).one().id
        number = db.session.get(Ticket, desk["ticket"]).number
    client.post(f"/console/tickets/{desk['ticket']}/macro", data={"macro_id": macro_id, "version": _version(page)})
    page = client.get(f"/console/tickets/{desk['ticket']}").get_data(as_text=True)
    assert f"Bonjour Mme Durand, votre dossier #{number} est réglé." in page
    with app.app_context():
        assert db.session.get(Ticket, desk["ticket"]).status == "resolved"


def test_bulk_assign_and_prioritise(app, client, desk, factory):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    others = [factory.ticket(customer_id=desk["customer"], subject=f"Relance {i}") for i in range(3)]
    response = client.post("/console/bulk", data={"ticket_ids": [str(i) for i in others], "assignee_id": str(desk["agent"]), "priority": "urgent"})
    assert response.status_code == 302
    with app.app_context():
        for tid in others:
            ticket = db.session.get(Ticket, tid)
            assert (ticket.assignee_id, ticket.priority) == (desk["agent"], "urgent")


def test_new_ticket_form(client, desk):
    bad = client.post("/console/tickets/new", data={"subject": "", "body": "", "channel": "phone", "priority": "normal", "type": "question", "team": ""})
    assert bad.status_code == 400
    ok = client.post("/console/tickets/new", data={"customer_id": str(desk["customer"]), "subject": "Appel : box en panne", "body": "Client au téléphone",
                                                   "channel": "phone", "priority": "high", "type": "incident", "team": str(desk["team_id"])})
    assert ok.status_code == 302
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Appel : box en panne" in page


def test_customers_cannot_open_the_console(client, factory, auth, desk):
    auth.logout()
    factory.user("customer", email="c@example.com")
    auth.login("c@example.com")
    assert client.get(f"/console/tickets/{desk['ticket']}").status_code == 403
