"""Heartbeats: each process says it is alive (kind, host, pid), and anyone can ask who is.

A process beats about every BEAT_EVERY seconds; one that has not beaten for STALE_AFTER is taken
for dead (a worker stopped, crashed or stuck). Functions take the session and `now`; `beat`
commits its own short transaction, so it never rides on (or rolls back with) the caller's work.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from helpdesk.models import Heartbeat

BEAT_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(seconds=90)  # three beats missed
FORGET_AFTER = timedelta(days=1)  # rows of processes gone that long are deleted


def this_process() -> tuple[str, int]:
    return socket.gethostname()[:120], os.getpid()


def beat(session: Session, kind: str, now: datetime, details: dict | None = None,
         process: tuple[str, int] | None = None) -> None:
    """Say that this process (or `process`) of `kind` is alive now; commits."""
    host, pid = process or this_process()
    values = {"beat_at": now, "details": details or {}}
    changed = session.execute(update(Heartbeat).where(Heartbeat.kind == kind, Heartbeat.host == host,
                                                      Heartbeat.pid == pid).values(**values)
                              .execution_options(synchronize_session=False)).rowcount
    if not changed:
        session.add(Heartbeat(kind=kind, host=host, pid=pid, started_at=now, **values))
    session.execute(delete(Heartbeat).where(Heartbeat.beat_at < now - FORGET_AFTER))
    session.commit()


def stop(session: Session, kind: str, process: tuple[str, int] | None = None) -> None:
    """A process stopping cleanly says so (its row goes): no one waits for it to go stale."""
    host, pid = process or this_process()
    session.execute(delete(Heartbeat).where(Heartbeat.kind == kind, Heartbeat.host == host, Heartbeat.pid == pid))
    session.commit()


@dataclass(frozen=True)
class Process:
    kind: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
    details: dict
    alive: bool
    seconds_since_beat: int


def processes(session: Session, now: datetime) -> list[Process]:
    """Every process that beat within FORGET_AFTER, by kind then host and pid."""
    rows = session.scalars(select(Heartbeat).order_by(Heartbeat.kind, Heartbeat.host, Heartbeat.pid))
    return [Process(r.kind, r.host, r.pid, r.started_at, r.beat_at, r.details or {}, now - r.beat_at <= STALE_AFTER,
                    int((now - r.beat_at).total_seconds())) for r in rows]


def alive(session: Session, kind: str, now: datetime, *, other_than: tuple[str, int] | None = None) -> bool:
    """True when a process of `kind` (other than `other_than`) beat within STALE_AFTER."""
    query = select(Heartbeat.id).where(Heartbeat.kind == kind, Heartbeat.beat_at > now - STALE_AFTER)
    if other_than is not None:
        query = query.where((Heartbeat.host != other_than[0]) | (Heartbeat.pid != other_than[1]))
    return session.scalar(query.limit(1)) is not None
