"""API tokens as admins manage them (/admin/integrations): made for a staff member with a role scope
and an expiry, shown once, listed with their last use, revoked. Each change is in the audit log,
never the token itself (its first characters, the prefix, are not secret: the list shows them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from helpdesk.audit import service as audit
from helpdesk.auth.security import ROLE_SCOPES, role_scope, scope_role
from helpdesk.auth.service import IssuedToken, issue_token
from helpdesk.errors import Invalid, NotFound
from helpdesk.models import ApiToken, User
from helpdesk.pagination import Page, newest_first
from helpdesk.permissions import ROLE_RANK, require

NAME_MAX = 120
MAX_DAYS = 2 * 366  # a token for an integration is renewed at least every two years
PAGE_SIZE = 50


@dataclass(frozen=True)
class TokenRequest:
    name: str
    owner: User
    scope: str  # agent, lead or admin: at most the owner's role
    expires_at: datetime


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def find_owner(session: Session, raw_id: Any) -> User | None:
    """The active staff member with this id (a number or its text), or None."""
    raw = str(raw_id if raw_id is not None else "").strip()
    owner = session.get(User, int(raw)) if raw.isdigit() else None
    return owner if owner is not None and owner.active and owner.role in ROLE_SCOPES else None


def check_request(data: Mapping[str, Any], owner: User | None, now: datetime, zone: str) -> TokenRequest:
    """`name`, the owner (an active staff member, looked up by find_owner from `owner_id`), `scope`
    (a role, not above the owner's) and `expires_on` (a day after today in `zone`; the token works
    until that day's end). Raises Invalid with a code per bad field: required, too_long,
    unknown_user, not_a_choice, above_owner_role, bad_date, not_in_future, out_of_range."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > NAME_MAX:
        errors["name"] = "too_long"
    if owner is None:
        errors["owner_id"] = "unknown_user"
    scope = str(data.get("scope") or "").strip()
    if scope not in ROLE_SCOPES:
        errors["scope"] = "not_a_choice"
    elif owner is not None and ROLE_RANK[scope] > ROLE_RANK.get(owner.role, 0):
        errors["scope"] = "above_owner_role"
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    day = _day(data.get("expires_on"))
    if day is None:
        errors["expires_on"] = "bad_date"
    elif day <= today:
        errors["expires_on"] = "not_in_future"
    elif (day - today).days > MAX_DAYS:
        errors["expires_on"] = "out_of_range"
    if errors:
        raise Invalid(errors, message="Some token fields are invalid.")
    expires_at = datetime.combine(day + timedelta(days=1), time.min, tz).astimezone(timezone.utc)
    return TokenRequest(name, owner, scope, expires_at)


def create_token(session: Session, actor, data: Mapping[str, Any], now: datetime, zone: str) -> IssuedToken:
    """A token for a staff member (`owner_id`), acting at most with `scope`, until `expires_on`.
    The caller commits and shows `token` once; only its hash is kept."""
    require(actor, "admin.integrations")
    wanted = check_request(data, find_owner(session, data.get("owner_id")), now, zone)
    issued = issue_token(wanted.owner, now, wanted.expires_at - now, name=wanted.name,
                         scopes=role_scope(wanted.scope), session=session)
    session.flush()
    audit.record(session, actor, "created", "api_token", issued.record.id, _label(issued.record),
                 audit.differences(None, {"name": wanted.name, "owner_id": wanted.owner.id, "scope": wanted.scope,
                                          "expires_at": issued.record.expires_at, "prefix": issued.record.prefix}),
                 now)
    return issued


def revoke_token(session: Session, actor, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token: refused from its next request on. Revoking a revoked token changes nothing."""
    require(actor, "admin.integrations")
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFound("No such API token.")
    if record.revoked_at is None:
        record.revoked_at = now
        audit.record(session, actor, "revoked", "api_token", record.id, _label(record),
                     {"revoked_at": [None, audit.plain(now)]}, now)
    return record


def token_scope(record: ApiToken) -> str:
    """The role a token acts with at most (its owner's for a token with every scope)."""
    return scope_role(record.scopes) or record.user.role


def list_tokens(session: Session, actor, *, after_id: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """Tokens not revoked (expired ones included, the page marks them), newest first, with owners."""
    require(actor, "admin.integrations")
    stmt = select(ApiToken).where(ApiToken.revoked_at.is_(None)).options(joinedload(ApiToken.user))
    return newest_first(session, stmt, ApiToken, limit, after_id)


def possible_owners(session: Session) -> list[User]:
    """Active staff, for the owner's list."""
    return list(session.scalars(select(User).where(User.active.is_(True), User.role.in_(ROLE_SCOPES))
                                .order_by(User.name)))


def _label(record: ApiToken) -> str:
    return f"{record.name or '—'} ({record.prefix}…)"
