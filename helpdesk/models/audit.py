"""The audit log: who changed what in the helpdesk's set-up, when, from what to what."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One admin change (or role / permission change). `changes` maps each changed field to
    [before, after]; secrets are never stored, only that they changed. The actor's name is kept
    with the row, so the log still reads right once the account is gone."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id", "id"),
        Index("ix_audit_events_actor_id", "actor_id", "id"),
        Index("ix_audit_events_occurred_at", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))  # "system" for the background work, a CLI command...
    action: Mapped[str] = mapped_column(String(40))  # one of audit.service.ACTIONS
    object_type: Mapped[str] = mapped_column(String(40))  # one of audit.service.OBJECT_TYPES
    object_id: Mapped[Optional[int]] = mapped_column(Integer)
    object_label: Mapped[Optional[str]] = mapped_column(String(300))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
