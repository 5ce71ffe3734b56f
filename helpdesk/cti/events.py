"""Reading call events in the native format of API.md and in the generic format Zammad's PBX bridges send (pure)."""
from __future__ import annotations

from dataclasses import dataclass, field

from helpdesk.errors import FieldErrors, Invalid, report

EVENTS = ("newCall", "answer", "hangup")


@dataclass(frozen=True)
class CallEvent:
    event: str
    call_id: str
    from_number: str | None
    to_number: str | None
    direction: str  # in / out
    agent: str | None = None  # e-mail, login or extension of the named/answering agent
    team: str | None = None
    cause: str | None = None
    users: tuple[str, ...] = field(default_factory=tuple)  # agents the PBX rings (compat format)

    @property
    def caller(self) -> str | None:
        """The customer's side of the call: who calls in, or whom an agent calls out."""
        return self.from_number if self.direction == "in" else self.to_number


def _text(value, name: str, errors: dict, *, required: bool = False, max_length: int = 128) -> str | None:
    if value is None or value == "":
        if required:
            errors[name] = "required"
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors[name] = "not_text"
        return None
    value = value.strip()
    if len(value) > max_length:
        report(errors, name, "too_long", max_length=max_length)
        return None
    return value or None


def parse_native(data: dict) -> CallEvent:
    """`{event, call_id, from, to, direction, agent_email?, team?, cause?}` (API.md)."""
    errors = FieldErrors()
    event = data.get("event")
    if event not in EVENTS:
        errors.add("event", "not_a_choice", choices=list(EVENTS))
    call_id = _text(data.get("call_id"), "call_id", errors, required=True)
    from_number = _text(data.get("from"), "from", errors, max_length=64)
    to_number = _text(data.get("to"), "to", errors, max_length=64)
    direction = data.get("direction") or "in"
    if direction not in ("in", "out"):
        errors.add("direction", "not_a_choice", choices=["in", "out"])
    agent = _text(data.get("agent_email"), "agent_email", errors, max_length=254)
    team = _text(data.get("team"), "team", errors, max_length=120)
    cause = _text(data.get("cause"), "cause", errors, max_length=64)
    if event == "newCall" and not (from_number if direction == "in" else to_number):
        errors["from" if direction == "in" else "to"] = "required"
    if errors:
        raise Invalid(errors)
    return CallEvent(event, call_id, from_number, to_number, direction, agent, team, cause)


def parse_compat(values: dict[str, list[str]]) -> CallEvent:
    """The generic CTI format (form fields or JSON): event, from, to, direction, callId, user[], queue,
    cause, answeringNumber. Directions arrive as in/out or inbound/outbound."""
    def first(*names: str) -> str | None:
        for name in names:
            found = values.get(name)
            if found:
                return found[0]
        return None

    errors = FieldErrors()
    event = first("event")
    if event not in EVENTS:
        errors.add("event", "not_a_choice", choices=list(EVENTS))
    call_id = _text(first("callId", "call_id"), "callId", errors, required=True)
    direction = {"in": "in", "inbound": "in", "out": "out", "outbound": "out"}.get((first("direction") or "in").lower())
    if direction is None:
        errors.add("direction", "not_a_choice", choices=["in", "out", "inbound", "outbound"])
        direction = "in"
    users = tuple(u.strip() for u in (values.get("user[]") or values.get("user") or []) if isinstance(u, str) and u.strip())
    if errors:
        raise Invalid(errors)
    return CallEvent(
        event=event, call_id=call_id, from_number=_text(first("from"), "from", errors, max_length=64),
        to_number=_text(first("to"), "to", errors, max_length=64), direction=direction,
        agent=_text(first("answeringNumber", "agent_email"), "answeringNumber", errors, max_length=254),
        team=_text(first("queue", "team"), "queue", errors, max_length=120), cause=_text(first("cause"), "cause", errors),
        users=users,
    )
