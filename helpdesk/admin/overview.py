"""The admin home's overview: users per role, teams, calendars and SLA policies."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, SLAPolicy, Team, User


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
