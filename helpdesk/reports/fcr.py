"""First-contact resolution, the rule written down (and configurable, settings key "fcr"):

A ticket counts as resolved on first contact when it was resolved (or closed) with at most
`max_agent_replies` public agent replies (default 1), was never reopened, and the same customer
did not come back about the same product within `repeat_days` days (default 7) of its
resolution: such a later ticket carries `repeat_of_id` (the "repeat contact" marker) and makes the
earlier one not a first-contact resolution. Tickets about no product cannot be repeated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from helpdesk import settings as stored_settings
from helpdesk.models import Ticket
from helpdesk.models.tickets import DONE_STATUSES
from helpdesk.reports.filters import ReportFilters, created_in_period

SETTINGS_KEY = "fcr"


@dataclass(frozen=True)
class FcrSettings:
    max_agent_replies: int = 1
    repeat_days: int = 7


def fcr_settings(session: Session) -> FcrSettings:
    return stored_settings.load(session, SETTINGS_KEY, FcrSettings)


def first_contact_resolution(status: str, agent_replies: int, reopened_count: int, repeated: bool,
                             settings: FcrSettings) -> bool:
    """The rule above, for one ticket's counters."""
    return (status in DONE_STATUSES and agent_replies <= settings.max_agent_replies and reopened_count == 0
            and not repeated)


def repeated_ticket_id(session: Session, customer_id: int | None, product_id: int | None, now: datetime,
                       settings: FcrSettings) -> int | None:
    """The customer's latest ticket about the same product resolved in the last `repeat_days` days,
    which a new ticket created `now` repeats; None when there is none."""
    if customer_id is None or product_id is None:
        return None
    return session.scalar(
        select(Ticket.id).where(
            Ticket.customer_id == customer_id, Ticket.product_id == product_id,
            Ticket.resolved_at.is_not(None), Ticket.resolved_at >= now - timedelta(days=settings.repeat_days),
            Ticket.resolved_at <= now,
        ).order_by(Ticket.resolved_at.desc(), Ticket.id.desc()).limit(1)
    )


def fcr_condition(settings: FcrSettings):
    """SQL for "this ticket was resolved on first contact" (no later ticket repeats it)."""
    later = aliased(Ticket)
    return and_(
        Ticket.status.in_(DONE_STATUSES), Ticket.agent_replies <= settings.max_agent_replies,
        Ticket.reopened_count == 0, ~select(later.id).where(later.repeat_of_id == Ticket.id).exists(),
    )


@dataclass(frozen=True)
class ResolutionQuality:
    """Of the tickets created in a period: how many were resolved, on first contact, and reopened."""

    tickets: int = 0
    resolved: int = 0  # resolved or closed now
    first_contact: int = 0  # of those, resolved on first contact (the rule above)
    ever_resolved: int = 0  # resolved now, or once and reopened since
    reopened: int = 0  # reopened at least once

    @property
    def fcr_rate(self) -> float | None:
        return round(100 * self.first_contact / self.resolved, 1) if self.resolved else None

    @property
    def reopen_rate(self) -> float | None:
        return round(100 * self.reopened / self.ever_resolved, 1) if self.ever_resolved else None

    def as_json(self) -> dict:
        return {"first_contact_resolution": {"resolved": self.resolved, "first_contact": self.first_contact,
                                             "rate": self.fcr_rate},
                "reopen": {"resolved": self.ever_resolved, "reopened": self.reopened, "rate": self.reopen_rate}}


def quality_columns(settings: FcrSettings):
    """Aggregate columns for ResolutionQuality (after any grouping columns)."""
    done = Ticket.status.in_(DONE_STATUSES)
    return (func.count(Ticket.id), func.count(Ticket.id).filter(done),
            func.count(Ticket.id).filter(fcr_condition(settings)),
            func.count(Ticket.id).filter(or_(done, Ticket.reopened_count > 0)),
            func.count(Ticket.id).filter(Ticket.reopened_count > 0))


def resolution_quality(session: Session, filters: ReportFilters) -> ResolutionQuality:
    """First-contact resolution and reopen rates of the period's tickets: one aggregate query."""
    row = session.execute(select(*quality_columns(fcr_settings(session))).where(*created_in_period(filters))).one()
    return ResolutionQuality(*row)
