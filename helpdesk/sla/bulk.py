"""Every ticket's SLA clocks recomputed on several processes: after a bulk load (the demo seed, an
import), where one process is busy for minutes (13 of them at a million tickets, measured on 2026-12-02).

The tickets are split into as many id ranges as processes; each forked process recomputes its
range in batches, committing each, exactly as `recompute_all` does in one. The database takes one
writer at a time (SQLite's WAL waits up to its busy timeout; PostgreSQL locks only the rows), and the
ranges never overlap, so no ticket is written twice.
"""
from __future__ import annotations

import multiprocessing
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.sla.service import recompute_all

# Below this, starting processes costs more than it saves.
PARALLEL_MIN_TICKETS = 20_000

_app: Flask | None = None  # the app the forked processes run in (set just before forking)


def recompute_all_in_processes(now: datetime, procs: int, *, include_closed: bool = False,
                               batch: int = 2000, progress: bool = False) -> int:
    """`recompute_all` over `procs` processes (inside an app context); the count recomputed.
    `progress`: a progress bar, when it runs in this process (few tickets, or one process)."""
    session = db.session
    first, last = session.execute(select(func.min(Ticket.id), func.max(Ticket.id))).one()
    if procs <= 1 or first is None or last - first + 1 < PARALLEL_MIN_TICKETS:
        return recompute_all(session, now, batch=batch, include_closed=include_closed, progress=progress)
    session.commit()  # nothing of ours pending when the processes start
    step = (last - first) // procs + 1
    ranges = [(first + k * step, min(last, first + (k + 1) * step - 1), now, include_closed, batch)
              for k in range(procs)]
    global _app
    _app = current_app._get_current_object()
    try:
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            return sum(pool.map(_recompute_range, ranges))
    finally:
        _app = None


def _recompute_range(args: tuple) -> int:
    first_id, last_id, now, include_closed, batch = args
    with _app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        try:
            return recompute_all(db.session, now, batch=batch, include_closed=include_closed,
                                 id_range=(first_id, last_id))
        finally:
            db.session.remove()
