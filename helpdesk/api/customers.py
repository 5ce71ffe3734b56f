"""Customers over the API."""
from __future__ import annotations

from flask import current_app, request

from helpdesk.api import bp
from helpdesk.api.common import api_user, decode_cursor, encode_cursor, iso, json_body, page_params
from helpdesk.api.serializers import card_json, customer_json, customer_row_json, follow_up_json, product_json
from helpdesk.customers import listing, service
from helpdesk.customers.card import customer_card, follow_ups_page
from helpdesk.customers.card import get_customer as get_card_customer
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.permissions import require


@bp.get("/customers")
def list_customers():
    user = api_user()
    limit, cursor = page_params()
    region = current_app.config["DEFAULT_PHONE_REGION"]
    filters = listing.parse_filters(request.args, region=region)
    page = listing.customer_page(user, filters, limit=limit, cursor=cursor, region=region, contacts=True)
    return {"items": [customer_row_json(row, scores=page.show_scores) for row in page.rows],
            "next_cursor": encode_cursor(page.next_cursor) if page.next_cursor else None}


@bp.post("/customers")
def create_customer():
    user = api_user()
    require(user, "customer.create")
    customer = service.create_customer(json_body(), current_app.config["DEFAULT_PHONE_REGION"])
    db.session.commit()
    return customer_json(customer), 201


@bp.get("/customers/<int:customer_id>")
def get_customer(customer_id: int):
    user = api_user()
    raw = request.args.get("timeline_cursor")
    limit = request.args.get("timeline_limit", "20")
    if not limit.isdigit() or not 1 <= int(limit) <= 200:
        raise Invalid({"timeline_limit": "out_of_range"}, "The timeline_limit must be between 1 and 200.",
                      limits={"timeline_limit": {"min": 1, "max": 200}})
    card = customer_card(user, customer_id, now=utcnow(), timeline_limit=int(limit),
                         timeline_cursor=decode_cursor(raw) if raw else None)
    return card_json(card, staff=user.is_staff)


@bp.get("/customers/<int:customer_id>/follow-ups")
def list_follow_ups(customer_id: int):
    user = api_user()
    limit, cursor = page_params()
    lines, next_cursor = follow_ups_page(user, customer_id, now=utcnow(), limit=limit, cursor=cursor)
    return {"items": [follow_up_json(line) for line in lines],
            "next_cursor": encode_cursor(next_cursor) if next_cursor else None}


@bp.patch("/customers/<int:customer_id>")
def update_customer(customer_id: int):
    user = api_user()
    customer = get_card_customer(user, customer_id)
    require(user, "customer.update", customer)
    service.update_customer(customer, json_body(), current_app.config["DEFAULT_PHONE_REGION"])
    db.session.commit()
    return customer_json(customer)


@bp.post("/customers/<int:customer_id>/products")
def add_product(customer_id: int):
    user = api_user()
    customer = get_card_customer(user, customer_id)
    require(user, "customer.update", customer)
    owned = service.add_product(customer, json_body())
    db.session.commit()
    return product_json(owned), 201


@bp.post("/customers/<int:customer_id>/orders")
def add_order(customer_id: int):
    user = api_user()
    customer = get_card_customer(user, customer_id)
    require(user, "customer.update", customer)
    order = service.add_order(customer, json_body())
    db.session.commit()
    return {"id": order.id, "customer_id": customer.id, "amount": str(order.amount), "currency": order.currency,
            "ordered_at": iso(order.ordered_at), "reference": order.reference}, 201
