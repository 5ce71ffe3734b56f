"""Read-only queries behind the landing pages (one small, indexed query per panel)."""
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


@dataclass(frozen=True)
class AdminOverview:
    users_by_role: dict[str, int]
    teams: list[Team]
    calendars: list[BusinessCalendar]
    policies: list[SLAPolicy]


def admin_overview() -> AdminOverview:
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    teams = list(db.session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.name)))
    calendars = list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name)))
    policies = list(db.session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank, SLAPolicy.name)))
    return AdminOverview(counts, teams, calendars, policies)
