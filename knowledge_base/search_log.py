"""Recording a submitted search for the missing-articles list without slowing the search: the
row is written after the response is sent (one INSERT in the server's thread, once the page is
out), or before returning when KB_SEARCH_LOG_SYNC is on (tests). Used by the pages and the API."""
from __future__ import annotations

import logging
from typing import Sequence

from flask import Flask, Response, after_this_request, current_app
from flask_babel import get_locale

from helpdesk.extensions import db
from helpdesk.models import utcnow
from knowledge_base import misses

log = logging.getLogger(__name__)


def log_search(text: str, *, langs: Sequence[str] | None, source: str, results: int) -> str | None:
    """Record a submitted search made in this request; the token its result links carry
    (`?s=`), or None when it is not recorded (see `misses.normalise_search`)."""
    language = misses.search_language(langs, str(get_locale()))
    row = misses.search_row(text, language=language, source=source, results=results,
                            now=misses.unique_instant(utcnow()))
    if row is None:
        return None
    app = current_app._get_current_object()
    if app.config.get("KB_SEARCH_LOG_SYNC"):
        _write(app, row, db.session)
    else:
        @after_this_request
        def write_when_sent(response: Response) -> Response:
            response.call_on_close(lambda: _write_in_own_context(app, row))
            return response
    return misses.sign_search(row["created_at"], app.secret_key)


def mark_followed_from_request(token: str | None) -> bool:
    """A result link of a recorded search was opened (`?s=<token>`): mark it followed, in the
    request's transaction (the caller commits). A forged or stale token changes nothing."""
    if not token:
        return False
    return misses.mark_followed(db.session, misses.read_search(token, current_app.secret_key), utcnow())


def _write(app: Flask, row: dict, session) -> None:
    # Losing one search's statistics is better than failing (or delaying) the search.
    try:
        misses.write_searches(session, [row])
        session.commit()
    except Exception:
        session.rollback()
        log.warning("could not record a knowledge-base search", exc_info=True)


def _write_in_own_context(app: Flask, row: dict) -> None:
    with app.app_context():
        try:
            _write(app, row, db.session)
        finally:
            db.session.remove()
