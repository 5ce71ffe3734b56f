"""Figures kept for reports that are long to compute.

Every report is computed from the tickets when asked. One that took longer than
REPORT_KEEP_AFTER_MS (a quarter or a year at a million tickets: seconds) is also kept, with the
time it was computed, and the same report for the same filters is then served from what was kept
for REPORT_KEEP_MINUTES, as BI tools do (Zendesk Explore refreshes hourly). The page and the API
say when the figures were computed; "Recalculer" drops them. While a lead keeps looking at a kept
report (shown within the last REPORT_KEEP_WARM_MINUTES), the background pass computes it again
before it goes stale, so the next view is fast and fresh. Reports of one day ("today") are never
kept: the dashboard's live figures must equal them. The presets (30 days, the quarter, without
filters) are kept warm by the background pass whether or not anyone looked, so the first view of
them is fast too; only new filters or a long custom range wait for their first computation.

A cheap report is never kept, so on a small helpdesk every figure is always live. Kept figures
are JSON (helpdesk.reports.plain); the key is a digest of the report's name, its period as
instants, its filters and the first-contact settings it depends on.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from helpdesk.models import KeptReport
from helpdesk.reports import agents, satisfaction, sla, volume
from helpdesk.reports.fcr import fcr_settings
from helpdesk.reports.filters import ReportFilters, parse_filters
from helpdesk.reports.plain import plain, revive

log = logging.getLogger(__name__)

# name -> (the report's one service function, its class)
REPORTS: dict[str, tuple[Callable[[Session, ReportFilters], Any], type]] = {
    "sla": (sla.sla_report, sla.SlaReport),
    "volume": (volume.volume_report, volume.VolumeReport),
    "satisfaction": (satisfaction.satisfaction_report, satisfaction.SatisfactionReport),
    "agents": (agents.agents_report, agents.AgentsReport),
}
# The filters that place a report (the range's name is only how it was asked: "30d" and the same
# days chosen by hand are one report).
_KEY_FIELDS = ("start", "end", "timezone", "team_id", "agent_id", "priority", "channel", "segment", "product_id")
REFRESHES_PER_PASS = 5
FORGET_AFTER = timedelta(days=7)
# Kept warm whoever looks: the ranges a lead opens first, without filters.
PRESET_RANGES = ("30d", "quarter")


@dataclass(frozen=True)
class KeepRules:
    keep_after_ms: int = 500
    keep_minutes: int = 10
    warm_minutes: int = 60

    @classmethod
    def from_config(cls, config) -> "KeepRules":
        return cls(config.get("REPORT_KEEP_AFTER_MS", cls.keep_after_ms),
                   config.get("REPORT_KEEP_MINUTES", cls.keep_minutes),
                   config.get("REPORT_KEEP_WARM_MINUTES", cls.warm_minutes))


@dataclass(frozen=True)
class Figures:
    """A report and, when it comes from (or went into) what is kept, when it was computed."""

    report: Any
    computed_at: datetime
    compute_ms: int
    kept: bool


# --- the rules -----------------------------------------------------------------------------------

def may_keep(filters: ReportFilters) -> bool:
    """Reports of one day stay live (the dashboard shows today's figures live)."""
    return filters.first_day != filters.last_day


def worth_keeping(compute_ms: float, rules: KeepRules) -> bool:
    return compute_ms >= rules.keep_after_ms


def is_fresh(computed_at: datetime, now: datetime, rules: KeepRules) -> bool:
    return now - computed_at < timedelta(minutes=rules.keep_minutes)


def due_for_refresh(computed_at: datetime, viewed_at: datetime, now: datetime, rules: KeepRules) -> bool:
    """Looked at lately, and past half its keeping time: the background computes it again."""
    return (now - viewed_at < timedelta(minutes=rules.warm_minutes)
            and now - computed_at >= timedelta(minutes=rules.keep_minutes) / 2)


def report_key(kind: str, filters: ReportFilters, depends_on: dict) -> str:
    placed = {name: plain(getattr(filters, name)) for name in _KEY_FIELDS}
    text = json.dumps({"kind": kind, "filters": placed, "depends_on": depends_on}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _depends_on(session: Session, kind: str) -> dict:
    """What else a report's figures depend on: the first-contact rule's settings."""
    return asdict(fcr_settings(session)) if kind in ("sla", "agents") else {}


# --- serving -------------------------------------------------------------------------------------

def report_figures(session: Session, kind: str, filters: ReportFilters, now: datetime, rules: KeepRules) -> Figures:
    """The named report for these filters: kept figures while fresh, else computed now (and kept
    when that was long)."""
    key = None
    if may_keep(filters):
        key = report_key(kind, filters, _depends_on(session, kind))
        row = session.execute(select(KeptReport.payload, KeptReport.computed_at, KeptReport.compute_ms)
                              .where(KeptReport.key == key)).first()
        if row is not None and is_fresh(row.computed_at, now, rules):
            _viewed(session, key, now)
            return Figures(revive(REPORTS[kind][1], json.loads(row.payload), filters=filters), row.computed_at,
                           row.compute_ms, kept=True)
    report, elapsed = _compute(session, kind, filters)
    if key is None or not worth_keeping(elapsed, rules):
        return Figures(report, now, elapsed, kept=False)
    _store(session, key, kind, filters, report, now, elapsed, viewed_at=now)
    return Figures(report, now, elapsed, kept=True)


def forget(session: Session, kind: str, filters: ReportFilters) -> None:
    """Drop what is kept for this report ("Recalculer"): the next view computes it."""
    session.execute(delete(KeptReport).where(KeptReport.key == report_key(kind, filters, _depends_on(session, kind))))
    session.commit()


def _viewed(session: Session, key: str, now: datetime) -> None:
    try:
        session.execute(update(KeptReport).where(KeptReport.key == key).values(viewed_at=now))
        session.commit()
    except SQLAlchemyError:  # a read-only moment of the database: the figures are still good
        session.rollback()


def _store(session: Session, key: str, kind: str, filters: ReportFilters, report: Any, now: datetime,
           compute_ms: int, viewed_at: datetime) -> None:
    values = {"key": key, "kind": kind, "filters": json.dumps(plain(filters)), "payload": json.dumps(plain(report)),
              "computed_at": now, "compute_ms": compute_ms, "viewed_at": viewed_at}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(KeptReport).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=[KeptReport.key], set_={
        name: stmt.excluded[name] for name in ("payload", "computed_at", "compute_ms", "viewed_at")})
    try:
        session.execute(stmt)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.warning("could not keep the %s report's figures", kind, exc_info=True)


def _compute(session: Session, kind: str, filters: ReportFilters) -> tuple[Any, int]:
    """(the report computed from the tickets, how long that took in ms)."""
    started = time.perf_counter()
    report = REPORTS[kind][0](session, filters)
    return report, round((time.perf_counter() - started) * 1000)


# --- the background pass -------------------------------------------------------------------------

def refresh_due(session: Session, now: Callable[[], datetime], rules: KeepRules,
                limit: int = REFRESHES_PER_PASS) -> int:
    """Compute again the kept reports that leads are looking at, before they go stale (at most
    `limit` per pass, the oldest first), and forget those nobody looked at for a week. The number
    computed again."""
    moment = now()
    session.execute(delete(KeptReport).where(KeptReport.viewed_at < moment - FORGET_AFTER))
    session.commit()
    k = KeptReport
    rows = session.execute(
        select(k.key, k.kind, k.filters, k.computed_at, k.viewed_at)
        .where(k.viewed_at >= moment - timedelta(minutes=rules.warm_minutes),
               k.computed_at <= moment - timedelta(minutes=rules.keep_minutes) / 2)
        .order_by(k.computed_at).limit(limit)).all()
    done = 0
    for row in rows:
        if row.kind not in REPORTS or not due_for_refresh(row.computed_at, row.viewed_at, moment, rules):
            continue
        filters = revive(ReportFilters, json.loads(row.filters))
        if report_key(row.kind, filters, _depends_on(session, row.kind)) != row.key:
            session.execute(delete(KeptReport).where(KeptReport.key == row.key))  # its settings changed
            session.commit()
            continue
        report, elapsed = _compute(session, row.kind, filters)
        _store(session, row.key, row.kind, filters, report, now(), elapsed, viewed_at=row.viewed_at)
        done += 1
    return done


def warm_presets(session: Session, now: Callable[[], datetime], rules: KeepRules, timezone: str,
                 warmed: dict[str, datetime]) -> int:
    """Keep the presets (30 days, the quarter, no filter) of every report computed, looked at or
    not, so a lead's first view of them is served at once: each is computed again from half its
    keeping time (and kept if it was long to compute; a cheap one is recomputed at the same pace,
    not every pass: `warmed` is the process's memory of when). The number computed."""
    done = 0
    for range_name in PRESET_RANGES:
        moment = now()
        filters = parse_filters(session, {"range": range_name}, moment, timezone)
        if not may_keep(filters):
            continue
        for kind in REPORTS:
            key = report_key(kind, filters, _depends_on(session, kind))
            half = timedelta(minutes=rules.keep_minutes) / 2
            computed_at = session.scalar(select(KeptReport.computed_at).where(KeptReport.key == key))
            last = max(filter(None, (computed_at, warmed.get(key))), default=None)
            if last is not None and moment - last < half:
                continue
            report, elapsed = _compute(session, kind, filters)
            warmed[key] = now()
            if worth_keeping(elapsed, rules):
                _store(session, key, kind, filters, report, warmed[key], elapsed, viewed_at=warmed[key])
            else:
                session.rollback()  # it only read
            done += 1
    return done
