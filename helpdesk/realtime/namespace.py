"""The /console namespace: authenticated staff only, each in the rooms they may listen to."""
from __future__ import annotations

import threading

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room, leave_room

from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.permissions import may
from helpdesk.realtime.events import LEADS_ROOM, NAMESPACE, STAFF_ROOM, team_room, ticket_room, user_room


def _connecting_user(auth):
    """The browser session's user, or the owner of the API token passed in `auth`."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        from helpdesk.auth.service import user_for_token

        return user_for_token(token, utcnow())
    return None


class _Viewers:
    """Who has which ticket open, per socket, in this process (each process announces its own)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_ticket: dict[int, dict[str, tuple[int, str]]] = {}

    def add(self, ticket_id: int, sid: str, user_id: int, name: str) -> list[dict]:
        with self._lock:
            self._by_ticket.setdefault(ticket_id, {})[sid] = (user_id, name)
            return self._list(ticket_id)

    def remove(self, ticket_id: int, sid: str) -> list[dict]:
        with self._lock:
            self._by_ticket.get(ticket_id, {}).pop(sid, None)
            return self._list(ticket_id)

    def drop_sid(self, sid: str) -> list[tuple[int, list[dict]]]:
        with self._lock:
            changed = [tid for tid, sids in self._by_ticket.items() if sid in sids]
            for tid in changed:
                self._by_ticket[tid].pop(sid, None)
            return [(tid, self._list(tid)) for tid in changed]

    def _list(self, ticket_id: int) -> list[dict]:
        seen: dict[int, str] = {}
        for user_id, name in self._by_ticket.get(ticket_id, {}).values():
            seen[user_id] = name
        return [{"user_id": uid, "name": name} for uid, name in sorted(seen.items())]


VIEWERS = _Viewers()


class ConsoleNamespace(Namespace):
    def trigger_event(self, event, *args):
        # Events are named "ticket:watch" on the wire (API.md); handlers can't have ':' in their names.
        return super().trigger_event(event.replace(":", "_"), *args)

    def on_connect(self, auth=None):
        user = _connecting_user(auth)
        if user is None:
            raise ConnectionRefusedError("authentication required")
        if not may(user, "console.view"):
            raise ConnectionRefusedError("not allowed")
        # Remember who this socket is; tokens are not re-read on every event.
        from flask import session as flask_session

        flask_session["socket_user_id"] = user.id
        join_room(user_room(user.id))
        join_room(STAFF_ROOM)
        for team in user.teams:
            join_room(team_room(team.id))
        if may(user, "lead.view"):
            join_room(LEADS_ROOM)
        db.session.remove()

    def _user(self):
        from flask import session as flask_session

        from helpdesk.models import User

        user_id = flask_session.get("socket_user_id")
        return db.session.get(User, user_id) if user_id else None

    def on_ticket_watch(self, data):
        ticket_id = data.get("ticket_id") if isinstance(data, dict) else None
        user = self._user()
        try:
            ticket = db.session.get(Ticket, int(ticket_id)) if ticket_id is not None else None
        except (TypeError, ValueError):
            ticket = None
        allowed = ticket is not None and user is not None and may(user, "ticket.view", ticket)
        if allowed:
            tid, user_id, name = ticket.id, user.id, user.name
        db.session.remove()
        if not allowed:
            return {"ok": False, "error": "not_found"}
        join_room(ticket_room(tid))
        viewers = VIEWERS.add(tid, request.sid, user_id, name)
        emit("presence", {"ticket_id": tid, "viewers": viewers}, to=ticket_room(tid))
        return {"ok": True, "viewers": viewers}

    def on_ticket_typing(self, data):
        """Tell the others on this ticket that this agent is typing a reply (collision warning)."""
        ticket_id = data.get("ticket_id") if isinstance(data, dict) else None
        user = self._user()
        if user is None or not isinstance(ticket_id, int):
            db.session.remove()
            return {"ok": False}
        payload = {"ticket_id": ticket_id, "user_id": user.id, "name": user.name, "typing": bool(data.get("typing", True))}
        db.session.remove()
        from flask_socketio import emit

        emit("presence", payload, to=ticket_room(ticket_id), include_self=False)
        return {"ok": True}

    def on_ticket_unwatch(self, data):
        ticket_id = data.get("ticket_id") if isinstance(data, dict) else None
        if isinstance(ticket_id, int):
            leave_room(ticket_room(ticket_id))
            viewers = VIEWERS.remove(ticket_id, request.sid)
            emit("presence", {"ticket_id": ticket_id, "viewers": viewers}, to=ticket_room(ticket_id))
        return {"ok": True}

    def on_disconnect(self, reason=None):
        for ticket_id, viewers in VIEWERS.drop_sid(request.sid):
            emit("presence", {"ticket_id": ticket_id, "viewers": viewers}, to=ticket_room(ticket_id))


def register_namespace(socketio) -> None:
    """Register once per SocketIO object; create_app() may run many times in one process (tests)."""
    if not any(getattr(handler, "namespace", None) == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(ConsoleNamespace(NAMESPACE))
