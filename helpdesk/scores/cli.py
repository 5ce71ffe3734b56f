"""`flask scores recompute`: every customer's scores, boundaries included, at once."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from helpdesk.extensions import db
from helpdesk.models.types import utcnow
from helpdesk.scores.service import recompute_all

scores_cli = AppGroup("scores", help="Customer scores: RFM, satisfaction, customer score, tactical segment.")


@scores_cli.command("recompute")
@click.option("--batch", default=2000, show_default=True, type=click.IntRange(1), help="Customers written per commit.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def recompute_command(batch: int, quiet: bool) -> None:
    """Recompute every customer's scores and segment, and the RFM quintile boundaries
    (the background worker also does it once a day)."""
    started = time.monotonic()
    count = recompute_all(db.session, utcnow(), progress=not quiet, batch=batch)
    click.echo(f"scores recomputed for {count} customer(s) in {time.monotonic() - started:.1f} s")
