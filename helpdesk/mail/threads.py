"""Where a new mail about a ticket sits in its thread: In-Reply-To and References from the thread's
earlier mails (the customer's, by the Message-ID we received, and ours), pure and clock-free.

RFC 5322 §3.6.4: In-Reply-To names the message answered; References is the parent's References
plus the parent. We keep no per-mail References, so the chain is rebuilt from the ticket's whole
thread, oldest first, and bounded: the first mail (the thread's root, which clients thread on) and
the latest ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

MAX_REFERENCES = 10
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


@dataclass(frozen=True)
class ThreadMail:
    """One mail already in a ticket's thread: received (the customer's) or written by us."""

    message_id: str
    at: datetime
    order: int = 0  # breaks ties between mails of the same instant (row ids)
    ours: bool = False  # at the same instant, the customer's mail came first (we answer it)


def clean_message_id(value: str | None) -> str | None:
    """'<abc@host>' from a header value ('abc@host', ' <abc@host> (comment)'); None when not one."""
    if not value:
        return None
    value = value.strip()
    found = _MESSAGE_ID.search(value)
    if found:
        return found.group(0)
    if "@" in value and not re.search(r"[\s<>]", value):
        return f"<{value}>"
    return None


def thread_chain(mails: Iterable[ThreadMail]) -> list[str]:
    """The thread's Message-IDs, oldest first, each once."""
    chain: list[str] = []
    seen: set[str] = set()
    for mail in sorted(mails, key=lambda m: (m.at, m.ours, m.order)):
        message_id = clean_message_id(mail.message_id)
        if message_id and message_id not in seen:
            seen.add(message_id)
            chain.append(message_id)
    return chain


def reply_headers(chain: Sequence[str], *, limit: int = MAX_REFERENCES) -> dict[str, str]:
    """In-Reply-To (the latest mail of the thread) and References (the root and the latest ones, at
    most `limit`), or nothing when the thread has no mail yet."""
    if not chain:
        return {}
    references = list(chain) if len(chain) <= limit else [chain[0], *chain[-(limit - 1):]]
    return {"In-Reply-To": chain[-1], "References": " ".join(references)}
