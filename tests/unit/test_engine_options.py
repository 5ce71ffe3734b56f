"""The database connections the app opens: psycopg for PostgreSQL, without PostgreSQL's JIT (it
compiled the reports' month-long aggregations for longer than they ran) unless asked for."""
from flask import Flask

from helpdesk import _engine_options


def _options(uri: str, **config) -> tuple[str, dict]:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=uri, **config)
    _engine_options(app)
    return app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_postgresql_connections_run_without_jit_and_keep_other_options():
    uri, options = _options("postgresql://db/helpdesk",
                            SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c statement_timeout=5000"}})
    assert uri == "postgresql+psycopg://db/helpdesk"
    assert options["connect_args"]["options"] == "-c statement_timeout=5000 -c jit=off"


def test_jit_stays_as_the_server_says_when_asked_for():
    _, options = _options("postgresql://db/helpdesk", POSTGRES_JIT=True)
    assert "jit" not in options.get("connect_args", {}).get("options", "")


def test_sqlite_gets_no_postgresql_option():
    _, options = _options("sqlite:///x.db")
    assert options["connect_args"] == {"timeout": 30}


def test_each_process_keeps_its_pool_of_connections_on_both_databases():
    # A burst of requests in flight under the gevent server each hold a connection: with
    # SQLAlchemy's default of 5 kept, every request beyond the fifth opened and closed its own.
    for uri in ("postgresql://db/helpdesk", "sqlite:///x.db"):
        _, options = _options(uri)
        assert (options["pool_size"], options["max_overflow"]) == (20, 10)
    _, options = _options("postgresql://db/helpdesk", DATABASE_POOL_SIZE=8, DATABASE_MAX_OVERFLOW=0)
    assert (options["pool_size"], options["max_overflow"]) == (8, 0)


def test_an_in_memory_sqlite_database_takes_no_pool_size():
    _, options = _options("sqlite://")
    assert "pool_size" not in options


def test_a_pool_class_given_keeps_its_own_arguments():
    from sqlalchemy.pool import NullPool

    _, options = _options("sqlite:///x.db", SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool})
    assert "pool_size" not in options and "max_overflow" not in options
