"""The customer card: everything at once, in the same few queries whatever the history's size."""
from datetime import timedelta

import pytest
from flask import url_for

from tests.conftest import counted_get


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
    count, response = counted_get(app, client, url, headers)
    return count, response.get_json()


def test_card_query_count_does_not_grow_with_history(app, client, factory, auth):
    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    small, big = factory.customer(name="Petit"), factory.customer(name="Grand")
    _history(app, factory, small, 2)
    _history(app, factory, big, 40)
    client.get("/api/v1/me", headers=headers)  # the token's first use of the minute writes last_used_at
    small_count, _ = _queries(app, client, f"/api/v1/customers/{small}", headers)
    big_count, card = _queries(app, client, f"/api/v1/customers/{big}", headers)
    assert big_count == small_count <= 13
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


# --- scores and recovery follow-ups on the card -------------------------------------------------------

EXPLANATION = {"score": 73, "parts": [
    {"part": "base", "points": 50, "text": {"fr": "50 points de départ", "en": "50 starting points"}},
    {"part": "value", "points": 18, "text": {"fr": "+18 achats récents et fréquents", "en": "+18 recent, frequent purchases"}},
    {"part": "friction", "points": -5, "text": {"fr": "-5 trois contacts en 90 jours", "en": "-5 three contacts in 90 days"}},
]}


def _scored_customer(factory, **fields) -> int:
    from decimal import Decimal

    from helpdesk.models import utcnow

    values = dict(
        csat_score=4.24, nps_score=9, nps_class="promoter", effort_score=2.5,
        rfm_recency=5, rfm_frequency=4, rfm_monetary=3, rfm_recency_days=12, rfm_order_count=7, rfm_amount=Decimal("1234.50"),
        customer_score=73, tactical_segment="best", score_explanation=EXPLANATION, scores_updated_at=utcnow(),
    )
    values.update(fields)
    return factory.customer(name=values.pop("name", "Mme Valeur"), **values)


def _follow_ups(app, customer_id, ticket_id):
    """An overdue open one, one due tomorrow, and a closed one: their ids."""
    from helpdesk.extensions import db
    from helpdesk.models import FollowUp, utcnow

    now = utcnow()
    with app.app_context():
        late = FollowUp(customer_id=customer_id, ticket_id=ticket_id, reasons=["csat", "nps"], state="open",
                        due_at=now - timedelta(hours=3), overdue_at=now - timedelta(hours=1), created_at=now - timedelta(days=2))
        soon = FollowUp(customer_id=customer_id, reasons=["effort"], state="open", due_at=now + timedelta(days=1),
                        created_at=now - timedelta(days=1))
        done = FollowUp(customer_id=customer_id, ticket_id=ticket_id, reasons=["csat"], state="closed", due_at=now - timedelta(days=9),
                        outcome="called_back", note="Rappelée, geste commercial", closed_at=now - timedelta(days=8),
                        created_at=now - timedelta(days=10))
        db.session.add_all([late, soon, done])
        db.session.commit()
        return late.id, soon.id, done.id


def _follow_up_item(page: str, follow_up_id: int) -> str | None:
    import re

    found = re.search(rf'<li data-follow-up-id="{follow_up_id}">(.*?)</li>', page, re.S)
    return found.group(1) if found else None


def test_agent_sees_score_segment_satisfaction_and_rfm_in_words_on_the_customer_page(client, factory, auth):
    factory.user("agent", email="a@example.com")
    customer = _scored_customer(factory)
    auth.login("a@example.com")
    page = client.get(f"/console/customers/{customer}").get_data(as_text=True)
    for text in ("73/100", "Meilleurs clients", "CSAT 4.2/5", "NPS promoteur (9/10)", "Effort moyen 2.5/7", "RFM 5-4-3",
                 "dernière commande il y a 12 jours", "7 commandes", "1\u202f234,50\xa0€"):
        assert text in page, text
    assert "+18 achats récents et fréquents" in page and "-5 trois contacts en 90 jours" in page
    assert "pas assez de données" not in page


def test_a_segment_change_reads_in_words_on_the_timeline(app, client, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Interaction

    factory.user("agent", email="a@example.com")
    customer = _scored_customer(factory)
    with app.app_context():
        db.session.add(Interaction(customer_id=customer, kind="segment", channel="system", summary="active → best",
                                   data={"old": "active", "new": "best"}))
        db.session.commit()
    auth.login("a@example.com")
    page = client.get(f"/console/customers/{customer}").get_data(as_text=True)
    assert "Changement de segment" in page and "Actif → Meilleurs clients" in page


def test_the_score_explanation_follows_the_viewer_language(client, factory, auth):
    factory.user("agent", email="a@example.com")
    customer = _scored_customer(factory)
    auth.login("a@example.com")
    page = client.get(f"/console/customers/{customer}?lang=en").get_data(as_text=True)
    assert "+18 recent, frequent purchases" in page and "-5 three contacts in 90 days" in page
    assert "achats récents" not in page


def test_screen_pop_and_ticket_page_carry_the_same_scores(client, factory, auth):
    factory.user("agent", email="a@example.com")
    customer = _scored_customer(factory)
    ticket = factory.ticket(customer_id=customer)
    auth.login("a@example.com")
    fragment = client.get(f"/console/customers/{customer}/card").get_data(as_text=True)
    ticket_page = client.get(f"/console/tickets/{ticket}").get_data(as_text=True)
    for page in (fragment, ticket_page):
        assert "73/100" in page and "RFM 5-4-3" in page and "+18 achats récents et fréquents" in page


def test_customer_without_orders_has_no_purchase_history_but_keeps_satisfaction(client, factory, auth):
    factory.user("agent", email="a@example.com")
    customer = _scored_customer(factory, rfm_recency=None, rfm_frequency=None, rfm_monetary=None, rfm_recency_days=None,
                                rfm_order_count=0, rfm_amount=None, csat_score=2.0, tactical_segment="dissatisfied")
    auth.login("a@example.com")
    page = client.get(f"/console/customers/{customer}").get_data(as_text=True)
    assert "Aucun historique d'achat" in page and "RFM" not in page
    assert "CSAT 2.0/5" in page and "Mécontent" in page
    assert "pas assez de données" not in page


def test_customer_with_nothing_known_has_not_enough_data(client, factory, auth):
    factory.user("agent", email="a@example.com")
    customer = factory.customer(name="Inconnu")
    auth.login("a@example.com")
    page = client.get(f"/console/customers/{customer}").get_data(as_text=True)
    assert "Satisfaction et valeur : pas assez de données" in page
    assert "historique d'achat" not in page


def test_card_lists_open_follow_ups_with_overdue_flagged_like_a_breach(app, client, factory, auth):
    factory.user("agent", email="a@example.com")
    customer = _scored_customer(factory)
    ticket = factory.ticket(customer_id=customer, subject="Livraison en retard")
    late, soon, done = _follow_ups(app, customer, ticket)
    auth.login("a@example.com")
    page = client.get(f"/console/customers/{customer}").get_data(as_text=True)
    late_item, soon_item = _follow_up_item(page, late), _follow_up_item(page, soon)
    assert _follow_up_item(page, done) is None
    with app.test_request_context():
        late_url, soon_url = (url_for("surveys.follow_up", follow_up_id=i) for i in (late, soon))
    assert f'href="{late_url}"' in late_item and f'href="/console/tickets/{ticket}"' in late_item
    assert 'class="badge sla-breached"' in late_item and "en retard" in late_item
    assert "satisfaction basse" in late_item and "détracteur (NPS)" in late_item
    assert f'href="{soon_url}"' in soon_item and "sla-breached" not in soon_item and "effort élevé" in soon_item
    assert page.index(f'data-follow-up-id="{late}"') < page.index(f'data-follow-up-id="{soon}"')  # soonest due first


def test_card_api_scores_object_and_open_follow_ups(app, client, factory, auth):
    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    customer = _scored_customer(factory)
    ticket = factory.ticket(customer_id=customer)
    late, soon, _done = _follow_ups(app, customer, ticket)
    card = client.get(f"/api/v1/customers/{customer}", headers=headers).get_json()
    scores = card["scores"]
    assert scores["csat"] == 4.24 and scores["nps"] == "promoter" and scores["nps_score"] == 9 and scores["effort"] == 2.5
    assert scores["rfm"] == {"r": 5, "f": 4, "m": 3, "score": 543, "code": "5-4-3", "recency_days": 12, "orders": 7,
                             "amount": "1234.50"}
    assert scores["customer_score"] == 73 and scores["segment"] == "best" and scores["explanation"] == EXPLANATION
    assert scores["updated_at"] and scores["enough_data"] is True
    follow_ups = {f["id"]: f for f in card["follow_ups"]}
    assert set(follow_ups) == {late, soon}
    assert follow_ups[late]["overdue"] is True and follow_ups[soon]["overdue"] is False
    assert follow_ups[late]["ticket_id"] == ticket and follow_ups[late]["ticket_number"] == 10000 + ticket
    assert follow_ups[late]["reasons"] == ["csat", "nps"] and follow_ups[late]["state"] == "open"


def test_card_query_count_does_not_grow_with_follow_ups(app, client, factory, auth):
    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    calm, unhappy = _scored_customer(factory, name="Calme"), _scored_customer(factory, name="Mécontent")
    factory.ticket(customer_id=calm)
    for _ in range(3):
        _follow_ups(app, unhappy, factory.ticket(customer_id=unhappy))
    client.get("/api/v1/me", headers=headers)
    calm_count, calm_card = _queries(app, client, f"/api/v1/customers/{calm}", headers)
    unhappy_count, unhappy_card = _queries(app, client, f"/api/v1/customers/{unhappy}", headers)
    assert calm_count == unhappy_count <= 13
    assert calm_card["follow_ups"] == [] and len(unhappy_card["follow_ups"]) == 6


# --- who sees what: scores, segments and follow-ups are for staff --------------------------------------


@pytest.fixture()
def scored_customer_user(app, factory, auth):
    """A customer with a login, scores, follow-ups and staff-only timeline entries; an agent too."""
    from helpdesk.extensions import db
    from helpdesk.models import Interaction, User, utcnow

    user_id = factory.user("customer", email="claire@example.com", name="Claire")
    factory.user("agent", email="a@example.com")
    with app.app_context():
        customer = db.session.get(User, user_id).customer
        for key, value in dict(customer_score=35, tactical_segment="dissatisfied", csat_score=1.5, nps_class="detractor",
                               score_explanation=EXPLANATION).items():
            setattr(customer, key, value)
        now = utcnow()
        db.session.add_all([
            Interaction(customer_id=customer.id, kind="survey", channel="email", summary="CSAT 1/5 : très déçue", occurred_at=now),
            Interaction(customer_id=customer.id, kind="segment", channel="system", summary="Segment : actif → mécontent", occurred_at=now),
            Interaction(customer_id=customer.id, kind="follow_up", channel="phone", summary="Client rappelé — geste commercial",
                        occurred_at=now),
        ])
        db.session.commit()
        customer_id = customer.id
    ticket = factory.ticket(customer_id=customer_id)
    _follow_ups(app, customer_id, ticket)
    return {
        "customer": customer_id,
        "customer_headers": {"Authorization": f"Bearer {auth.token('claire@example.com')}"},
        "agent_headers": {"Authorization": f"Bearer {auth.token('a@example.com')}"},
    }


def test_customer_reading_own_card_gets_no_scores_and_no_follow_ups(client, scored_customer_user):
    url = f"/api/v1/customers/{scored_customer_user['customer']}"
    own = client.get(url, headers=scored_customer_user["customer_headers"])
    assert own.status_code == 200
    assert "scores" not in own.get_json() and "follow_ups" not in own.get_json()
    assert "dissatisfied" not in own.get_data(as_text=True) and "customer_score" not in own.get_data(as_text=True)
    staff = client.get(url, headers=scored_customer_user["agent_headers"]).get_json()
    assert staff["scores"]["segment"] == "dissatisfied" and len(staff["follow_ups"]) == 2


def test_customer_timeline_leaves_out_segment_changes_and_follow_up_outcomes(client, scored_customer_user):
    url = f"/api/v1/customers/{scored_customer_user['customer']}"
    own = {item["kind"] for item in client.get(url, headers=scored_customer_user["customer_headers"]).get_json()["timeline"]}
    staff = {item["kind"] for item in client.get(url, headers=scored_customer_user["agent_headers"]).get_json()["timeline"]}
    assert "survey" in own and not own & {"segment", "follow_up"}
    assert {"survey", "segment", "follow_up"} <= staff


def test_customer_cannot_list_their_follow_ups(client, scored_customer_user):
    url = f"/api/v1/customers/{scored_customer_user['customer']}/follow-ups"
    assert client.get(url, headers=scored_customer_user["customer_headers"]).status_code == 404
    staff = client.get(url, headers=scored_customer_user["agent_headers"])
    assert staff.status_code == 200 and len(staff.get_json()["items"]) == 3


def test_follow_ups_endpoint_lists_newest_first_in_pages(app, client, factory, auth):
    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    customer = factory.customer(name="Client")
    ticket = factory.ticket(customer_id=customer)
    late, soon, done = _follow_ups(app, customer, ticket)
    first = client.get(f"/api/v1/customers/{customer}/follow-ups?limit=2", headers=headers).get_json()
    assert [f["id"] for f in first["items"]] == [soon, late] and first["next_cursor"]
    rest = client.get(f"/api/v1/customers/{customer}/follow-ups?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    assert [f["id"] for f in rest["items"]] == [done] and rest["next_cursor"] is None
    closed = rest["items"][0]
    assert set(closed) == {"id", "ticket_id", "ticket_number", "team_id", "reasons", "state", "due_at", "overdue", "outcome",
                           "note", "closed_at", "created_at"}
    assert closed["state"] == "closed" and closed["outcome"] == "called_back" and closed["note"] == "Rappelée, geste commercial"
    assert closed["closed_at"] and closed["ticket_number"] == 10000 + ticket
    missing = client.get("/api/v1/customers/999999/follow-ups", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
