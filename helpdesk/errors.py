"""Domain errors raised by services, and the one place that turns any error into a response.

Under /api/ every error is the JSON shape of API.md; elsewhere a friendly page.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str = "", details: dict[str, Any] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message or self.default_message()
        self.details = details or {}
        if code:
            self.code = code

    def default_message(self) -> str:
        return "The request could not be processed."


class FieldErrors(dict):
    """What is wrong with each field, as stable codes (field -> "required", "too_long", ...), with
    the figures a code refers to (field -> {"max_length": 300}) so a page can say the limit."""

    def __init__(self) -> None:
        super().__init__()
        self.limits: dict[str, dict[str, Any]] = {}

    def add(self, name: str, code: str, **limits: Any) -> None:
        self[name] = code
        if limits:
            self.limits[name] = limits
        else:
            self.limits.pop(name, None)


def report(errors: dict, name: str, code: str, **limits: Any) -> None:
    """errors[name] = code, keeping the limits when `errors` is a FieldErrors."""
    if isinstance(errors, FieldErrors):
        errors.add(name, code, **limits)
    else:
        errors[name] = code


class Invalid(DomainError):
    """Bad input; details["fields"] maps each bad field to a stable code (never a sentence: pages
    word the codes, see helpdesk.wording), details["limits"] the figures some codes refer to."""

    status = 400
    code = "validation_error"

    def __init__(self, fields: dict[str, str] | None = None, message: str = "", code: str | None = None,
                 limits: dict[str, dict[str, Any]] | None = None):
        fields = fields or {}
        limits = {**getattr(fields, "limits", {}), **(limits or {})}
        details: dict[str, Any] = {"fields": dict(fields)}
        if limits:
            details["limits"] = limits
        super().__init__(message or "Some fields are invalid.", details, code)
        self.fields = dict(fields)
        self.limits = limits


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"

    def default_message(self) -> str:
        return "Authentication is required."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"

    def default_message(self) -> str:
        return "You are not allowed to do this."


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def default_message(self) -> str:
        return "Not found."


class Conflict(DomainError):
    status = 409
    code = "conflict"

    def default_message(self) -> str:
        return "This was changed by someone else; reload and try again."


class Gone(DomainError):
    """Something that existed and is no longer usable (an expired or already used link)."""

    status = 410
    code = "gone"

    def default_message(self) -> str:
        return "This link has expired or was already used."


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, code: str, message: str, details: dict | None = None, headers=None):
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    if headers:
        for key, value in headers:
            response.headers[key] = value
    return response


def _page_error(status: int, message: str):
    titles = {
        400: _("Requête invalide"),
        401: _("Connexion requise"),
        403: _("Accès refusé"),
        404: _("Page introuvable"),
        405: _("Méthode non autorisée"),
        409: _("Conflit"),
        410: _("Lien expiré"),
        413: _("Fichier trop volumineux"),
        415: _("Type de fichier refusé"),
        429: _("Trop de tentatives"),
        500: _("Erreur interne"),
    }
    return (
        render_template("errors/error.html", status=status, title=titles.get(status, _("Erreur")), message=message),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    from helpdesk.extensions import db
    from helpdesk.wording import error_summary  # (it words these errors: imported once they exist)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if wants_json():
            return _json_error(error.status, error.code, error.message, error.details)
        # A page words the fields' codes; the English message is the API's.
        return _page_error(error.status, error_summary(error) if error.details.get("fields") else error.message)

    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def handle_stale(error: StaleDataError):
        # Two saves raced on the same row: the version check in the UPDATE let only one through.
        return handle_domain_error(Conflict())

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        if wants_json():
            headers = None
            if status == 429:
                retry = getattr(error, "retry_after", None) or 60
                headers = [("Retry-After", str(int(retry)))]
            message = {
                404: "No such resource.",
                405: "This method is not allowed here.",
                413: "The request body is too large.",
                415: "Unsupported media type.",
                429: "Too many requests; slow down.",
            }.get(status, error.description or "Error.")
            response = _json_error(status, HTTP_CODES.get(status, "error"), message)
            if status == 429:
                # Keep the limiter's own Retry-After when it set one.
                original = error.get_response()
                if original.headers.get("Retry-After"):
                    response.headers["Retry-After"] = original.headers["Retry-After"]
            return response
        message = error.description if status not in (404, 500) else ""
        return _page_error(status, message)

    from sqlalchemy import exc as sa_exc
    from sqlalchemy import text

    from helpdesk import outages

    health = outages.health_of(app)

    def unavailable():
        """503 while the database does not answer: the JSON error shape with Retry-After, or a page
        that reads nothing from the database."""
        retry = str(outages.RETRY_AFTER)
        if wants_json():
            return _json_error(503, "service_unavailable", "The service is unavailable for a moment (its database "
                               "does not answer); retry shortly.", headers=[("Retry-After", retry)])
        from flask_babel import force_locale

        # Not the user's own language: that is read from the database.
        lang = next((v for v in (request.args.get("lang"), request.cookies.get("lang")) if v in ("fr", "en")), None) \
            or request.accept_languages.best_match(["fr", "en"]) or "fr"
        with force_locale(lang):
            page = render_template("errors/unavailable.html", retry_after=outages.RETRY_AFTER, lang=lang)
        return page, 503, {"Retry-After": retry}

    def ping():
        try:
            db.session.execute(text("SELECT 1"))
        finally:
            db.session.remove()

    @app.before_request
    def refuse_while_the_database_is_down():
        if health.down and request.endpoint != "static" and not health.probe(ping):
            return unavailable()
        return None

    @app.errorhandler(sa_exc.DBAPIError)
    def handle_database_error(error: sa_exc.DBAPIError):
        if not outages.is_unreachable(error):
            return handle_unexpected(error)
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; the session is dropped at teardown anyway
            pass
        health.failed(error)
        return unavailable()

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        if wants_json():
            return _json_error(500, "internal_error", "An unexpected error occurred; it has been logged.")
        return _page_error(500, "")
