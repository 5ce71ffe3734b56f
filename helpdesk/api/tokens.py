"""API tokens as admins manage them over the API: GET/POST /api/v1/admin/tokens, DELETE
/api/v1/admin/tokens/{id} (rules: auth.api_tokens; the token itself is in the creation's answer only)."""
from __future__ import annotations

from flask import current_app

from helpdesk.api import bp
from helpdesk.api.common import api_user, encode_cursor, iso, json_body, page_params
from helpdesk.auth import api_tokens
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.models import ApiToken, utcnow


def token_json(record: ApiToken) -> dict:
    return {"id": record.id, "name": record.name, "prefix": record.prefix, "owner_id": record.user_id,
            "scope": api_tokens.token_scope(record), "created_at": iso(record.created_at),
            "expires_at": iso(record.expires_at), "last_used_at": iso(record.last_used_at),
            "revoked_at": iso(record.revoked_at)}


@bp.get("/admin/tokens")
def list_api_tokens():
    limit, cursor = page_params()
    after = (cursor or {}).get("id")
    if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    page = api_tokens.list_tokens(db.session, api_user(), after_id=after, limit=limit)
    return {"items": [token_json(t) for t in page.rows],
            "next_cursor": encode_cursor({"id": page.next_after_id}) if page.next_after_id else None}


@bp.post("/admin/tokens")
def create_api_token():
    issued = api_tokens.create_token(db.session, api_user(), json_body(), utcnow(),
                                     current_app.config["BABEL_DEFAULT_TIMEZONE"])
    db.session.commit()
    return {**token_json(issued.record), "token": issued.token}, 201


@bp.delete("/admin/tokens/<int:token_id>")
def revoke_api_token(token_id: int):
    record = api_tokens.revoke_token(db.session, api_user(), token_id, utcnow())
    db.session.commit()
    return token_json(record)
