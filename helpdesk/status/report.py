"""The state of the deployment in one report: the database and Redis (do they answer, how fast),
each process's last heartbeat, whether the background work and the search indexing are being done
(and by whom), the mail queue, the search index's lag, the SLA recomputes under way.

`gather()` reads it (each part measured apart: one part failing leaves the others); `problems()`
says, as codes, what needs a person (the CLI exits non-zero on them, the page shows them first).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from helpdesk.status.heartbeats import Process, processes


@dataclass(frozen=True)
class Check:
    ok: bool
    ms: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class StatusReport:
    at: datetime
    database: Check
    redis: Check | None  # None: not configured (one process, live events stay in it)
    processes: list[Process] = field(default_factory=list)
    background_by: str = "none"  # "worker", "web" (a server process covers), "none"
    search_worker: bool = False
    search_journal_bytes: int = 0
    search_state: str = "unknown"
    mail_unsent: int = 0
    mail_oldest_unsent_minutes: int | None = None
    mail_failed: int = 0
    recomputes_running: int = 0

    def problems(self) -> list[str]:
        """What needs a person, as codes: database_down, redis_down, no_background_work,
        mail_backlog (unsent mail older than 15 minutes), mail_failed, search_index_<state>."""
        found = []
        if not self.database.ok:
            found.append("database_down")
        if self.redis is not None and not self.redis.ok:
            found.append("redis_down")
        if self.database.ok and self.background_by == "none":
            found.append("no_background_work")
        if self.mail_oldest_unsent_minutes is not None and self.mail_oldest_unsent_minutes > 15:
            found.append("mail_backlog")
        if self.mail_failed:
            found.append("mail_failed")
        if self.search_state not in ("ok", "unknown"):
            found.append(f"search_index_{self.search_state}")
        return found

    def as_json(self) -> dict:
        def check(c: Check | None):
            return None if c is None else {"ok": c.ok, "ms": c.ms, "error": c.error}

        return {
            "at": self.at.isoformat(), "database": check(self.database), "redis": check(self.redis),
            "processes": [{"kind": p.kind, "host": p.host, "pid": p.pid, "started_at": p.started_at.isoformat(),
                           "beat_at": p.beat_at.isoformat(), "seconds_since_beat": p.seconds_since_beat,
                           "alive": p.alive, "details": p.details} for p in self.processes],
            "background_by": self.background_by,
            "search": {"worker": self.search_worker, "journal_bytes": self.search_journal_bytes,
                       "state": self.search_state},
            "mail": {"unsent": self.mail_unsent, "oldest_unsent_minutes": self.mail_oldest_unsent_minutes,
                     "failed": self.mail_failed},
            "recomputes_running": self.recomputes_running, "problems": self.problems(),
        }


def _timed(fn) -> Check:
    started = time.perf_counter()
    try:
        fn()
    except Exception as exc:  # the check is what failed: say how
        return Check(False, None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
    return Check(True, round((time.perf_counter() - started) * 1000, 1))


def gather(session: Session, now: datetime, *, redis_url: str | None, search_store=None) -> StatusReport:
    """The report as of `now`. The background work is done by a worker that beats, else by a server
    process that beats and covers for it (a lone server always does it), else by no one."""
    from helpdesk.models import OutboxMessage, SlaRecompute

    database = _timed(lambda: session.execute(text("SELECT 1")))
    redis = None
    if redis_url:
        def ping():
            import redis as redis_lib

            client = redis_lib.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
            try:
                client.ping()
            finally:
                client.close()

        redis = _timed(ping)
    report = dict(at=now, database=database, redis=redis)
    if search_store is not None:
        from knowledge_base.index import lock_is_held

        try:
            report.update(search_worker=lock_is_held(search_store.worker_lock_path),
                          search_journal_bytes=search_store.journal_size(), search_state=search_store.health().state)
        except Exception:  # an unreadable index folder is itself the news
            report.update(search_state="unreadable")
    if not database.ok:
        session.rollback()
        return StatusReport(**report)
    procs = processes(session, now)
    if any(p.alive and p.kind == "background" for p in procs):
        background_by = "worker"
    elif any(p.alive and p.kind == "web" and p.details.get("covering", True) for p in procs):
        background_by = "web"
    else:
        background_by = "none"
    unsent = (OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
    count, oldest = session.execute(select(func.count(), func.min(OutboxMessage.created_at)).where(*unsent)).one()
    failed = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.failed_at.is_not(None), OutboxMessage.sent_at.is_(None))) or 0
    running = session.scalar(select(func.count()).select_from(SlaRecompute).where(
        SlaRecompute.state.in_(("queued", "running")))) or 0
    session.rollback()
    return StatusReport(**report, processes=procs, background_by=background_by, mail_unsent=count or 0,
                        mail_oldest_unsent_minutes=int((now - oldest).total_seconds() // 60) if oldest else None,
                        mail_failed=failed, recomputes_running=running)


def gather_for(app, session: Session, now: datetime) -> StatusReport:
    """gather() with this app's settings (Redis, the search index, who does the background work)."""
    search_store = None
    try:
        from knowledge_base.engine import kb

        search_store = kb().store
    except Exception:  # no knowledge base in this app (a unit test's)
        pass
    return gather(session, now, redis_url=app.config.get("REDIS_URL"), search_store=search_store)
