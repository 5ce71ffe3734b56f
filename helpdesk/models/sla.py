"""Business calendars, SLA policies and the per-ticket SLA clocks."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from helpdesk.models.tickets import Ticket

SLA_METRICS = ("first_response", "next_response", "resolution")
# The clocks that start when their ticket is created (started_at == the ticket's created_at), so a
# report may find their tickets by created_at; a next response starts on a customer's message.
STARTED_AT_CREATION = ("first_response", "resolution")
SLA_STATES = ("running", "paused", "met", "warning", "breached")
RECOMPUTE_STATES = ("queued", "running", "done", "failed")


class BusinessCalendar(db.Model):
    """Opening hours in a time zone, with public holidays of a country and custom closed days."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ...}
    hours: Mapped[dict] = mapped_column(JSON)
    holidays_country: Mapped[Optional[str]] = mapped_column(String(8))
    holidays_subdivision: Mapped[Optional[str]] = mapped_column(String(16))
    closed_days: Mapped[list] = mapped_column(JSON, default=list)  # ["2026-12-24", ...]
    # Exceptional openings, which replace the week's hours on their date: {"2026-12-19": [["09:00", "12:00"]]}
    openings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SLAPolicy(db.Model):
    """Targets in business minutes; the lowest rank whose conditions match a ticket applies."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    rank: Mapped[int] = mapped_column(Integer, default=100, index=True)
    calendar_id: Mapped[Optional[int]] = mapped_column(ForeignKey("business_calendars.id"))
    # {"priority": "urgent", "segment": "vip", "team": <team id>, "type": "incident"}
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    first_response_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    next_response_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    resolution_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    warn_at_percent: Mapped[int] = mapped_column(Integer, default=80)
    # Statuses in which the clocks stop running (waiting on someone else).
    pause_statuses: Mapped[list] = mapped_column(
        JSON, default=lambda: ["pending_customer", "pending_third_party"]
    )
    # [{"on": "breached", "metric": "resolution", "action": "raise_priority"}, ...]
    escalations: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    calendar: Mapped[Optional[BusinessCalendar]] = relationship()


class SlaClock(db.Model):
    """One SLA metric of one ticket. warned_at / breached_at are claimed atomically by the sweep."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric"),
        Index("ix_sla_clocks_state_due_at", "state", "due_at"),
        Index("ix_sla_clocks_state_warn_at", "state", "warn_at"),
        # The reports: the clocks started in a period, answered from the index alone.
        Index("ix_sla_clocks_metric_started_at", "metric", "started_at", "state", "stopped_at", "elapsed_seconds",
              "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    warn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    stopped_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    target_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    warned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    breached_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    ticket: Mapped["Ticket"] = relationship(back_populates="sla_clocks")


class SlaRecompute(db.Model):
    """The open tickets to recompute after a policy, calendar or team change, done in the background
    when there are many. `scope` names what changed ({"policy_ids": [...], "calendar_ids": [...],
    "team_ids": [...]}); the concerned tickets are worked through in id order from
    `last_ticket_id`, so a recompute cut short resumes where it stopped. A worker claims it by a
    conditional UPDATE and beats `heartbeat_at`; a stale heartbeat lets another one take over."""

    __tablename__ = "sla_recomputes"
    __table_args__ = (Index("ix_sla_recomputes_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    scope: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    last_ticket_id: Mapped[int] = mapped_column(Integer, default=0)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    error: Mapped[Optional[str]] = mapped_column(String(500))
