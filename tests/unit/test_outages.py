"""Database outages told apart from a query's own errors, and logged once when they start and end."""
import logging
import sqlite3

import psycopg
import pytest
from sqlalchemy import exc as sa_exc

from helpdesk.outages import DatabaseHealth, PROBE_EVERY, is_unreachable


def _wrapped(kind, original):
    return kind("SELECT 1", {}, original)


@pytest.mark.parametrize("error, unreachable", [
    (_wrapped(sa_exc.OperationalError, sqlite3.OperationalError("unable to open database file")), True),
    (_wrapped(sa_exc.OperationalError, sqlite3.OperationalError("disk I/O error")), True),
    (_wrapped(sa_exc.OperationalError, sqlite3.OperationalError("no such table: tickets")), False),
    (_wrapped(sa_exc.OperationalError, sqlite3.OperationalError("database is locked")), False),
    (_wrapped(sa_exc.IntegrityError, sqlite3.IntegrityError("UNIQUE constraint failed")), False),
    (_wrapped(sa_exc.OperationalError, psycopg.OperationalError("connection refused")), True),
    (_wrapped(sa_exc.OperationalError, psycopg.errors.AdminShutdown("terminating connection")), True),
    (_wrapped(sa_exc.OperationalError, psycopg.errors.QueryCanceled("statement timeout")), False),
    (_wrapped(sa_exc.ProgrammingError, psycopg.errors.UndefinedTable("no table")), False),
    (ValueError("not a database error"), False),
])
def test_an_unreachable_database_is_told_apart_from_a_querys_error(error, unreachable):
    assert is_unreachable(error) is unreachable


def test_an_invalidated_connection_is_an_outage():
    error = _wrapped(sa_exc.OperationalError, psycopg.errors.UndefinedTable("x"))
    error.connection_invalidated = True
    assert is_unreachable(error)


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog):
    now = [100.0]
    health = DatabaseHealth(clock=lambda: now[0])
    error = _wrapped(sa_exc.OperationalError, psycopg.OperationalError("connection refused"))
    caplog.set_level(logging.WARNING, logger="helpdesk.database")
    for _ in range(50):
        health.failed(error)
    assert health.down and len(caplog.records) == 1 and "unreachable" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is None  # one line, no traceback
    # Probed at most once per PROBE_EVERY: requests in between are refused without trying.
    calls = []

    def still_down():
        calls.append(now[0])
        raise error

    assert health.probe(still_down) is False and calls == []  # just failed: not yet
    now[0] += PROBE_EVERY
    assert health.probe(still_down) is False and len(calls) == 1
    assert health.probe(still_down) is False and len(calls) == 1
    now[0] += PROBE_EVERY
    assert health.probe(lambda: None) is True and not health.down
    assert len(caplog.records) == 2 and "reachable again" in caplog.records[1].getMessage()
    assert health.probe(lambda: None) is True and len(caplog.records) == 2  # nothing more to say
