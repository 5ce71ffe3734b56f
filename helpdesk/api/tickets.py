"""Tickets over the API."""
from __future__ import annotations

from flask import request

from helpdesk.api import bp
from helpdesk.api.common import api_user, encode_cursor, iso, page_params
from helpdesk.api.serializers import ticket_summary_json
from helpdesk.errors import Invalid
from helpdesk.models.tickets import PRIORITIES, STATUSES
from helpdesk.tickets import queries


def _message_json(message) -> dict:
    return {
        "id": message.id,
        "body": message.body,
        "internal": message.internal,
        "author": (
            {"id": message.author.id, "name": message.author.name} if message.author else None
        ),
        "created_at": iso(message.created_at),
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments
        ],
    }


def _sla_json(ticket) -> dict:
    clocks = {clock.metric: clock for clock in ticket.sla_clocks}
    result = {}
    for metric in ("first_response", "next_response", "resolution"):
        clock = clocks.get(metric)
        result[metric] = (
            {"due_at": iso(clock.due_at), "state": clock.state,
             "remaining_seconds": (clock.target_seconds - clock.elapsed_seconds) if clock.target_seconds is not None else None}
            if clock else None
        )
    return result


@bp.get("/tickets")
def list_tickets():
    user = api_user()
    limit, cursor = page_params()
    filters = {}
    errors = {}
    if (status := request.args.get("status")) is not None:
        if status not in STATUSES:
            errors["status"] = f"must be one of {', '.join(STATUSES)}"
        filters["status"] = status
    if (priority := request.args.get("priority")) is not None:
        if priority not in PRIORITIES:
            errors["priority"] = f"must be one of {', '.join(PRIORITIES)}"
        filters["priority"] = priority
    if (customer_id := request.args.get("customer_id")) is not None:
        if not customer_id.isdigit():
            errors["customer_id"] = "must be an integer"
        else:
            filters["customer_id"] = int(customer_id)
    after = None
    if cursor is not None:
        if not isinstance(cursor.get("id"), int):
            errors["cursor"] = "is not a cursor this API returned"
        else:
            after = (cursor["id"],)
    if errors:
        raise Invalid(errors)
    tickets = queries.list_tickets(user, filters=filters, limit=limit, after=after)
    more = len(tickets) > limit
    tickets = tickets[:limit]
    next_cursor = encode_cursor({"id": tickets[-1].id}) if more else None
    return {"items": [ticket_summary_json(t) for t in tickets], "next_cursor": next_cursor}


@bp.get("/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int):
    user = api_user()
    ticket = queries.get_ticket(user, ticket_id)
    data = ticket_summary_json(ticket)
    data["messages"] = [_message_json(m) for m in queries.visible_messages(user, ticket)]
    data["sla"] = _sla_json(ticket)
    return data
