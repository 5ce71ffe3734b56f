"""Reading tickets as a given user sees them (writes live in service.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.models import Message, Ticket
from helpdesk.permissions import may, require, scope_tickets


def get_ticket(user, ticket_id: int) -> Ticket:
    """The ticket if `user` may see it; NotFound otherwise, so ids of others' tickets reveal nothing."""
    ticket = db.session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.messages).selectinload(Message.author),
            selectinload(Ticket.tags),
            selectinload(Ticket.team),
            selectinload(Ticket.customer),
            selectinload(Ticket.sla_clocks),
        )
    )
    if ticket is None:
        raise NotFound("No such ticket.")
    require(user, "ticket.view", ticket, hide=True)
    return ticket


def visible_messages(user, ticket: Ticket) -> list[Message]:
    """Public replies for customers; everything for staff. Internal notes never reach a customer."""
    if may(user, "ticket.internal.view", ticket):
        return list(ticket.messages)
    return [m for m in ticket.messages if m.kind == "reply"]


def list_tickets(user, *, filters: dict, limit: int, after: tuple | None) -> list[Ticket]:
    stmt = scope_tickets(user, select(Ticket))
    for column in ("status", "priority", "customer_id"):
        if filters.get(column) is not None:
            stmt = stmt.where(getattr(Ticket, column) == filters[column])
    if after is not None:
        stmt = stmt.where(Ticket.id < after[0])
    stmt = stmt.order_by(Ticket.id.desc()).limit(limit + 1)
    stmt = stmt.options(selectinload(Ticket.tags), selectinload(Ticket.team))
    return list(db.session.scalars(stmt))
