"""`flask sla ...`: one sweep, a full recompute, or a worker that sweeps until stopped."""
from __future__ import annotations

import logging
import signal
import time

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk.extensions import db
from helpdesk.models.types import utcnow

log = logging.getLogger(__name__)

sla_cli = AppGroup("sla", help="SLA clocks: sweep for warnings and breaches, recompute due times.")


@sla_cli.command("sweep")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1))
def sweep_command(batch: int) -> None:
    """Announce the warnings and breaches due now (one pass)."""
    from helpdesk.sla.sweep import sweep

    report = sweep(db.session, utcnow(), batch=batch, base_url=current_app.config["BASE_URL"])
    click.echo(report.summary())


@sla_cli.command("recompute")
@click.option("--batch", default=2000, show_default=True, type=click.IntRange(1))
@click.option("--include-closed", is_flag=True, help="Also redo resolved and closed tickets.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1),
              help="Processes sharing the work (after a bulk load; each takes a range of ticket ids).")
def recompute_command(batch: int, include_closed: bool, quiet: bool, procs: int) -> None:
    """Recompute the SLA clocks of open (and never computed) tickets."""
    from helpdesk.sla.bulk import recompute_all_in_processes

    count = recompute_all_in_processes(utcnow(), procs, include_closed=include_closed, batch=batch,
                                       progress=not quiet)
    click.echo(f"recomputed {count} ticket(s)")


@sla_cli.command("worker")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(0.1), help="Seconds between sweeps.")
@click.option("--passes", default=0, type=click.IntRange(0),
              help="Stop after this many sweeps (0: run until interrupted).")
def worker_command(interval: float, passes: int) -> None:
    """Sweep every INTERVAL seconds until interrupted (with REDIS_URL, live events reach every server);
    also sends the survey invitations due, flags overdue follow-ups and runs the daily recompute of
    customer scores."""
    from helpdesk.sla.background import background_pass
    from helpdesk.status import heartbeats

    if not current_app.config.get("REDIS_URL"):
        click.echo("warning: REDIS_URL is not set; live SLA events from this process reach no browser", err=True)

    def terminated(*_):  # systemd, honcho and `make production` stop it with SIGTERM: end the loop cleanly
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    done = 0
    last_pass: dict = {}
    try:
        while True:
            started = time.monotonic()
            try:
                try:
                    heartbeats.beat(db.session, "background", utcnow(), {"interval": interval, **last_pass})
                except Exception:  # the database is down: background_pass says so (once)
                    db.session.rollback()
                result = background_pass(current_app, db.session)
                last_pass = {"last_pass_seconds": round(time.monotonic() - started, 2)}
                stamp = f"{utcnow():%Y-%m-%d %H:%M:%S}"
                if result.sweep is not None and (result.sweep.warnings or result.sweep.breaches):
                    click.echo(f"{stamp} {result.sweep.summary()}")
                if result.surveys_sent or result.follow_ups_overdue:
                    click.echo(f"{stamp} {result.surveys_sent} survey invitation(s) sent, "
                               f"{result.follow_ups_overdue} follow-up(s) overdue")
                if result.promises_warned or result.promises_broken:
                    click.echo(f"{stamp} promises: {result.promises_warned} warned, {result.promises_broken} broken")
                if result.scores_recomputed:
                    click.echo(f"{stamp} customer scores recomputed")
            finally:
                db.session.remove()
            done += 1
            if passes and done >= passes:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        try:
            heartbeats.stop(db.session, "background")
        except Exception:
            db.session.rollback()
