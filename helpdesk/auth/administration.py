"""People, as admins manage them: list and filter accounts, invite someone by e-mail (a set-password
link, single-use, expiring, stored hashed) or create them with a password, change their role, teams
and name, deactivate and reactivate them.

Deactivating someone, or lowering their role, ends their web sessions, revokes their API tokens and
closes their live connections at once (after the change commits). The last active admin can be
neither deactivated nor demoted. Every change is in the audit log. Errors carry a code per field.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.audit import service as audit
from helpdesk.auth import tokens
from helpdesk.auth.service import end_sessions
from helpdesk.errors import Conflict, Invalid, NotFound
from helpdesk.models import Team, User
from helpdesk.models.users import ROLES, STAFF_ROLES
from helpdesk.permissions import require

ROLE_RANK = {"customer": 0, "agent": 1, "lead": 2, "admin": 3}
CHANGEABLE = ("name", "role", "team_ids", "active", "extension")
PAGE_SIZE = 50


def person_values(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "team_ids": sorted(t.id for t in user.teams),
            "active": user.active, "extension": user.extension}


def lowers_rights(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether a change takes something away: deactivation, a lower role, or fewer teams (whose
    rooms and queues the open connections still listen to)."""
    return ((before["active"] and not after["active"]) or ROLE_RANK[after["role"]] < ROLE_RANK[before["role"]]
            or bool(set(before["team_ids"]) - set(after["team_ids"])))


def check_changes(data: Mapping[str, Any], known_team_ids: set[int], *, is_customer: bool
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """The changes asked, cleaned, and {field: code} for the wrong ones."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in set(data) - set(CHANGEABLE) - {"version"}:
        errors[name] = "unknown_field"
    if "name" in data:
        raw = data["name"]
        if not isinstance(raw, str) or not raw.strip():
            errors["name"] = "required"
        elif len(raw.strip()) > 200:
            errors["name"] = "too_long"
        else:
            values["name"] = raw.strip()
    if "role" in data:
        role = data["role"]
        if role not in ROLES:
            errors["role"] = "not_a_choice"
        elif is_customer != (role == "customer"):
            errors["role"] = "customer_account"  # a portal account is not turned into staff, nor back
        else:
            values["role"] = role
    if "team_ids" in data:
        raw = data["team_ids"]
        if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
            errors["team_ids"] = "not_a_list_of_ids"
        elif set(raw) - known_team_ids:
            errors["team_ids"] = "unknown_team"
        elif raw and is_customer:
            errors["team_ids"] = "customer_account"
        else:
            values["team_ids"] = sorted(set(raw))
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "not_true_or_false"
        else:
            values["active"] = data["active"]
    if "extension" in data:
        raw = data["extension"]
        if raw in (None, ""):
            values["extension"] = None
        elif not isinstance(raw, str) or len(raw.strip()) > 32:
            errors["extension"] = "too_long"
        else:
            values["extension"] = raw.strip()
    return values, errors


def get_person(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))) or 0


def change_person(session: Session, actor, user_id: int, data: Mapping[str, Any], now: datetime) -> User:
    require(actor, "user.manage")
    user = get_person(session, user_id)
    known = set(session.scalars(select(Team.id)))
    values, errors = check_changes(data, known, is_customer=user.role == "customer")
    if errors:
        raise Invalid(errors, message="Some fields are invalid.")
    before = person_values(user)
    after = {**before, **values}
    was_admin = before["role"] == "admin" and before["active"]
    stays_admin = after["role"] == "admin" and after["active"]
    if was_admin and not stays_admin and _active_admins(session) <= 1:
        raise Conflict("The last active admin cannot be deactivated or demoted.",
                       {"fields": {"role" if after["active"] else "active": "last_admin"}}, code="last_admin")
    for name in ("name", "role", "active", "extension"):
        if name in values:
            setattr(user, name, values[name])
    if "team_ids" in values:
        user.teams = list(session.scalars(select(Team).where(Team.id.in_(values["team_ids"])))) if values["team_ids"] else []
    if lowers_rights(before, after):
        end_sessions(user, now)  # web sessions, API tokens and live connections
    action = "updated"
    if before["active"] != after["active"]:
        action = "reactivated" if after["active"] else "deactivated"
    audit.record(session, actor, action, "user", user.id, f"{user.name} <{user.email}>",
                 audit.differences(before, person_values(user)), now)
    return user


def invite(session: Session, actor, user: User, now: datetime, lifetime: timedelta) -> str:
    """A set-password link for a new account (its token in clear, to be e-mailed), in the audit log."""
    require(actor, "user.manage")
    token = tokens.issue(session, user, "invite", now, lifetime)
    audit.record(session, actor, "invited", "user", user.id, f"{user.name} <{user.email}>",
                 {"email": [None, user.email]}, now)
    return token


# --- the list ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilters:
    q: str | None = None
    role: str | None = None
    team_id: int | None = None
    active: bool | None = None


def parse_filters(args: Mapping[str, str]) -> PeopleFilters:
    """From a query string; what makes no sense is ignored (it is a search form)."""
    q = (args.get("q") or "").strip()[:100] or None
    role = args.get("role") if args.get("role") in ROLES else None
    team = (args.get("team") or "").strip()
    raw_active = (args.get("active") or "").strip().lower()
    active = True if raw_active in ("1", "true", "yes") else False if raw_active in ("0", "false", "no") else None
    return PeopleFilters(q, role, int(team) if team.isdigit() else None, active)


def list_people(session: Session, actor, filters: PeopleFilters, *, after_id: int | None = None,
                limit: int = PAGE_SIZE, staff_only: bool = True) -> tuple[list[User], int | None]:
    """A page of accounts by id, with their teams (two statements), and the id to continue after."""
    require(actor, "user.manage")
    stmt = select(User).options(selectinload(User.teams))
    if staff_only and filters.role is None:
        stmt = stmt.where(User.role.in_(STAFF_ROLES))
    if filters.role:
        stmt = stmt.where(User.role == filters.role)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    if filters.team_id is not None:
        stmt = stmt.where(User.teams.any(Team.id == filters.team_id))
    if filters.active is not None:
        stmt = stmt.where(User.active.is_(filters.active))
    if after_id is not None:
        stmt = stmt.where(User.id > after_id)
    rows = list(session.scalars(stmt.order_by(User.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
