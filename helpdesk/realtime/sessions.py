"""Ending a user's live connections: when an admin deactivates someone or lowers their role, every
Socket.IO connection of theirs on /console is closed at once, in every server process.

Each process knows only its own sockets (a user's are in their user room). With Redis between the
processes, the request goes through the same channel as the events: a "close room" message named
`kick:<user room>`, which every process receives and handles by disconnecting its own sockets of
that room (KickingRedisManager). Alone, the process disconnects its sockets directly. Called after
the change commits (disconnect_after_commit), so a change rolled back cuts no one off.
"""
from __future__ import annotations

import logging

import socketio as python_socketio
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from helpdesk.realtime.events import NAMESPACE, user_room

log = logging.getLogger(__name__)
KICK_PREFIX = "kick:"
_PENDING_KEY = "helpdesk.realtime.pending_kicks"


def _disconnect_local(server, room: str) -> int:
    """Disconnect this process's sockets in `room` of /console; how many."""
    manager = server.manager
    sids = [sid for sid, _eio_sid in manager.get_participants(NAMESPACE, room)]
    for sid in sids:
        server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
    return len(sids)


class KickingRedisManager(python_socketio.RedisManager):
    """The Redis client manager, also carrying "disconnect everyone in this room" between processes."""

    def _handle_close_room(self, message):
        room = message.get("room") or ""
        if room.startswith(KICK_PREFIX):
            _disconnect_local(self.server, room[len(KICK_PREFIX):])
            return
        super()._handle_close_room(message)


def disconnect_user(user_id: int) -> None:
    """Close every live connection of the user, in every process."""
    from helpdesk.extensions import socketio

    server = socketio.server
    if server is None:
        return
    room = user_room(user_id)
    try:
        if isinstance(server.manager, KickingRedisManager):
            server.manager.close_room(KICK_PREFIX + room, namespace=NAMESPACE)  # this process and the others
        else:
            _disconnect_local(server, room)
    except Exception:  # the change is committed; its sessions and tokens are already over
        log.exception("could not close the live connections of user %s", user_id)


def disconnect_after_commit(session: Session, user_id: int) -> None:
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_PENDING_KEY, set()).add(user_id)


@event.listens_for(Session, "after_commit")
def _kick_pending(session: Session) -> None:
    for user_id in session.info.pop(_PENDING_KEY, ()) or ():
        disconnect_user(user_id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
