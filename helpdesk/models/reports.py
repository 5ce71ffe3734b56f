"""Report results kept for a while: a report over a long period (a quarter, a year at a million
tickets) takes seconds to compute, so its figures are kept and served for a few minutes, with the
time they were computed (see helpdesk.reports.kept)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class KeptReport(db.Model):
    """One report's figures for one set of filters (`key`: a digest of the report's name and
    filters), as JSON; when they were computed, how long that took, when they were last shown."""

    __tablename__ = "kept_reports"
    __table_args__ = (Index("ix_kept_reports_viewed_at", "viewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    filters: Mapped[str] = mapped_column(Text)  # the filters as JSON, so the background can recompute
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    compute_ms: Mapped[int] = mapped_column(Integer, default=0)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
