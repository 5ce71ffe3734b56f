"""Reading tickets as a given user sees them (writes live in service.py)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, false, func, or_, select, text
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk.errors import FieldErrors, Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Message, Promise, Tag, Ticket, TicketEvent, User
from helpdesk.models.tickets import OPEN_TICKETS, PRIORITIES, STATUSES, TicketLink, TicketTag, ticket_tags
from helpdesk.permissions import may, require, scope_tickets

VIEWS = ("mine", "team", "unassigned", "at_risk", "breached", "pending", "open", "all")
MAX_QUERY = 200
_OPEN = OPEN_TICKETS


def get_ticket(user, ticket_id: int, *, with_page: bool = False) -> Ticket:
    """The ticket if `user` may see it; NotFound otherwise, so ids of others' tickets reveal nothing.
    Two statements whatever the history: the ticket with its team, assignee, customer, tags and SLA
    clocks (a few of each), and with `with_page` its promises (with their owners) and linked tickets
    (the ticket page's); its messages with their authors and files."""
    ticket = db.session.execute(_ticket_statement(with_page), {"ticket_id": ticket_id}).unique().scalar_one_or_none()
    if ticket is None:
        raise NotFound("No such ticket.")
    require(user, "ticket.view", ticket, hide=True)
    if "tags" not in ticket.__dict__:  # the tags from their rows, as if loaded (nothing to write back)
        set_committed_value(ticket, "tags", sorted((row.tag for row in ticket.tag_rows), key=lambda tag: tag.name))
    return ticket


@lru_cache(maxsize=2)
def _ticket_statement(with_page: bool):
    """get_ticket's statement, built once (the id is bound at execution): building its eager loads
    and their cache key for each request cost more than running it."""
    options = [
        joinedload(Ticket.team), joinedload(Ticket.assignee), joinedload(Ticket.customer),
        joinedload(Ticket.tag_rows).joinedload(TicketTag.tag), joinedload(Ticket.sla_clocks),
        selectinload(Ticket.messages).options(joinedload(Message.attachments), joinedload(Message.author)),
    ]
    if with_page:
        options += [joinedload(Ticket.promises).joinedload(Promise.owner),
                    joinedload(Ticket.links_to).joinedload(TicketLink.related_ticket),
                    joinedload(Ticket.links_from).joinedload(TicketLink.ticket)]
    return select(Ticket).where(Ticket.id == bindparam("ticket_id", type_=Integer)).options(*options)


def visible_messages(user, ticket: Ticket) -> list[Message]:
    """Public replies for customers; everything for staff. Internal notes never reach a customer."""
    if may(user, "ticket.internal.view", ticket):
        return list(ticket.messages)
    return [m for m in ticket.messages if m.kind == "reply"]


def next_promises(tickets: Sequence[Ticket]) -> dict[int, Promise]:
    """{ticket id: its pending promise due soonest} for a page of tickets (the queue's "promesse due
    dans 2 h"): one query for the page, none for an empty one."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    found: dict[int, Promise] = {}
    for promise in db.session.scalars(
        select(Promise).where(Promise.ticket_id.in_(ids), Promise.state == "pending")
        .order_by(Promise.ticket_id, Promise.due_at, Promise.id)
    ):
        found.setdefault(promise.ticket_id, promise)
    return found


def ticket_history(ticket_id: int) -> list[TicketEvent]:
    return list(
        db.session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
            .options(joinedload(TicketEvent.actor)).order_by(TicketEvent.created_at, TicketEvent.id)
        )
    )


@dataclass
class QueueFilters:
    view: str = "all"
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    team_id: int | None = None
    assignee: str | None = None  # "me", "none" or a user id
    customer_id: int | None = None
    product_id: int | None = None
    tag: str | None = None
    sla: str | None = None  # at_risk / breached
    q: str | None = None


def parse_filters(args, *, default_view: str = "all") -> QueueFilters:
    """Filters from query-string arguments; every bad one is named."""
    errors = FieldErrors()
    filters = QueueFilters(view=args.get("view") or default_view)
    if filters.view not in VIEWS:
        errors.add("view", "not_a_choice", choices=list(VIEWS))
    for name, allowed in (("status", STATUSES), ("priority", PRIORITIES)):
        values = [v for raw in args.getlist(name) for v in raw.split(",") if v]
        bad = [v for v in values if v not in allowed]
        if bad:
            errors.add(name, "not_a_choice", choices=list(allowed))
        setattr(filters, name, values)
    for name in ("customer_id", "product_id"):
        raw = args.get(name)
        if raw:
            if not raw.isdigit():
                errors[name] = "not_a_number"
            else:
                setattr(filters, name, int(raw))
    team = args.get("team")
    if team:
        if team.isdigit():
            filters.team_id = int(team)
        else:
            from helpdesk.models import Team

            found = db.session.scalar(select(Team.id).where(Team.name == team))
            if found is None:
                errors["team"] = "unknown_team"
            filters.team_id = found
    assignee = args.get("assignee")
    if assignee:
        if assignee not in ("me", "none") and not assignee.isdigit():
            errors.add("assignee", "not_a_choice", choices=["me", "none", "<user id>"])
        filters.assignee = assignee
    sla = args.get("sla")
    if sla:
        if sla not in ("at_risk", "breached"):
            errors.add("sla", "not_a_choice", choices=["at_risk", "breached"])
        filters.sla = sla
    filters.tag = (args.get("tag") or "").strip().lower() or None
    q = (args.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        errors.add("q", "too_long", max_length=MAX_QUERY)
    filters.q = q or None
    if errors:
        raise Invalid(errors)
    return filters


def _apply_filters(user: User, stmt, f: QueueFilters):
    if f.view == "mine":
        stmt = stmt.where(Ticket.assignee_id == user.id, _OPEN)
    elif f.view == "team":
        team_ids = [t.id for t in user.teams]
        stmt = stmt.where(Ticket.team_id.in_(team_ids) if team_ids else false(), _OPEN)
    elif f.view == "unassigned":
        stmt = stmt.where(Ticket.assignee_id.is_(None), _OPEN)
    elif f.view == "at_risk":
        stmt = stmt.where(Ticket.sla_state == "warning", _OPEN)
    elif f.view == "breached":
        stmt = stmt.where(Ticket.sla_state == "breached", _OPEN)
    elif f.view == "pending":
        stmt = stmt.where(Ticket.status.in_(("pending_customer", "pending_third_party")))
    elif f.view == "open":
        stmt = stmt.where(_OPEN)
    if f.status:
        stmt = stmt.where(Ticket.status.in_(f.status))
    if f.priority:
        stmt = stmt.where(Ticket.priority.in_(f.priority))
    if f.team_id is not None:
        stmt = stmt.where(Ticket.team_id == f.team_id)
    if f.assignee == "me":
        stmt = stmt.where(Ticket.assignee_id == user.id)
    elif f.assignee == "none":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif f.assignee:
        stmt = stmt.where(Ticket.assignee_id == int(f.assignee))
    if f.customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == f.customer_id)
    if f.product_id is not None:
        stmt = stmt.where(Ticket.product_id == f.product_id)
    if f.tag:
        stmt = stmt.where(Ticket.id.in_(select(ticket_tags.c.ticket_id).join(Tag).where(Tag.name == f.tag)))
    if f.sla == "at_risk":
        stmt = stmt.where(Ticket.sla_state == "warning")
    elif f.sla == "breached":
        stmt = stmt.where(Ticket.sla_state == "breached")
    if f.q:
        if f.q.lstrip("#").isdigit():
            number = int(f.q.lstrip("#"))
            stmt = stmt.where(or_(Ticket.number == number, Ticket.id == number))
        else:
            stmt = stmt.where(func.lower(Ticket.subject).contains(f.q.lower(), autoescape=True))
    return stmt


@dataclass(frozen=True)
class Page:
    items: list[Ticket]
    next_cursor: dict | None


def queue_page(user: User, f: QueueFilters, *, limit: int, cursor: dict | None, sort: str = "sla") -> Page:
    """One page of tickets, keyset-paginated so page 1,000 costs what page 1 does.

    sort "sla": soonest SLA deadline first, then tickets with no running deadline, by id. Read in
    two phases (with a deadline, then without) so each is an ordered walk of one partial index.
    sort "newest": newest first (the API's default, and the console's "all" view).
    """
    base = _apply_filters(user, scope_tickets(user, select(Ticket)), f)
    loads = (selectinload(Ticket.tags), selectinload(Ticket.team), selectinload(Ticket.customer), selectinload(Ticket.assignee))
    if sort != "sla":
        stmt = base.where(Ticket.id < _cursor_id(cursor)) if cursor else base
        rows = list(db.session.scalars(stmt.order_by(Ticket.id.desc()).limit(limit + 1).options(*loads)))
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, {"id": rows[-1].id} if more and rows else None)

    rows: list[Ticket] = []
    in_second_phase = cursor is not None and cursor.get("due") is None
    if not in_second_phase:
        stmt = base.where(Ticket.sla_due_at.is_not(None))
        if cursor:
            due, last_id = _cursor_time(cursor.get("due")), _cursor_id(cursor)
            stmt = stmt.where(or_(Ticket.sla_due_at > due, and_(Ticket.sla_due_at == due, Ticket.id > last_id)))
        rows = list(db.session.scalars(stmt.order_by(Ticket.sla_due_at, Ticket.id).limit(limit + 1).options(*loads)))
    if len(rows) <= limit:
        stmt = base.where(Ticket.sla_due_at.is_(None))
        if in_second_phase:
            stmt = stmt.where(Ticket.id > _cursor_id(cursor))
        rows += list(db.session.scalars(stmt.order_by(Ticket.id).limit(limit + 1 - len(rows)).options(*loads)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = {"id": last.id, "due": last.sla_due_at.isoformat() if last.sla_due_at else None}
    return Page(rows, next_cursor)


def _cursor_id(cursor: dict) -> int:
    value = cursor.get("id")
    if not isinstance(value, int):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    return value


def _cursor_time(value) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    if parsed.tzinfo is None:
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    return parsed
