"""Promises: what an agent promised a customer on a ticket, by when; a small clock of its own."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from helpdesk.models.tickets import Ticket
    from helpdesk.models.users import User

PROMISE_STATES = ("pending", "kept", "broken", "cancelled")


class Promise(db.Model):
    """Kept by a public reply or a logged call to the customer before `due_at`, broken otherwise.
    Warned at `warn_at` and broken at `due_at` by the sweep, each claimed once (`warned_at`,
    `broken_at` set by a conditional UPDATE), like SLA warnings and breaches."""

    __tablename__ = "promises"
    __table_args__ = (
        Index("ix_promises_state_due_at", "state", "due_at"),
        Index("ix_promises_state_warn_at", "state", "warn_at"),
        Index("ix_promises_owner_id_created_at", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # who promised
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    call_id: Mapped[Optional[int]] = mapped_column(ForeignKey("call_logs.id", ondelete="SET NULL"))  # made on a call
    what: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    kept_by: Mapped[Optional[str]] = mapped_column(String(16))  # reply or call
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    warned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    kept_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    broken_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    ticket: Mapped["Ticket"] = relationship()
    owner: Mapped[Optional["User"]] = relationship(foreign_keys=[owner_id])


class AlertAcknowledgement(db.Model):
    """A lead saw an SLA warning or breach (a ticket event) on the dashboard's alert list. Shared:
    once one lead acknowledges it, the others see who did."""

    __tablename__ = "alert_acknowledgements"

    event_id: Mapped[int] = mapped_column(ForeignKey("ticket_events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[Optional["User"]] = relationship()
