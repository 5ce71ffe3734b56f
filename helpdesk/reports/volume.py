"""The volume report: tickets created and resolved per local day and channel, created by hour of day
x weekday (the business calendar's time zone), and the backlog at the end of each day.

Three queries: the tickets created, grouped by local hour and channel (which gives the days, the
heat-map and the backlog's arrivals); those resolved, grouped by local day and channel (and the
backlog's departures); the backlog when the period starts. Python adds up at most hours x channels
rows, never tickets.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Ticket
from helpdesk.models.customers import CHANNELS
from helpdesk.reports import backlog
from helpdesk.reports.filters import ReportFilters, created_in_period, ticket_conditions
from helpdesk.reports.local_time import LocalClock, as_date, as_day_and_hour

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DayVolume:
    day: date
    created: dict[str, int]  # channel -> tickets (every channel shown, zeros included)
    resolved: dict[str, int]
    backlog: int  # open at the end of the day

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    @property
    def resolved_total(self) -> int:
        return sum(self.resolved.values())


@dataclass(frozen=True)
class VolumeReport:
    filters: ReportFilters
    channels: tuple[str, ...]
    days: list[DayVolume]
    by_hour: list[list[int]]  # [weekday 0 = Monday][local hour 0-23] -> tickets created
    created: dict[str, int]  # channel -> tickets over the period
    resolved: dict[str, int]
    backlog: list[backlog.BacklogDay]

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    @property
    def resolved_total(self) -> int:
        return sum(self.resolved.values())


def volume_report(session: Session, filters: ReportFilters) -> VolumeReport:
    clock = LocalClock(session.get_bind().dialect.name, filters.timezone, filters.start, filters.end)
    hour = clock.hour_bucket(Ticket.created_at).label("hour")
    created_rows = session.execute(
        select(hour, Ticket.channel, func.count(Ticket.id), backlog.opened_column())
        .where(*created_in_period(filters)).group_by(hour, Ticket.channel)).all()
    day = clock.day(Ticket.resolved_at).label("day")
    resolved_rows = session.execute(
        select(day, Ticket.channel, func.count(Ticket.id), backlog.resolved_column())
        .where(Ticket.resolved_at >= filters.start, Ticket.resolved_at < filters.end, *ticket_conditions(filters))
        .group_by(day, Ticket.channel)).all()
    seen = {row[1] for row in created_rows} | {row[1] for row in resolved_rows}
    channels = tuple(c for c in CHANNELS if c in seen or c == filters.channel) + tuple(sorted(seen - set(CHANNELS)))

    created: dict[date, dict[str, int]] = {}
    opened: dict[date, int] = {}
    by_hour = [[0] * 24 for _ in WEEKDAYS]
    for bucket, channel, count, entering in created_rows:
        local_day, local_hour = as_day_and_hour(bucket)
        created.setdefault(local_day, dict.fromkeys(channels, 0))[channel] += count
        opened[local_day] = opened.get(local_day, 0) + entering
        by_hour[local_day.weekday()][local_hour] += count
    resolved: dict[date, dict[str, int]] = {}
    leaving: dict[date, int] = {}
    for value, channel, count, leaves in resolved_rows:
        local_day = as_date(value)
        resolved.setdefault(local_day, dict.fromkeys(channels, 0))[channel] += count
        leaving[local_day] = leaving.get(local_day, 0) + leaves

    days_backlog = backlog.running_backlog(filters.days, backlog.open_at_start(session, filters), opened, leaving)
    zero = dict.fromkeys(channels, 0)
    days = [DayVolume(b.day, created.get(b.day, zero), resolved.get(b.day, zero), b.open_at_end) for b in days_backlog]
    return VolumeReport(filters, channels, days, by_hour, _totals(created_rows, channels),
                        _totals(resolved_rows, channels), days_backlog)


def _totals(rows, channels) -> dict[str, int]:
    totals = dict.fromkeys(channels, 0)
    for row in rows:
        totals[row[1]] += row[2]
    return totals


def csv_header(report: VolumeReport) -> tuple[str, ...]:
    return ("day", *[f"created_{c}" for c in report.channels], "created_total",
            *[f"resolved_{c}" for c in report.channels], "resolved_total", "backlog_end_of_day")


def csv_rows(report: VolumeReport) -> list[tuple]:
    return [(d.day.isoformat(), *[d.created[c] for c in report.channels], d.created_total,
             *[d.resolved[c] for c in report.channels], d.resolved_total, d.backlog) for d in report.days]


HOURS_HEADER = ("weekday", *[f"{h:02d}h" for h in range(24)], "total")


def hours_rows(report: VolumeReport) -> list[tuple]:
    return [(WEEKDAYS[wd], *hours, sum(hours)) for wd, hours in enumerate(report.by_hour)]


def as_json(report: VolumeReport) -> dict:
    return {
        "timezone": report.filters.timezone,
        "channels": list(report.channels),
        "created": {"total": report.created_total, "by_channel": report.created},
        "resolved": {"total": report.resolved_total, "by_channel": report.resolved},
        "by_day": [{"day": d.day.isoformat(), "created": d.created, "resolved": d.resolved,
                    "backlog": d.backlog} for d in report.days],
        "by_hour": {"weekdays": list(WEEKDAYS), "hours": list(range(24)), "created": report.by_hour},
    }
