"""The migrations build the schema the models describe, on this run's database engine."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrations_and_models_agree(app):
    from helpdesk.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask --app wsgi db migrate`: {diff}"


def test_database_is_at_the_latest_revision(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    from helpdesk.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert set(current) == set(script.get_heads())


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    from sqlalchemy import text

    from helpdesk.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL enforces foreign keys natively; nothing to configure
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_upgrading_a_sqlite_database_keeps_every_row(tmp_path):
    """SQLite migrations rebuild tables by copy (batch mode); with foreign keys enforced, dropping
    the old table would delete or unlink every row pointing at it (messages, phones, team members).
    Data written at an older revision must all be there after upgrading to the latest."""
    from datetime import datetime

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from config import TestingConfig
    from helpdesk import create_app
    from helpdesk.extensions import db

    app = create_app(TestingConfig, INSTANCE_PATH=str(tmp_path), SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/old.db")
    with app.app_context():
        upgrade(revision="0005")
        old = sa.MetaData()
        old.reflect(bind=db.engine)
        rows = {
            "users": {"id": 1, "email": "a@example.com", "name": "Ana", "role": "agent"},
            "teams": {"id": 1, "name": "Support"},
            "team_members": {"team_id": 1, "user_id": 1},
            "customers": {"id": 1, "name": "Léa"},
            "customer_phones": {"id": 1, "customer_id": 1, "number": "+33612345678"},
            "tickets": {"id": 1, "subject": "Box", "customer_id": 1, "team_id": 1, "assignee_id": 1},
            "messages": {"id": 1, "ticket_id": 1, "kind": "reply", "body": "<p>x</p>"},
            "ticket_events": {"id": 1, "ticket_id": 1, "action": "created"},
        }
        with db.engine.begin() as connection:
            for name, values in rows.items():
                table = old.tables[name]
                for column in table.columns:  # what the old schema requires and the row did not say
                    if column.name not in values and not column.nullable and column.server_default is None \
                            and not column.primary_key:
                        values[column.name] = _filler(column.type, datetime(2026, 1, 1))
                connection.execute(table.insert().values(**values))
        upgrade()
        with db.engine.connect() as connection:
            counts = {name: connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar() for name in rows}
            ticket = connection.execute(sa.text("SELECT customer_id, team_id, assignee_id FROM tickets")).one()
        db.engine.dispose()
    assert counts == {name: 1 for name in rows}
    assert tuple(ticket) == (1, 1, 1)


def _filler(kind, moment):
    import sqlalchemy as sa

    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, (sa.Integer, sa.Numeric, sa.Float)):
        return 0
    if isinstance(kind, (sa.DateTime, sa.Date)):
        return moment
    if isinstance(kind, sa.JSON):
        return {}
    return "x"
