"""JSON shapes of the API's objects (API.md); customer-facing shapes never carry internal data."""
from __future__ import annotations

from helpdesk.api.common import encode_cursor, iso
from helpdesk.customers.card import CustomerCard, FollowUpLine, TimelineItem
from helpdesk.customers.listing import CustomerRow
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
    """Satisfaction and value scores (staff only: the caller decides)."""
    rfm = [customer.rfm_recency, customer.rfm_frequency, customer.rfm_monetary]
    complete = all(v is not None for v in rfm)
    return {
        "csat": customer.csat_score,
        "nps": customer.nps_class,
        "nps_score": customer.nps_score,
        "effort": customer.effort_score,
        "rfm": {"r": rfm[0], "f": rfm[1], "m": rfm[2],
                "score": int(f"{rfm[0]}{rfm[1]}{rfm[2]}") if complete else None,
                "code": "-".join(str(v) for v in rfm) if complete else None,
                "recency_days": customer.rfm_recency_days,
                "orders": customer.rfm_order_count,
                "amount": str(customer.rfm_amount) if customer.rfm_amount is not None else None},
        "customer_score": customer.customer_score,
        "segment": customer.tactical_segment,
        "explanation": customer.score_explanation,
        "updated_at": iso(customer.scores_updated_at),
        "enough_data": any(v is not None for v in (customer.csat_score, customer.nps_class, customer.effort_score,
                                                   customer.customer_score, customer.tactical_segment, rfm[0])),
    }


def follow_up_json(line: FollowUpLine) -> dict:
    return {
        "id": line.id, "ticket_id": line.ticket_id, "ticket_number": line.ticket_number, "team_id": line.team_id,
        "reasons": line.reasons, "state": line.state, "due_at": iso(line.due_at), "overdue": line.overdue,
        "outcome": line.outcome, "note": line.note, "closed_at": iso(line.closed_at), "created_at": iso(line.created_at),
    }


def customer_row_json(row: CustomerRow, *, scores: bool) -> dict:
    """A customer in a list; `scores` (staff) adds the customer score and tactical segment."""
    data = customer_json(row.customer)
    data["open_tickets"] = row.open_tickets
    data["last_contact_at"] = iso(row.customer.last_contact_at)
    if scores:
        data["customer_score"] = row.customer.customer_score
        data["tactical_segment"] = row.customer.tactical_segment
    return data


def card_json(card: CustomerCard, staff: bool) -> dict:
    """The customer card of API.md; the timeline's next page is at ?timeline_cursor=.
    Scores and follow-ups are there only when the card carries them (permissions decide)."""
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
        "stats": {
            "tickets_total": card.tickets_total,
            "tickets_open": card.tickets_open,
            "last_contact_at": iso(customer.last_contact_at),
        },
    }
    if card.show_scores:
        data["scores"] = scores_json(customer)
    if card.follow_ups is not None:
        data["follow_ups"] = [follow_up_json(line) for line in card.follow_ups]
    if staff:
        data["customer"]["notes"] = customer.notes
    return data
