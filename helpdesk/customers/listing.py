"""The customer list (console page and API): search, tactical-segment and score filters, sorting, and
keyset pages on indexed columns, with the page's open-ticket counts in one grouped query."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.customers.phones import normalise_phone
from helpdesk.errors import FieldErrors, Invalid
from helpdesk.extensions import db
from helpdesk.models import Customer, CustomerEmail, CustomerPhone, Ticket
from helpdesk.models.customers import TACTICAL_SEGMENTS
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.permissions import may, scope_customers

# name: A to Z; score: highest first; last_contact: most recent first. Ties (and customers with no
# score or no contact yet, listed after the others) are ordered by id.
SORTS = ("name", "score", "last_contact")
MAX_QUERY_CHARS = 200
BAD_CURSOR = "bad_cursor"


@dataclass(frozen=True)
class CustomerFilters:
    q: str | None = None  # part of a name or e-mail address, or a phone number in any format
    email: str | None = None  # an exact address, primary or secondary
    phone: str | None = None  # E.164
    segment: str | None = None  # tactical segment
    min_score: int | None = None
    max_score: int | None = None
    sort: str = "name"

    @property
    def active(self) -> bool:
        """True when anything narrows the list (the page then says nothing matched, not that there is no one)."""
        return any(v is not None for v in (self.q, self.email, self.phone, self.segment, self.min_score, self.max_score))


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    open_tickets: int


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerRow]
    next_cursor: dict | None
    filters: CustomerFilters  # as applied (score filters dropped for a viewer who may not see scores)
    show_scores: bool


def parse_filters(args: Mapping[str, str], *, region: str) -> CustomerFilters:
    """Filters from query-string arguments (empty ones ignored); every bad one is named at once."""
    errors = FieldErrors()

    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        if len(value) > MAX_QUERY_CHARS:
            errors.add(name, "too_long", max_length=MAX_QUERY_CHARS)
        return value or None

    q, email, raw_phone = text("q"), text("email"), text("phone")
    phone = None
    if raw_phone and "phone" not in errors:
        phone = normalise_phone(raw_phone, region)
        if phone is None:
            errors["phone"] = "not_a_phone"
    segment = text("segment")
    if segment is not None and segment not in TACTICAL_SEGMENTS:
        errors.add("segment", "not_a_choice", choices=list(TACTICAL_SEGMENTS))
    scores = {}
    for name in ("min_score", "max_score"):
        raw = text(name)
        if raw is None:
            scores[name] = None
        elif not raw.isdigit() or not 0 <= int(raw) <= 100:
            errors.add(name, "out_of_range", min=0, max=100)
        else:
            scores[name] = int(raw)
    low, high = scores.get("min_score"), scores.get("max_score")
    if low is not None and high is not None and low > high:
        errors["min_score"] = "min_above_max"
    sort = text("sort") or "name"
    if sort not in SORTS:
        errors.add("sort", "not_a_choice", choices=list(SORTS))
    if errors:
        raise Invalid(errors)
    return CustomerFilters(q=q, email=email.lower() if email else None, phone=phone, segment=segment,
                           min_score=low, max_score=high, sort=sort)


def customer_page(user, filters: CustomerFilters, *, limit: int, cursor: dict | None, region: str,
                  contacts: bool = False) -> CustomerPage:
    """One page of the customers `user` may see. Costs the same few queries whatever the page's size
    or depth: the customers (two for score or last-contact order when the page reaches those with
    none), and their open tickets counted in one grouped query. `contacts` also loads phones and
    e-mail addresses (the API shows them)."""
    show_scores = may(user, "customer.scores.view")
    if not show_scores:
        # Filtering or sorting by score would reveal it.
        filters = replace(filters, segment=None, min_score=None, max_score=None,
                          sort="name" if filters.sort == "score" else filters.sort)
    base = _filtered(scope_customers(user, select(Customer)), filters, region).options(joinedload(Customer.organization))
    if contacts:
        base = base.options(selectinload(Customer.phones), selectinload(Customer.emails))
    if filters.sort == "name":
        customers, next_cursor = _by_name(base, limit, cursor)
    elif filters.sort == "score":
        customers, next_cursor = _by_nullable_desc(
            base, Customer.customer_score, "score", limit, cursor, _score_value,
            with_nulls=filters.min_score is None and filters.max_score is None)
    else:
        customers, next_cursor = _by_nullable_desc(base, Customer.last_contact_at, "at", limit, cursor, _time_value)
    counts = _open_ticket_counts([c.id for c in customers])
    rows = [CustomerRow(c, counts.get(c.id, 0)) for c in customers]
    return CustomerPage(rows, next_cursor, filters, show_scores)


def _filtered(stmt, f: CustomerFilters, region: str):
    if f.q:
        needle = f.q.lower()
        matches = [
            func.lower(Customer.name).contains(needle, autoescape=True),
            func.lower(Customer.email).contains(needle, autoescape=True),
            Customer.emails.any(func.lower(CustomerEmail.email).contains(needle, autoescape=True)),
        ]
        number = normalise_phone(f.q, region) if any(ch.isdigit() for ch in f.q) else None
        if number:
            matches.append(Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.number == number)))
        stmt = stmt.where(or_(*matches))
    if f.email:
        stmt = stmt.where(or_(func.lower(Customer.email) == f.email,
                              Customer.emails.any(func.lower(CustomerEmail.email) == f.email)))
    if f.phone:
        stmt = stmt.where(Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.number == f.phone)))
    if f.segment:
        stmt = stmt.where(Customer.tactical_segment == f.segment)
    if f.min_score is not None:
        stmt = stmt.where(Customer.customer_score >= f.min_score)
    if f.max_score is not None:
        stmt = stmt.where(Customer.customer_score <= f.max_score)
    return stmt


def _by_name(base, limit: int, cursor: dict | None) -> tuple[list[Customer], dict | None]:
    stmt = base
    if cursor:
        name, last_id = cursor.get("name"), _cursor_id(cursor, "name")
        if not isinstance(name, str):
            raise Invalid({"cursor": BAD_CURSOR})
        stmt = stmt.where(or_(Customer.name > name, and_(Customer.name == name, Customer.id > last_id)))
    rows = list(db.session.scalars(stmt.order_by(Customer.name, Customer.id).limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    return rows, ({"sort": "name", "name": rows[-1].name, "id": rows[-1].id} if more and rows else None)


def _by_nullable_desc(base, column, key: str, limit: int, cursor: dict | None, parse,
                      with_nulls: bool = True) -> tuple[list[Customer], dict | None]:
    """Highest (or latest) first, then the rows where `column` is NULL, each phase an ordered walk of
    the (column, id) index; the cursor's value is None once the walk is in the second phase."""
    sort = "score" if key == "score" else "last_contact"
    last_id = _cursor_id(cursor, sort) if cursor else None
    value = parse(cursor.get(key)) if cursor else None
    in_nulls = cursor is not None and value is None
    rows: list[Customer] = []
    if not in_nulls:
        stmt = base.where(column.is_not(None))
        if cursor:
            stmt = stmt.where(or_(column < value, and_(column == value, Customer.id < last_id)))
        rows = list(db.session.scalars(stmt.order_by(column.desc(), Customer.id.desc()).limit(limit + 1)))
    if len(rows) <= limit and with_nulls:
        stmt = base.where(column.is_(None))
        if in_nulls:
            stmt = stmt.where(Customer.id < last_id)
        rows += list(db.session.scalars(stmt.order_by(Customer.id.desc()).limit(limit + 1 - len(rows))))
    more, rows = len(rows) > limit, rows[:limit]
    if not (more and rows):
        return rows, None
    last = rows[-1]
    raw = getattr(last, column.key)
    return rows, {"sort": sort, key: raw.isoformat() if isinstance(raw, datetime) else raw, "id": last.id}


def _open_ticket_counts(customer_ids: list[int]) -> dict[int, int]:
    if not customer_ids:
        return {}
    rows = db.session.execute(
        select(Ticket.customer_id, func.count(Ticket.id))
        .where(Ticket.customer_id.in_(customer_ids), Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.customer_id)
    ).all()
    return {customer_id: count for customer_id, count in rows}


def _cursor_id(cursor: dict, sort: str) -> int:
    value = cursor.get("id")
    if cursor.get("sort") != sort or not isinstance(value, int) or isinstance(value, bool):
        raise Invalid({"cursor": BAD_CURSOR})
    return value


def _score_value(value) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise Invalid({"cursor": BAD_CURSOR})
    return value


def _time_value(value) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Invalid({"cursor": BAD_CURSOR})
    if parsed.tzinfo is None:
        raise Invalid({"cursor": BAD_CURSOR})
    return parsed
