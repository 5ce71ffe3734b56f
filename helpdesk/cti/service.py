"""Call handling: match the caller, keep one CallLog per call through its events, notify the agents
concerned. Re-delivered events change nothing; events may arrive out of order."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from helpdesk.customers.phones import normalise_phone
from helpdesk.cti.events import CallEvent
from helpdesk.errors import Invalid, NotFound
from helpdesk.models import CallLog, Customer, CustomerPhone, Interaction, Team, User
from helpdesk.models.users import active_staff
from helpdesk.promises.service import keep_for_call
from helpdesk.realtime.events import LEADS_ROOM, STAFF_ROOM, emit_after_commit, team_room, user_room


@dataclass
class CallOutcome:
    call: CallLog
    customer_ids: list[int]
    changed: bool
    rooms: list[str] = field(default_factory=list)


def find_agent(session: Session, hint: str | None) -> User | None:
    """The staff user named by e-mail, extension or login (the e-mail's local part)."""
    if not hint:
        return None
    hint = hint.strip()
    return session.scalar(
        select(User).where(
            active_staff(),
            or_(func.lower(User.email) == hint.lower(), User.extension == hint,
                func.lower(User.email).like(hint.lower().replace("%", "").replace("_", "") + "@%")),
        ).order_by(User.id).limit(1)
    )


def find_team(session: Session, hint: str | None) -> Team | None:
    if not hint:
        return None
    team = session.scalar(select(Team).where(func.lower(Team.name) == hint.strip().lower()))
    if team is None and hint.strip().isdigit():
        team = session.get(Team, int(hint.strip()))
    return team


def matching_customers(session: Session, number: str | None) -> list[Customer]:
    if not number:
        return []
    return list(session.scalars(
        select(Customer).where(Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.number == number)))
        .options(selectinload(Customer.organization)).order_by(Customer.id)
    ))


def target_rooms(session: Session, event: CallEvent) -> tuple[list[str], User | None, Team | None]:
    """Who is told of a ringing call: the named agent, else the team, else every available agent."""
    agent = find_agent(session, event.agent)
    for hint in event.users:
        agent = agent or find_agent(session, hint)
    if agent is not None:
        return [user_room(agent.id)], agent, None
    team = find_team(session, event.team)
    if team is not None:
        return [team_room(team.id)], None, team
    available = session.scalars(
        select(User.id).where(active_staff(), User.availability == "available")
    ).all()
    return [user_room(uid) for uid in available], None, None


def _call_interaction(session: Session, call: CallLog, customer_id: int, now: datetime) -> Interaction:
    interaction = session.scalar(select(Interaction).where(Interaction.call_id == call.id, Interaction.customer_id == customer_id))
    if interaction is None:
        interaction = Interaction(
            customer_id=customer_id, kind="call", channel="phone", direction=call.direction, occurred_at=call.started_at,
            summary=("Appel entrant" if call.direction == "in" else "Appel sortant") + f" {call.from_raw or ''}".rstrip(),
            agent_id=call.agent_id, call_id=call.id, ticket_id=call.ticket_id, duration_seconds=call.duration_seconds,
        )
        session.add(interaction)
        customer = session.get(Customer, customer_id)
        if customer is not None and (customer.last_contact_at is None or customer.last_contact_at < call.started_at):
            customer.last_contact_at = call.started_at
    return interaction


def _new_call(session: Session, event: CallEvent, now: datetime, region: str) -> tuple[CallLog, list[Customer]]:
    number = normalise_phone(event.caller or "", region)
    customers = matching_customers(session, number)
    call = CallLog(
        call_id=event.call_id, from_number=normalise_phone(event.from_number or "", region) or event.from_number,
        from_raw=event.from_number, to_number=event.to_number, direction=event.direction, state="ringing",
        customer_ids=[c.id for c in customers], customer_id=customers[0].id if len(customers) == 1 else None,
        started_at=now,
    )
    team = find_team(session, event.team)
    call.team_id = team.id if team else None
    session.add(call)
    session.flush()
    if call.customer_id is not None:
        _call_interaction(session, call, call.customer_id, now)
    return call, customers


def handle_event(session: Session, event: CallEvent, now: datetime, region: str, card_payload) -> CallOutcome:
    """Apply one call event. `card_payload(customer_id) -> dict` renders the screen-pop card."""
    call = session.scalar(select(CallLog).where(CallLog.call_id == event.call_id))
    if event.event == "newCall":
        if call is not None:
            return CallOutcome(call, list(call.customer_ids or []), changed=False)
        try:
            call, customers = _new_call(session, event, now, region)
        except IntegrityError:
            # Two deliveries of the same newCall at once: the unique call_id let the other one win,
            # and nothing else was written yet in this transaction.
            session.rollback()
            call = session.scalar(select(CallLog).where(CallLog.call_id == event.call_id))
            return CallOutcome(call, list(call.customer_ids or []), changed=False)
        rooms, agent, team = target_rooms(session, event)
        call.rang_rooms = rooms if agent is not None or team is not None else [STAFF_ROOM]
        number = normalise_phone(event.caller or "", region)
        payload = {
            "call_id": call.call_id, "id": call.id, "from": event.from_number, "number": number or event.caller,
            "direction": call.direction, "customer": card_payload(customers[0].id) if len(customers) == 1 else None,
            "candidates": [_short(c) for c in customers] if len(customers) > 1 else [],
            "unknown": not customers,
        }
        emit_after_commit(session, "call:incoming", payload, rooms)
        return CallOutcome(call, [c.id for c in customers], changed=True, rooms=rooms)

    if call is None:  # answer/hangup for a call we never saw ringing: record it anyway
        call, _customers = _new_call(session, CallEvent("newCall", event.call_id, event.from_number, event.to_number,
                                                        event.direction, team=event.team), now, region)
    if event.event == "answer":
        if call.state != "ringing":
            return CallOutcome(call, list(call.customer_ids or []), changed=False)
        agent = find_agent(session, event.agent) or next((a for a in (find_agent(session, u) for u in event.users) if a), None)
        call.state = "answered"
        call.answered_at = now
        if agent is not None:
            call.agent_id = agent.id
            agent.availability = "on_call"
        _sync_interactions(session, call)
        keep_for_call(session, call, now)  # an answered call out to the customer keeps what was promised
        emit_after_commit(session, "call:updated", _update_payload(call, agent), update_rooms(call, agent))
        return CallOutcome(call, list(call.customer_ids or []), changed=True)

    # hangup
    if call.state == "ended":
        return CallOutcome(call, list(call.customer_ids or []), changed=False)
    agent = session.get(User, call.agent_id) if call.agent_id else find_agent(session, event.agent)
    call.missed = call.answered_at is None
    call.state = "ended"
    call.ended_at = now
    call.cause = event.cause
    call.duration_seconds = int((now - call.answered_at).total_seconds()) if call.answered_at else 0
    if agent is not None and agent.availability == "on_call":
        agent.availability = "available"
    _sync_interactions(session, call)
    payload = _update_payload(call, agent)
    payload["wrap_up"] = not call.missed
    emit_after_commit(session, "call:updated", payload, update_rooms(call, agent))
    return CallOutcome(call, list(call.customer_ids or []), changed=True)


def _sync_interactions(session: Session, call: CallLog) -> None:
    for interaction in session.scalars(select(Interaction).where(Interaction.call_id == call.id)):
        interaction.agent_id = call.agent_id
        interaction.duration_seconds = call.duration_seconds
        interaction.ticket_id = call.ticket_id
        if call.missed and call.state == "ended":
            interaction.summary = "Appel manqué"


def update_rooms(call: CallLog, agent: User | None) -> list[str]:
    """Who hears how a call goes on: those it rang (their screen-pop says "taken by" or "ended"),
    the leads (the dashboard's agents on a call), and the agent who has it. A call logged before
    the rooms were kept rang, as far as anyone knows, everyone."""
    return list(dict.fromkeys([*(call.rang_rooms or [STAFF_ROOM]), LEADS_ROOM,
                               *([user_room(agent.id)] if agent else [])]))


def _update_payload(call: CallLog, agent: User | None) -> dict:
    return {
        "call_id": call.call_id, "id": call.id, "state": call.state, "missed": bool(call.missed),
        "agent_id": agent.id if agent else None, "agent_name": agent.name if agent else None,
        "customer_id": call.customer_id, "duration_seconds": call.duration_seconds, "ticket_id": call.ticket_id,
    }


def _short(customer: Customer) -> dict:
    return {"id": customer.id, "name": customer.name, "email": customer.email,
            "organization": customer.organization.name if customer.organization else None, "segment": customer.segment}


def get_call(session: Session, call_id: str) -> CallLog:
    call = session.scalar(select(CallLog).where(CallLog.call_id == call_id))
    if call is None:
        raise NotFound("No such call.")
    return call


def attach_customer(session: Session, call_id: str, customer_id: int, now: datetime) -> CallLog:
    """The agent says who is calling (several matched, or a new customer was just created)."""
    call = get_call(session, call_id)
    if session.get(Customer, customer_id) is None:
        raise Invalid({"customer_id": "unknown_customer"}, "No such customer.")
    call.customer_id = customer_id
    if customer_id not in (call.customer_ids or []):
        call.customer_ids = [*(call.customer_ids or []), customer_id]
    _call_interaction(session, call, customer_id, now)
    keep_for_call(session, call, now)  # an answered call out, its customer named only now
    return call


def save_notes(session: Session, call_id: str, notes: str) -> CallLog:
    if not isinstance(notes, str) or len(notes) > 4000:
        raise Invalid({"notes": "too_long"}, "The notes have at most 4000 characters.", limits={"notes": {"max_length": 4000}})
    call = get_call(session, call_id)
    call.notes = notes
    return call


def ticket_from_call(session: Session, actor: User, call_id: str, data: dict, now: datetime):
    """A phone ticket for the caller, with the call linked and the notes typed during it as an internal note."""
    from helpdesk.tickets import service as tickets

    call = get_call(session, call_id)
    customer_id = data.get("customer_id") or call.customer_id
    if customer_id is None:
        raise Invalid({"customer_id": "required"}, "Say who called first (pick or create the customer).")
    ticket = tickets.create_ticket(session, actor, {**data, "customer_id": customer_id, "channel": "phone"}, now, channel="phone")
    call.ticket_id = ticket.id
    call.customer_id = customer_id
    _call_interaction(session, call, customer_id, now)
    _sync_interactions(session, call)
    if call.notes and call.notes.strip():
        tickets.add_message(session, actor, ticket.id, {"body": call.notes, "internal": True}, now, channel="phone")
    tickets.record(session, ticket, actor, "call_linked", now, data={"call_id": call.call_id})
    return ticket


def link_call_to_ticket(session: Session, actor: User, call_id: str, ticket_id: int, now: datetime):
    from helpdesk.models import Ticket
    from helpdesk.tickets import service as tickets

    call = get_call(session, call_id)
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise Invalid({"ticket": "unknown_ticket"}, "No such ticket.")
    call.ticket_id = ticket.id
    _sync_interactions(session, call)
    if call.notes and call.notes.strip():
        tickets.add_message(session, actor, ticket.id, {"body": call.notes, "internal": True}, now, channel="phone")
    tickets.record(session, ticket, actor, "call_linked", now, data={"call_id": call.call_id})
    return ticket
