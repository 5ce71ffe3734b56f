"""In a real browser: the phone rings, the caller's card pops with products and past tickets, and the
agent turns the call into a ticket."""
import requests

from tests.conftest import PASSWORD


def test_call_pops_the_card_and_becomes_a_ticket(app, live_server, page, factory):
    from helpdesk.extensions import db
    from helpdesk.models import CustomerPhone, CustomerProduct, Product, Ticket

    factory.user("agent", email="ana@example.com", name="Ana Agent", availability="available")
    alice = factory.customer(name="Alice Martin", email="alice@example.com")
    with app.app_context():
        db.session.add(CustomerPhone(customer_id=alice, number="+33612345678"))
        db.session.add(CustomerProduct(customer_id=alice, product=Product(sku="BOX", name="Box Fibre 8"), serial="SN-77"))
        db.session.commit()
    factory.ticket(customer_id=alice, subject="Coupure en mars")

    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("ana@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/console")
    page.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")

    response = requests.post(live_server + "/api/v1/cti/events", headers={"X-CTI-Token": "test-cti-token"},
                             json={"event": "newCall", "call_id": "e2e-1", "from": "06 12 34 56 78", "direction": "in",
                                   "agent_email": "ana@example.com"})
    assert response.status_code == 200
    pop = page.locator("#screen-pop")
    pop.get_by_text("Alice Martin").first.wait_for()
    assert "Box Fibre 8" in pop.inner_text()
    assert "Coupure en mars" in pop.inner_text()

    pop.get_by_label("Notes d'appel").fill("Troisième appel cette semaine")
    pop.get_by_role("link", name="Créer un ticket").click()
    page.wait_for_url("**/console/calls/e2e-1/ticket**")
    page.get_by_label("Produit concerné").select_option(label="Box Fibre 8 (SN-77)")
    page.get_by_label("Sujet").fill("Box qui redémarre")
    page.get_by_role("button", name="Créer le ticket").click()
    page.wait_for_url("**/console/tickets/**")
    assert "Box qui redémarre" in page.locator("h1").inner_text()
    assert "Troisième appel cette semaine" in page.locator("#conversation").inner_text()
    with app.app_context():
        ticket = db.session.query(Ticket).filter_by(subject="Box qui redémarre").one()
        assert ticket.channel == "phone" and ticket.customer_id == alice


def test_unknown_caller_panel_offers_to_create_the_customer(live_server, page, factory):
    factory.user("agent", email="ana@example.com", availability="available")
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("ana@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")
    requests.post(live_server + "/api/v1/cti/events", headers={"X-CTI-Token": "test-cti-token"},
                  json={"event": "newCall", "call_id": "e2e-2", "from": "07 11 22 33 44", "direction": "in"})
    page.locator("#screen-pop").get_by_text("Appelant inconnu").wait_for()
    page.get_by_role("link", name="Créer la fiche client").click()
    assert page.get_by_label("Téléphone").input_value() == "+33711223344"
