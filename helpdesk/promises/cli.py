"""`flask promises sweep`: one pass of promise warnings and breaks (the background pass runs it too)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from helpdesk.extensions import db
from helpdesk.models.types import utcnow

promises_cli = AppGroup("promises", help="Promises made to customers: warn and break them when due.")


@promises_cli.command("sweep")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1), help="Promises per transaction.")
def sweep_command(batch: int) -> None:
    """Warn the owners of promises soon due and break those past due (one pass, batch by batch)."""
    from helpdesk.promises.service import promise_pass

    now = utcnow()
    warned = broken = 0
    while True:
        try:
            w, b = promise_pass(db.session, now, batch=batch)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        warned, broken = warned + w, broken + b
        if w < batch and b < batch:
            break
    click.echo(f"{warned} warning(s), {broken} broken promise(s)")
