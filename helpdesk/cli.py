"""Command-line interface: `flask --app wsgi users create`, `demo seed`, ..."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from helpdesk.errors import DomainError
from helpdesk.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
tickets_cli = AppGroup("tickets", help="Ticket housekeeping.")
mail_cli = AppGroup("mail", help="E-mail.")


@mail_cli.command("send")
def mail_send_command():
    """Deliver the outbox now (the background sweeper does it every pass)."""
    from flask import current_app

    from helpdesk.sla.background import send_outbox

    total = 0
    while (sent := send_outbox(current_app, db.session)):
        total += sent
    click.echo(f"sent {total} message(s)")


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
    from helpdesk.sla.service import recompute_all

    report = seed_demo(customers=customers, tickets=tickets, articles=articles, seed=random_seed, progress=not quiet)
    click.echo(report.summary())
    # The seed writes tickets in bulk; their SLA clocks are computed once here (new tickets only).
    computed = recompute_all(db.session, utcnow(), progress=not quiet)
    click.echo(f"SLA clocks computed for {computed} tickets.")
    from knowledge_base.engine import kb  # the seed writes in bulk: index it all once here

    indexed = kb().rebuild_now(wait=True)
    click.echo(f"Search index built: {indexed.documents.get('articles', 0)} articles, {indexed.documents.get('tickets', 0)} tickets.")
    click.echo("")
    click.echo("Demo logins (password for all: %s):" % DEMO_LOGINS["password"])
    for role, email in DEMO_LOGINS["accounts"]:
        click.echo(f"  {role:<9} {email}")


def register_cli(app: Flask) -> None:
    from helpdesk.sla.cli import sla_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(sla_cli)
    from knowledge_base.cli import kb_cli

    app.cli.add_command(kb_cli)
