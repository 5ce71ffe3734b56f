"""The SLA sweep: announce each warning and breach exactly once, however many sweeps run at the same time.

A pass finds due clocks with one indexed query per kind, then, batch by batch, claims them with a
conditional UPDATE ... RETURNING (only rows still unclaimed come back), and in the same transaction
writes what follows: audit events, escalations, e-mails to leads (outbox rows), the tickets' SLA
columns and the live events (sent after commit). A crash rolls back a whole batch, claims included,
so the next sweep picks it up again.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from helpdesk.models import OutboxMessage, SlaClock, Ticket, TicketEvent, User, team_members
from helpdesk.models.tickets import PRIORITIES
from helpdesk.models.users import STAFF_ROLES
from helpdesk.realtime.events import LEADS_ROOM, STAFF_ROOM, emit_after_commit, team_room, ticket_room, user_room
from helpdesk.sla.clock import BREACHED, RUNNING, WARNING
from helpdesk.sla.service import SlaContext, load_sla_context, refresh_sla_for_tickets, settle_ticket_columns
from helpdesk.tickets.lifecycle import event_values

log = logging.getLogger(__name__)

_clocks = SlaClock.__table__
ESCALATION_ACTIONS = ("raise_priority", "reassign", "notify")
# A lead with more breaches than this in one batch (a backlog after an outage, a policy tightened)
# gets one digest listing them instead of a mail each; the digest shows at most DIGEST_LINES.
DIGEST_AFTER = 5
DIGEST_LINES = 50
_METRIC_LABELS = {
    "fr": {"first_response": "première réponse", "next_response": "réponse suivante", "resolution": "résolution"},
    "en": {"first_response": "first response", "next_response": "next response", "resolution": "resolution"},
}


@dataclass
class SweepReport:
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    batches: int = 0

    def summary(self) -> str:
        return f"{self.warnings} warning(s), {self.breaches} breach(es), {self.escalations} escalation(s)"


@dataclass(frozen=True)
class Claim:
    """A warning or breach this sweep won: it alone acts on it."""

    clock_id: int
    ticket_id: int
    metric: str
    due_at: datetime | None
    kind: str  # "warning" | "breached"


@dataclass(frozen=True)
class _Person:
    id: int
    email: str
    name: str
    locale: str
    role: str
    active: bool


@dataclass
class _Writes:
    """Rows a batch adds, written with one bulk INSERT per table (no unit-of-work bookkeeping)."""

    events: list[dict] = field(default_factory=list)
    mails: list[dict] = field(default_factory=list)
    changed_tickets: set[int] = field(default_factory=set)  # by an escalation


@dataclass
class _Staff:
    """People the sweep writes to, loaded once per pass."""

    leads: list[_Person]
    lead_teams: dict[int, set[int]]
    people: dict[int, _Person] = field(default_factory=dict)

    def leads_of(self, team_id: int | None) -> list[_Person]:
        """Leads who belong to the ticket's team; every lead when the team has none."""
        own = [p for p in self.leads if team_id is not None and team_id in self.lead_teams.get(p.id, ())]
        return own or self.leads


def sweep(session: Session, now: datetime, *, batch: int = 1000, base_url: str = "") -> SweepReport:
    """One pass: claim and act on every warning and breach due at `now`. Commits after each batch.
    `base_url` (the BASE_URL setting) makes the links in the e-mails."""
    report = SweepReport()
    ctx: SlaContext | None = None
    staff: _Staff | None = None
    while True:
        warnings = _warning_candidates(session, now, batch)
        breaches = _breach_candidates(session, now, batch)
        if not warnings and not breaches:
            break
        if ctx is None:
            ctx = load_sla_context(session)
            staff = _load_staff(session, ctx)
        try:
            claimed, escalations = _run_batch(session, now, warnings, breaches, ctx, staff, base_url.rstrip("/"))
            session.commit()
        except BaseException:
            session.rollback()
            raise
        report.batches += 1
        report.warnings += sum(1 for c in claimed if c.kind == "warning")
        report.breaches += sum(1 for c in claimed if c.kind == "breached")
        report.escalations += escalations
        if not claimed:
            break  # another sweep won them all; it will carry on with the rest
    return report


def _warning_candidates(session: Session, now: datetime, limit: int) -> list[tuple[int, int]]:
    # Past its due time too? Then it is a breach, and warning as well would only add noise.
    stmt = (
        select(_clocks.c.id, _clocks.c.ticket_id)
        .where(_clocks.c.state == RUNNING, _clocks.c.warn_at <= now, _clocks.c.due_at > now,
               _clocks.c.warned_at.is_(None), _clocks.c.stopped_at.is_(None))
        .order_by(_clocks.c.warn_at)
        .limit(limit)
    )
    return [tuple(r) for r in session.execute(stmt)]


def _breach_candidates(session: Session, now: datetime, limit: int) -> list[tuple[int, int]]:
    stmt = (
        select(_clocks.c.id, _clocks.c.ticket_id)
        .where(_clocks.c.state.in_((RUNNING, WARNING)), _clocks.c.due_at <= now,
               _clocks.c.breached_at.is_(None), _clocks.c.stopped_at.is_(None))
        .order_by(_clocks.c.due_at)
        .limit(limit)
    )
    return [tuple(r) for r in session.execute(stmt)]


def _run_batch(
    session: Session,
    now: datetime,
    warnings: Sequence[tuple[int, int]],
    breaches: Sequence[tuple[int, int]],
    ctx: SlaContext,
    staff: _Staff,
    base_url: str,
) -> tuple[list[Claim], int]:
    ticket_ids = sorted({t for _, t in warnings} | {t for _, t in breaches})
    # Lock the ticket rows first, in id order, as a user's save does (ticket, then its clocks): two
    # sweeps, or a sweep and a save, then queue up instead of deadlocking. FOR NO KEY UPDATE still lets
    # others insert messages referencing the ticket. SQLite has no row locks: there the claim's UPDATE
    # takes the database write lock, which serialises sweeps anyway.
    lock = select(Ticket.id).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id).with_for_update(key_share=True)
    session.execute(lock).all()
    claimed = _claim(session, now, [c for c, _ in warnings], "warning")
    claimed += _claim(session, now, [c for c, _ in breaches], "breached")
    if not claimed:
        return [], 0

    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_({c.ticket_id for c in claimed})))}
    _remember_people(session, staff, {t.assignee_id for t in tickets.values() if t.assignee_id is not None})
    policy_of = {t.id: t.sla_policy_id for t in tickets.values()}
    writes = _Writes()
    breached_for: dict[_Person, list[tuple[Claim, Ticket]]] = defaultdict(list)
    escalations = 0
    for claim in claimed:
        ticket = tickets[claim.ticket_id]
        writes.events.append(_audit_event(claim, ticket, now))
        _announce(session, claim, ticket)
        if claim.kind == "breached":
            for person in staff.leads_of(ticket.team_id):
                breached_for[person].append((claim, ticket))
    for person, items in breached_for.items():
        if len(items) > DIGEST_AFTER:
            writes.mails.append(_digest(person, items, now, base_url))
        else:
            writes.mails += [_mail(person, claim, ticket, now, "breached", base_url) for claim, ticket in items]
    for claim in claimed:
        # After the announcements: they name the assignee and team the ticket had when it went due.
        policy = ctx.policies_by_id.get(policy_of[claim.ticket_id])
        for rule in policy.escalations if policy else ():
            if _rule_applies(rule, claim):
                escalations += _escalate(rule, claim, tickets[claim.ticket_id], ctx, staff, now, base_url, writes)
    session.flush()  # escalations changed tickets
    if writes.events:
        session.execute(insert(TicketEvent), writes.events)
    if writes.mails:
        session.execute(insert(OutboxMessage), writes.mails)
    # A raised priority or another team may bring another policy: those tickets are recomputed. The
    # others only show their clocks' new states (claims never move a due time).
    refresh_sla_for_tickets(session, sorted(writes.changed_tickets), now, ctx)
    settle_ticket_columns(session, [t for t in tickets if t not in writes.changed_tickets], ctx)
    # Queues and open ticket pages redraw: badges changed, and escalations may have moved the ticket.
    for ticket_id, ticket in tickets.items():
        rooms = [STAFF_ROOM, ticket_room(ticket_id)] + ([team_room(ticket.team_id)] if ticket.team_id else [])
        emit_after_commit(session, "ticket:updated", {"ticket_id": ticket_id, "number": ticket.number, "reason": "sla"}, rooms)
    return claimed, escalations


def _claim(session: Session, now: datetime, clock_ids: list[int], kind: str) -> list[Claim]:
    """Conditional UPDATE ... RETURNING: a row claimed by someone else no longer matches and is skipped."""
    if not clock_ids:
        return []
    if kind == "warning":
        stmt = (
            update(_clocks)
            .where(_clocks.c.id.in_(clock_ids), _clocks.c.state == RUNNING, _clocks.c.warn_at <= now,
                   _clocks.c.due_at > now, _clocks.c.warned_at.is_(None), _clocks.c.stopped_at.is_(None))
            .values(warned_at=now, state=WARNING)
        )
    else:
        stmt = (
            update(_clocks)
            .where(_clocks.c.id.in_(clock_ids), _clocks.c.state.in_((RUNNING, WARNING)), _clocks.c.due_at <= now,
                   _clocks.c.breached_at.is_(None), _clocks.c.stopped_at.is_(None))
            .values(breached_at=now, state=BREACHED)
        )
    rows = session.execute(stmt.returning(_clocks.c.id, _clocks.c.ticket_id, _clocks.c.metric, _clocks.c.due_at))
    claims = [Claim(r.id, r.ticket_id, r.metric, r.due_at, kind) for r in rows]
    return sorted(claims, key=lambda c: c.clock_id)


# --- what follows a claim -----------------------------------------------------------------------------


def _audit_event(claim: Claim, ticket: Ticket, now: datetime) -> dict:
    data = {"metric": claim.metric, "due_at": _iso(claim.due_at), "clock_id": claim.clock_id,
            "policy_id": ticket.sla_policy_id}
    action = "sla_warning" if claim.kind == "warning" else "sla_breached"
    return {"ticket_id": ticket.id, **event_values(None, action, now, claim.metric, None, _iso(claim.due_at), data)}


def _announce(session: Session, claim: Claim, ticket: Ticket) -> None:
    rooms = [LEADS_ROOM]
    if ticket.team_id is not None:
        rooms.insert(0, team_room(ticket.team_id))
    if ticket.assignee_id is not None:
        rooms.insert(0, user_room(ticket.assignee_id))
    payload = {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "metric": claim.metric,
        "due_at": _iso(claim.due_at),
        "state": claim.kind,
    }
    emit_after_commit(session, "sla:warning" if claim.kind == "warning" else "sla:breached", payload, rooms)


def _ticket_url(base_url: str, ticket: Ticket) -> str:
    return f"{base_url}/console/tickets/{ticket.id}"


def _mail(person: _Person, claim: Claim, ticket: Ticket, now: datetime, reason: str, base_url: str) -> dict:
    lang = "en" if person.locale == "en" else "fr"
    metric = _METRIC_LABELS[lang].get(claim.metric, claim.metric)
    due = claim.due_at.strftime("%Y-%m-%d %H:%M UTC") if claim.due_at else "-"
    number = ticket.display_number
    if lang == "fr":
        what = "dépassé" if claim.kind == "breached" else "bientôt dépassé"
        subject = f"[SLA] Ticket {number} : délai de {metric} {what}"
        body = (f"Bonjour {person.name},\n\nLe délai de {metric} du ticket {number} « {ticket.subject} » "
                f"est {what} (échéance : {due}).\n\n{_ticket_url(base_url, ticket)}\n")
    else:
        what = "breached" if claim.kind == "breached" else "about to breach"
        subject = f"[SLA] Ticket {number}: {metric} {what}"
        body = (f"Hello {person.name},\n\nThe {metric} target of ticket {number} \"{ticket.subject}\" "
                f"is {what} (due: {due}).\n\n{_ticket_url(base_url, ticket)}\n")
    headers = {"X-Helpdesk-Ticket": str(ticket.id), "X-Helpdesk-Event": f"sla_{claim.kind}", "X-Helpdesk-Reason": reason}
    return _outbox(person, subject, body, headers, now)


def _digest(person: _Person, items: Sequence[tuple[Claim, Ticket]], now: datetime, base_url: str) -> dict:
    """One mail for many breaches: each ticket on a line with its link, then where to see them all."""
    lang = "en" if person.locale == "en" else "fr"
    lines = []
    for claim, ticket in items[:DIGEST_LINES]:
        metric = _METRIC_LABELS[lang].get(claim.metric, claim.metric)
        due = claim.due_at.strftime("%Y-%m-%d %H:%M UTC") if claim.due_at else "-"
        lines.append(f"- {ticket.display_number} {ticket.subject} ({metric}, {due})\n  {_ticket_url(base_url, ticket)}")
    more = len(items) - len(lines)
    queue = f"{base_url}/console?view=breached"
    if lang == "fr":
        subject = f"[SLA] {len(items)} tickets ont dépassé leur délai"
        body = (f"Bonjour {person.name},\n\n{len(items)} tickets ont dépassé un délai SLA :\n\n" + "\n".join(lines)
                + (f"\n\n… et {more} autres." if more else "") + f"\n\nTous les tickets en dépassement : {queue}\n")
    else:
        subject = f"[SLA] {len(items)} tickets breached their targets"
        body = (f"Hello {person.name},\n\n{len(items)} tickets breached an SLA target:\n\n" + "\n".join(lines)
                + (f"\n\n… and {more} more." if more else "") + f"\n\nAll breached tickets: {queue}\n")
    headers = {"X-Helpdesk-Event": "sla_breached_digest", "X-Helpdesk-Tickets": str(len(items))}
    return _outbox(person, subject, body, headers, now)


def _outbox(person: _Person, subject: str, body: str, headers: dict, now: datetime) -> dict:
    return {"to_address": person.email, "subject": subject[:300], "body_text": body, "headers": headers,
            "created_at": now}


def _rule_applies(rule: dict, claim: Claim) -> bool:
    on = rule.get("on", "breached")
    metric = rule.get("metric", "any")
    return on == claim.kind and metric in ("any", claim.metric) and rule.get("action") in ESCALATION_ACTIONS


def _escalate(rule: dict, claim: Claim, ticket: Ticket, ctx: SlaContext, staff: _Staff, now: datetime,
              base_url: str, writes: _Writes) -> bool:
    """Apply one escalation rule, adding its rows to `writes`; False when it had nothing to do."""
    action = rule["action"]
    data = {"reason": "sla_escalation", "on": claim.kind, "metric": claim.metric, "clock_id": claim.clock_id}
    if action == "raise_priority":
        if ticket.priority not in PRIORITIES or ticket.priority == PRIORITIES[-1]:
            return False
        _change(writes, ticket, "priority", PRIORITIES[PRIORITIES.index(ticket.priority) + 1], data, now)
        return True
    if action == "reassign":
        changed = False
        team_id = rule.get("team")
        if team_id is not None:
            if not isinstance(team_id, int) or team_id not in ctx.teams:
                log.warning("escalation to unknown team %r ignored", team_id)
                return False
            if team_id != ticket.team_id:
                _change(writes, ticket, "team_id", team_id, data, now)
                changed = True
        to = rule.get("to")
        person = staff.people.get(to) if _is_id(to) else None
        if to is not None and (person is None or not person.active or person.role not in STAFF_ROLES):
            log.warning("escalation to user %r ignored: not an active staff member", to)
            return changed
        if ticket.assignee_id != to:
            _change(writes, ticket, "assignee_id", to, data, now)  # None: back to the team queue
            changed = True
        return changed
    # notify
    to = rule.get("to", "leads")
    if to == "leads":
        people = staff.leads_of(ticket.team_id)
    elif to == "assignee":
        people = [staff.people[ticket.assignee_id]] if ticket.assignee_id in staff.people else []
    else:
        people = [staff.people[to]] if _is_id(to) and to in staff.people else []
    mails = [_mail(p, claim, ticket, now, "escalation", base_url) for p in people if p.active]
    writes.mails += mails
    return bool(mails)


def _change(writes: _Writes, ticket: Ticket, name: str, value: Any, data: dict, now: datetime) -> None:
    old = getattr(ticket, name)
    setattr(ticket, name, value)
    ticket.updated_at = now
    writes.changed_tickets.add(ticket.id)
    writes.events.append({"ticket_id": ticket.id, **event_values(None, "changed", now, name, old, value, data)})


def _load_staff(session: Session, ctx: SlaContext) -> _Staff:
    leads = _people(session, (User.role == "lead") & User.active.is_(True))
    lead_teams: dict[int, set[int]] = defaultdict(set)
    if leads:
        for user_id, team_id in session.execute(
            select(team_members.c.user_id, team_members.c.team_id)
            .where(team_members.c.user_id.in_([p.id for p in leads]))
        ):
            lead_teams[user_id].add(team_id)
    named = {rule["to"] for policy in ctx.policies for rule in policy.escalations if _is_id(rule.get("to"))}
    staff = _Staff(leads=leads, lead_teams=dict(lead_teams))
    staff.people = {p.id: p for p in leads}
    _remember_people(session, staff, named)
    return staff


def _remember_people(session: Session, staff: _Staff, user_ids: set[int]) -> None:
    missing = {i for i in user_ids if i not in staff.people}
    if missing:
        staff.people.update((p.id, p) for p in _people(session, User.id.in_(missing)))


def _people(session: Session, where: Any) -> list[_Person]:
    columns = (User.id, User.email, User.name, User.locale, User.role, User.active)
    return [_Person(*row) for row in session.execute(select(*columns).where(where).order_by(User.id))]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
