"""The background work (SLA sweep, auto-close, survey invitations, the outbox, the daily recompute of
customer scores) as a task of the server process, when no separate worker does it."""
from __future__ import annotations

import logging
import time
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


def poll_inbound_mailbox(app: Flask, session):
    """One pass over the IMAP mailbox when IMAP_HOST is set (else nothing): new mail becomes tickets and replies."""
    from helpdesk.mail.inbound.imap import ImapSettings, poll_mailbox
    from helpdesk.mail.inbound.service import InboundSettings

    settings = ImapSettings.from_config(app.config)
    if settings is None:
        return None
    return poll_mailbox(session, settings, inbound=InboundSettings.from_app(app))


PRUNE_EVERY = 6 * 3600  # seconds between two sweeps of unreferenced attachment files, per process
_last_prune = {"at": None}


def prune_attachment_files(app: Flask, session) -> int | None:
    """Every PRUNE_EVERY seconds, the attachment files that no row refers to (see prune_orphans)."""
    from helpdesk.models.types import utcnow
    from helpdesk.tickets.attachments import attachments_root, prune_orphans

    now = time.monotonic()
    if _last_prune["at"] is not None and now - _last_prune["at"] < PRUNE_EVERY:
        return None
    _last_prune["at"] = now
    return prune_orphans(session, attachments_root(app.instance_path), utcnow())


@dataclass(frozen=True)
class PassReport:
    sweep: Any = None  # the SLA sweep's report (None when it failed)
    surveys_sent: int = 0
    follow_ups_overdue: int = 0
    scores_recomputed: bool = False
    promises_warned: int = 0
    promises_broken: int = 0


def background_pass(app: Flask, session) -> PassReport:
    """One pass of the background work, for the server's sweeper and `flask sla worker` alike: the
    SLA sweep, auto-close, survey invitations due and overdue follow-ups, promises due (warned,
    broken), the SLA recomputes left queued after a policy or calendar change, the knowledge-base searches to fold into missing articles, the outbox, unreferenced attachment files every few hours, and, once a day, the full recompute of customer scores. A part that fails is logged and rolled back (the
    next pass retries it); the others still run."""
    from helpdesk.models.types import utcnow
    from helpdesk.scores.service import recompute_if_due
    from helpdesk.sla.recompute import run_pending as run_pending_recomputes
    from helpdesk.sla.sweep import sweep
    from helpdesk.promises.service import promise_pass
    from helpdesk.surveys.service import survey_pass
    from knowledge_base.misses import fold_search_log

    report = None
    sent = overdue = promises_warned = promises_broken = 0
    recomputed = False
    try:
        report = sweep(session, utcnow(), base_url=app.config["BASE_URL"])
        close_forgotten_resolved(app, session)
    except Exception:
        log.exception("SLA sweep failed")
        session.rollback()
    try:
        # Recomputes queued after a policy or calendar change whose process did not start (or finish) them.
        run_pending_recomputes(session, utcnow)
    except Exception:
        log.exception("SLA recomputes failed")
        session.rollback()
    try:
        surveys, overdue = survey_pass(session, utcnow(), base_url=app.config["BASE_URL"])
        sent = surveys.sent
    except Exception:
        log.exception("sending survey invitations failed")
        session.rollback()
    try:
        promises_warned, promises_broken = promise_pass(session, utcnow())
        session.commit()
    except Exception:
        log.exception("the promise sweep failed")
        session.rollback()
    try:
        fold_search_log(session, utcnow())  # knowledge-base searches nobody followed become misses
    except Exception:
        log.exception("folding the knowledge-base search log failed")
        session.rollback()
    try:
        poll_inbound_mailbox(app, session)  # before the outbox: acknowledgements of new tickets leave this pass
    except Exception:  # an unreachable or refusing IMAP server must not stop the rest of the pass
        log.exception("reading the IMAP mailbox failed")
        session.rollback()
    try:
        send_outbox(app, session)  # breach alerts and survey invitations of this pass leave at once
    except Exception:
        log.exception("sending the outbox failed")
        session.rollback()
    try:
        prune_attachment_files(app, session)
        session.rollback()  # it only read
    except Exception:
        log.exception("pruning unreferenced attachment files failed")
        session.rollback()
    try:
        # Once a day, claimed atomically: one process runs it however many sweep.
        recomputed = recompute_if_due(session, utcnow())
    except Exception:  # recompute_if_due schedules a retry; the sweeps go on meanwhile
        log.exception("daily customer-score recompute failed")
        session.rollback()
    return PassReport(report, sent, overdue, recomputed, promises_warned, promises_broken)


def _run(app: Flask, socketio: SocketIO, sweeper: SlaSweeper) -> None:
    from helpdesk.extensions import db

    while not sweeper.stopping:
        with app.app_context():
            try:
                background_pass(app, db.session)
            finally:
                db.session.remove()
        sweeper.passes += 1
        # Sleep in short steps: socketio.sleep cooperates with eventlet/gevent, and stop() stays prompt.
        waited = 0.0
        while waited < sweeper.interval and not sweeper.stopping:
            step = min(0.5, sweeper.interval - waited)
            socketio.sleep(step)
            waited += step
