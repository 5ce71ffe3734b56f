"""Promises ("I'll call you back Thursday morning") as pure rules: what a valid promise is, when it is
warned, whether it was kept or broken, and the figures reports draw from it. No Flask, no database;
`now` is passed in.

The contract:
- A promise says what (1 to MAX_WHAT characters) and by when: `due_at`, an aware instant at least
  MIN_AHEAD and at most MAX_AHEAD after it is made.
- It is warned WARN_BEFORE (1 h) before it is due, or, for a promise made less than 5 h ahead,
  SHORT_SHARE (20 %) of its span before it is due: warn_at = due_at - min(1 h, 20 % of (due_at - made_at)).
  A promise made for 2 h from now is thus warned 24 min before it is due.
- It is kept by the first public agent reply on its ticket, or the first answered outbound call to
  its customer, that happens between the moment it was made and its due time, both included.
- It is broken once its due time has passed with no such contact (the sweep claims that once).
- Cancelled promises and pending ones count in neither kept nor broken: kept % = kept / (kept + broken).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from helpdesk.errors import FieldErrors

PENDING, KEPT, BROKEN, CANCELLED = "pending", "kept", "broken", "cancelled"
STATES = (PENDING, KEPT, BROKEN, CANCELLED)
KEPT_BY = ("reply", "call")

MAX_WHAT = 500
MIN_AHEAD = timedelta(minutes=5)
MAX_AHEAD = timedelta(days=90)
WARN_BEFORE = timedelta(hours=1)
SHORT_SHARE = 0.2

# Quick choices of the forms: a delay from now, or a time of the next day (in the agent's zone).
QUICK_CHOICES = ("in_1h", "in_2h", "tomorrow_10", "tomorrow_14")


@dataclass(frozen=True)
class PromiseTerms:
    """A checked promise: what, and when it is due and warned (UTC)."""

    what: str
    due_at: datetime
    warn_at: datetime


def parse_due_at(value: Any, local_zone: tzinfo | None = None) -> tuple[datetime | None, str | None]:
    """(instant, problem code): an aware datetime or an ISO 8601 text. A time without offset is read in
    `local_zone` (a form's date-time field), and refused when there is none (the API wants an offset).
    The codes: required, bad_date, no_utc_offset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "required"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None, "bad_date"
    if not isinstance(value, datetime):
        return None, "bad_date"
    if value.tzinfo is None or value.utcoffset() is None:
        if local_zone is None:
            return None, "no_utc_offset"
        value = value.replace(tzinfo=local_zone)
    return value, None


def warn_time(made_at: datetime, due_at: datetime) -> datetime:
    """When the promise's owner is warned: 1 h before, or 20 % of a short promise's span before."""
    return due_at - min(WARN_BEFORE, (due_at - made_at) * SHORT_SHARE)


def check_promise(what: Any, due_at: Any, now: datetime,
                  local_zone: tzinfo | None = None) -> tuple[PromiseTerms | None, FieldErrors]:
    """The terms of a promise made `now`, or None with each problem by field ("what", "due_at") as a
    code: required, not_text, too_long, bad_date, no_utc_offset, too_soon, too_far_ahead (with their limits)."""
    errors = FieldErrors()
    text = None
    if what is None or (isinstance(what, str) and not what.strip()):
        errors["what"] = "required"
    elif not isinstance(what, str):
        errors["what"] = "not_text"
    elif len(" ".join(what.split())) > MAX_WHAT:
        errors.add("what", "too_long", max_length=MAX_WHAT)
    else:
        text = " ".join(what.split())
    due, problem = parse_due_at(due_at, local_zone)
    if problem:
        errors["due_at"] = problem
    elif due < now + MIN_AHEAD:
        errors.add("due_at", "too_soon", min_minutes=int(MIN_AHEAD.total_seconds() // 60))
    elif due > now + MAX_AHEAD:
        errors.add("due_at", "too_far_ahead", max_days=MAX_AHEAD.days)
    if errors:
        return None, errors
    due = due.astimezone(now.tzinfo) if now.tzinfo else due
    return PromiseTerms(text, due, warn_time(now, due)), FieldErrors()


def quick_due(choice: str, now: datetime, zone: tzinfo) -> datetime | None:
    """The due time of a quick choice made `now` (None for an unknown choice): "in_2h" is two hours
    from now, "tomorrow_10" is 10:00 tomorrow in `zone`."""
    if choice == "in_1h":
        return now + timedelta(hours=1)
    if choice == "in_2h":
        return now + timedelta(hours=2)
    if choice in ("tomorrow_10", "tomorrow_14"):
        hour = 10 if choice == "tomorrow_10" else 14
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(hour, 0), tzinfo=zone)
    return None


# --- kept or broken ---------------------------------------------------------------------------------


def keeps(made_at: datetime, due_at: datetime, contact_at: datetime) -> bool:
    """True when a contact (public agent reply, answered outbound call) at `contact_at` keeps the promise."""
    return made_at <= contact_at <= due_at


@dataclass(frozen=True)
class Outcome:
    state: str  # pending | kept | broken
    at: datetime | None  # when it was kept (the contact) or broken (the due time)


def outcome(made_at: datetime, due_at: datetime, contacts: Iterable[datetime], now: datetime) -> Outcome:
    """A promise's state at `now`, given the contacts with the customer (any order; later ones ignored)."""
    keeping = sorted(at for at in contacts if at <= now and keeps(made_at, due_at, at))
    if keeping:
        return Outcome(KEPT, keeping[0])
    if now > due_at:
        return Outcome(BROKEN, due_at)
    return Outcome(PENDING, None)


def display_state(state: str, warn_at: datetime | None, due_at: datetime, now: datetime) -> str:
    """The SLA badge a promise wears: running, warning, breached (broken, or overdue and not yet
    swept), met (kept) or cancelled."""
    if state == KEPT:
        return "met"
    if state == BROKEN:
        return "breached"
    if state == CANCELLED:
        return "cancelled"
    if now > due_at:
        return "breached"
    if warn_at is not None and now >= warn_at:
        return "warning"
    return "running"


@dataclass(frozen=True)
class TimeLeft:
    """Time until (or, `overdue`, since) a due time, cut into days, hours and minutes."""

    seconds: int
    overdue: bool
    days: int
    hours: int
    minutes: int


def time_left(due_at: datetime, now: datetime) -> TimeLeft:
    """The remaining time as the console's countdowns show it ("dans 2 h 05", "dépassé de 3 min")."""
    seconds = int((due_at - now).total_seconds())
    span = abs(seconds)
    return TimeLeft(seconds, seconds < 0, span // 86400, span % 86400 // 3600, span % 3600 // 60)


# --- the customer's timeline ----------------------------------------------------------------------


def short_due(due_at: datetime, zone: tzinfo) -> str:
    """"03/12 12:00": the due time as the timeline says it, in the office's zone."""
    return due_at.astimezone(zone).strftime("%d/%m %H:%M")


def timeline_summary(event: str, what: str, due_at: datetime, zone: tzinfo) -> str:
    """The line on the customer's timeline (stored, in French like the other contact summaries) for
    a promise made, kept, broken or cancelled."""
    due = short_due(due_at, zone)
    text = {
        "made": f"Promesse : {what} (avant le {due})",
        KEPT: f"Promesse tenue : {what}",
        BROKEN: f"Promesse non tenue : {what} (échéance {due})",
        CANCELLED: f"Promesse annulée : {what}",
    }[event]
    return text if len(text) <= MAX_WHAT else text[: MAX_WHAT - 1] + "…"


# --- reports ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromiseTally:
    """Promises of one agent (or team, or period) by state."""

    kept: int = 0
    broken: int = 0
    pending: int = 0
    cancelled: int = 0

    @property
    def made(self) -> int:
        return self.kept + self.broken + self.pending + self.cancelled

    @property
    def kept_percent(self) -> float | None:
        """Kept among those settled (kept or broken), 0-100; None when none is settled yet."""
        settled = self.kept + self.broken
        return round(100 * self.kept / settled, 1) if settled else None


def tally(states: Iterable[str]) -> PromiseTally:
    counts = dict.fromkeys(STATES, 0)
    for state in states:
        if state in counts:
            counts[state] += 1
    return PromiseTally(counts[KEPT], counts[BROKEN], counts[PENDING], counts[CANCELLED])


def tally_by_owner(rows: Iterable[Sequence[Any]]) -> dict[int | None, PromiseTally]:
    """{owner_id: tally} from (owner_id, state) or (owner_id, state, count) rows, e.g. a GROUP BY."""
    counts: dict[int | None, dict[str, int]] = {}
    for row in rows:
        owner_id, state = row[0], row[1]
        number = row[2] if len(row) > 2 else 1
        if state in STATES:
            per_state = counts.setdefault(owner_id, dict.fromkeys(STATES, 0))
            per_state[state] += number
    return {owner: PromiseTally(c[KEPT], c[BROKEN], c[PENDING], c[CANCELLED]) for owner, c in counts.items()}
