"""Canned responses: who may use which, and saving them with every field checked."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.audit import service as audit
from helpdesk.errors import Invalid, NotFound
from helpdesk.models import CannedResponse, Team, User, team_members, utcnow
from helpdesk.models.tickets import PRIORITIES, STATUSES
from helpdesk.permissions import may, require
from helpdesk.tickets.lifecycle import PLACEHOLDERS, unknown_placeholders

LANGUAGES = ("fr", "en")
BODY_MAX = 20_000


def usable_macros(session: Session, user: User) -> list[CannedResponse]:
    """The canned responses this user may apply: everyone's, and those of the user's teams."""
    return list(session.scalars(select(CannedResponse).where(*usable_by(user))
                                .order_by(func.lower(CannedResponse.title))))


def usable_by(user: User) -> list:
    """WHERE conditions for the canned responses `user` may apply (their teams read in the same
    statement)."""
    return [] if may(user, "macro.manage") else of_teams_of(user.id)


def of_teams_of(user_id) -> list:
    """WHERE conditions for the canned responses of no team or of a team of `user_id` (a value or a
    bound parameter)."""
    teams = select(team_members.c.team_id).where(team_members.c.user_id == user_id)
    return [or_(CannedResponse.team_id.is_(None), CannedResponse.team_id.in_(teams))]


def all_macros(session: Session, actor: User) -> list[CannedResponse]:
    require(actor, "macro.manage")
    return list(session.scalars(select(CannedResponse).options(selectinload(CannedResponse.team))
                                .order_by(func.lower(CannedResponse.title))))


def get_macro(session: Session, actor: User, macro_id: int) -> CannedResponse:
    require(actor, "macro.manage")
    macro = session.get(CannedResponse, macro_id)
    if macro is None:
        raise NotFound("No such canned response.")
    return macro


def save_macro(session: Session, actor: User, macro_id: int | None, data: dict[str, Any], now: datetime) -> CannedResponse:
    """Create (macro_id None) or update a canned response; Invalid with every field's error at once,
    as codes (required, too_long, duplicate, unknown_placeholder, not_a_choice, unknown_team); for an
    unknown placeholder, details also name the unknown ones and those available."""
    require(actor, "macro.manage")
    macro = get_macro(session, actor, macro_id) if macro_id is not None else None
    values, errors = _validate(session, data, macro)
    if errors:
        limits = {}
        if errors.get("body") == "unknown_placeholder":
            limits["body"] = {"unknown": unknown_placeholders(values["body"]), "available": list(PLACEHOLDERS)}
        error = Invalid(errors, message="Some fields of the canned response are invalid.", limits=limits)
        if "body" in limits:
            error.details["unknown_placeholders"] = limits["body"]["unknown"]
            error.details["placeholders"] = limits["body"]["available"]
        raise error
    before = None if macro is None else {name: getattr(macro, name) for name in values}
    if macro is None:
        macro = CannedResponse(created_at=now)
        session.add(macro)
    for name, value in values.items():
        setattr(macro, name, value)
    session.flush()
    audit.record(session, actor, "created" if before is None else "updated", "canned_response", macro.id, macro.title,
                 audit.differences(before, values), now)
    return macro


def delete_macro(session: Session, actor: User, macro_id: int, now: datetime | None = None) -> None:
    macro = get_macro(session, actor, macro_id)
    audit.record(session, actor, "deleted", "canned_response", macro.id, macro.title,
                 audit.differences({"title": macro.title, "body": macro.body}, None), now or utcnow())
    session.delete(macro)
    session.flush()


def _validate(session: Session, data: dict[str, Any], current: CannedResponse | None) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = "required"
    elif len(title) > 200:
        errors["title"] = "too_long"
    else:
        same = session.scalar(select(CannedResponse.id).where(func.lower(CannedResponse.title) == title.lower()))
        if same is not None and (current is None or same != current.id):
            errors["title"] = "duplicate"
    body = (data.get("body") or "").strip()
    if not body:
        errors["body"] = "required"
    elif len(body) > BODY_MAX:
        errors["body"] = "too_long"
    elif unknown_placeholders(body):
        errors["body"] = "unknown_placeholder"
    language = data.get("language") or "fr"
    if language not in LANGUAGES:
        errors["language"] = "not_a_choice"
    team_id = data.get("team_id") or None
    if team_id is not None and (not isinstance(team_id, int) or session.get(Team, team_id) is None):
        errors["team_id"] = "unknown_team"
    set_status = data.get("set_status") or None
    if set_status is not None and set_status not in STATUSES:
        errors["set_status"] = "not_a_choice"
    set_priority = data.get("set_priority") or None
    if set_priority is not None and set_priority not in PRIORITIES:
        errors["set_priority"] = "not_a_choice"
    values = {"title": title, "body": body, "language": language, "team_id": team_id,
              "set_status": set_status, "set_priority": set_priority}
    return values, errors
