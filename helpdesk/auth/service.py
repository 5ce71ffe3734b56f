"""Account rules: creating users, checking passwords, issuing and resolving API tokens."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from helpdesk.auth.security import (
    ALL_SCOPES,
    hash_password,
    hash_token,
    new_api_token,
    PASSWORD_LIMITS,
    password_needs_rehash,
    password_problem,
    scope_role,
    verify_password,
)
from helpdesk.audit import service as audit
from helpdesk.errors import Conflict, Invalid
from helpdesk.extensions import db
from helpdesk.models import ApiToken, Customer, Team, User, utcnow
from helpdesk.models.users import ROLES


def normalise_email(raw: str, field: str = "email") -> str:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except (EmailNotValidError, AttributeError):
        raise Invalid({field: "invalid_email"}, "This is not a valid e-mail address.")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def check_credentials(email: str, password: str, now: datetime) -> User | None:
    """The active user with this e-mail and password, verified address or not, or None (same cost
    whether or not the account exists). The login page uses it to explain an unverified address."""
    user = find_user_by_email(email or "")
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def awaits_confirmation(user: User) -> bool:
    """A portal sign-up whose address is not proved yet: it cannot log in nor get an API token. (Accounts
    made by an admin, the API, the CLI or the demo are trusted as given, stamped or not; a sign-up is
    the only way to a customer account without a customer card.)"""
    return user.role == "customer" and user.email_verified_at is None and user.customer_id is None


def authenticate(email: str, password: str, now: datetime) -> User | None:
    """The user who may log in with this e-mail and password: active, right password, and not a
    sign-up still waiting for its address to be confirmed."""
    user = check_credentials(email, password, now)
    if user is None or awaits_confirmation(user):
        return None
    return user


def end_sessions(user: User, now: datetime) -> None:
    """End every web session, revoke every API token and close every live connection of the user
    (the password that opened them changed, or an admin took rights away). The caller re-stamps the session doing the change (see auth.loading.log_in)."""
    # An SQL increment, so two changes racing both count.
    user.session_version = User.session_version + 1
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.refresh(user, ["session_version"])
    from helpdesk.realtime.sessions import disconnect_after_commit

    disconnect_after_commit(db.session, user.id)  # and their live connections, once this commits


def set_password(user: User, password: str, now: datetime) -> None:
    """A new password for the user; every other session and API token ends."""
    if problem := password_problem(password or ""):
        raise Invalid({"password": problem}, "The password is refused.", limits={"password": PASSWORD_LIMITS})
    user.password_hash = hash_password(password)
    end_sessions(user, now)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    record: ApiToken


def issue_token(user: User, now: datetime, ttl: timedelta, name: str | None = None,
                scopes: str = ALL_SCOPES, session=None) -> IssuedToken:
    """A new token for `user` (only its hash is stored; `token` is shown once). `scopes`: see
    security.scope_role."""
    token = new_api_token()
    record = ApiToken(
        user=user,
        token_hash=hash_token(token),
        prefix=token[:12],
        name=name,
        scopes=scopes,
        created_at=now,
        expires_at=now + ttl,
    )
    (session or db.session).add(record)
    return IssuedToken(token=token, expires_at=record.expires_at, record=record)


# Built once: every API request runs it, and building it cost more than running it.
_TOKEN_WITH_USER = (select(ApiToken).where(ApiToken.token_hash == bindparam("p_hash"))
                    .options(joinedload(ApiToken.user)))


def user_for_token(token: str, now: datetime) -> User | None:
    record = db.session.scalar(_TOKEN_WITH_USER, {"p_hash": hash_token(token)})
    if record is None or record.revoked_at is not None:
        return None
    if record.expires_at is not None and record.expires_at <= now:
        return None
    user = record.user  # held: after the commit below, record.user would load a fresh instance
    if not user.active:
        return None
    user.token_role = scope_role(record.scopes)
    # Writing last_used_at on every request would serialise the API on one row; once a minute is enough.
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        record.last_used_at = now
        db.session.commit()
    return user


def create_user(
    *,
    email: str,
    role: str,
    name: str | None = None,
    password: str | None = None,
    team_ids: list[int] | None = None,
    locale: str = "fr",
    now: datetime | None = None,
    actor=None,
) -> User:
    """A new account made by an admin, the API or the CLI: its address is trusted as given (portal
    sign-ups go through helpdesk.auth.accounts and prove theirs). In the audit log (`actor`: who;
    the password only as "set"). A customer account is linked to
    the Customer with the same e-mail (made if none)."""
    fields: dict[str, str] = {}  # field -> code (invalid_email, not_a_choice, weak_password, unknown_team)
    try:
        email = normalise_email(email or "")
    except Invalid:
        fields["email"] = "invalid_email"
    if role not in ROLES:
        fields["role"] = "not_a_choice"
    if password is not None and password_problem(password):
        fields["password"] = "weak_password"
    if locale not in ("fr", "en"):
        fields["locale"] = "not_a_choice"
    teams: list[Team] = []
    if team_ids:
        teams = list(db.session.scalars(select(Team).where(Team.id.in_(team_ids))))
        if len(teams) != len(set(team_ids)):
            fields["team_ids"] = "unknown_team"
    if fields:
        raise Invalid(fields, message="Some fields are invalid.")
    if find_user_by_email(email) is not None:
        raise Conflict("A user with this e-mail already exists.", {"fields": {"email": "duplicate"}}, code="duplicate")
    user = User(
        email=email,
        name=(name or email.split("@")[0]).strip()[:200],
        role=role,
        locale=locale,
        password_hash=hash_password(password) if password else None,
        active=True,
        availability="offline" if role != "customer" else "offline",
        email_verified_at=now or utcnow(),
    )
    user.teams = teams
    if role == "customer":
        customer = db.session.scalar(
            select(Customer).where(func.lower(Customer.email) == email).order_by(Customer.id).limit(1)
        )
        if customer is None:
            customer = Customer(name=user.name, email=email, language=locale)
            db.session.add(customer)
        user.customer = customer
    db.session.add(user)
    db.session.flush()
    audit.record(db.session, actor, "created", "user", user.id, f"{user.name} <{user.email}>",
                 audit.differences(None, {"email": user.email, "name": user.name, "role": user.role,
                                          "team_ids": sorted(t.id for t in teams), "password": password},
                                   secrets={"password"}), now or utcnow())
    return user
