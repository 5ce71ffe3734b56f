"""The tickets of the period, one CSV row each, read in keyset pages of (created_at, id): a year of
tickets streams with constant memory, each page one indexed range query."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, null, or_, select
from sqlalchemy.orm import Session, aliased

from helpdesk.models import Customer, SlaClock, Team, Ticket, User
from helpdesk.models.tickets import DONE_STATUSES
from helpdesk.reports.fcr import fcr_condition, fcr_settings
from helpdesk.reports.filters import ReportFilters, ticket_conditions

PAGE_SIZE = 1000

CSV_HEADER = ("number", "subject", "customer", "team", "agent", "channel", "priority", "status", "created",
              "first_response", "resolved", "first_response_business_seconds", "resolution_business_seconds",
              "first_contact_resolution", "sla_first_response", "sla_next_response", "sla_resolution")


def _time(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def ticket_rows(session: Session, filters: ReportFilters, page_size: int = PAGE_SIZE) -> Iterator[tuple]:
    """CSV rows (CSV_HEADER order), oldest first; subjects and names as stored (the CSV writer
    neutralises formulas). Times in the report's time zone, with their offset."""
    zone = ZoneInfo(filters.timezone)
    clocks = {metric: aliased(SlaClock, name=f"clock_{metric}")
              for metric in ("first_response", "next_response", "resolution")}
    fcr = case((Ticket.status.in_(DONE_STATUSES), case((fcr_condition(fcr_settings(session)), "yes"), else_="no")),
               else_=null())
    stmt = (select(Ticket.created_at, Ticket.id, Ticket.number, Ticket.subject, Customer.name, Team.name, User.name,
                   Ticket.channel, Ticket.priority, Ticket.status, Ticket.first_response_at, Ticket.resolved_at,
                   case((clocks["first_response"].stopped_at.is_not(None), clocks["first_response"].elapsed_seconds)),
                   case((clocks["resolution"].stopped_at.is_not(None), clocks["resolution"].elapsed_seconds)),
                   fcr, *[clocks[m].state for m in clocks])
            .outerjoin(Customer, Customer.id == Ticket.customer_id)
            .outerjoin(Team, Team.id == Ticket.team_id)
            .outerjoin(User, User.id == Ticket.assignee_id))
    for metric, clock in clocks.items():
        stmt = stmt.outerjoin(clock, and_(clock.ticket_id == Ticket.id, clock.metric == metric))
    stmt = (stmt.where(Ticket.created_at < filters.end, *ticket_conditions(filters))
            .order_by(Ticket.created_at, Ticket.id).limit(page_size))
    after = None
    while True:
        # Each page starts the index range at the last row read: a single lower bound on created_at
        # (a row-value comparison, or a second bound beside the period's, made SQLite scan from the
        # period's start on every page: 115 s instead of seconds for a year at 1M tickets).
        page = (stmt.where(Ticket.created_at >= filters.start) if after is None else
                stmt.where(Ticket.created_at >= after[0], or_(Ticket.created_at > after[0], Ticket.id > after[1])))
        rows = session.execute(page).all()
        for row in rows:
            (created, _id, number, subject, customer, team, agent, channel, priority, status, first_response,
             resolved, first_seconds, resolution_seconds, fcr_value, *states) = row
            yield (f"#{number or _id}", subject, customer, team, agent, channel, priority, status, _time(created, zone),
                   _time(first_response, zone), _time(resolved, zone), first_seconds, resolution_seconds, fcr_value,
                   *states)
        if len(rows) < page_size:
            return
        after = (rows[-1][0], rows[-1][1])
