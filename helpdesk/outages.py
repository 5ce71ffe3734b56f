"""Database outages, told apart from bugs: while the database does not answer, requests get 503
(with Retry-After) at once, the log says so once when it starts and once when it ends, and service
resumes by itself when the database answers again.

`is_unreachable(error)` decides from the exception alone (pure). `DatabaseHealth` is this process's
view: `failed(error)` when a request or a background pass met an unreachable database,
`probe(ping, now)` before a request while an outage lasts (at most once per PROBE_EVERY seconds, so
a dead database is not hammered by every request), `recovered()` when it answers again.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import exc as sa_exc

log = logging.getLogger("helpdesk.database")

PROBE_EVERY = 1.0  # seconds between two checks of a database that did not answer
RETRY_AFTER = 5  # seconds, told to API clients

# PostgreSQL SQLSTATEs that mean "the server is not there for you now" (the rest is a query's fault):
# class 08 (connection exception), admin or crash shutdown, cannot connect now, too many connections.
_PG_UNREACHABLE = ("08", "57P01", "57P02", "57P03", "53300")
# What SQLite says when its file cannot be reached (disk gone, folder unmounted, permissions).
_SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error", "database disk image is malformed")


def is_unreachable(error: BaseException) -> bool:
    """True when `error` says the database cannot be reached (down, restarting, network, file gone),
    False for errors of a query itself (a missing table, a constraint, a timeout of one statement)."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        original = error.orig
        module = type(original).__module__ if original is not None else ""
        if module.startswith("psycopg"):
            sqlstate = getattr(original, "sqlstate", None)
            if not isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
                return False
            return sqlstate is None or sqlstate.startswith(_PG_UNREACHABLE)
        if module.startswith("sqlite3"):
            return isinstance(error, sa_exc.OperationalError) and str(original).lower().startswith(_SQLITE_UNREACHABLE)
        return isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)) and "connect" in str(original).lower()
    return False


def _reason(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = " ".join(str(original).split())
    return f"{type(original).__name__}: {text[:200]}"


@dataclass
class DatabaseHealth:
    """This process's view of the database: answering, or in an outage since `since` (monotonic)."""

    clock: Callable[[], float] = time.monotonic
    since: float | None = None
    requests_refused: int = 0
    _last_probe: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        """The database did not answer: the first failure of an outage is logged, the next ones not."""
        with self._lock:
            self._last_probe = self.clock()
            if self.since is not None:
                self.requests_refused += 1
                return
            self.since, self.requests_refused = self._last_probe, 1
        log.error("database unreachable (%s); answering 503 until it is back", _reason(error))

    def should_probe(self) -> bool:
        """During an outage: True when it is time to see whether the database answers again."""
        with self._lock:
            if self.since is None:
                return False
            now = self.clock()
            if now - self._last_probe < PROBE_EVERY:
                self.requests_refused += 1
                return False
            self._last_probe = now
            return True

    def recovered(self) -> None:
        with self._lock:
            if self.since is None:
                return
            lasted, refused = self.clock() - self.since, self.requests_refused
            self.since, self.requests_refused = None, 0
        log.warning("database reachable again after %.1f s (%d requests answered 503 meanwhile)", lasted, refused)

    def probe(self, ping: Callable[[], None]) -> bool:
        """Before a request, during an outage: True when the database answers (the outage is over),
        False when the request should get 503 without trying (it is still down, or was just tried)."""
        if not self.down:
            return True
        if not self.should_probe():
            return False
        try:
            ping()
        except Exception as error:  # still down (or something else: a later request will tell)
            if not is_unreachable(error):
                self.recovered()
                return True
            with self._lock:
                self.requests_refused += 1
            return False
        self.recovered()
        return True


def health_of(app) -> DatabaseHealth:
    """This app's view of its database (one per app: a server process serves one app)."""
    return app.extensions.setdefault("helpdesk.database_health", DatabaseHealth())
