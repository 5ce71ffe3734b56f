"""A customer in the self-service portal: submits a request about a product, follows it, answers, closes, reopens."""
import io
import re

import pytest


@pytest.fixture()
def alice(app, factory, auth):
    from datetime import date

    from helpdesk.extensions import db
    from helpdesk.models import CustomerProduct, Product, User

    user_id = factory.user("customer", email="alice@example.com", name="Alice Martin")
    factory.user("customer", email="bob@example.com", name="Bob Durand")
    with app.app_context():
        customer_id = db.session.get(User, user_id).customer_id
        owned = CustomerProduct(customer_id=customer_id, product=Product(sku="BOX-1", name="Box Fibre"), serial="SN42",
                                purchased_at=date(2026, 1, 1))
        db.session.add(owned)
        db.session.commit()
        owned_id = owned.id
    auth.login("alice@example.com")
    return {"customer_id": customer_id, "product": owned_id}


def _submit(client, alice, **data):
    form = {"product_id": str(alice["product"]), "subject": "La box redémarre sans arrêt", "body": "Depuis hier soir."}
    form.update(data)
    return client.post("/portal/requests/new", data=form, content_type="multipart/form-data")


def test_customer_submits_a_request_about_a_product_with_a_file(app, client, alice):
    response = _submit(client, alice, attachments=(io.BytesIO(b"%PDF-1.4 facture"), "facture.pdf"))
    assert response.status_code == 302
    ticket_id = int(re.search(r"/requests/(\d+)/submitted", response.headers["Location"]).group(1))
    page = client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    assert "La box redémarre sans arrêt" in page and "Depuis hier soir." in page and "facture.pdf" in page
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    with app.app_context():
        ticket = db.session.query(Ticket).one()
        assert (ticket.channel, ticket.customer_id, ticket.product_id) == ("portal", alice["customer_id"], alice["product"])


def test_the_request_form_explains_what_is_missing(app, client, alice):
    response = _submit(client, alice, subject="", body="")
    assert response.status_code == 400
    assert response.get_data(as_text=True).count('class="field-error"') == 2


def test_another_customers_product_is_refused(app, client, alice, factory):
    from helpdesk.extensions import db
    from helpdesk.models import CustomerProduct, Product, Ticket

    other_customer = factory.customer(name="Zoé")
    with app.app_context():
        theirs = CustomerProduct(customer_id=other_customer, product=Product(sku="TV", name="TV"))
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    response = _submit(client, alice, product_id=str(theirs_id))
    assert response.status_code == 400
    assert "Choisissez un de vos produits" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Ticket).count() == 0


def test_customer_answers_closes_and_reopens(client, alice):
    ticket_id = int(re.search(r"/requests/(\d+)/submitted", _submit(client, alice).headers["Location"]).group(1))
    location = f"/portal/requests/{ticket_id}"
    assert client.post(f"/portal/requests/{ticket_id}/reply", data={"body": "Toujours pareil ce matin."}).status_code == 302
    assert "Toujours pareil ce matin." in client.get(location).get_data(as_text=True)
    client.post(f"/portal/requests/{ticket_id}/status", data={"status": "closed"})
    page = client.get(location).get_data(as_text=True)
    assert ">Rouvrir<" in page
    client.post(f"/portal/requests/{ticket_id}/status", data={"status": "open"})
    assert "Mon problème est résolu" in client.get(location).get_data(as_text=True)


def test_internal_notes_and_other_customers_tickets_stay_hidden(app, client, alice, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Message

    ticket_id = int(re.search(r"/requests/(\d+)/submitted", _submit(client, alice).headers["Location"]).group(1))
    location = f"/portal/requests/{ticket_id}"
    with app.app_context():
        db.session.add(Message(ticket_id=ticket_id, kind="note", body="<p>Client à surveiller</p>"))
        db.session.commit()
    assert "surveiller" not in client.get(location).get_data(as_text=True)
    auth.logout()
    auth.login("bob@example.com")
    assert client.get(location).status_code == 404
    assert "redémarre" not in client.get("/portal").get_data(as_text=True)
