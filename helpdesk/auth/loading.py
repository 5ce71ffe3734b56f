"""Who is making this request: the session's user in a browser, a bearer token's owner on the API."""
from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_babel import gettext as _

from helpdesk.errors import Unauthorized
from helpdesk.extensions import csrf, db, login_manager
from helpdesk.models import User, utcnow


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        try:
            user = db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and user.active else None

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
