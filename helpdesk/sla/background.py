"""The background work (SLA sweep, auto-close, survey invitations, the outbox, the daily recompute of
customer scores) as a task of the server process, when no separate worker does it.

Alone (no REDIS_URL), a server process does it every pass. In the production shape (REDIS_URL set,
`flask sla worker` beside the servers) each server process stands by: it beats its heartbeat, and
does the pass itself only while no background worker beats; the log says so once when it takes
the work over and once when it hands it back. Claims are atomic, so two processes doing a pass
is merely wasteful, never wrong."""
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
    standby: bool = False  # True: only while no background worker beats (the production shape)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _task: Any = None
    passes: int = 0
    covering: bool = False  # standing by, and doing the work because no worker beats

    def stop(self, timeout: float | None = 10) -> None:
        """Ask it to stop and wait (up to `timeout` seconds) for the pass under way to finish."""
        self._stopping.set()
        if self._task is not None and timeout:
            self._task.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()


def start_sla_sweeper(app: Flask, socketio: SocketIO, interval: float = 30) -> SlaSweeper | None:
    """Start the background work of this server process, every `interval` seconds: every pass when
    alone, or standing by for `flask sla worker` when REDIS_URL is set (see the module). None when
    BACKGROUND_TASKS is off or in a CLI command. Calling it twice for one app starts one sweeper.
    """
    if not app.config.get("BACKGROUND_TASKS") or _in_cli_command():
        return None
    existing = app.extensions.get(_EXTENSION_KEY)
    if existing is not None and not existing.stopping:
        return existing
    sweeper = SlaSweeper(interval=interval, standby=bool(app.config.get("REDIS_URL")))
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
        broken), the SLA recomputes left queued after a policy or calendar change, the knowledge-base
    searches to fold into missing articles, the outbox, unreferenced attachment files every few hours,
    the kept reports leads are looking at and the report presets (computed again before they go
    stale), and, once a day, the full recompute of customer scores. A part that fails is logged and
    rolled back (the next pass retries it); the others still run. While the database does not
    answer, the pass does nothing but check whether it is back, and the log says so once
    (helpdesk.outages)."""
    from sqlalchemy import text

    from helpdesk.models.types import utcnow
    from helpdesk.outages import health_of, is_unreachable
    from helpdesk.reports.kept import KeepRules, refresh_due, warm_presets
    from helpdesk.scores.service import recompute_if_due
    from helpdesk.sla.recompute import run_pending as run_pending_recomputes
    from helpdesk.sla.sweep import sweep
    from helpdesk.promises.service import promise_pass
    from helpdesk.surveys.service import survey_pass
    from knowledge_base.misses import fold_search_log

    def part(label: str, work):
        """Run one part; a failure is rolled back and logged (an unreachable database once per outage)."""
        try:
            return work()
        except Exception as error:
            try:
                session.rollback()
            except Exception:  # the connection is gone with the database
                pass
            if is_unreachable(error):
                health.failed(error)
            else:
                log.exception("%s failed", label)
            return None

    health = health_of(app)
    if health.down and not health.probe(lambda: session.execute(text("SELECT 1"))):
        return PassReport()  # the database still does not answer: nothing to do this pass

    def sla():
        result = sweep(session, utcnow(), base_url=app.config["BASE_URL"])
        close_forgotten_resolved(app, session)
        return result

    def promises():
        result = promise_pass(session, utcnow())
        session.commit()
        return result

    def prune():
        prune_attachment_files(app, session)
        session.rollback()  # it only read

    report = part("SLA sweep", sla)
    # Recomputes queued after a policy or calendar change whose process did not start (or finish) them.
    part("SLA recomputes", lambda: run_pending_recomputes(session, utcnow))
    surveys = part("sending survey invitations", lambda: survey_pass(session, utcnow(), base_url=app.config["BASE_URL"]))
    sent, overdue = (surveys[0].sent, surveys[1]) if surveys else (0, 0)
    promises_warned, promises_broken = part("the promise sweep", promises) or (0, 0)
    # Knowledge-base searches nobody followed become misses.
    part("folding the knowledge-base search log", lambda: fold_search_log(session, utcnow()))
    # Before the outbox: acknowledgements of new tickets leave this pass. An unreachable or refusing
    # IMAP server must not stop the rest of the pass.
    part("reading the IMAP mailbox", lambda: poll_inbound_mailbox(app, session))
    part("sending the outbox", lambda: send_outbox(app, session))  # this pass's alerts and invitations
    part("pruning unreferenced attachment files", prune)
    rules = KeepRules.from_config(app.config)
    part("computing kept reports again", lambda: refresh_due(session, utcnow, rules))
    part("keeping the report presets warm",
         lambda: warm_presets(session, utcnow, rules, app.config["BABEL_DEFAULT_TIMEZONE"],
                              app.extensions.setdefault("helpdesk.report_presets", {})))
    # Once a day, claimed atomically: one process runs it however many sweep; on a failure it
    # schedules a retry and the sweeps go on meanwhile.
    recomputed = bool(part("daily customer-score recompute", lambda: recompute_if_due(session, utcnow())))
    return PassReport(report, sent, overdue, recomputed, promises_warned, promises_broken)


def _run(app: Flask, socketio: SocketIO, sweeper: SlaSweeper) -> None:
    from helpdesk.extensions import db

    while not sweeper.stopping:
        with app.app_context():
            try:
                if _my_turn(app, db.session, sweeper):
                    background_pass(app, db.session)
            except Exception as error:  # must not end the task; an unreachable database is said once per outage
                from helpdesk.outages import health_of, is_unreachable

                db.session.rollback()
                if is_unreachable(error):
                    health_of(app).failed(error)
                else:
                    log.exception("background task of the server process failed")
            finally:
                db.session.remove()
        sweeper.passes += 1
        # Sleep in short steps: socketio.sleep cooperates with eventlet/gevent, and stop() stays prompt.
        waited = 0.0
        while waited < sweeper.interval and not sweeper.stopping:
            step = min(0.5, sweeper.interval - waited)
            socketio.sleep(step)
            waited += step
    with app.app_context():
        try:
            from helpdesk.status.heartbeats import stop

            stop(db.session, "web")
        except Exception:  # stopping with the database down: the row goes stale instead
            db.session.rollback()
        finally:
            db.session.remove()


def _my_turn(app: Flask, session, sweeper: SlaSweeper) -> bool:
    """Beat this server process's heartbeat; True when it should do the background pass now."""
    from helpdesk.models.types import utcnow
    from helpdesk.outages import health_of
    from helpdesk.status.heartbeats import alive, beat

    if health_of(app).down:
        return True  # background_pass probes the database and says nothing more
    now = utcnow()
    beat(session, "web", now, {"covering": sweeper.covering} if sweeper.standby else {})
    if not sweeper.standby:
        return True
    worker = alive(session, "background", now)
    if worker and sweeper.covering:
        log.warning("a background worker beats again: this server process leaves the background work to it")
    elif not worker and not sweeper.covering:
        log.error("no background worker alive (flask sla worker): this server process does the background work "
                  "(SLA sweep, e-mail, surveys, scores) until one is back")
    sweeper.covering = not worker
    return not worker
