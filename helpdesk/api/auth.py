"""POST /api/v1/auth/token: exchange an e-mail and password for a bearer token."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app

from helpdesk.api import bp
from helpdesk.api.common import iso, json_body, string_field
from helpdesk.auth.service import authenticate, issue_token
from helpdesk.errors import Invalid, Unauthorized
from helpdesk.extensions import db, limiter
from helpdesk.models import utcnow


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def create_token():
    data = json_body()
    errors: dict[str, str] = {}
    email = string_field(data, "email", errors, required=True, max_length=254)
    password = data.get("password")
    if not isinstance(password, str) or not password:
        errors["password"] = "required"
    if errors:
        raise Invalid(errors)
    now = utcnow()
    user = authenticate(email, password, now)
    if user is None:
        db.session.rollback()
        raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials")
    ttl = timedelta(days=current_app.config["API_TOKEN_TTL_DAYS"])
    issued = issue_token(user, now, ttl, name=str(data.get("name") or "api")[:120])
    db.session.commit()
    return {"token": issued.token, "expires_at": iso(issued.expires_at), "user": {"id": user.id, "role": user.role}}, 201
