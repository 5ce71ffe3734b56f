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
