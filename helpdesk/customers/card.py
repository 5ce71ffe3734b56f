"""The customer card (customer 360): everything about a customer in a small, fixed number of queries."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timezone

from sqlalchemy import Integer, String, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload

from helpdesk.errors import Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Customer, CustomerProduct, FollowUp, Interaction, Message, Ticket
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.permissions import hidden_interaction_kinds, may, require
from helpdesk.surveys.rules import follow_up_overdue
from helpdesk.text import html_to_text

TIMELINE_PAGE = 20
SUMMARY_CHARS = 240
CARD_FOLLOW_UPS = 20


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # ticket, reply_in, reply_out, call, email_in, email_out, portal_visit, survey, ...
    at: datetime
    id: int
    ticket_id: int | None
    ticket_number: int | None
    channel: str | None
    summary: str

    @property
    def cursor(self) -> dict:
        return {"at": self.at.isoformat(), "kind": self.kind, "id": self.id}


@dataclass(frozen=True)
class FollowUpLine:
    """A service-recovery follow-up as the card and the API show it (with its ticket's number)."""

    id: int
    ticket_id: int | None
    ticket_number: int | None
    team_id: int | None
    reasons: list[str]
    state: str
    due_at: datetime
    overdue: bool
    outcome: str | None
    note: str | None
    closed_at: datetime | None
    created_at: datetime

    @property
    def cursor(self) -> dict:
        return {"at": self.created_at.isoformat(), "id": self.id}


@dataclass(frozen=True)
class ExplanationPart:
    part: str  # base, value, satisfaction, tenure, friction
    points: int
    text: str


def explanation_parts(explanation: dict | None, locale: str) -> list[ExplanationPart]:
    """The score's explanation in `locale` (French when that language is missing); malformed parts are skipped."""
    if not isinstance(explanation, dict):
        return []
    parts = []
    for raw in explanation.get("parts") or ():
        if not isinstance(raw, dict):
            continue
        text = raw.get("text")
        if isinstance(text, dict):
            text = text.get(locale) or text.get("fr") or next((v for v in text.values() if v), "")
        if not isinstance(text, str) or not text:
            continue
        points = raw.get("points")
        parts.append(ExplanationPart(str(raw.get("part") or ""), points if isinstance(points, int) else 0, text))
    return parts


@dataclass(frozen=True)
class CustomerCard:
    customer: Customer
    products: list[CustomerProduct]
    open_tickets: list[Ticket]
    recent_tickets: list[Ticket]
    timeline: list[TimelineItem]
    timeline_next: dict | None
    tickets_total: int
    tickets_open: int
    today: date
    show_scores: bool = False  # scores, segment, RFM and explanation are for staff
    follow_ups: list[FollowUpLine] | None = None  # open ones, soonest due first; None: not the viewer's to see

    def warranty_expired(self, owned: CustomerProduct) -> bool:
        end = owned.contract_until or owned.warranty_until
        return end is not None and end < self.today

    @property
    def has_scores(self) -> bool:
        """Anything known about satisfaction or value (else the card says there is not enough data)."""
        c = self.customer
        return any(v is not None for v in (c.csat_score, c.nps_class, c.effort_score, c.rfm_recency,
                                           c.customer_score, c.tactical_segment))

    @property
    def rfm_code(self) -> str | None:
        """Recency, frequency and monetary quintiles as "5-4-3", or None without purchase history."""
        c = self.customer
        values = (c.rfm_recency, c.rfm_frequency, c.rfm_monetary)
        return "-".join(str(v) for v in values) if all(v is not None for v in values) else None

    def explanation(self, locale: str) -> list[ExplanationPart]:
        return explanation_parts(self.customer.score_explanation, locale)


def get_customer(user, customer_id: int) -> Customer:
    return _customer(user, customer_id)[0]


def _customer(user, customer_id: int, *, counts: bool = False, products: bool = False,
              follow_ups: bool = False) -> tuple:
    """(customer,) or with `counts` (customer, its tickets, its open tickets) in one statement, the
    customer with its organisation, phones and addresses (a few of each, whatever their history),
    with `products` what it owns, with `follow_ups` its open follow-ups and their tickets' numbers;
    NotFound unless `user` may see it."""
    row = db.session.execute(_customer_statement(counts, products, follow_ups),
                             {"customer_id": customer_id}).unique().one_or_none()
    if row is None:
        raise NotFound("No such customer.")
    require(user, "customer.view", row[0], hide=True)
    return tuple(row)


@lru_cache(maxsize=8)
def _customer_statement(counts: bool, products: bool, follow_ups: bool):
    """_customer's statement, built once per shape (the id is bound at execution)."""
    options = [joinedload(Customer.organization), joinedload(Customer.phones), joinedload(Customer.emails)]
    if products:
        options.append(joinedload(Customer.products).joinedload(CustomerProduct.product))
    if follow_ups:
        options.append(joinedload(Customer.open_follow_ups).joinedload(FollowUp.ticket).load_only(Ticket.number))
    columns = (_ticket_count(), _ticket_count(Ticket.status.in_(OPEN_STATUSES))) if counts else ()
    return (select(Customer, *columns).where(Customer.id == bindparam("customer_id", type_=Integer))
            .options(*options))


def _ticket_count(*conditions):
    return (select(func.count(Ticket.id)).where(Ticket.customer_id == Customer.id, *conditions)
            .correlate(Customer).scalar_subquery())


def customer_card(user, customer_id: int, *, now: datetime, recent: int = 10, timeline_limit: int = TIMELINE_PAGE,
                  timeline_cursor: dict | None = None, ticket_details: bool = True) -> CustomerCard:
    """The card, whatever the history's size, in three statements (four with the tickets' tags): the
    customer with its phones, addresses, products, open follow-ups and ticket counts; its open and
    recent tickets; one page of its timeline. `ticket_details` loads the tickets' tags and team (the
    API shows them; the console's card does not)."""
    sees_follow_ups = may(user, "follow_up.view")
    customer, total, open_count = _customer(user, customer_id, counts=True, products=True,
                                            follow_ups=sees_follow_ups)
    products = sorted(customer.products, key=_latest_purchase_first)
    open_tickets, recent_tickets = _open_and_recent(customer.id, recent, ticket_details)
    items, next_cursor = timeline_page(customer.id, limit=timeline_limit, cursor=timeline_cursor,
                                       hidden_kinds=hidden_interaction_kinds(user))
    follow_ups = None
    if sees_follow_ups:
        follow_ups = [_follow_up_line(f, f.ticket.number if f.ticket else None, now)
                      for f in customer.open_follow_ups[:CARD_FOLLOW_UPS]]
    return CustomerCard(customer, products, open_tickets, recent_tickets, items, next_cursor, total,
                        open_count, now.date(), show_scores=may(user, "customer.scores.view", customer),
                        follow_ups=follow_ups)


OPEN_LISTED = 50


def _latest_purchase_first(owned: CustomerProduct) -> tuple:
    purchased = owned.purchased_at
    return (purchased is None, -(purchased.toordinal() if purchased else 0), -owned.id)


def _open_and_recent(customer_id: int, recent: int, details: bool) -> tuple[list[Ticket], list[Ticket]]:
    """The customer's open tickets (most urgent first, up to OPEN_LISTED) and latest ones, in one
    statement: each list's ids picked by its own index-ordered, limited select, the tickets read once."""
    lists: dict[int, list[Ticket]] = {1: [], 2: []}
    for ticket, which in db.session.execute(_open_and_recent_statement(recent, details), {"customer_id": customer_id}):
        lists[which].append(ticket)
    return lists[1], lists[2]


@lru_cache(maxsize=8)
def _open_and_recent_statement(recent: int, details: bool):
    customer_id = bindparam("customer_id", type_=Integer)

    def picked_ids(which: int, order: tuple, limit: int, *where):
        return select(select(Ticket.id.label("id"), literal(which).label("list"),
                             func.row_number().over(order_by=order).label("rank"))
                      .where(Ticket.customer_id == customer_id, *where).order_by(*order).limit(limit).subquery())

    picked = union_all(
        picked_ids(1, (Ticket.sla_due_at.is_(None), Ticket.sla_due_at, Ticket.id), OPEN_LISTED,
                   Ticket.status.in_(OPEN_STATUSES)),
        picked_ids(2, (Ticket.created_at.desc(), Ticket.id.desc()), recent),
    ).subquery("picked")
    stmt = (select(Ticket, picked.c.list).join(picked, picked.c.id == Ticket.id)
            .order_by(picked.c.list, picked.c.rank))
    if details:
        stmt = stmt.options(selectinload(Ticket.tags), joinedload(Ticket.team))
    return stmt


def follow_ups_page(user, customer_id: int, *, now: datetime, limit: int,
                    cursor: dict | None) -> tuple[list[FollowUpLine], dict | None]:
    """A customer's follow-ups, open or closed, newest first, keyset-paged on (created_at, id)."""
    customer = get_customer(user, customer_id)
    require(user, "follow_up.view", hide=True)
    stmt = select(FollowUp).where(FollowUp.customer_id == customer.id)
    if cursor:
        at, last_id = _follow_up_cursor(cursor)
        stmt = stmt.where(or_(FollowUp.created_at < at, and_(FollowUp.created_at == at, FollowUp.id < last_id)))
    lines = _follow_up_lines(stmt.order_by(FollowUp.created_at.desc(), FollowUp.id.desc()).limit(limit + 1), now)
    more = len(lines) > limit
    lines = lines[:limit]
    return lines, (lines[-1].cursor if more and lines else None)


def _follow_up_lines(stmt, now: datetime) -> list[FollowUpLine]:
    """Run a FollowUp select with its tickets' numbers joined in: one query."""
    rows = db.session.execute(
        stmt.add_columns(Ticket.number).outerjoin(Ticket, Ticket.id == FollowUp.ticket_id)
    ).all()
    return [_follow_up_line(follow_up, number, now) for follow_up, number in rows]


def _follow_up_line(f: FollowUp, ticket_number: int | None, now: datetime) -> FollowUpLine:
    return FollowUpLine(
        id=f.id, ticket_id=f.ticket_id, ticket_number=ticket_number, team_id=f.team_id, reasons=list(f.reasons or []),
        state=f.state, due_at=_aware(f.due_at), overdue=follow_up_overdue(f.state, _aware(f.due_at), f.overdue_at, now),
        outcome=f.outcome, note=f.note,
        closed_at=_aware(f.closed_at) if f.closed_at else None, created_at=_aware(f.created_at),
    )


def timeline_page(customer_id: int, *, limit: int, cursor: dict | None,
                  hidden_kinds: Collection[str]) -> tuple[list[TimelineItem], dict | None]:
    """Every contact, newest first, as one UNION ALL query with keyset paging on (at, kind, id).
    `hidden_kinds`: interaction kinds the reader may not see (permissions.hidden_interaction_kinds)."""
    params = {"customer_id": customer_id}
    if cursor:
        params["cursor_at"], params["cursor_kind"], params["cursor_id"] = _cursor(cursor)
    stmt = _timeline_statement(limit, bool(cursor), tuple(sorted(hidden_kinds)))
    rows = db.session.execute(stmt, params).all()
    items = [
        TimelineItem(kind=row.kind, at=_aware(row.at), id=row.id, ticket_id=row.ticket_id, ticket_number=row.ticket_number,
                     channel=row.channel, summary=_summary(row.kind, row.summary))
        for row in rows[:limit]
    ]
    return items, (items[-1].cursor if len(rows) > limit and items else None)


@lru_cache(maxsize=64)
def _timeline_statement(limit: int, after_cursor: bool, hidden_kinds: tuple[str, ...]):
    """The timeline's statement, built once per shape (its values are bound at execution): built
    for each request, its three branches and their subqueries cost more than running it."""
    customer_id = bindparam("customer_id", type_=Integer)
    tickets = select(
        literal("ticket", String).label("kind"), Ticket.created_at.label("at"), Ticket.id.label("id"),
        Ticket.id.label("ticket_id"), Ticket.number.label("ticket_number"), Ticket.channel.label("channel"),
        Ticket.subject.label("summary"),
    ).where(Ticket.customer_id == customer_id)
    messages = select(
        _message_kind().label("kind"),
        Message.created_at.label("at"), Message.id.label("id"), Ticket.id.label("ticket_id"),
        Ticket.number.label("ticket_number"), Message.channel.label("channel"),
        func.substr(Message.body, 1, SUMMARY_CHARS * 2).label("summary"),
    ).join(Ticket, Ticket.id == Message.ticket_id).where(
        Ticket.customer_id == customer_id, Message.kind == "reply",
        # The ticket's first message is the ticket itself on the timeline.
        Message.created_at > Ticket.created_at,
    )
    linked = aliased(Ticket)
    interactions = select(
        Interaction.kind.label("kind"), Interaction.occurred_at.label("at"), Interaction.id.label("id"),
        Interaction.ticket_id.label("ticket_id"), linked.number.label("ticket_number"),
        Interaction.channel.label("channel"), Interaction.summary.label("summary"),
    ).outerjoin(linked, linked.id == Interaction.ticket_id).where(Interaction.customer_id == customer_id)
    if hidden_kinds:
        interactions = interactions.where(Interaction.kind.not_in(list(hidden_kinds)))
    # Each kind of contact brings only its own first page (after the cursor), so the merge sorts at
    # most three pages, not the customer's whole history.
    pages = [_timeline_branch(branch, after_cursor, limit + 1) for branch in (tickets, messages, interactions)]
    union = union_all(*pages).subquery("timeline")
    return select(union).order_by(union.c.at.desc(), union.c.kind.desc(), union.c.id.desc()).limit(limit + 1)


def _timeline_branch(branch, after_cursor: bool, limit: int):
    """One kind of contact's rows after the cursor (bound as cursor_at, cursor_kind, cursor_id),
    newest first, at most `limit`."""
    rows = branch.subquery()
    stmt = select(rows)
    if after_cursor:
        at = bindparam("cursor_at", type_=rows.c.at.type)
        kind, last_id = bindparam("cursor_kind", type_=String), bindparam("cursor_id", type_=Integer)
        stmt = stmt.where(or_(
            rows.c.at < at,
            and_(rows.c.at == at, rows.c.kind < kind),
            and_(rows.c.at == at, rows.c.kind == kind, rows.c.id < last_id),
        ))
    return select(stmt.order_by(rows.c.at.desc(), rows.c.kind.desc(), rows.c.id.desc()).limit(limit).subquery())


def _message_kind():
    from sqlalchemy import case

    return case((Message.from_customer.is_(True), literal("reply_in", String)), else_=literal("reply_out", String))


def _summary(kind: str, text: str | None) -> str:
    if not text:
        return ""
    if kind in ("reply_in", "reply_out"):
        text = html_to_text(text)
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _aware(value: datetime) -> datetime:
    if isinstance(value, str):  # SQLite hands back text from a UNION of typed columns
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _follow_up_cursor(cursor: dict) -> tuple[datetime, int]:
    try:
        at = datetime.fromisoformat(cursor["at"])
        last_id = cursor["id"]
    except (KeyError, TypeError, ValueError):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    if at.tzinfo is None or not isinstance(last_id, int):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    return at, last_id


def _cursor(cursor: dict) -> tuple[datetime, str, int]:
    try:
        at = datetime.fromisoformat(cursor["at"])
        kind = str(cursor["kind"])
        last_id = int(cursor["id"])
    except (KeyError, TypeError, ValueError):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    if at.tzinfo is None:
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    return at, kind, last_id
