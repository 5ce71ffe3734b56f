"""Promises on tickets: make and cancel them, keep them when the customer hears from us, and the pass
that warns and breaks them exactly once. Each function writes its rows (promise, audit event, timeline
interaction, live events sent after commit) and flushes; the caller commits.

Kept and broken are both claimed by a conditional UPDATE ... RETURNING on the promise row (only rows
still pending come back), like SLA warnings and breaches, so a reply racing the sweep, or two sweeps
racing each other, settle a promise once and announce it once.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from helpdesk.errors import Conflict, Invalid, NotFound
from helpdesk.models import CallLog, Interaction, Promise, Ticket, TicketEvent, User
from helpdesk.permissions import may, require
from helpdesk.promises import rules
from helpdesk.promises.rules import BROKEN, CANCELLED, KEPT, KEPT_BY, PENDING, PromiseTally
from helpdesk.realtime.events import LEADS_ROOM, STAFF_ROOM, emit_after_commit, team_room, ticket_room, user_room
from helpdesk.tickets.lifecycle import event_values

_promises = Promise.__table__
DEFAULT_ZONE = "Europe/Paris"


@dataclass(frozen=True)
class Settled:
    """A promise this transaction won (kept, warned or broken): it alone announces it."""

    id: int
    ticket_id: int
    customer_id: int | None
    owner_id: int | None
    what: str
    due_at: datetime


def office_zone() -> tzinfo:
    """The zone dates are written in on the timeline (the app's display zone)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


# --- reading --------------------------------------------------------------------------------------


def ticket_promises(session: Session, ticket_id: int) -> list[Promise]:
    """Every promise of a ticket, soonest due first, with their owners."""
    return list(session.scalars(
        select(Promise).where(Promise.ticket_id == ticket_id)
        .options(joinedload(Promise.owner)).order_by(Promise.due_at, Promise.id)
    ))


def visible_promises(user: Any, promises: Iterable[Promise]) -> list[Promise]:
    """Staff see them all; a customer only what is still promised to them (never cancelled or
    settled ones, which say how staff did)."""
    if may(user, "promise.internal.view"):
        return list(promises)
    return [p for p in promises if p.state == PENDING]


def promise_tallies(session: Session, *, made_from: datetime | None = None, made_to: datetime | None = None,
                    owner_ids: Sequence[int] | None = None,
                    team_id: int | None = None) -> dict[int | None, PromiseTally]:
    """{owner_id: PromiseTally} of the promises made in [made_from, made_to) (the reports' "promises
    kept" per agent; kept_percent leaves pending and cancelled ones out). One GROUP BY query."""
    stmt = select(Promise.owner_id, Promise.state, func.count()).group_by(Promise.owner_id, Promise.state)
    if made_from is not None:
        stmt = stmt.where(Promise.created_at >= made_from)
    if made_to is not None:
        stmt = stmt.where(Promise.created_at < made_to)
    if owner_ids is not None:
        stmt = stmt.where(Promise.owner_id.in_(list(owner_ids)))
    if team_id is not None:
        stmt = stmt.where(Promise.ticket_id.in_(select(Ticket.id).where(Ticket.team_id == team_id)))
    return rules.tally_by_owner(session.execute(stmt).all())


# --- making and cancelling --------------------------------------------------------------------------


def make_promise(session: Session, actor: User, ticket_id: int, data: dict, now: datetime,
                 call_id: int | None = None) -> Promise:
    """`data`: {what, due_at (ISO 8601 with offset, or an aware datetime), owner_id? (default: the
    actor)}. Staff only; the promise is the owner's, made to the ticket's customer."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.")
    require(actor, "ticket.view", ticket, hide=True)
    require(actor, "promise.make", ticket)
    terms, errors = rules.check_promise(data.get("what"), data.get("due_at"), now)
    owner = _owner(session, actor, data.get("owner_id", None), errors)
    if ticket.merged_into_id is not None:
        errors["ticket"] = "merged_ticket"
    if call_id is not None and session.get(CallLog, call_id) is None:
        errors["call_id"] = "unknown_call"
    if errors:
        raise Invalid(errors)
    promise = Promise(
        ticket_id=ticket.id, customer_id=ticket.customer_id, owner_id=owner.id, created_by_id=actor.id,
        call_id=call_id, what=terms.what, due_at=terms.due_at, warn_at=terms.warn_at, state=PENDING,
        created_at=now,
    )
    session.add(promise)
    session.flush()
    settled = _settled(promise)
    _audit(session, [settled], "promise_made", now, actor.id, {"owner_id": owner.id, "call_id": call_id})
    _timeline(session, [settled], "made", now)
    _refresh_pages(session, [ticket])
    return promise


def _owner(session: Session, actor: User, value: Any, errors: dict) -> User:
    if value is None or value == "":
        return actor
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        errors["owner_id"] = "not_an_id"
        return actor
    owner = session.get(User, value)
    if owner is None or not owner.active or not owner.is_staff:
        errors["owner_id"] = "unknown_user"
        return actor
    return owner


def cancel_promise(session: Session, actor: User, promise_id: int, now: datetime, *,
                   ticket_id: int | None = None) -> Promise:
    """Withdraw a pending promise (it was not the right one, or the customer no longer needs it).
    `ticket_id`, when given, must be the promise's ticket (URLs name both)."""
    promise = session.get(Promise, promise_id)
    if promise is None or (ticket_id is not None and promise.ticket_id != ticket_id):
        raise NotFound("No such promise.")
    ticket = session.get(Ticket, promise.ticket_id)
    require(actor, "ticket.view", ticket, hide=True)
    require(actor, "promise.cancel", promise)
    claimed = session.execute(
        update(_promises).where(_promises.c.id == promise.id, _promises.c.state == PENDING)
        .values(state=CANCELLED, cancelled_at=now).returning(_promises.c.id)
    ).first()
    if claimed is None:
        session.refresh(promise)
        raise Conflict(f"This promise is already {promise.state}.", code="promise_settled")
    session.refresh(promise)
    settled = _settled(promise)
    _audit(session, [settled], "promise_cancelled", now, actor.id)
    _timeline(session, [settled], CANCELLED, now)
    _refresh_pages(session, [ticket])
    return promise


# --- keeping ----------------------------------------------------------------------------------------


def keep_promises(session: Session, ticket: Ticket, now: datetime, kept_by: str) -> list[int]:
    """A public agent reply on `ticket` at `now`: its pending promises made before and due after it
    are kept. Returns the ids of the promises kept."""
    # The reply announces the ticket itself (ticket:updated): no second redraw from here.
    return _keep(session, [_promises.c.ticket_id == ticket.id], now, now, kept_by, redraw=False)


def keep_customer_promises(session: Session, customer_id: int | None, at: datetime, now: datetime,
                           kept_by: str = "call") -> list[int]:
    """An answered outbound call to the customer (or a logged call-back) at `at`: all their pending
    promises made before and due after it are kept, whatever the ticket (the customer heard from us)."""
    if customer_id is None:
        return []
    return _keep(session, [_promises.c.customer_id == customer_id], at, now, kept_by)


def keep_for_call(session: Session, call: CallLog, now: datetime) -> list[int]:
    """The CTI's hook: an outbound call to a known customer that was answered keeps their promises."""
    if call.direction != "out" or call.answered_at is None or call.missed:
        return []
    return keep_customer_promises(session, call.customer_id, call.answered_at, now, "call")


def _keep(session: Session, where: list, at: datetime, now: datetime, kept_by: str, *,
          redraw: bool = True) -> list[int]:
    if kept_by not in KEPT_BY:
        raise ValueError(f"kept_by must be one of {KEPT_BY}")
    # rules.keeps() as SQL: made no later than the contact, due no earlier.
    rows = session.execute(
        update(_promises)
        .where(*where, _promises.c.state == PENDING, _promises.c.created_at <= at, _promises.c.due_at >= at)
        .values(state=KEPT, kept_by=kept_by, kept_at=at)
        .returning(*_SETTLED_COLUMNS)
    ).all()
    kept = sorted((Settled(*row) for row in rows), key=lambda s: s.id)
    if not kept:
        return []
    _audit(session, kept, "promise_kept", now, None, {"kept_by": kept_by, "at": at.isoformat()})
    _timeline(session, kept, KEPT, at)
    tickets = _tickets(session, {s.ticket_id for s in kept})
    for item in kept:
        emit_after_commit(session, "promise:kept", _payload(item, tickets.get(item.ticket_id), KEPT),
                          _rooms(item, tickets.get(item.ticket_id), leads=False))
    if redraw:
        _refresh_pages(session, tickets.values())
    return [s.id for s in kept]


# --- the pass: warn, break ----------------------------------------------------------------------------


def promise_pass(session: Session, now: datetime, *, batch: int = 1000) -> tuple[int, int]:
    """Claim the warnings due at `now` and break the promises past due, each exactly once (up to
    `batch` of each; a larger backlog goes to the next pass). Writes their audit events, the broken
    ones' timeline entries and the live events (`promise:warning`, `promise:broken`, to the owner, the
    ticket's team and the leads), then flushes: the caller commits. Returns (warned, broken)."""
    warn_ids = list(session.scalars(
        select(_promises.c.id).where(*_warn_due(now)).order_by(_promises.c.warn_at).limit(batch)
    ))
    break_ids = list(session.scalars(
        select(_promises.c.id).where(*_break_due(now)).order_by(_promises.c.due_at).limit(batch)
    ))
    if not warn_ids and not break_ids:
        return 0, 0
    # Lock what is free in id order; rows another pass (or a reply keeping them) holds are skipped,
    # not waited for. SQLite has no row locks: there the UPDATE's write lock serialises passes.
    free = set(session.scalars(
        select(_promises.c.id).where(_promises.c.id.in_(warn_ids + break_ids))
        .order_by(_promises.c.id).with_for_update(skip_locked=True)
    ))
    warned = _claim(session, [i for i in warn_ids if i in free], _warn_due(now), {"warned_at": now})
    broken = _claim(session, [i for i in break_ids if i in free], _break_due(now), {"state": BROKEN, "broken_at": now})
    if not warned and not broken:
        return 0, 0
    tickets = _tickets(session, {s.ticket_id for s in warned + broken})
    _audit(session, warned, "promise_warning", now, None)
    _audit(session, broken, "promise_broken", now, None)
    _timeline(session, broken, BROKEN, None)
    for name, items, state in (("promise:warning", warned, PENDING), ("promise:broken", broken, BROKEN)):
        for item in items:
            ticket = tickets.get(item.ticket_id)
            emit_after_commit(session, name, _payload(item, ticket, state), _rooms(item, ticket, leads=True))
    _refresh_pages(session, tickets.values())
    session.flush()
    return len(warned), len(broken)


def _warn_due(now: datetime) -> list:
    # Past due already? Then it is broken, and a warning as well would only add noise.
    return [_promises.c.state == PENDING, _promises.c.warned_at.is_(None), _promises.c.warn_at <= now,
            _promises.c.due_at > now]


def _break_due(now: datetime) -> list:
    return [_promises.c.state == PENDING, _promises.c.due_at < now]


_SETTLED_COLUMNS = (_promises.c.id, _promises.c.ticket_id, _promises.c.customer_id, _promises.c.owner_id,
                    _promises.c.what, _promises.c.due_at)


def _claim(session: Session, ids: list[int], conditions: list, values: dict) -> list[Settled]:
    """Conditional UPDATE ... RETURNING: a row someone else claimed no longer matches and is skipped."""
    if not ids:
        return []
    rows = session.execute(
        update(_promises).where(_promises.c.id.in_(ids), *conditions).values(**values).returning(*_SETTLED_COLUMNS)
    ).all()
    return sorted((Settled(*row) for row in rows), key=lambda s: s.id)


# --- what follows ----------------------------------------------------------------------------------------


def _settled(promise: Promise) -> Settled:
    return Settled(promise.id, promise.ticket_id, promise.customer_id, promise.owner_id, promise.what, promise.due_at)


def _tickets(session: Session, ids: set[int]) -> dict[int, Ticket]:
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}


def _audit(session: Session, items: Sequence[Settled], action: str, now: datetime, actor_id: int | None,
           extra: dict | None = None) -> None:
    if not items:
        return
    session.execute(insert(TicketEvent), [
        {"ticket_id": s.ticket_id, **event_values(actor_id, action, now, "promise", None, s.what,
                                                  {"promise_id": s.id, "due_at": s.due_at.isoformat(),
                                                   "owner_id": s.owner_id, **(extra or {})})}
        for s in items
    ])


def _timeline(session: Session, items: Sequence[Settled], event: str, at: datetime | None) -> None:
    """One entry per promise on its customer's timeline; `at` None: at the promise's due time."""
    zone = office_zone()
    rows = [
        {"customer_id": s.customer_id, "kind": "promise", "channel": "system", "direction": "out",
         "summary": rules.timeline_summary(event, s.what, s.due_at, zone), "occurred_at": at or s.due_at,
         "agent_id": s.owner_id, "ticket_id": s.ticket_id,
         "data": {"promise_id": s.id, "event": event, "due_at": s.due_at.isoformat()}}
        for s in items if s.customer_id is not None
    ]
    if rows:
        session.execute(insert(Interaction), rows)


def _payload(item: Settled, ticket: Ticket | None, state: str) -> dict:
    return {
        "promise_id": item.id, "ticket_id": item.ticket_id, "number": ticket.number if ticket else None,
        "what": item.what, "due_at": item.due_at.isoformat(), "owner_id": item.owner_id, "state": state,
    }


def _rooms(item: Settled, ticket: Ticket | None, *, leads: bool) -> list[str]:
    rooms = [ticket_room(item.ticket_id)]
    if item.owner_id is not None:
        rooms.insert(0, user_room(item.owner_id))
    if ticket is not None and ticket.team_id is not None:
        rooms.append(team_room(ticket.team_id))
    if leads:
        rooms.append(LEADS_ROOM)
    return rooms


def _refresh_pages(session: Session, tickets: Iterable[Ticket]) -> None:
    """Queues and open ticket pages redraw (their promise badges changed); no version: a page reloads."""
    for ticket in tickets:
        if ticket is None:
            continue
        rooms = [STAFF_ROOM, ticket_room(ticket.id)] + ([team_room(ticket.team_id)] if ticket.team_id else [])
        emit_after_commit(session, "ticket:updated",
                          {"ticket_id": ticket.id, "number": ticket.number, "reason": "promise"}, rooms)
