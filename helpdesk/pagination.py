"""Keyset-pagination cursors: the last row's sort values, as an opaque URL-safe string (API and pages)."""
from __future__ import annotations

import base64
import binascii
import json

from helpdesk.errors import Invalid


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
