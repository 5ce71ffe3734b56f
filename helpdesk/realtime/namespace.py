"""The /console namespace: authenticated staff only, each in the rooms they may listen to."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room, leave_room

from helpdesk.extensions import db
from helpdesk.models import Ticket, utcnow
from helpdesk.permissions import may
from helpdesk.realtime.events import LEADS_ROOM, NAMESPACE, STAFF_ROOM, team_room, ticket_room, user_room
from helpdesk.realtime.presence import Change, clock, presence_store


def _connecting_user(auth):
    """The browser session's user, or the owner of the API token passed in `auth`."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        from helpdesk.auth.service import user_for_token

        return user_for_token(token, utcnow())
    return None


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
        flask_session["socket_token_role"] = getattr(user, "token_role", None)  # a scoped token stays scoped
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
        user = db.session.get(User, user_id) if user_id else None
        if user is not None:
            user.token_role = flask_session.get("socket_token_role")
        return user

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
        # Sent again every PRESENCE_RENEW_SECONDS by an open page: only a real change is announced.
        change = presence_store(current_app).watch(tid, request.sid, user_id, name, clock())
        _announce(change)
        return {"ok": True, "viewers": change.viewers}

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
            _announce(presence_store(current_app).unwatch(ticket_id, request.sid, clock()))
        return {"ok": True}

    def on_disconnect(self, reason=None):
        for change in presence_store(current_app).drop(request.sid, clock()):
            _announce(change)


def _announce(change: Change) -> None:
    if change.changed:
        emit("presence", {"ticket_id": change.ticket_id, "viewers": change.viewers}, to=ticket_room(change.ticket_id))


def register_namespace(socketio) -> None:
    """Register once per SocketIO object; create_app() may run many times in one process (tests)."""
    if not any(getattr(handler, "namespace", None) == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(ConsoleNamespace(NAMESPACE))
