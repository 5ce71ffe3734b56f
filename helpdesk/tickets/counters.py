"""Tickets' counters (public agent replies, reopenings, the ticket a new one repeats) for tickets
written in bulk (the demo seed, imports): the ticket service keeps them for everything else."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Interval, and_, func, literal, select, update
from sqlalchemy.orm import Session, aliased

from helpdesk.models import Message, Ticket, TicketEvent
from helpdesk.models.tickets import DONE_STATUSES, OPEN_STATUSES
from helpdesk.reports.fcr import fcr_settings


def backfill_counters(session: Session) -> None:
    """Recount every ticket's counters from its messages and status events, and mark repeats, with
    three UPDATE statements. Flushes; the caller commits."""
    replies = (select(func.count(Message.id))
               .where(Message.ticket_id == Ticket.id, Message.kind == "reply", Message.from_customer.is_(False))
               .scalar_subquery())
    reopenings = (select(func.count(TicketEvent.id))
                  .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.field == "status",
                         TicketEvent.old_value.in_(DONE_STATUSES), TicketEvent.new_value.in_(OPEN_STATUSES))
                  .scalar_subquery())
    session.execute(update(Ticket).values(agent_replies=replies, reopened_count=reopenings)
                    .execution_options(synchronize_session=False))
    days = fcr_settings(session).repeat_days
    earlier = aliased(Ticket)
    window_start = _minus_days(session, Ticket.created_at, days)
    repeated = (select(earlier.id).where(
        earlier.customer_id == Ticket.customer_id, earlier.product_id == Ticket.product_id, earlier.id != Ticket.id,
        earlier.resolved_at.is_not(None), earlier.resolved_at <= Ticket.created_at, earlier.resolved_at >= window_start,
    ).order_by(earlier.resolved_at.desc(), earlier.id.desc()).limit(1).scalar_subquery())
    session.execute(update(Ticket).where(and_(Ticket.product_id.is_not(None), Ticket.customer_id.is_not(None)))
                    .values(repeat_of_id=repeated).execution_options(synchronize_session=False))
    session.flush()


def _minus_days(session: Session, column, days: int):
    if session.get_bind().dialect.name == "sqlite":
        # Times are stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text in UTC; datetime() returns that shape.
        return func.datetime(column, f"-{int(days)} days")
    return column - literal(timedelta(days=days), Interval())
