"""JSON shapes of the API's objects (API.md); customer-facing shapes never carry internal data."""
from __future__ import annotations

from helpdesk.api.common import iso
from helpdesk.customers.service import CustomerCard
from helpdesk.models import Customer, Ticket


def customer_json(customer: Customer) -> dict:
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "phones": [phone.number for phone in customer.phones],
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


def card_json(card: CustomerCard, staff: bool) -> dict:
    customer = card.customer
    data = {
        "customer": customer_json(customer),
        "organization": (
            {"id": customer.organization.id, "name": customer.organization.name} if customer.organization else None
        ),
        "products": [
            {
                "id": owned.id,
                "sku": owned.product.sku,
                "name": owned.product.name,
                "serial": owned.serial,
                "purchased_at": iso(owned.purchased_at),
                "warranty_until": iso(owned.warranty_until),
                "contract_until": iso(owned.contract_until),
                "plan": owned.plan,
                "status": owned.status,
            }
            for owned in card.products
        ],
        "open_tickets": [ticket_summary_json(t) for t in card.open_tickets],
        "recent_tickets": [ticket_summary_json(t) for t in card.recent_tickets],
        "timeline": [],
        "scores": {
            "csat": customer.csat_score,
            "nps": customer.nps_class,
            "rfm": {
                "r": customer.rfm_recency,
                "f": customer.rfm_frequency,
                "m": customer.rfm_monetary,
                "score": None,
            },
            "customer_score": customer.customer_score,
            "segment": customer.tactical_segment,
            "explanation": customer.score_explanation,
        },
        "stats": {
            "tickets_total": card.tickets_total,
            "tickets_open": card.tickets_open,
            "last_contact_at": iso(customer.last_contact_at),
        },
    }
    if staff:
        data["customer"]["notes"] = customer.notes
    return data
