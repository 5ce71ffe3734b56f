"""The telephony webhook: POST /api/v1/cti/events (secret in X-CTI-Token), and the generic PBX-bridge
format at POST /api/v1/cti/<token>. A wrong or missing secret stores nothing (the secret: cti.secret)."""
from __future__ import annotations

from flask import current_app, request

from helpdesk.api import bp
from helpdesk.api.common import json_body
from helpdesk.api.serializers import card_json
from helpdesk.cti import events, secret, service
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.permissions import SYSTEM


def _check_secret(given: str | None) -> None:
    secret.check(db.session, given, current_app.config.get("CTI_TOKEN"))


def _card(customer_id: int) -> dict:
    from helpdesk.customers.card import customer_card

    return card_json(customer_card(SYSTEM, customer_id, now=utcnow()), staff=True)


def _handle(event: events.CallEvent) -> service.CallOutcome:
    outcome = service.handle_event(db.session, event, utcnow(), current_app.config["DEFAULT_PHONE_REGION"], _card)
    db.session.commit()
    return outcome


@bp.post("/cti/events")
def cti_events():
    _check_secret(request.headers.get("X-CTI-Token"))
    outcome = _handle(events.parse_native(json_body()))
    return {"call_id": outcome.call.call_id, "customer_ids": outcome.customer_ids, "state": outcome.call.state}


@bp.post("/cti/<token>")
def cti_compat(token: str):
    _check_secret(token)
    if request.is_json:
        data = json_body()
        values = {k: (v if isinstance(v, list) else [v]) for k, v in data.items()}
    else:
        values = {k: request.form.getlist(k) for k in request.form.keys()}
    _handle(events.parse_compat(values))
    return {}
