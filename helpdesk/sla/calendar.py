"""Business-hours calendars: opening hours, holidays and business-time arithmetic on UTC instants."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

UTC = timezone.utc
END_OF_DAY = time.max  # what "24:00" parses to: the interval runs to the next local midnight
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval = tuple[time, time]
Weekly = tuple[tuple[Interval, ...], ...]  # 7 entries, index = weekday (0 = Monday)

_ONE_DAY = timedelta(days=1)
_MAX_CLOSED_RUN = 400  # consecutive days without opening hours before we call the calendar dead
_CACHE_LIMIT = 20_000
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})$")


class HoursError(ValueError):
    """Opening hours that do not parse. `code` is stable (bad_time, end_before_start, overlap,
    not_a_pair, unknown_day, bad_date, no_hours); `where` names the day ("mon", "2026-12-19")."""

    def __init__(self, message: str, code: str, where: str) -> None:
        super().__init__(message)
        self.code = code
        self.where = where


@dataclass(frozen=True)
class BusinessHours:
    """When a team is at work. Build with `business_hours()`; the value is frozen and hashable.

    `weekly` may be given as a {weekday: intervals} mapping (what `parse_hours` returns); it is
    stored as a 7-tuple indexed by weekday so the value stays hashable.
    Public holidays of `holidays_country` are looked up lazily per year, so no year range is needed.
    `openings` are exceptional openings: on those dates the given intervals replace the week's
    hours, even on a holiday or a closed day (a Saturday morning before Christmas).
    """

    timezone: str
    weekly: Weekly
    holidays_country: str | None = None
    closed_days: frozenset[date] = frozenset()
    holidays_subdiv: str | None = None
    openings: tuple[tuple[date, tuple[Interval, ...]], ...] = ()
    # Per-instance memo of local date -> UTC open intervals; deadlines revisit the same days a lot.
    _days: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        _zone(self.timezone)
        object.__setattr__(self, "weekly", _normalise_weekly(self.weekly))
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))
        object.__setattr__(self, "openings", _normalise_openings(self.openings))
        if self.holidays_country is not None:
            # Fail at configuration time, not in the middle of a deadline computation.
            _holiday_dates(self.holidays_country, self.holidays_subdiv, date.today().year)


def parse_hours(spec: Mapping[str, Sequence[Sequence[str]]]) -> dict[int, tuple[Interval, ...]]:
    """{"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ...} -> {0: ((09:00, 12:30), ...), ...}.

    Every weekday is present in the result; days missing from `spec` are closed.
    """
    weekly: dict[int, tuple[Interval, ...]] = {day: () for day in range(7)}
    for name, pairs in spec.items():
        key = str(name).strip().lower()
        if key not in DAY_NAMES:
            raise HoursError(f"unknown day name {name!r} (expected one of {', '.join(DAY_NAMES)})", "unknown_day", str(name))
        weekly[DAY_NAMES.index(key)] = _checked_intervals(key, _parse_intervals(key, pairs))
    return weekly


def parse_openings(spec: Mapping[str, Sequence[Sequence[str]]]) -> dict[date, tuple[Interval, ...]]:
    """{"2026-12-19": [["09:00", "12:00"]], ...} -> {date(2026, 12, 19): ((09:00, 12:00),), ...}."""
    openings: dict[date, tuple[Interval, ...]] = {}
    for text, pairs in spec.items():
        try:
            day = date.fromisoformat(str(text).strip())
        except ValueError:
            raise HoursError(f"not a date: {text!r} (expected YYYY-MM-DD)", "bad_date", str(text)) from None
        intervals = _parse_intervals(str(day), pairs)
        if not intervals:
            raise HoursError(f"{day}: an exceptional opening needs its hours", "no_hours", str(day))
        openings[day] = _checked_intervals(str(day), intervals)
    return openings


def public_holidays(country: str | None, years: Iterable[int], subdiv: str | None = None) -> set[date]:
    """Public holiday dates of `country` (ISO code, e.g. "FR") for `years`; None means no holidays."""
    if country is None:
        return set()
    result: set[date] = set()
    for year in years:
        result |= _holiday_dates(country, subdiv, year)
    return result


def business_hours(
    timezone: str,
    hours_spec: Mapping[str, Sequence[Sequence[str]]],
    holidays_country: str | None = None,
    closed_days: Iterable[date] = (),
    holidays_subdiv: str | None = None,
    openings: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> BusinessHours:
    """Build a BusinessHours from its stored form (IANA zone, JSON-ish hours, country code, dates,
    exceptional openings as {"YYYY-MM-DD": [["09:00", "12:00"]]})."""
    return BusinessHours(
        timezone=timezone,
        weekly=parse_hours(hours_spec),  # type: ignore[arg-type]  # normalised in __post_init__
        holidays_country=holidays_country,
        closed_days=frozenset(closed_days),
        holidays_subdiv=holidays_subdiv,
        openings=tuple(parse_openings(openings or {}).items()),
    )


def is_open(bh: BusinessHours, at: datetime) -> bool:
    """True if `at` lies inside an open interval (start inclusive, end exclusive)."""
    at = _utc(at)
    return next(open_intervals(bh, at, at + timedelta(microseconds=1)), None) is not None


def open_intervals(bh: BusinessHours, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The UTC open intervals overlapping [start, end), clipped to it, in order and disjoint."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return
    last_day = _local_date(bh, end) + _ONE_DAY
    for s, e in _spans_from(bh, start, last_day):
        if s >= end:
            return
        yield s, min(e, end)


def business_time_between(bh: BusinessHours, start: datetime, end: datetime) -> timedelta:
    """Exact open time in [start, end) (zero if end <= start)."""
    return sum((e - s for s, e in open_intervals(bh, start, end)), timedelta())


def business_seconds_between(bh: BusinessHours, start: datetime, end: datetime) -> int:
    """Whole seconds of open time in [start, end) (0 if end <= start)."""
    return business_time_between(bh, start, end) // timedelta(seconds=1)


def add_business_time(bh: BusinessHours, start: datetime, amount: timedelta) -> datetime:
    """Earliest UTC instant t >= start with business_time_between(start, t) == amount.

    For a positive amount the result is inside an open interval or exactly at its end.
    Raises ValueError for a negative amount or a calendar that never opens.
    """
    start = _utc(start)
    if amount < timedelta():
        raise ValueError("amount of business time must not be negative")
    if not amount:
        return start
    remaining = amount
    for s, e in _spans_from(bh, start, None):
        if remaining <= e - s:
            return s + remaining
        remaining -= e - s
    raise AssertionError("unreachable: _spans_from is endless or raises")


def add_business_seconds(bh: BusinessHours, start: datetime, seconds: int) -> datetime:
    """The UTC instant at which `seconds` of business time have elapsed since `start`."""
    return add_business_time(bh, start, timedelta(seconds=seconds))


def next_open(bh: BusinessHours, at: datetime) -> datetime:
    """`at` itself if open, else the start of the next open interval (UTC)."""
    at = _utc(at)
    for s, _ in _spans_from(bh, at, None):
        return s
    raise AssertionError("unreachable: _spans_from is endless or raises")


def business_day_length(bh: BusinessHours) -> timedelta:
    """The mean opening time of the calendar's open weekdays (8 h for 09:00-12:00 + 13:00-18:00).

    Raises ValueError for a calendar open on no weekday.
    """
    days = [sum(_interval_seconds(a, b) for a, b in intervals) for intervals in bh.weekly if intervals]
    if not days:
        raise ValueError("the calendar is open on no weekday")
    return timedelta(seconds=sum(days) // len(days))


def add_business_days(bh: BusinessHours, start: datetime, days: int) -> datetime:
    """`days` business days after `start`: a business day is the calendar's mean opening day, so a
    promise made on Tuesday at 15:00 falls on Wednesday at 15:00, one made on Saturday at the end
    of Monday (service recovery's "call back within one business day")."""
    return add_business_time(bh, start, business_day_length(bh) * days)


# --- internals -------------------------------------------------------------------------------


def _spans_from(bh: BusinessHours, start: datetime, last_day: date | None) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals from `start` on, clipped to start; endless when last_day is None."""
    if last_day is None and not any(bh.weekly) and not any(day >= _local_date(bh, start) for day, _ in bh.openings):
        raise ValueError("this calendar has no opening hours at all")
    # Begin a day early: yesterday's late or "24:00" hours may still run at `start` in UTC.
    day = _local_date(bh, start) - _ONE_DAY
    cursor = start
    closed_run = 0
    while last_day is None or day <= last_day:
        spans = _day_intervals(bh, day)
        for s, e in spans:
            # Clamping on the cursor keeps the output disjoint even around odd DST mappings.
            s = max(s, cursor)
            if e > s:
                yield s, e
                cursor = e
        closed_run = 0 if spans else closed_run + 1
        if last_day is None and closed_run > _MAX_CLOSED_RUN:
            raise ValueError(f"no opening hours within {_MAX_CLOSED_RUN} days after {start.isoformat()}")
        day += _ONE_DAY


def _day_intervals(bh: BusinessHours, day: date) -> tuple[tuple[datetime, datetime], ...]:
    cached = bh._days.get(day)
    if cached is not None:
        return cached
    spans: list[tuple[datetime, datetime]] = []
    exceptional = _opening_on(bh, day)
    hours = exceptional if exceptional is not None else (() if _is_closed(bh, day) else bh.weekly[day.weekday()])
    if hours:
        zone = _zone(bh.timezone)
        for opens, closes in hours:
            s = _local_to_utc(day, opens, zone)
            e = _local_to_utc(day + _ONE_DAY, time(0), zone) if closes == END_OF_DAY else _local_to_utc(day, closes, zone)
            if spans:
                s = max(s, spans[-1][1])
            # A skipped local hour (spring forward) can make an interval vanish; that is fine.
            if e > s:
                spans.append((s, e))
    if len(bh._days) >= _CACHE_LIMIT:
        bh._days.clear()
    bh._days[day] = result = tuple(spans)
    return result


def _opening_on(bh: BusinessHours, day: date) -> tuple[Interval, ...] | None:
    for opening_day, intervals in bh.openings:  # a handful at most: a scan beats a second memo
        if opening_day == day:
            return intervals
    return None


def holidays_between(bh: BusinessHours, start: date, end: date, language: str | None = None) -> list[tuple[date, str]]:
    """The calendar's closed days in [start, end]: public holidays (with their names, in `language`
    when the country has it) and custom closed days ("" as name), without those reopened by an
    exceptional opening; for previews."""
    found: dict[date, str] = {}
    if bh.holidays_country is not None:
        for year in range(start.year, end.year + 1):
            try:
                named = holidays_lib.country_holidays(bh.holidays_country, subdiv=bh.holidays_subdiv, years=year,
                                                      language=language)
            except NotImplementedError:
                named = {}
            for day, name in named.items():
                if start <= day <= end:
                    found[day] = name
    for day in bh.closed_days:
        if start <= day <= end:
            found.setdefault(day, "")
    return sorted((d, n) for d, n in found.items() if _opening_on(bh, d) is None)


def _is_closed(bh: BusinessHours, day: date) -> bool:
    if day in bh.closed_days:
        return True
    return bh.holidays_country is not None and day in _holiday_dates(bh.holidays_country, bh.holidays_subdiv, day.year)


@functools.lru_cache(maxsize=1)
def holiday_countries() -> dict[str, tuple[str, ...]]:
    """The countries the `holidays` package knows, each with its subdivisions (built once)."""
    return {code: tuple(subdivisions) for code, subdivisions in holidays_lib.list_supported_countries().items()}


@functools.lru_cache(maxsize=1024)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays_lib.country_holidays(country, subdiv=subdiv, years=year))
    except NotImplementedError as exc:  # how `holidays` reports an unknown country/subdivision
        raise ValueError(f"unknown holidays country/subdivision {country!r}/{subdiv!r}: {exc}") from exc


@functools.lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _local_to_utc(day: date, t: time, zone: ZoneInfo) -> datetime:
    # fold=0: a nonexistent local time uses the pre-transition offset, an ambiguous one the first occurrence.
    return datetime.combine(day, t, tzinfo=zone).astimezone(UTC)


def _local_date(bh: BusinessHours, at: datetime) -> date:
    return at.astimezone(_zone(bh.timezone)).date()


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {at!r}")
    return at.astimezone(UTC)


def _parse_time(day: str, text: str, *, is_end: bool) -> time:
    match = _TIME_RE.match(str(text).strip())
    if match:
        hour, minute = int(match[1]), int(match[2])
        if (hour, minute) == (24, 0) and is_end:
            return END_OF_DAY
        if hour < 24 and minute < 60:
            return time(hour, minute)
    allowed = "HH:MM between 00:00 and 24:00" if is_end else "HH:MM between 00:00 and 23:59"
    raise HoursError(f"{day}: bad time {text!r} (expected {allowed})", "bad_time", day)


def _parse_intervals(where: str, pairs) -> list[Interval]:
    if not isinstance(pairs, (list, tuple)):
        raise HoursError(f"{where}: expected a list of [start, end] pairs, got {pairs!r}", "not_a_pair", where)
    intervals = []
    for pair in pairs:
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise HoursError(f"{where}: each interval must be a [start, end] pair, got {pair!r}", "not_a_pair", where)
        intervals.append((_parse_time(where, pair[0], is_end=False), _parse_time(where, pair[1], is_end=True)))
    return intervals


def _checked_intervals(day: str, intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    ordered = sorted(intervals)
    for opens, closes in ordered:
        if closes <= opens:
            raise HoursError(f"{day}: interval end {closes:%H:%M} must be after start {opens:%H:%M}", "end_before_start", day)
    for (_, prev_close), (opens, _) in zip(ordered, ordered[1:]):
        if opens < prev_close:
            raise HoursError(f"{day}: overlapping intervals around {opens:%H:%M}", "overlap", day)
    return tuple(ordered)


def _normalise_weekly(weekly: Mapping[int, Iterable[Interval]] | Sequence[Iterable[Interval]]) -> Weekly:
    if isinstance(weekly, Mapping):
        if not set(weekly) <= set(range(7)):
            raise ValueError(f"weekly keys must be weekdays 0..6, got {sorted(weekly)!r}")
        days = [weekly.get(d, ()) for d in range(7)]
    else:
        days = list(weekly)
        if len(days) != 7:
            raise ValueError("weekly must have 7 entries, Monday first")
    return tuple(_checked_intervals(DAY_NAMES[d], (tuple(i) for i in days[d])) for d in range(7))  # type: ignore[misc]


def _normalise_openings(openings) -> tuple[tuple[date, tuple[Interval, ...]], ...]:
    items = openings.items() if isinstance(openings, Mapping) else openings
    return tuple(sorted((day, _checked_intervals(str(day), (tuple(i) for i in intervals))) for day, intervals in items))


def _interval_seconds(start: time, end: time) -> int:
    def seconds(t: time, is_end: bool) -> int:
        return 86_400 if is_end and t == END_OF_DAY else t.hour * 3600 + t.minute * 60 + t.second

    return seconds(end, True) - seconds(start, False)
