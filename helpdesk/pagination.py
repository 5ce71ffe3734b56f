"""Keyset-pagination cursors: the last row's sort values, as an opaque URL-safe string (API and pages)."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from helpdesk.errors import Invalid


@dataclass(frozen=True)
class Page:
    """One page of rows, newest first; `next_after_id` is passed back as after_id for the next one."""

    rows: list
    next_after_id: int | None


def newest_first(session, stmt, model, limit: int, after_id: int | None) -> Page:
    """`stmt`'s rows by descending id, `limit` at a time after `after_id` (one statement)."""
    if after_id is not None:
        stmt = stmt.where(model.id < after_id)
    rows = list(session.scalars(stmt.order_by(model.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more else None)


def encode_cursor(values: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    """The values `encode_cursor` packed; Invalid naming `cursor` for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, dict):
            raise ValueError
        return values
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
