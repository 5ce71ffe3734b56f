"""The SQL aggregates the scores are computed from: a few GROUP BY statements, one per source.

The same statements serve one customer (a `customer_id` parameter: every table is read through its
customer index) and all customers at once (the full recompute), so an update after an event and
the full recompute compute exactly the same figures.

For all customers on SQLite, the columns of the WHERE and GROUP BY terms are wrapped in a unary
"+" (SQLite's documented way to keep a term from using an index): the planner would otherwise walk
the customer indexes and fetch every row from the table one by one, several times slower than one
sequential scan of the table and a sort (measured: 7.5 s against 1.1 s over a million tickets).
"""
from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, and_, bindparam, case, cast, distinct, extract, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from helpdesk.models import FollowUp, Interaction, Order, SlaClock, SurveyResponse, Ticket, TicketEvent
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.models.types import UTCDateTime
from helpdesk.scores.settings import ScoreSettings

DONE_STATUSES = ("resolved", "closed")
LOOSE_CONTACT_KINDS = ("call", "email_in")  # inbound calls and e-mails; a ticket counts on its own

NOW = bindparam("now", type_=UTCDateTime())
RFM_SINCE = bindparam("rfm_since", type_=UTCDateTime())
CONTACT_SINCE = bindparam("contact_since", type_=UTCDateTime())
FRICTION_SINCE = bindparam("friction_since", type_=UTCDateTime())
NOW_EPOCH = bindparam("now_epoch", type_=Float())
DECAY = bindparam("decay", type_=Float())  # −ln 2 / half-life, per day
CUSTOMER_ID = bindparam("customer_id", type_=Integer())


@dataclass(frozen=True)
class Statements:
    """The aggregate statements; each row starts with the customer id. Run with `parameters()`."""

    orders: Select  # last_order_at (ever), orders and amount (in the RFM window)
    surveys: Select  # csat_weighted = Σ w·csat, csat_weights = Σ w (w = 0.5 ** (age_days / half-life)), effort
    latest_nps: Select  # nps: the latest answer carrying one (the last given on equal times)
    tickets: Select  # recent_tickets (contact window), last_ticket_at, resolved (friction window, resolved now)
    reopened: Select  # reopened, reopened_open (not resolved now): tickets of the friction window
    breaches: Select  # SLA clocks breached on the tickets of the friction window
    interactions: Select  # loose_contacts (inbound calls/e-mails on no ticket, contact window), last_inbound_at
    follow_ups: Select  # open follow-ups of bad answers


def parameters(now: datetime, settings: ScoreSettings, customer_id: int | None = None) -> dict[str, Any]:
    values = {
        "now": now,
        "rfm_since": now - timedelta(days=settings.rfm_window_days),
        "contact_since": now - timedelta(days=settings.contact_window_days),
        "friction_since": now - timedelta(days=settings.friction_window_days),
        "now_epoch": now.timestamp(),
        "decay": -math.log(2) / settings.csat_half_life_days,
    }
    if customer_id is not None:
        values["customer_id"] = customer_id
    return values


def statements(session: Session, *, one_customer: bool) -> Statements:
    """The statements for one customer (`customer_id` parameter) or for all customers."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        _ensure_exp(session)
    return _statements(dialect, one_customer)


@lru_cache(maxsize=None)
def _statements(dialect: str, one_customer: bool) -> Statements:
    # Built once: constructing them costs more than running them for one customer.
    c = _Columns(dialect == "sqlite", one_customer)
    return Statements(
        orders=_orders(c), surveys=_surveys(c), latest_nps=_latest_nps(c), tickets=_tickets(c),
        reopened=_reopened(c), breaches=_breaches(c), interactions=_interactions(c), follow_ups=_follow_ups(c),
    )


class _Columns:
    """Wraps columns for a full scan (all customers, on SQLite) or leaves them alone."""

    def __init__(self, sqlite: bool, one_customer: bool):
        self.sqlite = sqlite
        self.one_customer = one_customer
        self.scan = sqlite and not one_customer

    def __call__(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        if not self.scan:
            return column
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)

    def of_customer(self, stmt: Select, column: ColumnElement[Any]) -> Select:
        return stmt.where(column == CUSTOMER_ID) if self.one_customer else stmt


def _orders(c: _Columns) -> Select:
    in_window = Order.ordered_at >= RFM_SINCE
    key = c(Order.customer_id)
    stmt = select(
        key.label("customer_id"),
        func.max(Order.ordered_at).label("last_order_at"),
        func.count(case((in_window, 1))).label("orders"),
        func.sum(case((in_window, Order.amount))).label("amount"),
    ).where(c(Order.ordered_at) <= NOW).group_by(key)
    return c.of_customer(stmt, Order.customer_id)


def _surveys(c: _Columns) -> Select:
    age_days = (NOW_EPOCH - _epoch_seconds(c.sqlite, SurveyResponse.created_at)) / 86400.0
    weight = func.exp(age_days * DECAY)
    rated = SurveyResponse.csat.isnot(None)
    key = c(SurveyResponse.customer_id)
    stmt = select(
        key.label("customer_id"),
        func.sum(case((rated, weight * SurveyResponse.csat))).label("csat_weighted"),
        func.sum(case((rated, weight))).label("csat_weights"),
        func.avg(SurveyResponse.effort).label("effort"),
    ).where(c(SurveyResponse.created_at) <= NOW).group_by(key)
    return c.of_customer(stmt, SurveyResponse.customer_id)


def _latest_nps(c: _Columns) -> Select:
    rank = func.row_number().over(
        partition_by=SurveyResponse.customer_id,
        order_by=(SurveyResponse.created_at.desc(), SurveyResponse.id.desc()),
    ).label("rank")
    inner = select(SurveyResponse.customer_id, SurveyResponse.nps, rank).where(
        SurveyResponse.nps.isnot(None), c(SurveyResponse.created_at) <= NOW)
    ranked = c.of_customer(inner, SurveyResponse.customer_id).subquery()
    return select(ranked.c.customer_id, ranked.c.nps).where(ranked.c.rank == 1)


def _tickets_of(c: _Columns, since: ColumnElement[Any] | None = None) -> ColumnElement[bool]:
    """The tickets that count: a customer's, not merged into another, created by `now` (and since)."""
    created = c(Ticket.created_at)
    terms = [c(Ticket.customer_id).isnot(None), Ticket.merged_into_id.is_(None), created <= NOW]
    if since is not None:
        terms.append(created >= since)
    return and_(*terms)


def _tickets(c: _Columns) -> Select:
    key = c(Ticket.customer_id)
    stmt = select(
        key.label("customer_id"),
        func.count(case((Ticket.created_at >= CONTACT_SINCE, 1))).label("recent_tickets"),
        func.max(Ticket.created_at).label("last_ticket_at"),
        func.count(case((and_(Ticket.created_at >= FRICTION_SINCE, Ticket.resolved_at.isnot(None)), 1))).label("resolved"),
    ).where(_tickets_of(c)).group_by(key)
    return c.of_customer(stmt, Ticket.customer_id)


def _reopened(c: _Columns) -> Select:
    """Reopened: a status event from resolved/closed back to an open status."""
    key = c(Ticket.customer_id)
    stmt = (
        select(
            key.label("customer_id"),
            func.count(distinct(TicketEvent.ticket_id)).label("reopened"),
            func.count(distinct(case((Ticket.resolved_at.is_(None), TicketEvent.ticket_id)))).label("reopened_open"),
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.field == "status", TicketEvent.old_value.in_(DONE_STATUSES),
               TicketEvent.new_value.in_(OPEN_STATUSES), _tickets_of(c, FRICTION_SINCE))
        .group_by(key)
    )
    return c.of_customer(stmt, Ticket.customer_id)


def _breaches(c: _Columns) -> Select:
    key = c(Ticket.customer_id)
    stmt = (
        select(key.label("customer_id"), func.count().label("breaches"))
        .select_from(SlaClock).join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(SlaClock.breached_at.isnot(None), _tickets_of(c, FRICTION_SINCE))
        .group_by(key)
    )
    return c.of_customer(stmt, Ticket.customer_id)


def _interactions(c: _Columns) -> Select:
    inbound = Interaction.direction == "in"
    loose = and_(inbound, Interaction.kind.in_(LOOSE_CONTACT_KINDS), Interaction.ticket_id.is_(None),
                 Interaction.occurred_at >= CONTACT_SINCE)
    key = c(Interaction.customer_id)
    stmt = select(
        key.label("customer_id"),
        func.count(case((loose, 1))).label("loose_contacts"),
        func.max(case((inbound, Interaction.occurred_at))).label("last_inbound_at"),
    ).where(c(Interaction.occurred_at) <= NOW).group_by(key)
    return c.of_customer(stmt, Interaction.customer_id)


def _follow_ups(c: _Columns) -> Select:
    key = c(FollowUp.customer_id)
    stmt = select(key.label("customer_id"), func.count().label("open_follow_ups")).where(
        FollowUp.state == "open").group_by(key)
    return c.of_customer(stmt, FollowUp.customer_id)


def _epoch_seconds(sqlite: bool, column: ColumnElement[Any]) -> ColumnElement[float]:
    if sqlite:  # UTC text; julianday counts days from -4713
        return (func.julianday(column) - 2440587.5) * 86400.0
    return cast(extract("epoch", column), Float)


def _ensure_exp(session: Session) -> None:
    """SQLite has exp() only when built with its math functions: provide it when it is missing."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    pooled = connection.connection
    if pooled.info.get("helpdesk_exp"):
        return
    raw = pooled.dbapi_connection
    try:
        raw.execute("SELECT exp(0)").fetchall()
    except sqlite3.OperationalError:
        raw.create_function("exp", 1, math.exp, deterministic=True)
    pooled.info["helpdesk_exp"] = True
