"""JSON shapes of the API's objects (API.md); customer-facing shapes never carry internal data."""
from __future__ import annotations

from helpdesk.api.common import iso
from helpdesk.customers.card import CustomerCard, TimelineItem
from helpdesk.models import Customer, Ticket


def customer_json(customer: Customer) -> dict:
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "phones": [phone.number for phone in customer.phones],
        "emails": [e.email for e in customer.emails],
        "organization": customer.organization.name if customer.organization else None,
        "organization_id": customer.organization_id,
        "language": customer.language,
        "preferred_channel": customer.preferred_channel,
        "segment": customer.segment,
        "lifecycle_stage": customer.lifecycle_stage,
        "created_at": iso(customer.created_at),
    }


def ticket_summary_json(ticket: Ticket) -> dict:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "type": ticket.type,
        "channel": ticket.channel,
        "team": ticket.team.name if ticket.team else None,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "customer_id": ticket.customer_id,
        "product_id": ticket.product_id,
        "tags": [tag.name for tag in ticket.tags],
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "version": ticket.version,
        "sla_state": ticket.sla_state,
        "sla_due_at": iso(ticket.sla_due_at),
    }


def product_json(owned, card: CustomerCard | None = None) -> dict:
    return {
        "id": owned.id,
        "product_id": owned.product_id,
        "sku": owned.product.sku,
        "name": owned.product.name,
        "family": owned.product.family,
        "serial": owned.serial,
        "purchased_at": iso(owned.purchased_at),
        "warranty_until": iso(owned.warranty_until),
        "contract_until": iso(owned.contract_until),
        "plan": owned.plan,
        "status": owned.status,
        "expired": card.warranty_expired(owned) if card else None,
    }


def timeline_json(item: TimelineItem) -> dict:
    return {
        "kind": item.kind, "at": iso(item.at), "id": item.id, "ticket_id": item.ticket_id,
        "ticket_number": item.ticket_number, "channel": item.channel, "summary": item.summary,
    }


def scores_json(customer: Customer) -> dict:
    rfm = [customer.rfm_recency, customer.rfm_frequency, customer.rfm_monetary]
    return {
        "csat": customer.csat_score,
        "nps": customer.nps_class,
        "rfm": {"r": rfm[0], "f": rfm[1], "m": rfm[2],
                "score": int(f"{rfm[0]}{rfm[1]}{rfm[2]}") if all(v is not None for v in rfm) else None},
        "customer_score": customer.customer_score,
        "segment": customer.tactical_segment,
        "explanation": customer.score_explanation,
        "enough_data": any(v is not None for v in (customer.csat_score, customer.nps_class, customer.customer_score, rfm[0])),
    }


def card_json(card: CustomerCard, staff: bool) -> dict:
    """The customer card of API.md; the timeline's next page is at ?timeline_cursor=."""
    from helpdesk.api.common import encode_cursor

    customer = card.customer
    data = {
        "customer": customer_json(customer),
        "organization": (
            {"id": customer.organization.id, "name": customer.organization.name} if customer.organization else None
        ),
        "products": [product_json(owned, card) for owned in card.products],
        "open_tickets": [ticket_summary_json(t) for t in card.open_tickets],
        "recent_tickets": [ticket_summary_json(t) for t in card.recent_tickets],
        "timeline": [timeline_json(item) for item in card.timeline],
        "timeline_next_cursor": encode_cursor(card.timeline_next) if card.timeline_next else None,
        "scores": scores_json(customer),
        "stats": {
            "tickets_total": card.tickets_total,
            "tickets_open": card.tickets_open,
            "last_contact_at": iso(customer.last_contact_at),
        },
    }
    if staff:
        data["customer"]["notes"] = customer.notes
    return data
