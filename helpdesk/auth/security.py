"""Password hashing (Argon2id) and API token generation; pure functions, no Flask."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2-cffi's defaults follow RFC 9106's recommended profile
# Verified against when the e-mail is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def configure_hasher(profile: str) -> None:
    """"default" (RFC 9106 low-memory profile) everywhere; "fast" only for the test suite, where
    hundreds of accounts are made and the hashes protect nothing."""
    global _hasher, _DUMMY_HASH
    if profile == "fast":
        hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    else:
        hasher = PasswordHasher()
    if hasher.memory_cost != _hasher.memory_cost or hasher.time_cost != _hasher.time_cost:
        _hasher = hasher
        _DUMMY_HASH = _hasher.hash("not-a-real-password")

TOKEN_PREFIX = "hdk_"
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# A token's `scopes`: "*" acts with its owner's role; "role:agent" (or lead, admin) at most with that role.
ALL_SCOPES = "*"
ROLE_SCOPES = ("agent", "lead", "admin")


def role_scope(role: str) -> str:
    return f"role:{role}"


def scope_role(scopes: str | None) -> str | None:
    """The role a token is limited to, or None when it acts with its owner's role. Scopes this
    version does not know limit the token to the lowest staff role rather than to none."""
    if not scopes or scopes == ALL_SCOPES:
        return None
    kind, _sep, role = scopes.partition(":")
    return role if kind == "role" and role in ROLE_SCOPES else ROLE_SCOPES[0]


def hash_token(token: str) -> str:
    """Tokens are long random strings, so a fast hash is enough (no brute force possible)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


MAX_PASSWORD_LENGTH = 1024


def password_problem(password: str) -> str | None:
    """Why a new password is refused, as a code (too_short, too_long; their figures are
    PASSWORD_LIMITS), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    return None


PASSWORD_LIMITS = {"min_length": MIN_PASSWORD_LENGTH, "max_length": MAX_PASSWORD_LENGTH}
