"""The backlog over time: the tickets open at the end of each day of the period.

Open at instant t = created at or before t and not resolved by then (`resolved_at` null or later).
So the backlog at the end of a day is the one open when the period started, plus the tickets
created since, minus those resolved since: the volume report's two GROUP BY queries (created per
day, resolved per day) count them alongside, and one more counts the opening backlog from the
resolved_at index. A resolution stamped before the creation (imported data) never leaves a ticket
open, so such tickets count on neither side.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from helpdesk.models import Ticket
from helpdesk.reports.filters import ReportFilters, ticket_conditions


@dataclass(frozen=True)
class BacklogDay:
    day: date
    opened: int  # created that day
    resolved: int  # resolved that day
    open_at_end: int


def opened_column():
    """COUNT of the tickets created that may enter the backlog (to add to a GROUP BY on created_at)."""
    return func.count(Ticket.id).filter(or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= Ticket.created_at))


def resolved_column():
    """COUNT of the tickets resolved that leave the backlog (to add to a GROUP BY on resolved_at)."""
    return func.count(Ticket.id).filter(Ticket.resolved_at >= Ticket.created_at)


def open_at_start(session: Session, filters: ReportFilters) -> int:
    """Tickets created before the period and still open when it starts: unresolved, or resolved
    after it started. Two counts that the resolved_at index serves (not a scan of all older tickets)."""
    conditions = [Ticket.created_at < filters.start, *ticket_conditions(filters)]
    unresolved = select(func.count(Ticket.id)).where(Ticket.resolved_at.is_(None), *conditions).scalar_subquery()
    later = select(func.count(Ticket.id)).where(Ticket.resolved_at >= filters.start, *conditions).scalar_subquery()
    return sum(session.execute(select(unresolved, later)).one())


def running_backlog(days: list[date], at_start: int, opened: Mapping[date, int],
                    resolved: Mapping[date, int]) -> list[BacklogDay]:
    out, running = [], at_start
    for day in days:
        running += opened.get(day, 0) - resolved.get(day, 0)
        out.append(BacklogDay(day, opened.get(day, 0), resolved.get(day, 0), running))
    return out
