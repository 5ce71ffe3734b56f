"""Service recovery: the follow-up a bad survey answer opens for the team lead, due one business day
later on the team's calendar, closed with an outcome and a note; overdue ones are flagged once."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from helpdesk.errors import Conflict, FieldErrors, Invalid, NotFound
from helpdesk.models import Customer, FollowUp, Interaction, SurveyResponse, Ticket
from helpdesk.models.surveys import FOLLOW_UP_OUTCOMES
from helpdesk.permissions import require
from helpdesk.promises.service import keep_customer_promises
from helpdesk.realtime.events import LEADS_ROOM, emit_after_commit
from helpdesk.sla.calendar import add_business_days
from helpdesk.sla.service import load_sla_context
from helpdesk.surveys.rules import follow_up_overdue

MAX_NOTE = 4000


def open_follow_up(session: Session, response: SurveyResponse, ticket: Ticket | None, reasons: list[str],
                   now: datetime) -> FollowUp:
    """Open the follow-up and tell the leads at once (`survey:negative`, after commit)."""
    team_id = ticket.team_id if ticket is not None else None
    hours = load_sla_context(session).hours_for(None, team_id)
    follow_up = FollowUp(customer_id=response.customer_id, ticket_id=response.ticket_id, response_id=response.id,
                         team_id=team_id, reasons=list(reasons), state="open", due_at=add_business_days(hours, now, 1),
                         created_at=now)
    session.add(follow_up)
    session.flush()
    customer = session.get(Customer, response.customer_id)
    emit_after_commit(session, "survey:negative", {
        "follow_up_id": follow_up.id, "customer_id": response.customer_id, "customer_name": customer.name if customer else None,
        "ticket_id": response.ticket_id, "ticket_number": ticket.number if ticket is not None else None,
        "team_id": team_id, "reasons": follow_up.reasons, "csat": response.csat, "effort": response.effort,
        "nps": response.nps, "comment": (response.comment or "")[:280], "due_at": follow_up.due_at.isoformat(),
    }, [LEADS_ROOM])
    return follow_up


def get_follow_up(session: Session, user, follow_up_id: int) -> FollowUp:
    follow_up = session.scalar(
        select(FollowUp).where(FollowUp.id == follow_up_id)
        .options(joinedload(FollowUp.customer), joinedload(FollowUp.ticket), joinedload(FollowUp.response),
                 joinedload(FollowUp.closed_by))
    )
    if follow_up is None:
        raise NotFound(_("Ce rappel n'existe pas."))
    require(user, "follow_up.view", follow_up, hide=True)
    return follow_up


def close_follow_up(session: Session, actor, follow_up_id: int, data: dict, now: datetime) -> FollowUp:
    """Close with an outcome (called back, commercial gesture, no answer, other) and a note; the
    outcome goes on the customer's timeline."""
    follow_up = get_follow_up(session, actor, follow_up_id)
    require(actor, "follow_up.close", follow_up)
    errors = FieldErrors()
    outcome = data.get("outcome")
    if outcome not in FOLLOW_UP_OUTCOMES:
        errors.add("outcome", "not_a_choice", choices=list(FOLLOW_UP_OUTCOMES))
    note = data.get("note")
    if not isinstance(note, str) or not note.strip():
        errors["note"] = "required"
    elif len(note) > MAX_NOTE:
        errors.add("note", "too_long", max_length=MAX_NOTE)
    if errors:
        raise Invalid(errors)
    if follow_up.state != "open":
        raise Conflict(_("Ce rappel est déjà clôturé."), code="already_closed")
    follow_up.state = "closed"
    follow_up.outcome = outcome
    follow_up.note = note.strip()
    follow_up.closed_by_id = actor.id
    follow_up.closed_at = now
    session.add(Interaction(
        customer_id=follow_up.customer_id, kind="follow_up", channel="phone" if outcome == "called_back" else "system",
        direction="out", occurred_at=now, ticket_id=follow_up.ticket_id, agent_id=actor.id,
        summary=f"{outcome_label(outcome)} — {follow_up.note}"[:500],
        data={"follow_up_id": follow_up.id, "outcome": outcome},
    ))
    if outcome == "called_back":  # a logged call-back: what was promised to the customer is kept
        keep_customer_promises(session, follow_up.customer_id, now, now, "call")
    emit_after_commit(session, "follow_up:closed", {"follow_up_id": follow_up.id, "customer_id": follow_up.customer_id,
                                                    "outcome": outcome}, [LEADS_ROOM])
    return follow_up


def outcome_label(outcome: str) -> str:
    return {
        "called_back": _("Client rappelé"),
        "commercial_gesture": _("Geste commercial"),
        "no_answer": _("Pas de réponse"),
        "other": _("Autre suite"),
    }.get(outcome, outcome)


def reason_label(reason: str) -> str:
    return {"csat": _("satisfaction basse"), "effort": _("effort élevé"), "nps": _("détracteur (NPS)")}.get(reason, reason)


def open_follow_ups(session: Session, *, limit: int = 100) -> list[FollowUp]:
    """Open follow-ups, soonest due first (the lead dashboard)."""
    return list(session.scalars(
        select(FollowUp).where(FollowUp.state == "open")
        .options(joinedload(FollowUp.customer), joinedload(FollowUp.ticket), joinedload(FollowUp.response))
        .order_by(FollowUp.due_at, FollowUp.id).limit(limit)
    ))


def claim_overdue(session: Session, now: datetime, *, batch: int = 500) -> list[int]:
    """Flag open follow-ups past due, each exactly once however many workers run (the UPDATE only
    takes rows not flagged yet), and tell the leads. Flushes; the caller commits."""
    ids = list(session.scalars(
        select(FollowUp.id).where(FollowUp.state == "open", FollowUp.overdue_at.is_(None), FollowUp.due_at <= now)
        .order_by(FollowUp.due_at).limit(batch)
    ))
    claimed = []
    for follow_up_id in ids:
        result = session.execute(
            update(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.overdue_at.is_(None))
            .values(overdue_at=now).execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(follow_up_id)
    if claimed:
        rows = session.execute(
            select(FollowUp.id, FollowUp.customer_id, FollowUp.ticket_id, FollowUp.team_id, FollowUp.due_at)
            .where(FollowUp.id.in_(claimed))
        ).all()
        for row in rows:
            emit_after_commit(session, "follow_up:overdue", {
                "follow_up_id": row.id, "customer_id": row.customer_id, "ticket_id": row.ticket_id,
                "team_id": row.team_id, "due_at": row.due_at.isoformat(),
            }, [LEADS_ROOM])
    return claimed


def is_overdue(follow_up: FollowUp, now: datetime) -> bool:
    return follow_up_overdue(follow_up.state, follow_up.due_at, follow_up.overdue_at, now)
