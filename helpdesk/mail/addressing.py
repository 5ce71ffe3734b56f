"""How an e-mail finds its ticket again: the ticket's reply token, carried both by the reply
address (plus-addressing: support+t-<token>@example.com) and by the Message-ID of every mail we
send about it (<hd.<token>.<random>@example.com>), so an answer is matched by the token it echoes
(To / Cc / Delivered-To, In-Reply-To, References), not by its From address, which anyone can forge.

Tokens are 16 lower-case base32 characters (80 random bits): mail servers may lower-case a local
part, and base32 survives that.
"""
from __future__ import annotations

import base64
import re
import secrets
from email.utils import getaddresses

TOKEN_LENGTH = 16
_TOKEN = rf"[a-z2-7]{{{TOKEN_LENGTH}}}"
_ADDRESS_TOKEN = re.compile(rf"\+t-({_TOKEN})@", re.IGNORECASE)
_MESSAGE_ID_TOKEN = re.compile(rf"<hd\.({_TOKEN})\.[a-z2-7]+@", re.IGNORECASE)


def new_reply_token() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def reply_address(base: str, token: str) -> str:
    """support@example.com + token -> support+t-<token>@example.com"""
    local, _, domain = base.rpartition("@")
    if not local or not domain:
        raise ValueError(f"not an e-mail address: {base!r}")
    return f"{local}+t-{token}@{domain}"


def new_message_id(domain: str, token: str | None = None) -> str:
    """A Message-ID of ours: with the ticket's token when the mail is about a ticket."""
    random = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return f"<hd.{token}.{random}@{domain}>" if token else f"<hd.{random}@{domain}>"


def token_from_addresses(*header_values: str | None) -> str | None:
    """The first reply token in address headers (To, Cc, Delivered-To...)."""
    for _, address in getaddresses([value for value in header_values if value]):
        found = _ADDRESS_TOKEN.search(address + "@" if "@" not in address else address)
        if found:
            return found.group(1).lower()
    return None


def token_from_message_ids(*header_values: str | None) -> str | None:
    """The reply token of the first of our Message-IDs in In-Reply-To / References values."""
    for value in header_values:
        if value:
            found = _MESSAGE_ID_TOKEN.search(value)
            if found:
                return found.group(1).lower()
    return None


def is_ours(message_id: str | None, domain: str) -> bool:
    """True for a Message-ID we made (an echo of our own mail coming back)."""
    return bool(message_id) and message_id.strip().lower().startswith("<hd.") and \
        message_id.strip().lower().endswith(f"@{domain.lower()}>")
