"""Queue live events during a transaction and emit them only once it has committed.

A rolled-back change must never be announced, so services call `emit_after_commit` and the
events leave when (and only if) the session commits. With REDIS_URL set, Flask-SocketIO publishes
through Redis, so an event emitted by one process reaches clients connected to another.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

NAMESPACE = "/console"
_PENDING_KEY = "helpdesk.pending_emits"


@dataclass(frozen=True)
class LiveEvent:
    name: str
    payload: dict[str, Any]
    rooms: tuple[str, ...]


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def team_room(team_id: int) -> str:
    return f"team:{team_id}"


def ticket_room(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


STAFF_ROOM = "staff"
LEADS_ROOM = "leads"


def emit_after_commit(session: Session, name: str, payload: dict[str, Any], rooms: Iterable[str]) -> None:
    rooms = tuple(dict.fromkeys(rooms))
    if not rooms:
        return
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        # Tie the event to a transaction, so that a rollback (even with nothing written) drops it.
        session.begin()
    session.info.setdefault(_PENDING_KEY, []).append(LiveEvent(name, payload, rooms))


def emit_now(live: LiveEvent) -> None:
    from helpdesk.extensions import socketio

    try:
        # One emit to several rooms: a client in more than one of them receives it once.
        socketio.emit(live.name, live.payload, namespace=NAMESPACE, to=list(live.rooms))
    except Exception:  # a live notification must never undo or fail a committed change
        log.exception("could not emit %s", live.name)


@event.listens_for(Session, "after_commit")
def _emit_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    for live in pending or ():
        emit_now(live)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    # Only the outermost transaction's rollback undoes the change; a savepoint's does not.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
