"""Who is making this request: the session's user in a browser, a bearer token's owner on the API.

A web session carries the user's `session_version` with their id ("12:3", in the session and in the
remember-me cookie alike); raising the version (password reset or change) ends every session
stamped before. A session with a bare id ("12", from before versions) counts as version 0.
"""
from __future__ import annotations

from flask import Flask, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from helpdesk.errors import Unauthorized
from helpdesk.extensions import csrf, db, login_manager
from helpdesk.models import User, utcnow


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def session_user_id(user: User) -> str:
    return f"{user.id}:{user.session_version or 0}"


def parse_session_user_id(value) -> tuple[int, int] | None:
    """(user id, session version) from a session's stamp, or None when it is not one."""
    raw_id, _sep, raw_version = str(value).partition(":")
    try:
        return int(raw_id), int(raw_version or 0)
    except ValueError:
        return None


def log_in(user: User, remember: bool = False) -> None:
    """Open a web session for the user, stamped with their current session version."""
    login_user(user, remember=remember)
    # Flask-Login stored user.get_id(); the stamp replaces it (the remember cookie is written from it).
    session["_user_id"] = session_user_id(user)


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        stamp = parse_session_user_id(user_id)
        if stamp is None:
            return None
        user = db.session.get(User, stamp[0])
        if user is None or not user.active or stamp[1] != (user.session_version or 0):
            return None
        user.token_role = None  # a browser session acts with the user's own role
        return user

    @login_manager.request_loader
    def load_user_from_token(req):
        token = bearer_token()
        if token is None or not req.path.startswith("/api/"):
            return None
        from helpdesk.auth.service import user_for_token

        return user_for_token(token, utcnow())

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            if request.headers.get("Authorization"):
                raise Unauthorized("The token is invalid, expired or revoked.", code="invalid_token")
            raise Unauthorized("Authentication is required: send 'Authorization: Bearer <token>'.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def csrf_for_session_api_calls():
        # The API is exempt from form CSRF because tokens are not ambient credentials; a browser
        # calling it with its session cookie must still prove it is our page (X-CSRFToken header).
        if (
            request.path.startswith("/api/")
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and bearer_token() is None
            and request.cookies.get(app.config.get("SESSION_COOKIE_NAME", "session"))
            and app.config.get("WTF_CSRF_ENABLED", True)
            and request.endpoint not in ("api.create_token", "api.cti_events", "api.cti_compat")
        ):
            csrf.protect()
