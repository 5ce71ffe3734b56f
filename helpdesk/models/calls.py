"""Telephone calls pushed by the CTI bridge."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

CALL_STATES = ("ringing", "answered", "ended")


class CallLog(db.Model):
    __tablename__ = "call_logs"
    __table_args__ = (Index("ix_call_logs_from_number_started_at", "from_number", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(128), unique=True)  # the PBX's id
    from_number: Mapped[Optional[str]] = mapped_column(String(64))  # E.164 when it parsed
    from_raw: Mapped[Optional[str]] = mapped_column(String(64))
    to_number: Mapped[Optional[str]] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8), default="in")
    state: Mapped[str] = mapped_column(String(16), default="ringing")
    customer_ids: Mapped[list] = mapped_column(JSON, default=list)  # every customer matched
    # The live rooms it rang (the named agent's, the team's, or every staff member's for a ring
    # group): how it went on (answered by, ended) is told there and to the leads, not to everyone.
    rang_rooms: Mapped[Optional[list]] = mapped_column(JSON)
    customer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    cause: Mapped[Optional[str]] = mapped_column(String(64))
    missed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[Optional[str]] = mapped_column(String(4000))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[Optional[int]] = mapped_column(Integer)
