"""Satisfaction surveys: invitations (scheduled, then sent with a single-use token stored hashed),
the answers, and the service-recovery follow-ups a bad answer opens."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from helpdesk.models.customers import Customer
    from helpdesk.models.tickets import Ticket
    from helpdesk.models.users import User

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

INVITATION_STATES = ("scheduled", "sent", "answered", "cancelled")
FOLLOW_UP_STATES = ("open", "closed")
FOLLOW_UP_OUTCOMES = ("called_back", "commercial_gesture", "no_answer", "other")


class SurveyInvitation(db.Model):
    """One per resolved ticket at most. Scheduled at resolution, sent `delay` later (then it gets its
    token and expiry), answered once; a reopened ticket's scheduled invitation is cancelled."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index("ix_survey_invitations_customer_id_sent_at", "customer_id", "sent_at"),
        Index("ix_survey_invitations_state_send_at", "state", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)  # set when sent
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="csat")  # csat (+ optional nps)
    include_nps: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(8), default="fr")
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    ticket: Mapped[Optional["Ticket"]] = relationship()


class SurveyResponse(db.Model):
    """An answer. `agent_id` and `team_id` are the ticket's at the time of rating, so agent reports
    stay true after a reassignment."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_customer_id_created_at", "customer_id", "created_at"),
        # The satisfaction figures of a period (reports, agents' table), from the index alone.
        Index("ix_survey_responses_created_at", "created_at", "team_id", "agent_id", "csat", "nps", "effort",
              "ticket_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="SET NULL"), unique=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    csat: Mapped[Optional[int]] = mapped_column(Integer)  # 1..5
    nps: Mapped[Optional[int]] = mapped_column(Integer)  # 0..10
    effort: Mapped[Optional[int]] = mapped_column(Integer)  # 1..7
    comment: Mapped[Optional[str]] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default="email")  # email (the link) or portal
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Optional[SurveyInvitation]] = relationship()


class FollowUp(db.Model):
    """Service recovery: a bad answer opens one for the team's lead, due one business day later;
    it is closed with an outcome and a note. An overdue one is claimed once (`overdue_at`), like a
    breach."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        Index("ix_follow_ups_state_due_at", "state", "due_at"),
        Index("ix_follow_ups_customer_id_created_at", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    response_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="SET NULL"), unique=True
    )
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["csat", "nps"]
    state: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    overdue_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[Optional[str]] = mapped_column(String(32))
    note: Mapped[Optional[str]] = mapped_column(Text)
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Optional[SurveyResponse]] = relationship()
    customer: Mapped["Customer"] = relationship()
    ticket: Mapped[Optional["Ticket"]] = relationship()
    closed_by: Mapped[Optional["User"]] = relationship(foreign_keys=[closed_by_id])
