"""Single-use links sent by e-mail (verify an address, reset a password): issued, checked, spent once.

Only the SHA-256 of a token is stored. A token is spent by one conditional UPDATE
(`... WHERE used_at IS NULL AND expires_at > now`), so two requests racing with the same link cannot
both succeed whatever the database or the number of server processes. The functions take the
session and `now`; they flush but never commit (the caller's action commits once).
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from helpdesk.auth.security import hash_token
from helpdesk.errors import Gone, NotFound
from helpdesk.models import User, UserToken
from helpdesk.models.users import USER_TOKEN_PURPOSES


class TokenUnknown(NotFound):
    """No such link (or one made for another purpose: the caller learns nothing more)."""

    code = "token_unknown"

    def default_message(self) -> str:
        return "This link is not valid."


class TokenExpired(Gone):
    code = "token_expired"

    def default_message(self) -> str:
        return "This link has expired."


class TokenUsed(Gone):
    code = "token_used"

    def default_message(self) -> str:
        return "This link was already used."


def issue(session: Session, user: User, purpose: str, now: datetime, lifetime: timedelta) -> str:
    """A new link's token (returned in clear, to be e-mailed; only its hash is kept). The user's
    older unused links of the same purpose stop working: only the latest e-mail counts."""
    if purpose not in USER_TOKEN_PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    session.execute(
        update(UserToken)
        .where(UserToken.user_id == user.id, UserToken.purpose == purpose,
               UserToken.used_at.is_(None), UserToken.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    session.add(UserToken(user_id=user.id, purpose=purpose, token_hash=hash_token(token),
                          created_at=now, expires_at=now + lifetime))
    session.flush()
    return token


def _record(session: Session, token: str, purpose: str) -> UserToken:
    if not token or len(token) > 200:
        raise TokenUnknown()
    record = session.scalar(select(UserToken).where(UserToken.token_hash == hash_token(token)))
    if record is None or record.purpose != purpose:
        raise TokenUnknown()
    return record


def _refusal(record: UserToken, now: datetime) -> Exception | None:
    if record.used_at is not None:
        return TokenUsed()
    if record.expires_at <= now:
        return TokenExpired()
    return None


def check(session: Session, token: str, purpose: str, now: datetime) -> User:
    """The user a still-usable link belongs to, without spending it (to show the form it opens);
    else TokenUnknown, TokenExpired or TokenUsed."""
    record = _record(session, token, purpose)
    if (refusal := _refusal(record, now)) is not None:
        raise refusal
    return session.get(User, record.user_id)


def consume(session: Session, token: str, purpose: str, now: datetime) -> User:
    """Spend the link and return its user; exactly one caller wins when several race. Else
    TokenUnknown, TokenExpired or TokenUsed."""
    record = _record(session, token, purpose)
    claimed = session.execute(
        update(UserToken)
        .where(UserToken.id == record.id, UserToken.used_at.is_(None), UserToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(record)
        raise _refusal(record, now) or TokenUsed()
    session.refresh(record)
    return session.get(User, record.user_id)
