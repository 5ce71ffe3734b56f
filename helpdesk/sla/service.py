"""The SLA engine's database side: ticket timelines, the policy that applies, stored clocks and due times.

Two writers share one computation (`_plan`):
- `refresh_sla` is for the ticket service, inside a user's transaction: it sets ORM attributes on the
  ticket and its SlaClock rows (the user's change bumps the ticket version anyway).
- the batch functions (policy/calendar/team edits, `recompute_all`, the sweep) write with Core
  statements, so a background recompute never bumps `Ticket.version` and never makes an agent's
  open form fail with a spurious conflict.

Stored clock state: a running clock shows "warning"/"breached" only once the sweep has claimed it
(warned_at/breached_at set). A clock past its threshold but not yet claimed stays "running", so the
sweep finds exactly the unannounced ones with one indexed query on (state, warn_at/due_at).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    event,
    Integer,
    String,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from helpdesk.models import BusinessCalendar, Customer, Message, SLAPolicy, SlaClock, Team, Ticket, TicketEvent
from helpdesk.models.rows import insert_all_as_loaded
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.models.types import UTCDateTime
from helpdesk.sla.calendar import BusinessHours
from helpdesk.sla.clock import (
    BREACHED,
    MET,
    METRICS,
    PAUSED,
    RUNNING,
    STATUSES,
    WARNING,
    MetricClock,
    Targets,
    TimelineEntry,
    compute_clocks,
)
from helpdesk.sla.policies import (
    CUSTOMER_CONDITION_KEYS,
    TicketFacts,
    hours_of,
    min_score_of,
    pause_statuses_of,
    select_policy,
    targets_of,
)

log = logging.getLogger(__name__)

# Worst first: what a ticket shows when its clocks disagree.
STATE_SEVERITY = {BREACHED: 4, WARNING: 3, RUNNING: 2, PAUSED: 1, MET: 0}
# Entries at the same instant: the ticket exists before anyone writes, a reply before a status change.
_KIND_ORDER = {"created": 0, "customer_message": 1, "agent_reply": 2, "status": 3}
_LEVELS = (RUNNING, WARNING, BREACHED)
TICKET_SLA_COLUMNS = (
    "sla_policy_id", "first_response_due_at", "next_response_due_at", "resolution_due_at",
    "sla_due_at", "sla_warn_at", "sla_state",
)
CLOCK_COLUMNS = ("state", "started_at", "due_at", "warn_at", "stopped_at", "elapsed_seconds", "target_seconds")


# --- values passed between the layers ---------------------------------------------------------------


@dataclass(frozen=True)
class PolicyInfo:
    """A stored SLA policy, read once per operation (plain values: safe across commits)."""

    id: int
    name: str
    rank: int
    active: bool
    conditions: dict
    calendar_id: int | None
    targets: Targets
    pause_statuses: frozenset[str]
    escalations: tuple[dict, ...]


@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    email: str | None
    calendar_id: int | None
    default_policy_id: int | None


@dataclass
class SlaContext:
    """Policies, teams and calendars: small tables, loaded once per operation instead of per ticket."""

    policies: tuple[PolicyInfo, ...]
    teams: dict[int, TeamInfo]
    hours_by_calendar: dict[int, BusinessHours]
    policies_by_id: dict[int, PolicyInfo] = field(init=False)

    def __post_init__(self) -> None:
        self.policies_by_id = {p.id: p for p in self.policies}

    def hours_for(self, policy: PolicyInfo | None, team_id: int | None) -> BusinessHours:
        """The policy's calendar, else the ticket's team calendar, else 24/7 in UTC."""
        team = self.teams.get(team_id) if team_id is not None else None
        calendar_id = policy.calendar_id if policy is not None and policy.calendar_id is not None else (
            team.calendar_id if team else None)
        if calendar_id is None or calendar_id not in self.hours_by_calendar:
            return hours_of(None)
        return self.hours_by_calendar[calendar_id]


@dataclass(frozen=True)
class ClockValues:
    """What one SlaClock row should hold; `paused` is not stored but decides what the ticket shows."""

    metric: str
    state: str
    started_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    stopped_at: datetime | None
    elapsed_seconds: int
    target_seconds: int | None
    warned_at: datetime | None
    breached_at: datetime | None
    paused: bool

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None and not self.paused


@dataclass(frozen=True)
class TicketSla:
    """The ticket's denormalised SLA columns."""

    sla_policy_id: int | None = None
    first_response_due_at: datetime | None = None
    next_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_due_at: datetime | None = None
    sla_warn_at: datetime | None = None
    sla_state: str | None = None


@dataclass(frozen=True)
class SlaPlan:
    ticket: TicketSla
    clocks: tuple[ClockValues, ...]  # empty when no policy applies: the ticket has no SLA


@dataclass(frozen=True)
class _TicketRow:
    id: int | None  # None for a ticket not flushed yet
    created_at: datetime
    updated_at: datetime | None
    status: str
    priority: str | None
    type: str | None
    team_id: int | None
    segment: str | None  # the customer's commercial segment
    tactical_segment: str | None
    customer_score: int | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla: TicketSla


@dataclass(frozen=True)
class _Claims:
    started_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None


# --- timeline -------------------------------------------------------------------------------------


def ticket_timeline(ticket: Ticket) -> list[TimelineEntry]:
    """The ticket's SLA timeline from its row, public messages and status-change events.

    Reads the `messages` and `events` relationships; `refresh_sla` reads the same rows with two
    narrow queries instead, so that rows added without the relationship are seen too.
    """
    messages = sorted(
        (m for m in ticket.messages if m.kind == "reply" and m.created_at is not None),
        key=lambda m: (m.created_at, m.id or 0),
    )
    changes = sorted(
        (e for e in ticket.events if e.action == "changed" and e.field == "status" and e.created_at is not None),
        key=lambda e: (e.created_at, e.id or 0),
    )
    return _build_timeline(
        ticket.created_at, ticket.status, ticket.resolved_at, ticket.closed_at, ticket.updated_at,
        ((m.created_at, bool(m.from_customer)) for m in messages),
        ((e.created_at, e.new_value) for e in changes),
    )


def _build_timeline(
    created_at: datetime,
    status: str | None,
    resolved_at: datetime | None,
    closed_at: datetime | None,
    updated_at: datetime | None,
    messages: Iterable[tuple[datetime, bool]],
    status_changes: Iterable[tuple[datetime, str | None]],
) -> list[TimelineEntry]:
    entries = [TimelineEntry(created_at, "created")]
    entries += [
        TimelineEntry(at, "customer_message" if from_customer else "agent_reply") for at, from_customer in messages
    ]
    for at, new_status in status_changes:
        if new_status in STATUSES:
            entries.append(TimelineEntry(at, "status", new_status))
        else:
            log.warning("ignoring unknown status %r in a ticket's status events", new_status)
    entries.sort(key=lambda e: (e.at, _KIND_ORDER[e.kind]))  # stable: keeps message/event id order

    # Imported or seeded tickets may lack status events; the row's status is the truth.
    replayed = next((e.status for e in reversed(entries) if e.kind == "status"), "new")
    if status in STATUSES and status != replayed:
        at = {"resolved": resolved_at, "closed": closed_at or resolved_at}.get(status) or updated_at or created_at
        entries.append(TimelineEntry(max(at, entries[-1].at), "status", status))
    return entries


# --- the computation ----------------------------------------------------------------------------------


_CONTEXT_KEY = "helpdesk.sla_context"


def load_sla_context(session: Session) -> SlaContext:
    """Every policy (active or not: escalations follow the ticket's recorded policy), team and calendar.

    Read once per transaction (a ticket save refreshes its SLA and then shows it); forgotten at
    commit or rollback, and by `forget_sla_context` when policies, teams or calendars change.
    """
    cached = session.info.get(_CONTEXT_KEY)
    if cached is not None:
        return cached
    # Across transactions, this process keeps the last context while a one-row fingerprint of the
    # three tables (row counts and latest changes) says nothing was edited, by any process.
    fingerprint = (str(session.get_bind().url), *session.execute(_FINGERPRINT).one())
    with _PROCESS_CACHE_LOCK:
        hit = _PROCESS_CACHE.get(fingerprint[0])
    if hit is not None and hit[0] == fingerprint:
        context = hit[1]
    else:
        context = _read_sla_context(session)
        with _PROCESS_CACHE_LOCK:
            _PROCESS_CACHE[fingerprint[0]] = (fingerprint, context)
    session.info[_CONTEXT_KEY] = context
    return context


_PROCESS_CACHE: dict[str, tuple[tuple, SlaContext]] = {}
_PROCESS_CACHE_LOCK = threading.Lock()
_FINGERPRINT = select(
    select(func.count(SLAPolicy.id)).scalar_subquery(), select(func.max(SLAPolicy.updated_at)).scalar_subquery(),
    select(func.count(BusinessCalendar.id)).scalar_subquery(), select(func.max(BusinessCalendar.updated_at)).scalar_subquery(),
    select(func.count(Team.id)).scalar_subquery(), select(func.max(Team.updated_at)).scalar_subquery(),
)


def forget_sla_context(session: Session) -> None:
    session.info.pop(_CONTEXT_KEY, None)
    with _PROCESS_CACHE_LOCK:
        _PROCESS_CACHE.clear()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_after_transaction(session: Session, *args) -> None:
    session.info.pop(_CONTEXT_KEY, None)


def _read_sla_context(session: Session) -> SlaContext:
    policies = tuple(
        PolicyInfo(
            id=p.id,
            name=p.name,
            rank=p.rank if p.rank is not None else 100,
            active=bool(p.active),
            conditions=dict(p.conditions or {}),
            calendar_id=p.calendar_id,
            targets=targets_of(p),
            pause_statuses=pause_statuses_of(p),
            escalations=tuple(e for e in (p.escalations or ()) if isinstance(e, dict)),
        )
        for p in session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank, SLAPolicy.id))
    )
    teams = {
        row.id: TeamInfo(row.id, row.name, row.email, row.calendar_id, row.default_sla_policy_id)
        for row in session.execute(
            select(Team.id, Team.name, Team.email, Team.calendar_id, Team.default_sla_policy_id)
        )
    }
    hours = {}
    for calendar in session.scalars(select(BusinessCalendar)):
        try:
            hours[calendar.id] = hours_of(calendar)
        except ValueError:
            # A broken calendar must not stop every ticket's SLA; its tickets fall back to 24/7.
            log.exception("business calendar %s (%s) is invalid", calendar.id, calendar.name)
    return SlaContext(policies=policies, teams=teams, hours_by_calendar=hours)


def _plan(
    row: _TicketRow, timeline: Sequence[TimelineEntry], claims: dict[str, _Claims], ctx: SlaContext, now: datetime
) -> SlaPlan:
    team = ctx.teams.get(row.team_id) if row.team_id is not None else None
    facts = TicketFacts(
        priority=row.priority,
        segment=row.segment,
        tactical_segment=row.tactical_segment,
        customer_score=row.customer_score,
        team_id=row.team_id,
        team_name=team.name if team else None,
        type=row.type,
        team_default_policy_id=team.default_policy_id if team else None,
    )
    policy = select_policy(ctx.policies, facts)
    if policy is None:
        return SlaPlan(TicketSla(), ())
    computed = compute_clocks(policy.targets, ctx.hours_for(policy, row.team_id), timeline, now, policy.pause_statuses)
    clocks = tuple(_clock_values(computed[metric], claims.get(metric), policy.targets) for metric in METRICS)
    return SlaPlan(_ticket_sla(policy.id, clocks), clocks)


def _clock_values(clock: MetricClock, old: _Claims | None, targets: Targets) -> ClockValues:
    # A new next_response cycle (another started_at) is a new promise: it may be warned and breached again.
    same_cycle = old is not None and old.started_at == clock.started_at
    warned_at = old.warned_at if same_cycle else None
    breached_at = old.breached_at if same_cycle else None
    minutes = targets.minutes(clock.metric)
    return ClockValues(
        metric=clock.metric,
        state=_stored_state(clock, warned_at, breached_at),
        started_at=clock.started_at,
        due_at=clock.due_at,
        warn_at=clock.warn_at,
        stopped_at=clock.stopped_at,
        elapsed_seconds=clock.elapsed_seconds,
        target_seconds=None if minutes is None else minutes * 60,
        warned_at=warned_at,
        breached_at=breached_at,
        paused=clock.paused,
    )


def _stored_state(clock: MetricClock, warned_at: datetime | None, breached_at: datetime | None) -> str:
    if clock.started_at is None:
        return MET
    if clock.stopped_at is not None:
        return clock.state  # final: met, or breached if it stopped late
    if clock.paused:
        return BREACHED if breached_at is not None and clock.state == BREACHED else PAUSED
    computed = _LEVELS.index(clock.state)
    claimed = 2 if breached_at is not None else 1 if warned_at is not None else 0
    # Never show what the sweep has not announced yet, nor what no longer holds (targets loosened).
    return _LEVELS[min(computed, claimed)]


def _ticket_sla(policy_id: int, clocks: Sequence[ClockValues]) -> TicketSla:
    running = [c for c in clocks if c.running]
    due = {c.metric: c.due_at for c in running}
    dues = [c.due_at for c in running if c.due_at is not None]
    warns = [c.warn_at for c in running if c.warn_at is not None and c.warned_at is None and c.breached_at is None]
    return TicketSla(
        sla_policy_id=policy_id,
        first_response_due_at=due.get("first_response"),
        next_response_due_at=due.get("next_response"),
        resolution_due_at=due.get("resolution"),
        sla_due_at=min(dues, default=None),
        sla_warn_at=min(warns, default=None),
        sla_state=max((c.state for c in clocks), key=STATE_SEVERITY.__getitem__, default=None),
    )


# --- reading many tickets at once -------------------------------------------------------------------


def _ticket_rows(session: Session, ids: Sequence[int]) -> list[_TicketRow]:
    stmt = (
        select(
            Ticket.id, Ticket.created_at, Ticket.updated_at, Ticket.status, Ticket.priority, Ticket.type,
            Ticket.team_id, Ticket.resolved_at, Ticket.closed_at, Customer.segment, Customer.tactical_segment,
            Customer.customer_score,
            *(getattr(Ticket, name) for name in TICKET_SLA_COLUMNS),
        )
        .outerjoin(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.id.in_(ids))
        .order_by(Ticket.id)
    )
    return [
        _TicketRow(
            id=r.id, created_at=r.created_at, updated_at=r.updated_at, status=r.status, priority=r.priority,
            type=r.type, team_id=r.team_id, segment=r.segment, tactical_segment=r.tactical_segment,
            customer_score=r.customer_score, resolved_at=r.resolved_at, closed_at=r.closed_at,
            sla=TicketSla(*(getattr(r, name) for name in TICKET_SLA_COLUMNS)),
        )
        for r in session.execute(stmt)
    ]


def _timelines(session: Session, rows: Sequence[_TicketRow]) -> dict[int, list[TimelineEntry]]:
    ids = [r.id for r in rows]
    messages: dict[int, list[tuple[datetime, bool]]] = {i: [] for i in ids}
    for ticket_id, at, from_customer in session.execute(
        select(Message.ticket_id, Message.created_at, Message.from_customer)
        .where(Message.ticket_id.in_(ids), Message.kind == "reply")
        .order_by(Message.ticket_id, Message.created_at, Message.id)
    ):
        messages[ticket_id].append((at, bool(from_customer)))
    changes: dict[int, list[tuple[datetime, str | None]]] = {i: [] for i in ids}
    for ticket_id, at, new_value in session.execute(
        select(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.new_value)
        .where(TicketEvent.ticket_id.in_(ids), TicketEvent.action == "changed", TicketEvent.field == "status")
        .order_by(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.id)
    ):
        changes[ticket_id].append((at, new_value))
    return {
        r.id: _build_timeline(
            r.created_at, r.status, r.resolved_at, r.closed_at, r.updated_at, messages[r.id], changes[r.id]
        )
        for r in rows
    }


def _stored_clocks(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    result: dict[int, dict[str, Any]] = {i: {} for i in ids}
    for row in session.execute(
        select(SlaClock.id, SlaClock.ticket_id, SlaClock.metric, SlaClock.warned_at, SlaClock.breached_at,
               *(getattr(SlaClock, name) for name in CLOCK_COLUMNS))
        .where(SlaClock.ticket_id.in_(ids))
    ):
        result[row.ticket_id][row.metric] = row
    return result


# --- one ticket, inside the caller's transaction ----------------------------------------------------


def refresh_sla(session: Session, ticket: Ticket, now: datetime, context: SlaContext | None = None) -> None:
    """Recompute the ticket's clocks and due times at `now` (flushes; never commits).

    Call it after any change that can move an SLA: new ticket, public message, status, priority,
    type, team or customer change. No matching policy: the clocks are removed and sla_state is None.
    A ticket being created takes `plan_new_ticket` and `insert_clocks` instead.
    """
    session.flush()  # the ticket's id, and rows the caller just added
    ctx = context or load_sla_context(session)
    rows = _ticket_rows(session, [ticket.id])
    if not rows:
        return
    row = rows[0]
    timeline = _timelines(session, rows)[row.id]
    existing = {clock.metric: clock for clock in ticket.sla_clocks}
    claims = {m: _Claims(c.started_at, c.warned_at, c.breached_at) for m, c in existing.items()}
    plan = _plan(row, timeline, claims, ctx, now)

    if not plan.clocks:
        for clock in list(ticket.sla_clocks):
            ticket.sla_clocks.remove(clock)  # delete-orphan
    for values in plan.clocks:
        clock = existing.get(values.metric)
        columns = {name: getattr(values, name) for name in (*CLOCK_COLUMNS, "warned_at", "breached_at")}
        if clock is None:
            # Every column given, Nones included, so a ticket's clocks share one INSERT statement.
            ticket.sla_clocks.append(SlaClock(metric=values.metric, updated_at=now, **columns))
        else:
            _assign(clock, columns)
    _assign(ticket, {name: getattr(plan.ticket, name) for name in TICKET_SLA_COLUMNS})


def plan_new_ticket(session: Session, ticket: Ticket, now: datetime,
                    context: SlaContext | None = None) -> tuple[ClockValues, ...]:
    """The SLA of a ticket not flushed yet (its whole timeline is its creation): sets its SLA columns,
    so the ticket's INSERT carries them, and returns its clocks for `insert_clocks` after the flush.
    Reads nothing but the (cached) SLA context: ticket creation's hot path."""
    with session.no_autoflush:  # the context's fingerprint query must not flush the half-built ticket
        ctx = context or load_sla_context(session)
    customer, team = ticket.customer, ticket.team
    row = _TicketRow(
        id=None, created_at=ticket.created_at, updated_at=ticket.updated_at, status=ticket.status,
        priority=ticket.priority, type=ticket.type, team_id=team.id if team is not None else ticket.team_id,
        segment=customer.segment if customer is not None else None,
        tactical_segment=customer.tactical_segment if customer is not None else None,
        customer_score=customer.customer_score if customer is not None else None,
        resolved_at=None, closed_at=None, sla=TicketSla(),
    )
    plan = _plan(row, [TimelineEntry(at=ticket.created_at, kind="created")], {}, ctx, now)
    _assign(ticket, {name: getattr(plan.ticket, name) for name in TICKET_SLA_COLUMNS})
    return plan.clocks


def clock_rows(ticket_id: int, clocks: Sequence[ClockValues], now: datetime) -> list[dict[str, Any]]:
    """A new ticket's sla_clocks rows, every column given (so they share one INSERT statement)."""
    return [{"ticket_id": ticket_id, "metric": c.metric, "updated_at": now,
             **{name: getattr(c, name) for name in (*CLOCK_COLUMNS, "warned_at", "breached_at")}} for c in clocks]


def insert_clocks(session: Session, ticket: Ticket, clocks: Sequence[ClockValues], now: datetime) -> None:
    """Write a new ticket's clocks in one INSERT (Core: no unit-of-work bookkeeping) and hand them to
    `ticket.sla_clocks` as loaded."""
    created = [SlaClock(**row) for row in clock_rows(ticket.id, clocks, now)]
    for clock in created:
        set_committed_value(clock, "ticket", ticket)
    insert_all_as_loaded(session, created, key="metric")  # one clock per metric
    set_committed_value(ticket, "sla_clocks", created)


def _assign(obj: Any, values: dict[str, Any]) -> None:
    # Only real changes, so an unchanged ticket is not flushed (nor its version bumped).
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)


# --- many tickets, written with Core statements ---------------------------------------------------

_clocks = SlaClock.__table__
_tickets = Ticket.__table__
_p_started = bindparam("p_started_at", type_=UTCDateTime())
_UPDATE_CLOCK = (
    update(_clocks)
    .where(_clocks.c.id == bindparam("p_id", type_=Integer()))
    .values(
        state=bindparam("p_state", type_=String()),
        started_at=_p_started,
        due_at=bindparam("p_due_at", type_=UTCDateTime()),
        warn_at=bindparam("p_warn_at", type_=UTCDateTime()),
        stopped_at=bindparam("p_stopped_at", type_=UTCDateTime()),
        elapsed_seconds=bindparam("p_elapsed_seconds", type_=Integer()),
        target_seconds=bindparam("p_target_seconds", type_=Integer()),
        # Decided on the row as it is now, not as we read it: a sweep may have claimed it meanwhile.
        warned_at=case((_clocks.c.started_at.is_not_distinct_from(_p_started), _clocks.c.warned_at), else_=null()),
        breached_at=case((_clocks.c.started_at.is_not_distinct_from(_p_started), _clocks.c.breached_at), else_=null()),
        updated_at=bindparam("p_updated_at", type_=UTCDateTime()),
    )
)
_UPDATE_TICKET = (
    update(_tickets)
    .where(_tickets.c.id == bindparam("p_id", type_=Integer()))
    .values(
        sla_policy_id=bindparam("p_sla_policy_id", type_=Integer()),
        sla_state=bindparam("p_sla_state", type_=String()),
        **{name: bindparam(f"p_{name}", type_=UTCDateTime()) for name in TICKET_SLA_COLUMNS if name.endswith("_at")},
    )
)
_EXPIRED_TICKET_ATTRS = [*TICKET_SLA_COLUMNS, "sla_clocks"]


def refresh_sla_for_tickets(
    session: Session, ticket_ids: Sequence[int], now: datetime, context: SlaContext | None = None
) -> int:
    """Recompute these tickets (one batch: a few queries, whatever their number). Returns how many changed."""
    if not ticket_ids:
        return 0
    session.flush()
    ctx = context or load_sla_context(session)
    rows = _ticket_rows(session, ticket_ids)
    timelines = _timelines(session, rows)
    stored = _stored_clocks(session, [r.id for r in rows])

    clock_updates, clock_inserts, ticket_updates, no_policy = [], [], [], []
    changed: set[int] = set()
    for row in rows:
        old = stored[row.id]
        claims = {m: _Claims(c.started_at, c.warned_at, c.breached_at) for m, c in old.items()}
        plan = _plan(row, timelines[row.id], claims, ctx, now)
        if not plan.clocks and old:
            no_policy.append(row.id)
            changed.add(row.id)
        for values in plan.clocks:
            current = old.get(values.metric)
            params = {f"p_{name}": getattr(values, name) for name in CLOCK_COLUMNS}
            if current is None:
                clock_inserts.append({
                    "ticket_id": row.id, "metric": values.metric, "warned_at": None, "breached_at": None,
                    "updated_at": now, **{name: getattr(values, name) for name in CLOCK_COLUMNS},
                })
                changed.add(row.id)
            elif any(getattr(current, name) != getattr(values, name) for name in CLOCK_COLUMNS):
                # warned_at/breached_at are not compared: only a new cycle (started_at) resets them.
                clock_updates.append({"p_id": current.id, "p_updated_at": now, **params})
                changed.add(row.id)
        if plan.ticket != row.sla:
            ticket_updates.append({"p_id": row.id, **{f"p_{n}": getattr(plan.ticket, n) for n in TICKET_SLA_COLUMNS}})
            changed.add(row.id)

    if no_policy:
        session.execute(delete(_clocks).where(_clocks.c.ticket_id.in_(no_policy)))
    if clock_inserts:
        session.execute(_insert_ignoring_duplicates(session), clock_inserts)
    if clock_updates:
        session.execute(_UPDATE_CLOCK, clock_updates)
    if ticket_updates:
        session.execute(_UPDATE_TICKET, ticket_updates)
    _expire_loaded(session, changed)
    return len(changed)


def settle_ticket_columns(session: Session, ticket_ids: Sequence[int], context: SlaContext | None = None) -> int:
    """The tickets' SLA columns (state, next warning) from their stored clocks, with no business-time
    maths: for the sweep, whose claims change a clock's state and announcement marks but never its
    due times. A ticket whose priority, team or status changed takes `refresh_sla_for_tickets`.
    Returns how many tickets changed."""
    if not ticket_ids:
        return 0
    ctx = context or load_sla_context(session)
    rows = session.execute(
        select(Ticket.id, Ticket.status, *(getattr(Ticket, name) for name in TICKET_SLA_COLUMNS))
        .where(Ticket.id.in_(ticket_ids))
    ).all()
    stored = _stored_clocks(session, [r.id for r in rows])
    updates = []
    for row in rows:
        policy = ctx.policies_by_id.get(row.sla_policy_id)
        if policy is None or not stored[row.id]:
            continue
        pausing = row.status in policy.pause_statuses
        clocks = [
            ClockValues(metric=metric, warned_at=c.warned_at, breached_at=c.breached_at,
                        paused=pausing and c.started_at is not None and c.stopped_at is None,
                        **{name: getattr(c, name) for name in CLOCK_COLUMNS})
            for metric, c in stored[row.id].items()
        ]
        settled = _ticket_sla(row.sla_policy_id, clocks)
        if settled != TicketSla(*(getattr(row, name) for name in TICKET_SLA_COLUMNS)):
            updates.append({"p_id": row.id, **{f"p_{n}": getattr(settled, n) for n in TICKET_SLA_COLUMNS}})
    if updates:
        session.execute(_UPDATE_TICKET, updates)
        _expire_loaded(session, [u["p_id"] for u in updates])
    return len(updates)


def _insert_ignoring_duplicates(session: Session):
    # A user's action may create the same ticket's clocks concurrently; its values are as fresh as ours.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return pg_insert(_clocks).on_conflict_do_nothing(index_elements=["ticket_id", "metric"])
    if dialect == "sqlite":
        return sqlite_insert(_clocks).on_conflict_do_nothing(index_elements=["ticket_id", "metric"])
    return _clocks.insert()


def _expire_loaded(session: Session, ticket_ids: Iterable[int]) -> None:
    """Core writes bypass the identity map: make objects the session holds reload what we changed."""
    wanted = set(ticket_ids)
    for ticket_id in wanted:
        ticket = session.identity_map.get(identity_key(Ticket, ticket_id))
        if ticket is not None:
            session.expire(ticket, _EXPIRED_TICKET_ATTRS)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, SlaClock) and obj.ticket_id in wanted:
            session.expire(obj)


def _refresh_where(
    session: Session,
    where: ColumnElement[bool],
    now: datetime,
    *,
    batch: int,
    context: SlaContext | None = None,
    commit: bool = False,
    progress: bool = False,
) -> int:
    """Refresh the tickets matching `where`, `batch` at a time in id order (keyset: memory stays flat)."""
    ctx = context or load_sla_context(session)
    bar = None
    if progress:
        from tqdm import tqdm

        total = session.scalar(select(func.count()).select_from(Ticket).where(where))
        bar = tqdm(total=total, unit="ticket", desc="SLA recompute")
    done, last_id = 0, 0
    try:
        while True:
            page = select(Ticket.id).where(where, Ticket.id > last_id).order_by(Ticket.id).limit(batch)
            ids = list(session.scalars(page))
            if not ids:
                break
            refresh_sla_for_tickets(session, ids, now, ctx)
            if commit:
                session.commit()
            done += len(ids)
            last_id = ids[-1]
            if bar is not None:
                bar.update(len(ids))
    finally:
        if bar is not None:
            bar.close()
    return done


def concerned_by(ctx: SlaContext, scope: dict) -> ColumnElement[bool]:
    """SQL for the tickets a change may concern, whatever their status (callers add "open").
    `scope`: {"policy_ids": [...]} tickets on those policies or that their conditions may match (a
    deleted policy: those left with no policy); {"calendar_ids": [...]} tickets timed by those
    calendars; {"team_ids": [...]} the teams' tickets. Keys combine (any of them)."""
    clauses: list[ColumnElement[bool]] = []
    for policy_id in scope.get("policy_ids") or ():
        policy = ctx.policies_by_id.get(policy_id)
        # Deleted: the foreign key has already set its tickets' sla_policy_id to NULL.
        clauses.append(Ticket.sla_policy_id.is_(None) if policy is None
                       else or_(Ticket.sla_policy_id == policy_id, _may_match(policy, ctx)))
    for calendar_id in scope.get("calendar_ids") or ():
        own = [p.id for p in ctx.policies if p.calendar_id == calendar_id]
        borrowing = [p.id for p in ctx.policies if p.calendar_id is None]
        teams = [t.id for t in ctx.teams.values() if t.calendar_id == calendar_id]
        if own:
            clauses.append(Ticket.sla_policy_id.in_(own))
        if borrowing and teams:
            clauses.append(and_(Ticket.sla_policy_id.in_(borrowing), Ticket.team_id.in_(teams)))
    if scope.get("team_ids"):
        clauses.append(Ticket.team_id.in_(list(scope["team_ids"])))
    return or_(*clauses) if clauses else false()


def refresh_sla_for_scope(session: Session, scope: dict, now: datetime, *, batch: int = 2000) -> int:
    """Recompute now the open tickets a change of `scope` (see concerned_by) may concern.
    Flushes, never commits. Returns the count. For changes concerning many tickets, see
    helpdesk.sla.recompute, which does it in the background with its progress kept."""
    session.flush()
    ctx = load_sla_context(session)
    return _refresh_where(session, and_(Ticket.status.in_(OPEN_STATUSES), concerned_by(ctx, scope)), now,
                          batch=batch, context=ctx)


def refresh_sla_for_policy(session: Session, policy_id: int, now: datetime, *, batch: int = 2000) -> int:
    """After a policy was created, edited, (de)activated or deleted: recompute the open tickets it may
    concern (those on it, and those its conditions match). Flushes, never commits. Returns the count."""
    return refresh_sla_for_scope(session, {"policy_ids": [policy_id]}, now, batch=batch)


def refresh_sla_for_team(session: Session, team_id: int, now: datetime, *, batch: int = 2000) -> int:
    """After a team's calendar, default policy or name changed: recompute its open tickets.
    Flushes, never commits. Returns the count."""
    return refresh_sla_for_scope(session, {"team_ids": [team_id]}, now, batch=batch)


def refresh_sla_for_calendar(session: Session, calendar_id: int, now: datetime, *, batch: int = 2000) -> int:
    """After a calendar's hours, zone or holidays changed: recompute the open tickets timed by it.
    Flushes, never commits. Returns the count."""
    return refresh_sla_for_scope(session, {"calendar_ids": [calendar_id]}, now, batch=batch)


def refresh_sla_for_customers(
    session: Session, customer_ids: Iterable[int], now: datetime, *, batch: int = 2000
) -> int:
    """After customers' segment, tactical segment or score changed: recompute their open tickets.
    Nothing to do (no query) when no policy looks at the customer. Flushes, never commits.
    Returns the count."""
    ids = sorted(set(customer_ids))
    if not ids:
        return 0
    session.flush()
    ctx = load_sla_context(session)
    if not any(p.active and any(key in p.conditions for key in CUSTOMER_CONDITION_KEYS) for p in ctx.policies):
        return 0
    done = 0
    for start in range(0, len(ids), batch):  # bounded IN lists, whatever the number of customers
        where = and_(Ticket.status.in_(OPEN_STATUSES), Ticket.customer_id.in_(ids[start:start + batch]))
        done += _refresh_where(session, where, now, batch=batch, context=ctx)
    return done


def refresh_sla_for_customer(session: Session, customer_id: int, now: datetime) -> int:
    """After one customer's segment, tactical segment or score changed: recompute their open tickets."""
    return refresh_sla_for_customers(session, [customer_id], now)


def recompute_all(
    session: Session, now: datetime, batch: int = 2000, progress: bool = False, *, include_closed: bool = False,
    id_range: tuple[int, int] | None = None,
) -> int:
    """Recompute open tickets and every ticket never computed (sla_state NULL, e.g. just seeded or
    imported); `include_closed` redoes closed ones too; `id_range` (first, last) only those ids
    (helpdesk.sla.bulk splits the work so). Commits after each batch. Returns the count."""
    where = true() if include_closed else or_(Ticket.status.in_(OPEN_STATUSES), Ticket.sla_state.is_(None))
    if id_range is not None:
        where = and_(where, Ticket.id.between(*id_range))
    return _refresh_where(session, where, now, batch=batch, commit=True, progress=progress)


def _may_match(policy: PolicyInfo, ctx: SlaContext) -> ColumnElement[bool]:
    """SQL for "this policy's conditions may hold": a superset is fine, each ticket is then decided in Python."""
    clauses: list[ColumnElement[bool]] = []
    for key, expected in policy.conditions.items():
        if expected is None or expected == [] or expected == "":
            continue
        options = list(expected) if isinstance(expected, (list, tuple, set, frozenset)) else [expected]
        texts = [str(o).strip().lower() for o in options]
        if key == "priority":
            clauses.append(func.lower(Ticket.priority).in_(texts))
        elif key == "type":
            clauses.append(func.lower(Ticket.type).in_(texts))
        elif key == "segment":
            clauses.append(Ticket.customer_id.in_(select(Customer.id).where(func.lower(Customer.segment).in_(texts))))
        elif key == "tactical_segment":
            clauses.append(Ticket.customer_id.in_(
                select(Customer.id).where(func.lower(Customer.tactical_segment).in_(texts))))
        elif key == "min_score":
            threshold = min_score_of(expected)
            clauses.append(false() if threshold is None else Ticket.customer_id.in_(
                select(Customer.id).where(Customer.customer_score >= threshold)))
        elif key == "team":
            ids = {int(t) for t in texts if t.isdigit()}
            ids |= {t.id for t in ctx.teams.values() if t.name.strip().casefold() in {x.casefold() for x in texts}}
            clauses.append(Ticket.team_id.in_(ids) if ids else false())
        else:
            clauses.append(false())
    matching = and_(true(), *clauses)
    defaults_of = [t.id for t in ctx.teams.values() if t.default_policy_id == policy.id]
    return or_(matching, Ticket.team_id.in_(defaults_of)) if defaults_of else matching
