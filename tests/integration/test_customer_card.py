"""The customer card: everything at once, in the same few queries whatever the history's size."""
from datetime import timedelta

import pytest
from sqlalchemy import event


def _history(app, factory, customer_id, tickets):
    from helpdesk.extensions import db
    from helpdesk.models import Interaction, Message, utcnow

    ids = [factory.ticket(customer_id=customer_id, subject=f"Demande {i}") for i in range(tickets)]
    with app.app_context():
        now = utcnow()
        for i, tid in enumerate(ids):
            db.session.add(Message(ticket_id=tid, kind="reply", from_customer=False, body=f"<p>Réponse {i}</p>", created_at=now + timedelta(seconds=i)))
            db.session.add(Interaction(customer_id=customer_id, kind="call", channel="phone", summary=f"Appel {i}", occurred_at=now + timedelta(seconds=i)))
        db.session.commit()


def _queries(app, client, url, headers):
    from helpdesk.extensions import db

    with app.app_context():
        engine = db.engine
    count = [0]

    def tally(*args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", tally)
    try:
        response = client.get(url, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", tally)
    assert response.status_code == 200
    return count[0], response.get_json()


def test_card_query_count_does_not_grow_with_history(app, client, factory, auth):
    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    small, big = factory.customer(name="Petit"), factory.customer(name="Grand")
    _history(app, factory, small, 2)
    _history(app, factory, big, 40)
    client.get("/api/v1/me", headers=headers)  # the token's first use of the minute writes last_used_at
    small_count, _ = _queries(app, client, f"/api/v1/customers/{small}", headers)
    big_count, card = _queries(app, client, f"/api/v1/customers/{big}", headers)
    assert big_count == small_count <= 12
    assert card["stats"]["tickets_total"] == 40


def test_timeline_pages_through_every_contact_newest_first(app, client, factory, auth):
    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    customer = factory.customer(name="Grand")
    _history(app, factory, customer, 7)
    seen, cursor = [], None
    while True:
        url = f"/api/v1/customers/{customer}?timeline_limit=5" + (f"&timeline_cursor={cursor}" if cursor else "")
        card = client.get(url, headers=headers).get_json()
        seen += card["timeline"]
        cursor = card["timeline_next_cursor"]
        if not cursor:
            break
    kinds = [item["kind"] for item in seen]
    assert kinds.count("ticket") == 7 and kinds.count("reply_out") == 7 and kinds.count("call") == 7
    times = [item["at"] for item in seen]
    assert times == sorted(times, reverse=True)
    assert len({(i["kind"], i["id"]) for i in seen}) == 21


def test_card_shows_scores_as_not_enough_data_until_computed(client, factory, auth):
    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    customer = factory.customer(name="Nouveau")
    card = client.get(f"/api/v1/customers/{customer}", headers=headers).get_json()
    assert card["scores"]["enough_data"] is False and card["scores"]["csat"] is None


def test_expired_warranty_is_flagged(app, client, factory, auth):
    from datetime import date

    from helpdesk.extensions import db
    from helpdesk.models import CustomerProduct, Product

    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    customer = factory.customer(name="Client")
    with app.app_context():
        db.session.add_all([
            CustomerProduct(customer_id=customer, product=Product(sku="OLD", name="Vieux modem"), warranty_until=date(2020, 1, 1)),
            CustomerProduct(customer_id=customer, product=Product(sku="NEW", name="Box neuve"), warranty_until=date(2099, 1, 1)),
        ])
        db.session.commit()
    products = {p["name"]: p["expired"] for p in client.get(f"/api/v1/customers/{customer}", headers=headers).get_json()["products"]}
    assert products == {"Vieux modem": True, "Box neuve": False}


def test_customer_api_create_patch_products_orders(client, factory, auth, app):
    from helpdesk.extensions import db
    from helpdesk.models import Product

    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    with app.app_context():
        db.session.add(Product(sku="BOX-8", name="Box 8", warranty_months=24))
        db.session.commit()
    created = client.post("/api/v1/customers", json={"name": "Eva", "phones": ["06 01 02 03 04", "+33 1 45 00 00 00"], "organization": "ACME"},
                          headers=headers)
    assert created.status_code == 201
    cid = created.get_json()["id"]
    assert created.get_json()["phones"] == ["+33601020304", "+33145000000"]
    patched = client.patch(f"/api/v1/customers/{cid}", json={"segment": "vip", "notes": "Préfère être appelée le matin"}, headers=headers)
    assert patched.status_code == 200 and patched.get_json()["segment"] == "vip"
    bad = client.patch(f"/api/v1/customers/{cid}", json={"segment": "gold", "shoe_size": 42}, headers=headers)
    assert bad.status_code == 400 and set(bad.get_json()["error"]["details"]["fields"]) == {"segment", "shoe_size"}
    owned = client.post(f"/api/v1/customers/{cid}/products", json={"sku": "BOX-8", "serial": "S1", "purchased_at": "2025-03-31"}, headers=headers)
    assert owned.status_code == 201 and owned.get_json()["warranty_until"] == "2027-03-31"
    order = client.post(f"/api/v1/customers/{cid}/orders", json={"amount": "129.90", "ordered_at": "2026-03-01T10:00:00+01:00", "reference": "CMD-1"}, headers=headers)
    assert order.status_code == 201 and order.get_json()["amount"] == "129.90"
    dup = client.post(f"/api/v1/customers/{cid}/orders", json={"amount": 1, "ordered_at": "2026-03-01T10:00:00+01:00", "reference": "CMD-1"}, headers=headers)
    assert dup.status_code == 409
    found = client.get("/api/v1/customers?phone=01%2045%2000%2000%2000", headers=headers).get_json()["items"]
    assert [c["id"] for c in found] == [cid]
