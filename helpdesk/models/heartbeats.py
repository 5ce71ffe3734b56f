"""Which processes of the deployment are alive: each server process and worker beats here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

PROCESS_KINDS = ("web", "background", "search")


class Heartbeat(db.Model):
    """One process (kind, host, pid): when it started, when it last said it was alive, and what it
    last did (`details`: e.g. the background pass's duration, the search journal's size)."""

    __tablename__ = "heartbeats"
    __table_args__ = (UniqueConstraint("kind", "host", "pid"), Index("ix_heartbeats_kind_beat_at", "kind", "beat_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(120))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
