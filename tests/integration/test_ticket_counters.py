"""The counters behind first-contact resolution: kept by the ticket service, and recounted the same
way for tickets written in bulk."""
from datetime import timedelta

from sqlalchemy import select

from helpdesk.models import CustomerProduct, Product, Ticket, utcnow


def _setup(app, factory, auth):
    from helpdesk.extensions import db

    factory.user("agent", email="agent@example.com")
    customer = factory.customer("Léa Martin", email="lea@example.com")
    with app.app_context():
        product = Product(sku="BOX-1", name="Box", warranty_months=24)
        db.session.add(product)
        db.session.flush()
        owned = CustomerProduct(customer_id=customer, product_id=product.id)
        db.session.add(owned)
        db.session.commit()
        owned_id = owned.id
    return customer, owned_id, {"Authorization": f"Bearer {auth.token('agent@example.com')}"}


def _counters(app, ticket_id):
    from helpdesk.extensions import db

    with app.app_context():
        t = db.session.get(Ticket, ticket_id)
        return t.agent_replies, t.reopened_count, t.repeat_of_id


def test_replies_reopenings_and_repeats_are_counted_as_they_happen(app, client, factory, auth):
    customer, owned, headers = _setup(app, factory, auth)
    ticket = client.post("/api/v1/tickets", json={"subject": "Box", "body": "Panne", "customer_id": customer,
                                                   "product_id": owned}, headers=headers).get_json()
    client.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"body": "Note", "internal": True}, headers=headers)
    client.post(f"/api/v1/tickets/{ticket['id']}/messages", json={"body": "Redémarrez la box"}, headers=headers)
    assert _counters(app, ticket["id"]) == (1, 0, None)  # the internal note is not a reply
    version = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).get_json()["version"]
    version = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": version, "status": "resolved"},
                           headers=headers).get_json()["version"]
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": version, "status": "open"}, headers=headers)
    assert _counters(app, ticket["id"]) == (1, 1, None)
    version = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers).get_json()["version"]
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": version, "status": "resolved"}, headers=headers)
    again = client.post("/api/v1/tickets", json={"subject": "Encore la box", "body": "Re-panne", "customer_id": customer,
                                                  "product_id": owned}, headers=headers).get_json()
    assert _counters(app, again["id"])[2] == ticket["id"]  # the "repeat contact" marker
    other = client.post("/api/v1/tickets", json={"subject": "Facture", "body": "?", "customer_id": customer},
                        headers=headers).get_json()
    assert _counters(app, other["id"])[2] is None  # about no product: not a repeat


def test_a_contact_after_the_window_is_not_a_repeat(app, client, factory, auth):
    from helpdesk.extensions import db

    customer, owned, headers = _setup(app, factory, auth)
    with app.app_context():
        old = Ticket(subject="Box", customer_id=customer, product_id=owned, status="closed",
                     created_at=utcnow() - timedelta(days=20), resolved_at=utcnow() - timedelta(days=8))
        db.session.add(old)
        db.session.commit()
    new = client.post("/api/v1/tickets", json={"subject": "Box", "body": "?", "customer_id": customer, "product_id": owned},
                      headers=headers).get_json()
    assert _counters(app, new["id"])[2] is None


def test_the_bulk_recount_gives_what_the_service_kept(app, client, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.tickets.counters import backfill_counters

    test_replies_reopenings_and_repeats_are_counted_as_they_happen(app, client, factory, auth)
    with app.app_context():
        kept = {t.id: (t.agent_replies, t.reopened_count, t.repeat_of_id) for t in db.session.scalars(select(Ticket))}
        db.session.execute(Ticket.__table__.update().values(agent_replies=0, reopened_count=0, repeat_of_id=None))
        backfill_counters(db.session)
        db.session.commit()
        db.session.expire_all()
        recounted = {t.id: (t.agent_replies, t.reopened_count, t.repeat_of_id) for t in db.session.scalars(select(Ticket))}
    assert recounted == kept
