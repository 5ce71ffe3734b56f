"""A customer reaches only their own (or their organization's) data through the API."""
import pytest

from tests.conftest import PASSWORD


@pytest.fixture()
def two_customers(app, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, Organization, User

    alice_user = factory.user("customer", email="alice@example.com", name="Alice Martin")
    bob_user = factory.user("customer", email="bob@example.com", name="Bob Durand")
    with app.app_context():
        alice = db.session.get(User, alice_user).customer_id
        bob = db.session.get(User, bob_user).customer_id
    return {
        "alice": alice,
        "bob": bob,
        "alice_ticket": factory.ticket(customer_id=alice, subject="Facture erronée"),
        "bob_ticket": factory.ticket(customer_id=bob, subject="Colis jamais reçu"),
        "alice_headers": {"Authorization": f"Bearer {auth.token('alice@example.com')}"},
    }


def test_customer_user_is_linked_to_the_customer_with_their_email(app, factory):
    from helpdesk.extensions import db
    from helpdesk.models import User

    existing = factory.customer(name="Claire Petit", email="claire@example.com")
    user_id = factory.user("customer", email="claire@example.com")
    with app.app_context():
        assert db.session.get(User, user_id).customer_id == existing


def test_customer_reads_own_card_and_ticket(client, two_customers):
    headers = two_customers["alice_headers"]
    card = client.get(f"/api/v1/customers/{two_customers['alice']}", headers=headers)
    assert card.status_code == 200
    assert card.get_json()["customer"]["email"] == "alice@example.com"
    ticket = client.get(f"/api/v1/tickets/{two_customers['alice_ticket']}", headers=headers)
    assert ticket.status_code == 200
    assert ticket.get_json()["subject"] == "Facture erronée"


def test_customer_cannot_read_another_customers_card(client, two_customers):
    response = client.get(f"/api/v1/customers/{two_customers['bob']}", headers=two_customers["alice_headers"])
    assert response.status_code == 404
    assert "Durand" not in response.get_data(as_text=True)


def test_customer_cannot_read_another_customers_ticket(client, two_customers):
    response = client.get(f"/api/v1/tickets/{two_customers['bob_ticket']}", headers=two_customers["alice_headers"])
    assert response.status_code == 404
    assert "Colis" not in response.get_data(as_text=True)


def test_customer_ticket_list_holds_only_their_tickets(client, two_customers):
    response = client.get("/api/v1/tickets", headers=two_customers["alice_headers"])
    subjects = [t["subject"] for t in response.get_json()["items"]]
    assert subjects == ["Facture erronée"]


def test_customer_search_finds_only_themselves(client, two_customers):
    response = client.get("/api/v1/customers?q=durand", headers=two_customers["alice_headers"])
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_customer_cannot_create_users(client, two_customers):
    response = client.post("/api/v1/users", json={"email": "x@example.com", "role": "admin", "password": PASSWORD},
                           headers=two_customers["alice_headers"])
    assert response.status_code == 403


def test_org_admin_sees_the_organizations_tickets(app, client, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, Organization, User

    with app.app_context():
        org = Organization(name="ACME SARL")
        colleague = Customer(name="Zoé Acme", organization=org)
        db.session.add_all([org, colleague])
        db.session.commit()
        org_id, colleague_id = org.id, colleague.id
    boss = factory.user("customer", email="boss@acme.com")
    plain = factory.user("customer", email="staff@acme.com")
    with app.app_context():
        for user_id, admin in ((boss, True), (plain, False)):
            user = db.session.get(User, user_id)
            user.customer.organization_id = org_id
            user.is_org_admin = admin
        db.session.commit()
    ticket = factory.ticket(customer_id=colleague_id, subject="Panne réseau au siège")
    boss_headers = {"Authorization": f"Bearer {auth.token('boss@acme.com')}"}
    plain_headers = {"Authorization": f"Bearer {auth.token('staff@acme.com')}"}
    assert client.get(f"/api/v1/tickets/{ticket}", headers=boss_headers).status_code == 200
    assert client.get(f"/api/v1/tickets/{ticket}", headers=plain_headers).status_code == 404


def test_internal_notes_never_reach_the_customer(app, client, two_customers):
    from helpdesk.extensions import db
    from helpdesk.models import Message

    with app.app_context():
        db.session.add(Message(ticket_id=two_customers["alice_ticket"], kind="note", body="<p>Client difficile, geste commercial possible</p>"))
        db.session.commit()
    response = client.get(f"/api/v1/tickets/{two_customers['alice_ticket']}", headers=two_customers["alice_headers"])
    assert "geste commercial" not in response.get_data(as_text=True)
    assert all(not m["internal"] for m in response.get_json()["messages"])
