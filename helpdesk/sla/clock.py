"""The SLA clocks of one ticket, computed as a pure function of its timeline and the current instant."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from helpdesk.sla.calendar import BusinessHours, add_business_time, business_time_between

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
METRICS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)

RUNNING, PAUSED, MET, WARNING, BREACHED = "running", "paused", "met", "warning", "breached"
STATES = (RUNNING, PAUSED, MET, WARNING, BREACHED)

ENTRY_KINDS = frozenset({"created", "customer_message", "agent_reply", "status"})
STATUSES = frozenset({"new", "open", "pending_customer", "pending_third_party", "resolved", "closed"})
DONE_STATUSES = frozenset({"resolved", "closed"})
DEFAULT_PAUSE_STATUSES = frozenset({"pending_customer", "pending_third_party"})


@dataclass(frozen=True)
class Targets:
    first_response_minutes: int | None  # None = no target for this metric
    next_response_minutes: int | None
    resolution_minutes: int | None
    warn_at_percent: int = 80

    def minutes(self, metric: str) -> int | None:
        return {
            FIRST_RESPONSE: self.first_response_minutes,
            NEXT_RESPONSE: self.next_response_minutes,
            RESOLUTION: self.resolution_minutes,
        }[metric]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "created" | "customer_message" | "agent_reply" (public staff reply) | "status"
    status: str | None = None  # for kind == "status": the new status


@dataclass(frozen=True)
class MetricClock:
    """One metric at `now`.

    - due_at / warn_at: the instant the target / warn_at_percent of it is (or was) reached, in
      business time, given the pauses so far. While paused they are None unless already reached
      (nobody knows when the clock will resume). Once stopped they keep the deadline that was in
      force when the clock stopped (None if it stopped while paused and had not reached it).
    - next_response before any cycle: state "met", started_at/due_at/warn_at None, remaining None.
    - A paused clock that has already used up its target reports "breached" (with paused=True).
    """

    metric: str
    state: str
    started_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    stopped_at: datetime | None
    elapsed_seconds: int  # business seconds while running and not paused
    remaining_seconds: int | None  # target - elapsed, negative once breached; None if no target
    paused: bool


@dataclass
class _Run:
    """Mutable accumulator for one metric while replaying the timeline."""

    started_at: datetime | None = None
    stopped_at: datetime | None = None
    # Periods during which business time accrued; the last one may still be open (end None).
    segments: list[list[datetime | None]] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None

    def start(self, at: datetime) -> None:
        self.started_at, self.stopped_at, self.segments = at, None, []

    def sync(self, accruing: bool, at: datetime) -> None:
        is_open = bool(self.segments) and self.segments[-1][1] is None
        if accruing and not is_open:
            self.segments.append([at, None])
        elif not accruing and is_open:
            self.segments[-1][1] = at


def compute_clocks(
    targets: Targets,
    hours: BusinessHours,
    timeline: Sequence[TimelineEntry],
    now: datetime,
    pause_statuses: frozenset[str] = DEFAULT_PAUSE_STATUSES,
) -> dict[str, MetricClock]:
    """All three clocks at `now`. The timeline may be unsorted; entries after `now` are ignored.

    Rules (besides the MetricClock notes):
    - first_response runs from "created" to the first "agent_reply".
    - next_response: a "customer_message" once first_response has stopped starts a cycle unless one
      is running (the earliest unanswered message counts); the next "agent_reply" stops it.
    - resolution runs from "created" while the status is not resolved/closed; a reopen resumes it
      with its elapsed time kept.
    - Status resolved/closed also stops running first/next response clocks (the customer got an
      outcome); reopening does not restart them, a later customer message starts a new cycle.
    - While the status is in `pause_statuses`, running clocks accrue no time.
    """
    entries = sorted((e for e in timeline if e.at <= now), key=lambda e: e.at)
    runs = {metric: _Run() for metric in METRICS}
    first, nxt, resolution = runs[FIRST_RESPONSE], runs[NEXT_RESPONSE], runs[RESOLUTION]
    status = "new"

    for entry in entries:
        at = entry.at
        if entry.kind == "created":
            if first.started_at is None:
                first.start(at)
                resolution.start(at)
        elif entry.kind == "customer_message":
            if first.started_at is not None and first.stopped_at is not None and not nxt.running:
                nxt.start(at)
        elif entry.kind == "agent_reply":
            for run in (first, nxt):
                if run.running:
                    run.stopped_at = at
        elif entry.kind == "status":
            if entry.status not in STATUSES:
                raise ValueError(f"unknown ticket status {entry.status!r}")
            status = entry.status
            if status in DONE_STATUSES:
                for run in runs.values():
                    if run.running:
                        run.stopped_at = at
            elif resolution.started_at is not None and not resolution.running:
                resolution.stopped_at = None  # reopened: keep accumulated segments
        else:
            raise ValueError(f"unknown timeline entry kind {entry.kind!r}")
        paused = status in pause_statuses
        for run in runs.values():
            run.sync(run.running and not paused, at)

    paused = status in pause_statuses
    return {
        metric: _clock(metric, runs[metric], targets, hours, now, paused)
        for metric in METRICS
    }


def _clock(
    metric: str, run: _Run, targets: Targets, hours: BusinessHours, now: datetime, paused: bool
) -> MetricClock:
    minutes = targets.minutes(metric)
    if run.started_at is None:
        return MetricClock(metric, MET, None, None, None, None, 0, None, False)

    spans = [(s, e if e is not None else now) for s, e in run.segments]
    lengths = [business_time_between(hours, s, e) for s, e in spans]
    elapsed = sum(lengths, timedelta())
    elapsed_seconds = elapsed // timedelta(seconds=1)
    is_paused = run.running and paused
    # The last segment projects into the future if the clock is accruing now or stopped while accruing.
    extend = bool(spans) and (run.segments[-1][1] is None or run.segments[-1][1] == run.stopped_at)

    if minutes is None:
        state = (PAUSED if is_paused else RUNNING) if run.running else MET
        return MetricClock(metric, state, run.started_at, None, None, run.stopped_at, elapsed_seconds, None, is_paused)

    target = timedelta(minutes=minutes)
    warn = timedelta(microseconds=minutes * 60 * targets.warn_at_percent * 10_000)  # exact percent of target
    due_at = _reached_at(hours, spans, lengths, target, extend)
    warn_at = _reached_at(hours, spans, lengths, warn, extend)

    if not run.running:
        state = BREACHED if elapsed > target else MET
    elif elapsed >= target:
        state = BREACHED
    elif is_paused:
        state = PAUSED
    elif elapsed >= warn:
        state = WARNING
    else:
        state = RUNNING
    return MetricClock(
        metric=metric,
        state=state,
        started_at=run.started_at,
        due_at=due_at,
        warn_at=warn_at,
        stopped_at=run.stopped_at,
        elapsed_seconds=elapsed_seconds,
        remaining_seconds=minutes * 60 - elapsed_seconds,
        paused=is_paused,
    )


def _reached_at(
    hours: BusinessHours,
    spans: list[tuple[datetime, datetime]],
    lengths: list[timedelta],
    amount: timedelta,
    extend_last: bool,
) -> datetime | None:
    """Instant at which `amount` of business time had accrued over `spans`, or None if unknown."""
    done = timedelta()
    for i, ((start, _), length) in enumerate(zip(spans, lengths)):
        last = i == len(spans) - 1
        if done + length >= amount or (last and extend_last):
            return add_business_time(hours, start, amount - done)
        done += length
    return None
