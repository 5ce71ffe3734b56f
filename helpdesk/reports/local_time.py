"""Local days, hours and weekdays in SQL. Reports count in the business calendar's time zone
(Europe/Paris by default) while the database keeps UTC instants.

PostgreSQL converts with `timezone(zone, instant)`. SQLite knows no time zones, so the UTC
offsets in force over the report's range (one segment between two daylight-saving changes) are
written into the statement as a CASE on the instant: exact for any zone, and still one
aggregate query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, case, cast, extract, func, literal_column

UTC = timezone.utc
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def _offset(zone: ZoneInfo, at_seconds: int) -> int:
    offset = datetime.fromtimestamp(at_seconds, UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_segments(zone_name: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(UTC instant from which it applies, UTC offset in seconds)] over [start, end), in order; the
    first segment starts at `start`. Assumes at most one offset change per day (true of every zone)."""
    zone = ZoneInfo(zone_name)
    first, last = int(start.timestamp()), int(end.timestamp())
    segments = [(first, _offset(zone, first))]
    day = first
    while day < last:
        following = min(day + 86_400, last)
        if _offset(zone, following) != segments[-1][1]:
            low, high = day, following  # offset(low) is the current one, offset(high) the next
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, middle) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            segments.append((high, _offset(zone, high)))
        day = following
    return [(datetime.fromtimestamp(at, UTC), offset) for at, offset in segments]


@dataclass(frozen=True)
class LocalClock:
    """SQL expressions turning a UTC column into local dates, hours and weekdays (0 = Monday) for
    instants inside [start, end) (instants outside it get the nearest segment's offset)."""

    dialect: str
    zone: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if not _ZONE_NAME.match(self.zone):
            raise ValueError(f"not a time zone name: {self.zone!r}")
        ZoneInfo(self.zone)

    # PostgreSQL -----------------------------------------------------------------------------------
    def _pg_local(self, column):
        # The zone is checked above and written as a literal, so that a GROUP BY on the
        # expression matches the selected expression (bound parameters would differ).
        return func.timezone(literal_column(f"'{self.zone}'"), column)

    # SQLite ---------------------------------------------------------------------------------------
    def _sqlite_modifier(self, column):
        segments = offset_segments(self.zone, self.start, self.end)
        if len(segments) == 1:
            return literal_column(f"'{segments[0][1]:+d} seconds'")
        whens = [(column < segments[i + 1][0], literal_column(f"'{offset:+d} seconds'"))
                 for i, (_, offset) in enumerate(segments[:-1])]
        return case(*whens, else_=literal_column(f"'{segments[-1][1]:+d} seconds'"))

    def day(self, column):
        """The local date: a DATE on PostgreSQL, 'YYYY-MM-DD' text on SQLite (see `as_date`)."""
        if self.dialect == "sqlite":
            return func.date(column, self._sqlite_modifier(column))
        return cast(self._pg_local(column), Date)

    def hour_bucket(self, column):
        """The local date and hour together ('YYYY-MM-DD HH' on SQLite, a timestamp on PostgreSQL; read
        it with `as_day_and_hour`): one GROUP BY gives both the per-day and the per-hour figures."""
        if self.dialect == "sqlite":
            return func.strftime("%Y-%m-%d %H", column, self._sqlite_modifier(column))
        return func.date_trunc(literal_column("'hour'"), self._pg_local(column))

    def hour(self, column):
        if self.dialect == "sqlite":
            return cast(func.strftime("%H", column, self._sqlite_modifier(column)), Integer)
        return cast(extract("hour", self._pg_local(column)), Integer)

    def weekday(self, column):
        """0 = Monday ... 6 = Sunday, as Python's date.weekday()."""
        if self.dialect == "sqlite":
            sunday_first = cast(func.strftime("%w", column, self._sqlite_modifier(column)), Integer)
            return (sunday_first + literal_column("6")) % literal_column("7")
        return cast(extract("isodow", self._pg_local(column)), Integer) - literal_column("1")


def local_midnight(zone_name: str, day: date) -> datetime:
    """The UTC instant at which local `day` starts in the zone."""
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def as_date(value) -> date:
    """A date from what the dialect returned for `LocalClock.day` (a date or 'YYYY-MM-DD')."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def as_day_and_hour(value) -> tuple[date, int]:
    """(local date, hour) from what the dialect returned for `LocalClock.hour_bucket`."""
    if isinstance(value, datetime):
        return value.date(), value.hour
    text = str(value)
    return date.fromisoformat(text[:10]), int(text[11:13])
