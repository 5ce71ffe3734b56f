"""The SLA sweep as a background task of the server process, when no separate worker does it."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import Flask
from flask_socketio import SocketIO

log = logging.getLogger(__name__)

_EXTENSION_KEY = "helpdesk.sla_sweeper"


@dataclass
class SlaSweeper:
    """A running background sweeper; `stop()` ends it after the current pass."""

    interval: float
    _stopping: threading.Event = field(default_factory=threading.Event)
    passes: int = 0

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()


def start_sla_sweeper(app: Flask, socketio: SocketIO, interval: float = 30) -> SlaSweeper | None:
    """Start sweeping every `interval` seconds in this process, unless it is not this process's job:
    BACKGROUND_TASKS off, or REDIS_URL set (then `flask sla worker` runs the sweeps). Returns the
    sweeper, or None when not started. Calling it twice for one app starts one sweeper."""
    if not app.config.get("BACKGROUND_TASKS") or app.config.get("REDIS_URL"):
        return None
    existing = app.extensions.get(_EXTENSION_KEY)
    if existing is not None and not existing.stopping:
        return existing
    sweeper = SlaSweeper(interval=interval)
    app.extensions[_EXTENSION_KEY] = sweeper
    socketio.start_background_task(_run, app, socketio, sweeper)
    return sweeper


def _run(app: Flask, socketio: SocketIO, sweeper: SlaSweeper) -> None:
    from helpdesk.extensions import db
    from helpdesk.models.types import utcnow
    from helpdesk.sla.sweep import sweep

    while not sweeper.stopping:
        with app.app_context():
            try:
                sweep(db.session, utcnow())
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
