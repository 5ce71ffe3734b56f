"""Recomputing the open tickets after a policy, calendar or team change, with its progress kept.

A change that concerns few tickets (`inline_max`, SLA_RECOMPUTE_INLINE in the configuration) is
recomputed at once, in the request that made it. A bigger one is queued (an SlaRecompute row,
written in the same transaction as the change) and worked through in the background: started by
the web process as soon as the change commits, and picked up by any background pass (the
server's sweeper or `flask sla worker`) if that process stops before the end. A worker claims a
recompute with a conditional UPDATE and beats its heartbeat after each batch; a recompute whose
heartbeat stopped is taken over where it stopped (the tickets are worked through in id order).
Recomputing a ticket twice is harmless: it is a pure function of the ticket and the rules.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from helpdesk.models import SlaRecompute, Ticket
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.sla.service import concerned_by, load_sla_context, refresh_sla_for_tickets

log = logging.getLogger(__name__)

INLINE_MAX = 500  # tickets recomputed within the request; more go to the background
BATCH = 500
STALE_AFTER = timedelta(minutes=2)  # a running recompute without a heartbeat for this long is taken over
_QUEUED_KEY = "helpdesk.sla_recomputes_queued"
_REQUESTED_KEY = "helpdesk.sla_recomputes_requested"


def configured_inline_max() -> int:
    """This app's SLA_RECOMPUTE_INLINE (what the pages and the API pass as `inline_max`)."""
    from flask import current_app

    return int(current_app.config.get("SLA_RECOMPUTE_INLINE", INLINE_MAX))


def _where(session: Session, scope: dict):
    return and_(Ticket.status.in_(OPEN_STATUSES), concerned_by(load_sla_context(session), scope))


def request_recompute(session: Session, scope: dict, label: str, now: datetime, *, actor=None,
                      inline_max: int = INLINE_MAX) -> SlaRecompute:
    """Recompute the open tickets `scope` concerns (see sla.service.concerned_by): at once when they
    are `inline_max` or fewer, else queued for the background. Flushes, never commits. Returns the
    recompute, "done" or "queued"."""
    session.flush()
    where = _where(session, scope)
    total = session.scalar(select(func.count()).select_from(Ticket).where(where)) or 0
    job = SlaRecompute(label=label[:300], scope=scope, total=total, done=0, last_ticket_id=0, requested_at=now,
                       requested_by_id=getattr(actor, "id", None), state="queued")
    if total <= inline_max:
        ids = list(session.scalars(select(Ticket.id).where(where).order_by(Ticket.id)))
        if ids:
            refresh_sla_for_tickets(session, ids, now)
        job.state, job.done, job.started_at, job.finished_at = "done", len(ids), now, now
        job.last_ticket_id = ids[-1] if ids else 0
    session.add(job)
    session.flush()
    session.info.setdefault(_REQUESTED_KEY, []).append(job)
    if job.state == "queued":
        session.info.setdefault(_QUEUED_KEY, []).append(job.id)
    return job


def requested_in(session: Session) -> list[SlaRecompute]:
    """The recomputes requested in this transaction so far (for the page that made the change)."""
    return list(session.info.get(_REQUESTED_KEY, ()))


def claim(session: Session, job_id: int, now: datetime) -> bool:
    """Take a queued recompute, or a running one whose heartbeat stopped. Commits. True if ours."""
    result = session.execute(
        update(SlaRecompute)
        .where(SlaRecompute.id == job_id,
               or_(SlaRecompute.state == "queued",
                   and_(SlaRecompute.state == "running", SlaRecompute.heartbeat_at < now - STALE_AFTER)))
        .values(state="running", heartbeat_at=now,
                started_at=func.coalesce(SlaRecompute.started_at, now))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def run(session: Session, job_id: int, clock: Callable[[], datetime], *, batch: int = BATCH) -> bool:
    """Work a recompute through to the end if it can be claimed (committing after each batch, so its
    progress shows). False when another worker has it or it is finished. A failure is logged, and the
    recompute marked "failed" with the error."""
    if not claim(session, job_id, clock()):
        return False
    job = session.get(SlaRecompute, job_id)
    try:
        while True:
            now = clock()
            page = select(Ticket.id).where(_where(session, job.scope), Ticket.id > job.last_ticket_id) \
                .order_by(Ticket.id).limit(batch)
            ids = list(session.scalars(page))
            if not ids:
                break
            refresh_sla_for_tickets(session, ids, now)
            job.done, job.last_ticket_id, job.heartbeat_at = job.done + len(ids), ids[-1], now
            session.commit()
        job.state, job.finished_at = "done", clock()
        job.total = max(job.total, job.done)
        session.commit()
    except Exception as exc:
        log.exception("SLA recompute %s failed", job_id)
        session.rollback()
        job = session.get(SlaRecompute, job_id)
        job.state, job.finished_at, job.error = "failed", clock(), f"{type(exc).__name__}: {exc}"[:500]
        session.commit()
    return True


def run_pending(session: Session, clock: Callable[[], datetime]) -> int:
    """Every queued recompute, and every running one whose worker stopped: the background pass's
    part. Returns how many this call worked through."""
    stale = clock() - STALE_AFTER
    ids = list(session.scalars(select(SlaRecompute.id).where(
        or_(SlaRecompute.state == "queued",
            and_(SlaRecompute.state == "running", SlaRecompute.heartbeat_at < stale))).order_by(SlaRecompute.id)))
    session.rollback()
    return sum(1 for job_id in ids if run(session, job_id, clock))


def in_progress(session: Session) -> list[SlaRecompute]:
    """Recomputes not finished yet, oldest first (for the admin pages)."""
    return list(session.scalars(select(SlaRecompute).where(SlaRecompute.state.in_(("queued", "running")))
                                .order_by(SlaRecompute.id)))


def as_json(job: SlaRecompute) -> dict:
    def iso(moment):
        return moment.isoformat() if moment is not None else None

    return {"id": job.id, "label": job.label, "state": job.state, "total": job.total, "done": job.done,
            "percent": 100 if job.state == "done" else (min(99, job.done * 100 // job.total) if job.total else 0),
            "requested_at": iso(job.requested_at), "started_at": iso(job.started_at),
            "finished_at": iso(job.finished_at), "error": job.error}


@event.listens_for(Session, "after_commit")
def _start_queued(session: Session) -> None:
    """Once the change that queued recomputes is committed, this process starts them in the
    background (when background work is on; otherwise the workers' pass picks them up)."""
    session.info.pop(_REQUESTED_KEY, None)
    queued = session.info.pop(_QUEUED_KEY, None)
    if not queued:
        return
    from flask import current_app, has_app_context

    if not has_app_context() or not current_app.config.get("BACKGROUND_TASKS"):
        return
    from helpdesk.extensions import socketio

    app = current_app._get_current_object()
    for job_id in queued:
        socketio.start_background_task(_run_in_app, app, job_id)


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED_KEY, None)
    session.info.pop(_REQUESTED_KEY, None)


def _run_in_app(app, job_id: int) -> None:
    from helpdesk.extensions import db
    from helpdesk.models.types import utcnow

    with app.app_context():
        try:
            run(db.session, job_id, utcnow)
        finally:
            db.session.remove()
