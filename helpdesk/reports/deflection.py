"""Deflection by the knowledge base over a report's period, by the knowledge base's own rule
(`knowledge_base.service.deflection_rate`). Only the period applies: deflection happens before any
ticket exists, so no team, agent or product filter can place it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from helpdesk.reports.filters import ReportFilters
from knowledge_base.models import DeflectionEvent
from knowledge_base.service import DEFLECTION_WINDOW, DeflectionStats, deflection_rate, deflection_stats


def period_deflection(session: Session, filters: ReportFilters, now: datetime) -> DeflectionStats:
    """Request forms where a suggested article was opened during the period; a form sent within the
    window after the period's end still counts as sent."""
    if filters.end >= now:
        return deflection_stats(session, filters.start, now)
    e = DeflectionEvent
    rows = session.execute(select(e.attempt, e.outcome, e.created_at).where(
        e.attempt.is_not(None), e.created_at >= filters.start,
        or_(e.created_at < filters.end,
            and_(e.outcome == "submitted", e.created_at < filters.end + DEFLECTION_WINDOW))))
    return deflection_rate(((a, o, t) for a, o, t in rows), min(now, filters.end + DEFLECTION_WINDOW))
