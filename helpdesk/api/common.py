"""Helpers every API route uses: reading JSON bodies, requiring a user, paging lists."""
from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_login import current_user

from helpdesk.errors import Invalid, Unauthorized
from helpdesk.pagination import decode_cursor, encode_cursor  # noqa: F401  (re-exported for API modules)
from helpdesk.validation import text_field as string_field  # noqa: F401  (the API's name for it)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400/415 naming what is wrong with it."""
    if not request.data:
        raise Invalid({"body": "required"}, message="The request body is empty.", code="malformed_json")
    if not request.is_json:
        from helpdesk.errors import DomainError

        error = DomainError("Send the body as application/json.", code="unsupported_media_type")
        error.status = 415
        raise error
    try:
        data = json.loads(request.get_data(as_text=True))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid({"body": "malformed_json"}, message=f"The request body is not valid JSON: {exc}.", code="malformed_json")
    if not isinstance(data, dict):
        raise Invalid({"body": "not_an_object"}, message="The request body must be a JSON object.", code="malformed_json")
    return data


def api_user():
    if not current_user.is_authenticated:
        from helpdesk.auth.loading import bearer_token

        if bearer_token() is not None:
            raise Unauthorized("The token is invalid, expired or revoked.", code="invalid_token")
        raise Unauthorized("Authentication is required: send 'Authorization: Bearer <token>'.")
    return current_user._get_current_object()


def page_params() -> tuple[int, dict | None]:
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError:
        raise Invalid({"limit": "not_a_number"}, "The limit must be an integer.")
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid({"limit": "out_of_range"}, f"The limit must be between 1 and {MAX_LIMIT}.",
                      limits={"limit": {"min": 1, "max": MAX_LIMIT}})
    cursor = request.args.get("cursor")
    return limit, decode_cursor(cursor) if cursor else None


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None
