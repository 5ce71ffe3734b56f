"""`flask --app wsgi status`: the deployment's state (see helpdesk.status.report); exit code 1 when
something needs a person, so a monitoring check can run it."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from helpdesk.extensions import db
from helpdesk.models.types import utcnow

PROBLEM_TEXT = {
    "database_down": "the database does not answer",
    "redis_down": "Redis does not answer: live events between server processes are degraded",
    "no_background_work": "no background worker beats and no server process covers: SLA breaches, e-mail, surveys "
                          "and scores are NOT being done (start `flask --app wsgi sla worker`)",
    "mail_backlog": "unsent mail older than 15 minutes",
    "mail_failed": "outgoing mail given up on (see /admin/mail)",
}


@click.command("status")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def status_command(as_json: bool) -> None:
    """Each process's last heartbeat, the database and Redis, the mail queue, the search index's lag."""
    from helpdesk.status.report import gather_for

    report = gather_for(current_app, db.session, utcnow())
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        _print(report)
    if report.problems():
        raise SystemExit(1)


def _check(name: str, check) -> str:
    if check is None:
        return f"{name:<10} not configured (one server process: live events stay in it)"
    return f"{name:<10} {'ok' if check.ok else 'DOWN'}" + (f" ({check.ms} ms)" if check.ok else f": {check.error}")


def _print(report) -> None:
    click.echo(f"status at {report.at:%Y-%m-%d %H:%M:%S %Z}")
    click.echo(_check("database", report.database))
    click.echo(_check("redis", report.redis))
    click.echo("processes:")
    for p in report.processes:
        state = "alive" if p.alive else "STALE"
        extra = " (covering the background work)" if p.kind == "web" and p.details.get("covering") else ""
        click.echo(f"  {p.kind:<10} {p.host}:{p.pid:<8} last beat {p.seconds_since_beat:>5} s ago  {state}{extra}")
    if not report.processes:
        click.echo("  (none has beaten in the last day)")
    click.echo(f"background work: {dict(worker='a background worker', web='a server process (no worker alive)', none='NO ONE')[report.background_by]}")
    click.echo(f"search index: {report.search_state}, worker {'running' if report.search_worker else 'not running (server processes index)'}, "
               f"{report.search_journal_bytes} bytes of changes not indexed yet")
    oldest = f", oldest {report.mail_oldest_unsent_minutes} min" if report.mail_oldest_unsent_minutes is not None else ""
    click.echo(f"mail: {report.mail_unsent} unsent{oldest}, {report.mail_failed} failed")
    if report.recomputes_running:
        click.echo(f"SLA recomputes under way: {report.recomputes_running}")
    for code in report.problems():
        click.echo(f"PROBLEM: {PROBLEM_TEXT.get(code, code)}", err=True)
