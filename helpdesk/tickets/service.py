"""Ticket operations: each is one user action, done in one transaction with its audit events,
SLA refresh and live events (emitted after commit). Callers commit; on error they roll back."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk.errors import Conflict, FieldErrors, Invalid, NotFound, report
from helpdesk.models import (
    CannedResponse,
    Customer,
    CustomerProduct,
    Message,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketLink,
    User,
    ticket_tags,
)
from helpdesk.models.customers import CHANNELS
from helpdesk.models.rows import insert_as_loaded
from helpdesk.models.tickets import DONE_STATUSES, OPEN_STATUSES, PRIORITIES, TYPES
from helpdesk.permissions import may, require
from helpdesk.promises.service import keep_promises
from helpdesk.scores.service import update_customer_scores
from helpdesk.sla.service import insert_clocks, plan_new_ticket, refresh_sla
from helpdesk.tagging import tags_from_input
from helpdesk.reports.fcr import fcr_settings, repeated_ticket_id
from helpdesk.realtime.events import LEADS_ROOM, STAFF_ROOM, emit_after_commit, team_room, ticket_room, user_room
from helpdesk.text import render_markdown
from helpdesk.tickets import lifecycle
from helpdesk.surveys import service as surveys
from helpdesk.mail import notify
from helpdesk.mail.addressing import new_reply_token
from knowledge_base.indexing import note_changed_tickets

NUMBER_OFFSET = 10000
MAX_BODY = 100_000
MAX_SUBJECT = 300
MAX_BULK = 500


# --- reading input -------------------------------------------------------------------------


def _choice(data: dict, name: str, allowed, errors: dict, default=None):
    value = data.get(name, default)
    if value is None:
        return default
    if value not in allowed:
        report(errors, name, "not_a_choice", choices=list(allowed))
        return default
    return value


def resolve_team(session: Session, value: Any, errors: dict, field_name: str = "team") -> Team | None:
    """A team named by its id or its unique name (API.md)."""
    if value in (None, ""):
        return None
    team = None
    if isinstance(value, int) and not isinstance(value, bool):
        team = session.get(Team, value)
    elif isinstance(value, str):
        team = session.scalar(select(Team).where(Team.name == value.strip()))
        if team is None and value.strip().isdigit():
            team = session.get(Team, int(value.strip()))
    if team is None:
        errors[field_name] = "unknown_team"
    return team


def _body(data: dict, errors: dict, *, required: bool = True) -> str | None:
    body = data.get("body")
    if body is None or (isinstance(body, str) and not body.strip()):
        if required:
            errors["body"] = "required"
        return None
    if not isinstance(body, str):
        errors["body"] = "not_text"
        return None
    if len(body) > MAX_BODY:
        report(errors, "body", "too_long", max_length=MAX_BODY)
        return None
    return body


# --- events -----------------------------------------------------------------------------------


def record(session: Session, ticket: Ticket, actor: User | None, action: str, now: datetime,
           field_name: str | None = None, old: Any = None, new: Any = None, data: dict | None = None) -> TicketEvent:
    event = TicketEvent(ticket=ticket, **lifecycle.event_values(actor.id if actor else None, action, now,
                                                                field_name, old, new, data))
    session.add(event)
    return event


def live_payload(ticket: Ticket) -> dict:
    """What the console needs to redraw a queue row; never message bodies."""
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "team_id": ticket.team_id,
        "assignee_id": ticket.assignee_id,
        "customer_id": ticket.customer_id,
        "version": ticket.version,
        "sla_state": ticket.sla_state,
        "sla_due_at": ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
        "updated_at": ticket.updated_at.isoformat() if ticket.updated_at else None,
    }


def _announce(session: Session, name: str, ticket: Ticket, extra_rooms: tuple[str, ...] = ()) -> None:
    rooms = [STAFF_ROOM, LEADS_ROOM, ticket_room(ticket.id)]
    if ticket.team_id:
        rooms.append(team_room(ticket.team_id))
    if ticket.assignee_id:
        rooms.append(user_room(ticket.assignee_id))
    emit_after_commit(session, name, live_payload(ticket), [*rooms, *extra_rooms])


# --- assignment -------------------------------------------------------------------------------


def round_robin_assignee(session: Session, team: Team) -> User | None:
    """The next available agent of the team, skipping those away, on a call or offline."""
    candidates = list(
        session.scalars(
            select(User).where(
                User.teams.any(Team.id == team.id),
                User.active.is_(True),
                User.role.in_(("agent", "lead")),
                User.availability == "available",
            )
        )
    )
    chosen = lifecycle.next_round_robin([u.id for u in candidates], team.last_assigned_user_id)
    if chosen is None:
        return None
    team.last_assigned_user_id = chosen
    return next(u for u in candidates if u.id == chosen)


def _staff_user(session: Session, value: Any, errors: dict, field_name: str = "assignee_id") -> User | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        errors[field_name] = "not_an_id"
        return None
    user = session.get(User, value)
    if user is None or not user.is_staff or not user.active:
        errors[field_name] = "unknown_user"
        return None
    return user


# --- create -------------------------------------------------------------------------------------


def create_ticket(session: Session, actor: User, data: dict, now: datetime, *, channel: str = "api",
                  email_message_id: str | None = None) -> Ticket:
    """A new ticket with its first message. Customers always create for themselves.
    `email_message_id`: the Message-ID of the e-mail it came in (threading, duplicates)."""
    require(actor, "ticket.create")
    errors = FieldErrors()
    subject = data.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        errors["subject"] = "required"
    elif len(subject.strip()) > MAX_SUBJECT:
        errors.add("subject", "too_long", max_length=MAX_SUBJECT)
    body = _body(data, errors)
    staff = actor.is_staff
    channel = _choice(data, "channel", CHANNELS, errors, default=channel) if staff else channel
    priority = _choice(data, "priority", PRIORITIES, errors, default="normal") if staff else "normal"
    ticket_type = _choice(data, "type", TYPES, errors, default="question")
    team = resolve_team(session, data.get("team"), errors) if staff else None
    tags = tags_from_input(session, data.get("tags"), errors) if staff else None
    assignee = _staff_user(session, data.get("assignee_id"), errors) if staff else None

    customer = _ticket_customer(session, actor, data, errors)
    product = None
    if data.get("product_id") is not None:
        product = session.get(CustomerProduct, data["product_id"]) if isinstance(data["product_id"], int) else None
        if product is None or (customer is not None and product.customer_id != customer.id):
            errors["product_id"] = "not_their_product"
    if errors:
        raise Invalid(errors)

    if assignee is None and team is not None and team.auto_assign:
        assignee = round_robin_assignee(session, team)
    new_customer = customer is not None and customer.id is None  # first met by this ticket's address
    if new_customer:
        customer.last_contact_at = now
    if new_customer or any(tag.id is None for tag in tags or ()):
        session.flush()  # their ids first
    if customer is not None and not new_customer:
        _touch_customer(session, customer, now)
    repeat_of = None
    if customer is not None and product is not None:
        repeat_of = repeated_ticket_id(session, customer.id, product.id, now, fcr_settings(session))

    # Written with Core INSERTs and kept in the session as loaded (helpdesk.models.rows): the unit of
    # work cost more than the statements on this, the busiest write path.
    ticket = Ticket(
        subject=subject.strip(), customer_id=customer.id if customer else None,
        requester_id=actor.id if not staff else None, channel=channel, status="new", priority=priority,
        type=ticket_type, team_id=team.id if team else None, product_id=product.id if product else None,
        assignee_id=assignee.id if assignee else None, created_at=now, updated_at=now, agent_replies=0,
        reopened_count=0, repeat_of_id=repeat_of, version=1,
        reply_token=new_reply_token(),  # born with it: mails never need a second UPDATE
    )
    _loaded(ticket, customer=customer, team=team, product=product, assignee=assignee,
            requester=actor if not staff and isinstance(actor, User) else None, sla_clocks=[], tags=sorted(tags or [], key=lambda t: t.name),
            merged_into=None)
    clocks = plan_new_ticket(session, ticket, now)
    insert_as_loaded(session, ticket)
    _set_number(session, ticket)
    first = Message(
        ticket_id=ticket.id, author_id=actor.id, author_customer_id=customer.id if (customer and not staff) else None,
        kind="reply", from_customer=not staff or bool(data.get("on_behalf_of_customer", True)),
        body=render_markdown(body), body_source=body, channel=channel, created_at=now,
        email_message_id=email_message_id,
    )
    _loaded(first, ticket=ticket, author=actor if isinstance(actor, User) else None, attachments=[])
    insert_as_loaded(session, first)
    set_committed_value(ticket, "messages", [first])
    if tags:
        session.execute(insert(ticket_tags), [{"ticket_id": ticket.id, "tag_id": tag.id} for tag in tags])
    insert_clocks(session, ticket, clocks, now)
    note_changed_tickets(session, [ticket.id])
    events = [("created", None, None, None, {"channel": channel})]
    if assignee is not None:
        events.append(("changed", "assignee", None, assignee.name, None))
    session.execute(insert(TicketEvent), [
        {"ticket_id": ticket.id, **lifecycle.event_values(actor.id, action, now, field_name, old, new, data)}
        for action, field_name, old, new, data in events
    ])
    notify.ticket_created(session, ticket, first, now)
    _announce(session, "ticket:created", ticket)
    return ticket


def _loaded(obj: Any, **related: Any) -> None:
    """Relationships of a new object given as loaded (no lazy load, no cascade)."""
    for name, value in related.items():
        set_committed_value(obj, name, value)


# Built once: building a statement and its cache key cost more than running these.
_customers, _tickets = Customer.__table__, Ticket.__table__
_TOUCH_CUSTOMER = (update(_customers).where(_customers.c.id == bindparam("p_id"))
                   .values(last_contact_at=bindparam("p_at", type_=_customers.c.last_contact_at.type)))
_SET_NUMBER = update(_tickets).where(_tickets.c.id == bindparam("p_id")).values(number=bindparam("p_number"))


def _touch_customer(session: Session, customer: Customer, now: datetime) -> None:
    session.execute(_TOUCH_CUSTOMER, {"p_id": customer.id, "p_at": now})
    set_committed_value(customer, "last_contact_at", now)


def _set_number(session: Session, ticket: Ticket) -> None:
    """The human number follows the id the database gave. A Core UPDATE (not an ORM change), so the
    ticket's version stays 1 and no second flush is needed."""
    number = NUMBER_OFFSET + ticket.id
    session.execute(_SET_NUMBER, {"p_id": ticket.id, "p_number": number})
    set_committed_value(ticket, "number", number)


def _ticket_customer(session: Session, actor: User, data: dict, errors: dict) -> Customer | None:
    if not actor.is_staff:
        return actor.customer
    if data.get("customer_id") is not None:
        value = data["customer_id"]
        customer = session.get(Customer, value) if isinstance(value, int) and not isinstance(value, bool) else None
        if customer is None:
            errors["customer_id"] = "unknown_customer"
        return customer
    email = data.get("customer_email")
    if email is not None:
        from helpdesk.auth.service import normalise_email

        try:
            address = normalise_email(str(email), "customer_email")
        except Invalid as error:
            errors.update(error.fields)
            return None
        customer = session.scalar(select(Customer).where(func.lower(Customer.email) == address).order_by(Customer.id).limit(1))
        if customer is None:
            customer = Customer(name=address.split("@")[0], email=address)
            session.add(customer)
        return customer
    return None


# --- update -------------------------------------------------------------------------------------

UPDATABLE = ("status", "priority", "assignee_id", "team", "tags", "type", "subject")


REOPEN_MESSAGE = "This request was solved too long ago to be reopened: please write a new one."


def _within_reopen_window(ticket: Ticket, now: datetime, reopen_days: int | None) -> bool:
    return reopen_days is None or lifecycle.may_reply(ticket, now, reopen_days)


def get_for_update(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


def update_ticket(session: Session, actor: User, ticket_id: int, changes: dict, now: datetime, *,
                  expected_version: int | None, reopen_days: int | None = None) -> Ticket:
    """Apply field changes; a stale `expected_version` is a Conflict, never a silent overwrite.
    `reopen_days`: how long after its resolution a customer may reopen a ticket (None: no limit)."""
    ticket = get_for_update(session, ticket_id)
    require(actor, "ticket.view", ticket, hide=True)
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(
            f"Ticket {ticket.display_number} was changed by someone else (version {ticket.version}, yours {expected_version}).",
            {"current_version": ticket.version},
        )
    staff = actor.is_staff
    errors = FieldErrors()
    unknown = set(changes) - set(UPDATABLE) - {"version"}
    if unknown:
        for name in unknown:
            errors[name] = "unknown_field"
    if not staff and set(changes) - {"status", "version"}:
        for name in set(changes) - {"status", "version"}:
            errors[name] = "not_allowed"
    applied: list[tuple[str, Any, Any]] = []

    if "status" in changes:
        new_status = changes["status"]
        problem = lifecycle.transition_problem(ticket.status, new_status, staff=staff) if isinstance(new_status, str) else "not_a_choice"
        if problem:
            errors["status"] = problem
        elif not staff and new_status == "open" and not _within_reopen_window(ticket, now, reopen_days):
            raise Invalid({"status": lifecycle.REOPEN_WINDOW_PASSED}, REOPEN_MESSAGE, code=lifecycle.REOPEN_WINDOW_PASSED)
        elif new_status != ticket.status:
            applied.append(("status", ticket.status, new_status))
    if staff:
        if "priority" in changes:
            value = _choice(changes, "priority", PRIORITIES, errors)
            if value and value != ticket.priority:
                applied.append(("priority", ticket.priority, value))
        if "type" in changes:
            value = _choice(changes, "type", TYPES, errors)
            if value and value != ticket.type:
                applied.append(("type", ticket.type, value))
        if "subject" in changes:
            value = changes["subject"]
            if not isinstance(value, str) or not value.strip():
                errors["subject"] = "required"
            elif len(value) > MAX_SUBJECT:
                errors.add("subject", "too_long", max_length=MAX_SUBJECT)
            elif value.strip() != ticket.subject:
                applied.append(("subject", ticket.subject, value.strip()))
        if "assignee_id" in changes:
            assignee = _staff_user(session, changes["assignee_id"], errors)
            new_id = assignee.id if assignee else None
            if "assignee_id" not in errors and new_id != ticket.assignee_id:
                applied.append(("assignee_id", ticket.assignee_id, new_id))
        if "team" in changes:
            team = resolve_team(session, changes["team"], errors)
            new_id = team.id if team else None
            if "team" not in errors and new_id != ticket.team_id:
                applied.append(("team_id", ticket.team_id, new_id))
        if "tags" in changes:
            tags = tags_from_input(session, changes["tags"], errors)
            if tags is not None and sorted(t.name for t in tags) != sorted(t.name for t in ticket.tags):
                applied.append(("tags", [t.name for t in ticket.tags], tags))
    if errors:
        raise Invalid(errors)
    if not applied:
        return ticket
    for name, old, new in applied:
        _apply_change(session, ticket, actor, name, old, new, now)
    ticket.updated_at = now
    refresh_sla(session, ticket, now)
    _announce(session, "ticket:updated", ticket)
    return ticket


def _apply_change(session: Session, ticket: Ticket, actor: User | None, name: str, old, new, now: datetime) -> None:
    if name == "tags":
        ticket.tags = new
        record(session, ticket, actor, "changed", now, "tags", ", ".join(old), ", ".join(t.name for t in new))
        return
    if name == "assignee_id":
        names = _user_names(session, [i for i in (old, new) if i])
        ticket.assignee_id = new
        record(session, ticket, actor, "changed", now, "assignee", names.get(old), names.get(new), data={"old_id": old, "new_id": new})
        return
    if name == "team_id":
        teams = {t.id: t.name for t in session.scalars(select(Team).where(Team.id.in_([i for i in (old, new) if i])))}
        ticket.team_id = new
        record(session, ticket, actor, "changed", now, "team", teams.get(old), teams.get(new))
        return
    setattr(ticket, name, new)
    record(session, ticket, actor, "changed", now, name, old, new)
    if name == "status":
        _status_timestamps(ticket, new, now)
        _after_status_change(session, ticket, old, new, now)


def _status_timestamps(ticket: Ticket, status: str, now: datetime) -> None:
    if status == "resolved":
        ticket.resolved_at = now
    elif status == "closed":
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif status in OPEN_STATUSES:
        ticket.resolved_at = None
        ticket.closed_at = None


def _after_status_change(session: Session, ticket: Ticket, old: str, new: str, now: datetime) -> None:
    """A resolution schedules the satisfaction survey, a reopening cancels one not sent yet; either
    changes the customer's contact load, so their scores follow."""
    resolved = new in DONE_STATUSES and old not in DONE_STATUSES
    reopened = new in OPEN_STATUSES and old in DONE_STATUSES
    if resolved:
        if new == "resolved":
            notify.ticket_resolved(session, ticket, now)  # before the survey's queries flush the ticket
        invitation = surveys.schedule_after_resolution(session, ticket, now)
        if new == "resolved":  # a survey due at once goes in the resolution mail
            links = surveys.send_with_resolution(session, ticket, invitation, now, base_url=notify.site_url())
            if links is not None:
                notify.add_survey(session, ticket, links)
    elif reopened:
        ticket.reopened_count = (ticket.reopened_count or 0) + 1
        surveys.cancel_scheduled(session, ticket.id)
    if (resolved or reopened) and ticket.customer_id is not None:
        update_customer_scores(session, ticket.customer_id, now)


def _user_names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


# --- messages -------------------------------------------------------------------------------------


def add_message(session: Session, actor: User | None, ticket_id: int, data: dict, now: datetime, *,
                channel: str = "api", from_customer: bool | None = None, author_customer: Customer | None = None,
                email_message_id: str | None = None, reopen_days: int | None = None) -> Message:
    """A public reply or an internal note. Customer replies reopen; the first agent reply opens.
    `email_message_id`: the Message-ID of the e-mail it came in. `reopen_days`: past this many days
    after its resolution, a customer's reply no longer reopens a ticket but is refused."""
    ticket = get_for_update(session, ticket_id)
    if actor is not None:
        require(actor, "ticket.reply", ticket, hide=True)
        if not actor.is_staff and not _within_reopen_window(ticket, now, reopen_days):
            raise Invalid({"body": lifecycle.REOPEN_WINDOW_PASSED}, REOPEN_MESSAGE, code=lifecycle.REOPEN_WINDOW_PASSED)
    errors = FieldErrors()
    body = _body(data, errors)
    internal = data.get("internal", False)
    if not isinstance(internal, bool):
        errors["internal"] = "not_true_or_false"
    elif internal and (actor is None or not may(actor, "ticket.note", ticket)):
        errors["internal"] = "not_allowed"
    if errors:
        raise Invalid(errors)
    if from_customer is None:
        from_customer = actor is None or not actor.is_staff
    message = Message(
        ticket=ticket, author_id=actor.id if actor else None,
        author_customer_id=(author_customer.id if author_customer else (ticket.customer_id if from_customer else None)),
        kind="note" if internal else "reply", from_customer=from_customer,
        body=render_markdown(body), body_source=body, channel=channel, created_at=now,
        email_message_id=email_message_id,
    )
    session.add(message)
    if not internal:
        if from_customer:
            ticket.last_customer_message_at = now
            if ticket.customer is not None:
                ticket.customer.last_contact_at = now
        else:
            ticket.last_agent_reply_at = now
            ticket.agent_replies = (ticket.agent_replies or 0) + 1
            if ticket.first_response_at is None:
                ticket.first_response_at = now
        new_status = lifecycle.status_after_message(ticket.status, from_customer=from_customer, public=True)
        if new_status != ticket.status:
            _apply_change(session, ticket, actor, "status", ticket.status, new_status, now)
        if not from_customer:
            notify.agent_replied(session, ticket, message, now)
    ticket.updated_at = now
    # The version moves with every change so a page open on the old state learns it is stale.
    _touch(ticket)
    refresh_sla(session, ticket, now)
    if not internal and not from_customer:
        keep_promises(session, ticket, now, "reply")  # after the SLA flush: no second version bump
    _announce(session, "ticket:updated", ticket)
    return message


def _touch(ticket: Ticket) -> None:
    from sqlalchemy.orm.attributes import flag_modified

    flag_modified(ticket, "updated_at")


# --- merge, link, macros, bulk, auto-close ----------------------------------------------------------


def merge_tickets(session: Session, actor: User, source_id: int, target_id: int, now: datetime) -> Ticket:
    """Move the source's messages and history onto the target; the source closes and points to it."""
    require(actor, "ticket.merge")
    if source_id == target_id:
        raise Invalid({"target_id": "same_ticket"}, "A ticket cannot be merged into itself.")
    source = get_for_update(session, source_id)
    target = get_for_update(session, target_id)
    if source.merged_into_id is not None:
        raise Invalid({"source_id": "already_merged"}, "This ticket is already merged.")
    if target.merged_into_id is not None:
        raise Invalid({"target_id": "merged_ticket"}, "The target ticket is itself merged into another ticket.")
    session.execute(update(Message).where(Message.ticket_id == source.id).values(ticket_id=target.id))
    session.execute(update(TicketEvent).where(TicketEvent.ticket_id == source.id).values(ticket_id=target.id))
    from helpdesk.models import Attachment

    session.execute(update(Attachment).where(Attachment.ticket_id == source.id).values(ticket_id=target.id))
    session.expire(source, ["messages", "events"])
    session.expire(target, ["messages", "events"])
    old_status = source.status
    source.merged_into_id = target.id
    source.status = "closed"
    _status_timestamps(source, "closed", now)
    source.updated_at = target.updated_at = now
    record(session, source, actor, "merged", now, "status", old_status, "closed", data={"into": target.id, "into_number": target.number})
    record(session, target, actor, "merged_from", now, data={"from": source.id, "from_number": source.number})
    if source.last_customer_message_at and (not target.last_customer_message_at or source.last_customer_message_at > target.last_customer_message_at):
        target.last_customer_message_at = source.last_customer_message_at
    _touch(target)
    refresh_sla(session, source, now)
    refresh_sla(session, target, now)
    _announce(session, "ticket:updated", source)
    _announce(session, "ticket:updated", target)
    return target


def link_tickets(session: Session, actor: User, ticket_id: int, related_id: int, now: datetime) -> TicketLink:
    require(actor, "ticket.update")
    if ticket_id == related_id:
        raise Invalid({"related_id": "same_ticket"}, "A ticket cannot be linked to itself.")
    first, second = sorted((ticket_id, related_id))
    for tid in (first, second):
        get_for_update(session, tid)
    existing = session.scalar(select(TicketLink).where(TicketLink.ticket_id == first, TicketLink.related_ticket_id == second))
    if existing is not None:
        raise Conflict("These tickets are already linked.", code="duplicate")
    link = TicketLink(ticket_id=first, related_ticket_id=second, created_by_id=actor.id, created_at=now)
    session.add(link)
    for tid, other in ((first, second), (second, first)):
        record(session, session.get(Ticket, tid), actor, "linked", now, data={"related": other})
    return link


def related_tickets(session: Session, ticket_id: int) -> list[Ticket]:
    """The tickets linked to this one, either way round, in one statement."""
    linked = select(TicketLink.related_ticket_id).where(TicketLink.ticket_id == ticket_id).union(
        select(TicketLink.ticket_id).where(TicketLink.related_ticket_id == ticket_id))
    return list(session.scalars(select(Ticket).where(Ticket.id.in_(linked)).order_by(Ticket.id)))


def macro_values(ticket: Ticket, agent: User) -> dict[str, str]:
    return {
        "customer.name": ticket.customer.name if ticket.customer else "",
        "ticket.number": ticket.display_number,
        "ticket.subject": ticket.subject,
        "agent.name": agent.name,
    }


def apply_macro(session: Session, actor: User, ticket_id: int, macro_id: int, now: datetime, *,
                expected_version: int | None, internal: bool = False) -> Message:
    """Post the canned response (placeholders filled) and apply its status/priority, in one action."""
    require(actor, "ticket.update")
    macro = session.get(CannedResponse, macro_id)
    if macro is None or not may(actor, "macro.use", macro):
        raise NotFound("No such canned response.")
    ticket = get_for_update(session, ticket_id)
    if expected_version is not None and expected_version != ticket.version:
        raise Conflict(f"Ticket {ticket.display_number} was changed by someone else.", {"current_version": ticket.version})
    body = lifecycle.fill_placeholders(macro.body, macro_values(ticket, actor))
    message = add_message(session, actor, ticket.id, {"body": body, "internal": internal}, now, channel=ticket.channel)
    changes = {}
    if macro.set_status:
        changes["status"] = macro.set_status
    if macro.set_priority:
        changes["priority"] = macro.set_priority
    if changes:
        update_ticket(session, actor, ticket.id, changes, now, expected_version=None)
    return message


@dataclass
class BulkResult:
    updated: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def bulk_update(session: Session, actor: User, ticket_ids: list[int], changes: dict, now: datetime) -> BulkResult:
    """The same change on many tickets; each ticket is checked, and all-or-nothing on invalid input."""
    require(actor, "ticket.update")
    if not ticket_ids:
        raise Invalid({"ticket_ids": "none_selected"}, "Select at least one ticket.")
    if len(ticket_ids) > MAX_BULK:
        raise Invalid({"ticket_ids": "too_many"}, f"At most {MAX_BULK} tickets at once.",
                      limits={"ticket_ids": {"max_items": MAX_BULK}})
    result = BulkResult()
    for ticket_id in ticket_ids:
        update_ticket(session, actor, ticket_id, changes, now, expected_version=None)
        result.updated.append(ticket_id)
    return result


def auto_close_resolved(session: Session, now: datetime, after_days: int, batch: int = 500) -> int:
    """Close tickets resolved `after_days` ago or more (the customer did not come back)."""
    from datetime import timedelta

    limit = now - timedelta(days=after_days)
    tickets = list(session.scalars(
        select(Ticket).where(Ticket.status == "resolved", Ticket.resolved_at <= limit).order_by(Ticket.id).limit(batch)
    ))
    for ticket in tickets:
        _apply_change(session, ticket, None, "status", "resolved", "closed", now)
        ticket.updated_at = now
        refresh_sla(session, ticket, now)
        _announce(session, "ticket:updated", ticket)
    return len(tickets)
