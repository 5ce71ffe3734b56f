"""The SLA sweep as a background task of the server process, when no separate worker does it."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import click
from flask import Flask
from flask_socketio import SocketIO

log = logging.getLogger(__name__)

_EXTENSION_KEY = "helpdesk.sla_sweeper"


@dataclass
class SlaSweeper:
    """A running background sweeper; `stop()` ends it after the current pass."""

    interval: float
    _stopping: threading.Event = field(default_factory=threading.Event)
    _task: Any = None
    passes: int = 0

    def stop(self, timeout: float | None = 10) -> None:
        """Ask it to stop and wait (up to `timeout` seconds) for the pass under way to finish."""
        self._stopping.set()
        if self._task is not None and timeout:
            self._task.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()


def start_sla_sweeper(app: Flask, socketio: SocketIO, interval: float = 30) -> SlaSweeper | None:
    """Start sweeping every `interval` seconds in this process, unless it is not this process's job:
    BACKGROUND_TASKS off, or REDIS_URL set (then `flask sla worker` runs the sweeps). Returns the
    sweeper, or None when not started. Calling it twice for one app starts one sweeper.

    Several processes each running one is safe (claims are atomic), merely wasteful.
    """
    if not app.config.get("BACKGROUND_TASKS") or app.config.get("REDIS_URL") or _in_cli_command():
        return None
    existing = app.extensions.get(_EXTENSION_KEY)
    if existing is not None and not existing.stopping:
        return existing
    sweeper = SlaSweeper(interval=interval)
    app.extensions[_EXTENSION_KEY] = sweeper
    sweeper._task = socketio.start_background_task(_run, app, socketio, sweeper)
    return sweeper


def _in_cli_command() -> bool:
    # `flask --app wsgi <command>` imports wsgi.py as well; of the commands only `run` serves requests.
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "run"


def close_forgotten_resolved(app: Flask, session) -> int:
    """Resolved tickets the customer did not come back to close after AUTO_CLOSE_DAYS."""
    from helpdesk.models.types import utcnow
    from helpdesk.tickets.service import auto_close_resolved

    closed = auto_close_resolved(session, utcnow(), app.config["AUTO_CLOSE_DAYS"])
    session.commit()
    return closed


def send_outbox(app: Flask, session) -> int:
    """E-mails written by this pass (breach alerts) and by user actions leave here."""
    from helpdesk.mail.outbox import MailSettings, deliver_pending
    from helpdesk.models.types import utcnow

    return deliver_pending(session, MailSettings.from_config(app.config, app.instance_path), utcnow())


def _run(app: Flask, socketio: SocketIO, sweeper: SlaSweeper) -> None:
    from helpdesk.extensions import db
    from helpdesk.models.types import utcnow
    from helpdesk.sla.sweep import sweep

    while not sweeper.stopping:
        with app.app_context():
            try:
                sweep(db.session, utcnow(), base_url=app.config["BASE_URL"])
                close_forgotten_resolved(app, db.session)
                send_outbox(app, db.session)
            except Exception:  # a failed pass is rolled back and retried by the next one
                log.exception("SLA sweep failed")
                db.session.rollback()
            finally:
                db.session.remove()
        sweeper.passes += 1
        # Sleep in short steps: socketio.sleep cooperates with eventlet/gevent, and stop() stays prompt.
        waited = 0.0
        while waited < sweeper.interval and not sweeper.stopping:
            step = min(0.5, sweeper.interval - waited)
            socketio.sleep(step)
            waited += step
