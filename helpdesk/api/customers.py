"""Customers over the API."""
from __future__ import annotations

from flask import current_app, request

from helpdesk.api import bp
from helpdesk.api.common import api_user, json_body, page_params
from helpdesk.api.serializers import card_json, customer_json
from helpdesk.customers import service
from helpdesk.extensions import db
from helpdesk.permissions import require


@bp.get("/customers")
def list_customers():
    user = api_user()
    limit, _cursor = page_params()
    customers = service.search_customers(
        user,
        q=request.args.get("q"),
        email=request.args.get("email"),
        phone=request.args.get("phone"),
        region=current_app.config["DEFAULT_PHONE_REGION"],
        limit=limit,
    )
    return {"items": [customer_json(c) for c in customers], "next_cursor": None}


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
    card = service.customer_card(user, customer_id)
    return card_json(card, staff=user.is_staff)
