"""Which SLA policy applies to a ticket, and stored policies and calendars as inputs for the clock maths."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from helpdesk.sla.calendar import DAY_NAMES, BusinessHours, business_hours
from helpdesk.sla.clock import DEFAULT_PAUSE_STATUSES, DONE_STATUSES, STATUSES, Targets

CONDITION_KEYS = ("priority", "segment", "tactical_segment", "min_score", "team", "type")
# Conditions on the ticket's customer: a change of the customer's segments or score may move its SLA.
CUSTOMER_CONDITION_KEYS = ("segment", "tactical_segment", "min_score")

# A policy with no calendar, for a ticket whose team has none either: the clock never stops.
ALWAYS_OPEN = business_hours("UTC", {day: [["00:00", "24:00"]] for day in DAY_NAMES})


class PolicyLike(Protocol):
    id: Any
    rank: Any
    active: Any
    conditions: Any


class CalendarLike(Protocol):
    id: Any
    updated_at: Any
    timezone: Any
    hours: Any
    holidays_country: Any
    holidays_subdivision: Any
    closed_days: Any
    openings: Any


P = TypeVar("P", bound=PolicyLike)


@dataclass(frozen=True)
class TicketFacts:
    """What policy conditions look at. `team_default_policy_id` is the fallback when nothing matches."""

    priority: str | None = None
    segment: str | None = None  # the customer's commercial segment (standard, premium, vip, business)
    tactical_segment: str | None = None  # from the customer's scores (best, high_potential, ..., lost)
    customer_score: int | None = None  # 0-100, None until scored
    team_id: int | None = None
    team_name: str | None = None
    type: str | None = None
    team_default_policy_id: int | None = None


def policy_matches(policy: PolicyLike, facts: TicketFacts) -> bool:
    """True if every condition of `policy` holds for `facts`.

    A condition value may be one value or a list (any of them); None or [] means "any".
    `min_score` is one whole number: it holds when the customer's score is known and at least that.
    A condition key we do not know, or a value it cannot take, makes the policy match nothing:
    better no SLA than a wrong one.
    """
    conditions = policy.conditions or {}
    if not isinstance(conditions, Mapping):
        return False
    for key, expected in conditions.items():
        if expected is None or expected == [] or expected == "":
            continue
        if key == "min_score":
            threshold = min_score_of(expected)
            if threshold is None or facts.customer_score is None or facts.customer_score < threshold:
                return False
            continue
        options = expected if isinstance(expected, (list, tuple, set, frozenset)) else [expected]
        if key == "team":
            if not any(_team_is(option, facts) for option in options):
                return False
        elif key in ("priority", "segment", "tactical_segment", "type"):
            actual = getattr(facts, key)
            if actual is None or not any(_same_text(option, actual) for option in options):
                return False
        else:
            return False
    return True


def min_score_of(value: Any) -> int | None:
    """A `min_score` condition's threshold (a whole number, or its digits as text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def select_policy(policies: Iterable[P], facts: TicketFacts) -> P | None:
    """The active policy of lowest rank (then lowest id) whose conditions all match `facts`.

    When none matches, the ticket's team default policy applies if it is active.
    """
    active = [p for p in policies if p.active]
    matching = [p for p in active if policy_matches(p, facts)]
    if matching:
        return min(matching, key=lambda p: (_rank(p), p.id if p.id is not None else 0))
    if facts.team_default_policy_id is not None:
        for policy in active:
            if policy.id == facts.team_default_policy_id:
                return policy
    return None


def targets_of(policy: Any) -> Targets:
    """The clock targets of a stored policy (minutes of business time; None = no target)."""
    percent = policy.warn_at_percent if policy.warn_at_percent is not None else 80
    return Targets(
        first_response_minutes=_minutes(policy.first_response_minutes),
        next_response_minutes=_minutes(policy.next_response_minutes),
        resolution_minutes=_minutes(policy.resolution_minutes),
        warn_at_percent=min(max(int(percent), 1), 100),
    )


def pause_statuses_of(policy: Any) -> frozenset[str]:
    """Statuses in which the policy's clocks stop; resolved/closed are never pauses (they stop clocks)."""
    stored = policy.pause_statuses
    if stored is None:
        return DEFAULT_PAUSE_STATUSES
    return frozenset(s for s in stored if s in STATUSES and s not in DONE_STATUSES)


def pick_calendar(policy_calendar: CalendarLike | None, team_calendar: CalendarLike | None) -> CalendarLike | None:
    """The policy's own calendar, else the ticket's team calendar, else None (ALWAYS_OPEN)."""
    return policy_calendar if policy_calendar is not None else team_calendar


_hours_cache: dict[tuple[Any, ...], BusinessHours] = {}
_hours_lock = threading.Lock()
_HOURS_CACHE_LIMIT = 256


def hours_of(calendar: CalendarLike | None) -> BusinessHours:
    """BusinessHours of a stored calendar; None gives ALWAYS_OPEN (24/7 in UTC).

    Cached by (id, updated_at) and the stored values themselves, so that an edit stamped with the
    same `now` is still seen. Reusing one instance keeps its per-day memo, which is what makes
    deadline maths cheap across many tickets.
    """
    if calendar is None:
        return ALWAYS_OPEN
    closed_days = [_as_date(d) for d in calendar.closed_days or ()]
    key = (
        calendar.id,
        calendar.updated_at,
        calendar.timezone,
        json.dumps(calendar.hours or {}, sort_keys=True, default=str),
        calendar.holidays_country,
        calendar.holidays_subdivision,
        tuple(sorted(closed_days)),
        json.dumps(getattr(calendar, "openings", None) or {}, sort_keys=True),
    )
    cached = _hours_cache.get(key)
    if cached is not None:
        return cached
    hours = business_hours(
        calendar.timezone or "UTC",
        calendar.hours or {},
        holidays_country=calendar.holidays_country or None,
        closed_days=closed_days,
        holidays_subdiv=calendar.holidays_subdivision or None,
        openings=getattr(calendar, "openings", None) or {},
    )
    with _hours_lock:
        if len(_hours_cache) >= _HOURS_CACHE_LIMIT:
            _hours_cache.clear()
        _hours_cache[key] = hours
    return hours


def _team_is(option: Any, facts: TicketFacts) -> bool:
    if isinstance(option, bool):
        return False
    if isinstance(option, int) or (isinstance(option, str) and option.strip().isdigit()):
        return facts.team_id is not None and int(option) == facts.team_id
    return facts.team_name is not None and _same_text(option, facts.team_name)


def _same_text(a: Any, b: Any) -> bool:
    return str(a).strip().casefold() == str(b).strip().casefold()


def _rank(policy: PolicyLike) -> int:
    return policy.rank if policy.rank is not None else 100


def _minutes(value: Any) -> int | None:
    return None if value is None else max(int(value), 0)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())
