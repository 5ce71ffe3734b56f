"""Command-line interface: `flask --app wsgi users create`, `demo seed`, `customers import-orders`, ..."""
from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup

from helpdesk.errors import DomainError
from helpdesk.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
tickets_cli = AppGroup("tickets", help="Ticket housekeeping.")
mail_cli = AppGroup("mail", help="E-mail.")
customers_cli = AppGroup("customers", help="Customers: orders from the sales system.")

# Past this many customers with new orders, one full recompute is quicker than one update each.
SCORES_ONE_BY_ONE = 2000


@customers_cli.command("import-orders")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False),
              help="Also write every rejected line (line, reason) to this CSV file.")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1), help="Lines per transaction.")
@click.option("--no-scores", is_flag=True, help="Leave the customers' scores for a later `scores recompute`.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_orders_command(file: str, rejects_path: str | None, batch: int, no_scores: bool, quiet: bool):
    """Import orders from FILE.csv: columns customer_email or customer_external_id, reference,
    ordered_at (ISO date or date-time with offset), amount, currency (optional, EUR). Lines whose
    reference is already imported are skipped, so a second run changes nothing."""
    import csv
    import time

    from helpdesk.customers.orders_import import import_orders_file
    from helpdesk.models import utcnow
    from helpdesk.scores.service import recompute_all, update_customer_scores

    started = time.monotonic()
    out = open(rejects_path, "w", newline="", encoding="utf-8") if rejects_path else None
    try:
        writer = csv.writer(out) if out else None
        if writer:
            writer.writerow(["line", "reason"])
        report = import_orders_file(db.session, file, batch_size=batch, progress=not quiet,
                                    on_reject=(lambda r: writer.writerow([r.line, r.reason])) if writer else None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error.message}")
    finally:
        if out:
            out.close()
    click.echo(f"{report.summary()} in {time.monotonic() - started:.1f} s")
    for rejected in report.rejects:
        click.echo(f"  line {rejected.line}: {rejected.reason}")
    if report.rejected > len(report.rejects):
        click.echo(f"  ... and {report.rejected - len(report.rejects)} more"
                   + (f" (all in {rejects_path})" if rejects_path else " (--rejects FILE lists them all)"))
    elif rejects_path and report.rejected:
        click.echo(f"rejected lines written to {rejects_path}")
    changed = sorted(report.customer_ids)
    if not changed:
        return
    if no_scores:
        click.echo(f"{len(changed)} customer(s) got new orders: run `flask --app wsgi scores recompute` to update their scores")
    elif len(changed) > SCORES_ONE_BY_ONE:
        count = recompute_all(db.session, utcnow(), progress=not quiet)
        click.echo(f"scores recomputed for all {count} customers ({len(changed)} got new orders)")
    else:
        now = utcnow()
        for i, customer_id in enumerate(changed, 1):
            update_customer_scores(db.session, customer_id, now)
            if i % 200 == 0:
                db.session.commit()
        db.session.commit()
        click.echo(f"scores updated for {len(changed)} customer(s)")


@mail_cli.command("send")
def mail_send_command():
    """Deliver the outbox now (the background sweeper does it every pass)."""
    from flask import current_app

    from helpdesk.sla.background import send_outbox

    total = 0
    while (sent := send_outbox(current_app, db.session)):
        total += sent
    click.echo(f"sent {total} message(s)")


# sysexits.h: what an MTA's pipe transport understands. 75 asks it to keep the mail and retry.
EX_TEMPFAIL = 75


@mail_cli.command("ingest")
@click.argument("file", type=click.File("rb"), default="-")
def mail_ingest_command(file):
    """Turn one RFC 5322 message (FILE, or standard input as an MTA pipes it) into a ticket or a
    reply. Exits 0 once the message is stored (processed, ignored or quarantined), 75 (EX_TEMPFAIL)
    when the database is unavailable, so that the MTA delivers it again later."""
    import sys

    from sqlalchemy.exc import OperationalError

    from helpdesk.mail.inbound.service import ingest
    from helpdesk.models import utcnow

    raw = file.read()
    try:
        row = ingest(db.session, raw, source="pipe", now=utcnow())
    except OperationalError as error:  # database down, unreachable or locked past the retries
        try:
            db.session.rollback()
        except Exception:  # the connection is gone; nothing to undo
            pass
        click.echo(f"temporary failure, try again later: {error.orig}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(f"{row.state} inbound e-mail {row.id}" + (f": {row.reason}" if row.reason else "")
               + (f" (ticket {row.ticket_id})" if row.ticket_id else ""))


@mail_cli.command("poll")
def mail_poll_command():
    """Read the configured IMAP mailbox once (IMAP_HOST, IMAP_USERNAME, IMAP_PASSWORD, IMAP_FOLDER)."""
    from flask import current_app

    from helpdesk.mail.inbound.imap import ImapSettings, poll_mailbox

    settings = ImapSettings.from_config(current_app.config)
    if settings is None:
        raise click.ClickException("IMAP_HOST is not set: no mailbox to read")
    report = poll_mailbox(db.session, settings)
    click.echo(report.summary())


@tickets_cli.command("prune-attachments")
def prune_attachments_command():
    """Delete attachment files no ticket refers to (left by failed requests), untouched for 24 h.
    Also done by the background pass, every few hours."""
    from flask import current_app

    from helpdesk.models import utcnow
    from helpdesk.tickets.attachments import attachments_root, prune_orphans

    deleted = prune_orphans(db.session, attachments_root(current_app.instance_path), utcnow())
    click.echo(f"deleted {deleted} unreferenced attachment files")


@tickets_cli.command("auto-close")
def auto_close_command():
    """Close tickets resolved AUTO_CLOSE_DAYS ago or more (also done by the background sweeper)."""
    from flask import current_app

    from helpdesk.sla.background import close_forgotten_resolved

    total = 0
    while (closed := close_forgotten_resolved(current_app, db.session)):
        total += closed
    click.echo(f"closed {total} resolved tickets")


@users_cli.command("create")
@click.option("--email", required=True, help="The user's e-mail (their login).")
@click.option("--role", required=True, type=click.Choice(["customer", "agent", "lead", "admin"]))
@click.option("--name", default=None, help="Display name (default: the e-mail's local part).")
@click.option("--password", default=None, help="Password; asked for when omitted.")
@click.option("--team", "teams", multiple=True, help="Team name (repeatable).")
def create_user_command(email: str, role: str, name: str | None, password: str | None, teams: tuple[str, ...]):
    """Create a user account."""
    from sqlalchemy import select

    from helpdesk.auth.service import create_user
    from helpdesk.models import Team

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    team_ids = []
    for team_name in teams:
        team = db.session.scalar(select(Team).where(Team.name == team_name))
        if team is None:
            raise click.ClickException(f"no team named {team_name!r}")
        team_ids.append(team.id)
    try:
        user = create_user(email=email, role=role, name=name, password=password, team_ids=team_ids)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fields = "; ".join(f"{k}: {v}" for k, v in (error.details.get("fields") or {}).items())
        raise click.ClickException(f"{error.message} {fields}".strip())
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@demo_cli.command("seed")
@click.option("--customers", default=500, show_default=True, type=click.IntRange(0))
@click.option("--tickets", default=3000, show_default=True, type=click.IntRange(0))
@click.option("--articles", default=60, show_default=True, type=click.IntRange(0))
@click.option("--seed", "random_seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def seed_command(customers: int, tickets: int, articles: int, random_seed: int, quiet: bool):
    """Create realistic French demo data (idempotent: a second run changes nothing)."""
    from helpdesk.demo.seed import DEMO_LOGINS, seed_demo

    from helpdesk.models import utcnow
    from helpdesk.scores.service import recompute_all as recompute_scores
    from helpdesk.tickets.counters import backfill_counters
    from helpdesk.sla.bulk import recompute_all_in_processes

    report = seed_demo(customers=customers, tickets=tickets, articles=articles, seed=random_seed, progress=not quiet)
    click.echo(report.summary())
    # The seed writes tickets in bulk; their SLA clocks are computed once here (new tickets only),
    # on every core.
    computed = recompute_all_in_processes(utcnow(), os.cpu_count() or 1, progress=not quiet)
    click.echo(f"SLA clocks computed for {computed} tickets.")
    backfill_counters(db.session)  # the seed writes tickets in bulk: their reply and reopening counts
    db.session.commit()
    scored = recompute_scores(db.session, utcnow(), progress=not quiet)
    click.echo(f"Scores and segments computed for {scored} customers.")
    from knowledge_base.engine import kb  # the seed writes in bulk: index it all once here, on every core

    indexed = kb().rebuild_now(wait=True, procs=os.cpu_count() or 1)
    click.echo(f"Search index built: {indexed.documents.get('articles', 0)} articles, {indexed.documents.get('tickets', 0)} tickets.")
    click.echo("")
    click.echo("Demo logins (password for all: %s):" % DEMO_LOGINS["password"])
    for role, email in DEMO_LOGINS["accounts"]:
        click.echo(f"  {role:<9} {email}")


def register_cli(app: Flask) -> None:
    from helpdesk.promises.cli import promises_cli
    from helpdesk.scores.cli import scores_cli
    from helpdesk.sla.cli import sla_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(scores_cli)
    app.cli.add_command(customers_cli)
    app.cli.add_command(promises_cli)
    from knowledge_base.cli import kb_cli

    app.cli.add_command(kb_cli)
    from helpdesk.status.cli import status_command

    app.cli.add_command(status_command)
