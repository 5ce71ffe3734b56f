"""The lead dashboard's figures: read-only queries, one small indexed query per panel."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, SLAPolicy, Team, Ticket, User
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.permissions import scope_tickets


def _ticket_list(stmt, limit: int) -> list[Ticket]:
    stmt = stmt.options(selectinload(Ticket.customer), selectinload(Ticket.assignee), selectinload(Ticket.team))
    return list(db.session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class TeamBacklog:
    team: str
    open: int
    unassigned: int
    breached: int
    at_risk: int
    oldest_created_at: datetime | None


def lead_overview(now: datetime) -> list[TeamBacklog]:
    open_filter = Ticket.status.in_(OPEN_STATUSES)
    rows = db.session.execute(
        select(
            Team.name,
            func.count(Ticket.id),
            func.count(Ticket.id).filter(Ticket.assignee_id.is_(None)),
            func.count(Ticket.id).filter(Ticket.sla_state == "breached"),
            func.count(Ticket.id).filter(Ticket.sla_state == "warning"),
            func.min(Ticket.created_at),
        )
        .select_from(Team)
        .join(Ticket, (Ticket.team_id == Team.id) & open_filter, isouter=True)
        .group_by(Team.id, Team.name)
        .order_by(Team.name)
    ).all()
    return [TeamBacklog(*row) for row in rows]
