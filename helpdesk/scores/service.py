"""Customer scores, database side: the pure rules fed from SQL aggregates, for one customer after an
event (`update_customer_scores`), for everyone (`recompute_all`), and nightly (`recompute_if_due`).

Both paths run the same aggregate statements (`helpdesk.scores.aggregates`) and the same
`_column_values`, so a customer gets the same scores whichever way they were computed (with the
same boundaries and `now`).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from tqdm import tqdm

from helpdesk import settings as settings_store
from helpdesk.models import Customer, Interaction, Setting, SLAPolicy
from helpdesk.scores import aggregates
from helpdesk.scores.contacts import ContactLoad
from helpdesk.scores.facts import CustomerFacts, days_since
from helpdesk.scores.rfm import Boundaries, RfmInputs, boundaries, rfm_inputs, rfm_score
from helpdesk.scores.satisfaction import Satisfaction
from helpdesk.scores.scoring import customer_score
from helpdesk.scores.segments import tactical_segment
from helpdesk.scores.settings import BOUNDARIES_KEY, RECOMPUTED_KEY, SETTINGS_KEY, ScoreSettings
from helpdesk.sla.policies import TicketFacts, policy_matches
from helpdesk.sla.service import refresh_sla_for_customer, refresh_sla_for_customers

log = logging.getLogger(__name__)

RECOMPUTE_EVERY = timedelta(hours=24)
RETRY_AFTER = timedelta(hours=1)  # a failed nightly run is tried again this much later
SCORE_CONDITION_KEYS = ("tactical_segment", "min_score")  # what SLA policies may read of the scores


# --- settings and stored boundaries ----------------------------------------------------------------


def load_settings(session: Session) -> ScoreSettings:
    return settings_store.load(session, SETTINGS_KEY, ScoreSettings)


def save_settings(session: Session, settings: ScoreSettings, now: datetime, actor_id: int | None = None) -> None:
    settings_store.save(session, SETTINGS_KEY, settings, now, actor_id)


@dataclass(frozen=True)
class StoredBoundaries:
    bounds: Boundaries
    computed_at: datetime
    window_days: int


def stored_boundaries(session: Session) -> StoredBoundaries | None:
    data = settings_store.read(session, BOUNDARIES_KEY)
    if not data or "computed_at" not in data:
        return None
    return StoredBoundaries(Boundaries.from_json(data), datetime.fromisoformat(data["computed_at"]),
                            int(data.get("window_days") or 0))


def _store_boundaries(session: Session, bounds: Boundaries, now: datetime, settings: ScoreSettings) -> None:
    """Stored as the settings document "rfm_boundaries", with an upsert: the first two events of a
    fresh install may compute them at once, and neither may fail on the settings row's key."""
    value = {**bounds.to_json(), "computed_at": now.isoformat(), "window_days": settings.rfm_window_days}
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        settings_store.write(session, BOUNDARIES_KEY, value, now)
        return
    table = Setting.__table__
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        key=BOUNDARIES_KEY, value=value, updated_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={
        "value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at, "updated_by_id": None}))
    loaded = session.identity_map.get(identity_key(Setting, BOUNDARIES_KEY))
    if loaded is not None:  # the Core write bypassed the session: let the next read see it
        session.expire(loaded)


def compute_boundaries(session: Session, now: datetime, settings: ScoreSettings | None = None) -> Boundaries:
    """The RFM quintile boundaries over every customer with orders, stored (in the caller's transaction)."""
    settings = settings or load_settings(session)
    rows = session.execute(aggregates.statements(session, one_customer=False).orders,
                           aggregates.parameters(now, settings)).all()
    bounds = boundaries(i for i in (_rfm_inputs(row, now) for row in rows) if i is not None)
    _store_boundaries(session, bounds, now, settings)
    return bounds


# --- one customer -------------------------------------------------------------------------------------


def update_customer_scores(session: Session, customer_id: int, now: datetime) -> None:
    """Recompute one customer's scores after an event (answer, order, ticket resolved or reopened),
    with the stored RFM boundaries (computed first when there are none, or when they were computed
    for another window). Records a segment change on the customer's timeline; when the change of
    segment or score changes what an SLA policy's conditions say of the customer, their open tickets
    get their policy again. Flushes, never commits."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return
    settings = load_settings(session)
    sources = _Sources.load(session, now, settings, customer_id)
    stored = stored_boundaries(session)
    inputs = _rfm_inputs(sources.orders.get(customer_id), now)
    if stored is None or stored.window_days != settings.rfm_window_days or (inputs and not stored.bounds.customers):
        bounds = compute_boundaries(session, now, settings)
    else:
        bounds = stored.bounds
    row = _CustomerRow(customer.id, customer.created_at, customer.last_contact_at, customer.tactical_segment,
                       customer.customer_score)
    values = _column_values(row, sources, bounds, now, settings)
    for name, value in values.items():
        setattr(customer, name, value)
    change = _segment_change(row, values["tactical_segment"], now)
    if change is not None:
        session.add(Interaction(**change))
    session.flush()
    if _changed_for_sla(row, values) and _SlaWatch.load(session).concerned(row, values):
        refresh_sla_for_customer(session, customer.id, now)


# --- everyone -----------------------------------------------------------------------------------------


def recompute_all(session: Session, now: datetime, *, progress: bool = False, batch: int = 2000) -> int:
    """Every customer's scores, boundaries included, from one GROUP BY query per source table;
    written `batch` customers at a time (one bulk UPDATE, one insert of segment changes, the SLA
    refresh of the open tickets of customers an SLA policy now sees differently, one commit each).
    Returns how many customers were scored."""
    settings = load_settings(session)
    sources = _Sources.load(session, now, settings)
    bounds = boundaries(i for i in (_rfm_inputs(row, now) for row in sources.orders.values()) if i is not None)
    _store_boundaries(session, bounds, now, settings)
    session.commit()
    watch = _SlaWatch.load(session)
    columns = (Customer.id, Customer.created_at, Customer.last_contact_at, Customer.tactical_segment,
               Customer.customer_score)
    bar = tqdm(total=session.scalar(select(func.count()).select_from(Customer)), unit="customer",
               desc="Customer scores", disable=not progress)
    done, last_id = 0, 0
    try:
        while True:
            rows = session.execute(select(*columns).where(Customer.id > last_id).order_by(Customer.id).limit(batch)).all()
            if not rows:
                break
            updates: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            sla_concerned: list[int] = []
            for customer in rows:
                row = _CustomerRow(*customer)
                values = _column_values(row, sources, bounds, now, settings)
                updates.append({"p_id": row.id, **{f"p_{name}": value for name, value in values.items()}})
                change = _segment_change(row, values["tactical_segment"], now)
                if change is not None:
                    changes.append(change)
                if _changed_for_sla(row, values) and watch.concerned(row, values):
                    sla_concerned.append(row.id)
            session.execute(_UPDATE_SCORES, updates)
            if changes:
                session.execute(insert(Interaction), changes)
            refresh_sla_for_customers(session, sla_concerned, now)
            session.commit()
            done += len(rows)
            last_id = rows[-1].id
            bar.update(len(rows))
    finally:
        bar.close()
    return done


def recompute_if_due(session: Session, now: datetime, *, every: timedelta = RECOMPUTE_EVERY) -> bool:
    """The background worker's nightly full recompute: run it when the last one started `every`
    ago or more (or never ran). The run is claimed atomically on the "scores_recomputed_at" settings
    row, so however many workers call this, one of them runs it. Commits. True when it ran here."""
    if not _claim_recompute(session, now, every):
        return False
    started = time.monotonic()
    try:
        count = recompute_all(session, now)
    except Exception:
        session.rollback()
        # Let a later pass try again in RETRY_AFTER rather than tomorrow (or at once, in a loop).
        session.execute(update(Setting).where(Setting.key == RECOMPUTED_KEY)
                        .values(updated_at=now - every + RETRY_AFTER).execution_options(synchronize_session=False))
        session.commit()
        raise
    settings_store.write(session, RECOMPUTED_KEY, {
        "started_at": now.isoformat(), "customers": count, "seconds": round(time.monotonic() - started, 1)}, now)
    session.commit()
    log.info("customer scores recomputed for %d customers", count)
    return True


def _claim_recompute(session: Session, now: datetime, every: timedelta) -> bool:
    claim = {"started_at": now.isoformat(), "running": True}
    dialect = session.get_bind().dialect.name
    table = Setting.__table__
    if dialect in ("postgresql", "sqlite"):
        insert_new = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
            key=RECOMPUTED_KEY, value=claim, updated_at=now).on_conflict_do_nothing(index_elements=["key"])
        # RETURNING says whether the row went in (rowcount is not reliable for this on every driver).
        if session.execute(insert_new.returning(table.c.key)).first() is not None:
            session.commit()
            return True
    # The row exists: take it only if nobody took it in the last `every` (one UPDATE wins).
    claimed = session.execute(
        update(Setting).where(Setting.key == RECOMPUTED_KEY, Setting.updated_at <= now - every)
        .values(value=claim, updated_at=now).execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return claimed == 1


SCORE_COLUMNS = (
    "csat_score", "nps_score", "nps_class", "effort_score", "rfm_recency", "rfm_frequency", "rfm_monetary",
    "rfm_recency_days", "rfm_order_count", "rfm_amount", "contacts_90d", "reopen_rate", "breaches_suffered",
    "customer_score", "score_explanation", "tactical_segment", "scores_updated_at",
)
_customers = Customer.__table__
# A Core executemany: the ORM's bulk update costs about as much again in Python per row.
_UPDATE_SCORES = (
    update(_customers).where(_customers.c.id == bindparam("p_id"))
    .values({name: bindparam(f"p_{name}", type_=_customers.c[name].type) for name in SCORE_COLUMNS})
)


# --- shared by both paths -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _CustomerRow:
    id: int
    created_at: datetime
    last_contact_at: datetime | None
    tactical_segment: str | None
    customer_score: int | None


@dataclass
class _Sources:
    """The aggregate rows by customer id, one mapping per aggregate statement."""

    orders: Mapping[int, Row] = field(default_factory=dict)
    surveys: Mapping[int, Row] = field(default_factory=dict)
    nps: Mapping[int, int] = field(default_factory=dict)
    tickets: Mapping[int, Row] = field(default_factory=dict)
    reopened: Mapping[int, Row] = field(default_factory=dict)
    breaches: Mapping[int, int] = field(default_factory=dict)
    interactions: Mapping[int, Row] = field(default_factory=dict)
    follow_ups: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, now: datetime, settings: ScoreSettings, customer_id: int | None = None) -> _Sources:
        queries = aggregates.statements(session, one_customer=customer_id is not None)
        params = aggregates.parameters(now, settings, customer_id)

        def rows(stmt) -> dict[int, Row]:
            return {row[0]: row for row in session.execute(stmt, params)}

        def counts(stmt) -> dict[int, int]:
            return dict(session.execute(stmt, params).tuples().all())

        return cls(
            orders=rows(queries.orders),
            surveys=rows(queries.surveys),
            nps=counts(queries.latest_nps),
            tickets=rows(queries.tickets),
            reopened=rows(queries.reopened),
            breaches=counts(queries.breaches),
            interactions=rows(queries.interactions),
            follow_ups=counts(queries.follow_ups),
        )


def _rfm_inputs(orders: Row | None, now: datetime) -> RfmInputs | None:
    if orders is None:
        return None
    return rfm_inputs(orders.last_order_at, orders.orders, orders.amount, now)


def _facts(customer: _CustomerRow, sources: _Sources, bounds: Boundaries, now: datetime) -> CustomerFacts:
    orders = sources.orders.get(customer.id)
    survey = sources.surveys.get(customer.id)
    tickets = sources.tickets.get(customer.id)
    reopened = sources.reopened.get(customer.id)
    contacts = sources.interactions.get(customer.id)
    inputs = _rfm_inputs(orders, now)
    csat = None
    if survey is not None and survey.csat_weights:
        csat = round(survey.csat_weighted / survey.csat_weights, 2)
    effort = round(float(survey.effort), 2) if survey is not None and survey.effort is not None else None
    load = ContactLoad(
        contacts=(tickets.recent_tickets if tickets else 0) + (contacts.loose_contacts if contacts else 0),
        # ever resolved: resolved now, or reopened since (and open again now)
        tickets_resolved=(tickets.resolved if tickets else 0) + (reopened.reopened_open if reopened else 0),
        tickets_reopened=reopened.reopened if reopened else 0,
        breaches=sources.breaches.get(customer.id, 0),
    )
    seen = [at for at in (customer.last_contact_at, tickets.last_ticket_at if tickets else None,
                          contacts.last_inbound_at if contacts else None) if at is not None]
    return CustomerFacts(
        tenure_days=days_since(customer.created_at, now) or 0,
        rfm_inputs=inputs,
        rfm=rfm_score(inputs, bounds),
        satisfaction=Satisfaction(csat=csat, nps=sources.nps.get(customer.id), effort=effort),
        load=load,
        days_since_last_order=days_since(orders.last_order_at if orders else None, now),
        days_since_last_contact=days_since(max(seen) if seen else None, now),
        open_follow_ups=sources.follow_ups.get(customer.id, 0),
    )


def _column_values(customer: _CustomerRow, sources: _Sources, bounds: Boundaries, now: datetime,
                   settings: ScoreSettings) -> dict[str, Any]:
    facts = _facts(customer, sources, bounds, now)
    score = customer_score(facts, settings)
    rfm, inputs, sat, load = facts.rfm, facts.rfm_inputs, facts.satisfaction, facts.load
    rate = load.reopen_rate
    return {
        "csat_score": sat.csat,
        "nps_score": sat.nps,
        "nps_class": sat.nps_class,
        "effort_score": sat.effort,
        "rfm_recency": rfm.recency if rfm else None,
        "rfm_frequency": rfm.frequency if rfm else None,
        "rfm_monetary": rfm.monetary if rfm else None,
        "rfm_recency_days": inputs.recency_days if inputs else None,
        "rfm_order_count": inputs.frequency if inputs else None,
        "rfm_amount": Decimal(f"{inputs.monetary:.2f}") if inputs else None,
        "contacts_90d": load.contacts,
        "reopen_rate": round(rate, 4) if rate is not None else None,
        "breaches_suffered": load.breaches,
        "customer_score": score.score,
        "score_explanation": score.explanation(),
        "tactical_segment": tactical_segment(facts, settings),
        "scores_updated_at": now,
    }


def _changed_for_sla(customer: _CustomerRow, values: Mapping[str, Any]) -> bool:
    return (customer.tactical_segment != values["tactical_segment"]
            or customer.customer_score != values["customer_score"])


@dataclass(frozen=True)
class _ScoreConditions:
    conditions: dict[str, Any]


@dataclass(frozen=True)
class _SlaWatch:
    """The tactical-segment and min-score conditions of the active SLA policies. A customer's open
    tickets need their policy chosen again only when one of these holds before a change of scores
    and not after, or the other way round (the first scoring of a whole base would otherwise
    recompute every open ticket)."""

    policies: tuple[_ScoreConditions, ...]

    @classmethod
    def load(cls, session: Session) -> _SlaWatch:
        watched: list[_ScoreConditions] = []
        for conditions in session.scalars(select(SLAPolicy.conditions).where(SLAPolicy.active.is_(True))):
            if isinstance(conditions, dict) and any(k in conditions for k in SCORE_CONDITION_KEYS):
                watched.append(_ScoreConditions({k: conditions[k] for k in SCORE_CONDITION_KEYS if k in conditions}))
        return cls(tuple(watched))

    def concerned(self, customer: _CustomerRow, values: Mapping[str, Any]) -> bool:
        before = TicketFacts(tactical_segment=customer.tactical_segment, customer_score=customer.customer_score)
        after = TicketFacts(tactical_segment=values["tactical_segment"], customer_score=values["customer_score"])
        return any(policy_matches(p, before) != policy_matches(p, after) for p in self.policies)


def _segment_change(customer: _CustomerRow, new: str, now: datetime) -> dict[str, Any] | None:
    """The timeline entry of a segment change (staff only); none for a customer's first segment."""
    old = customer.tactical_segment
    if old is None or old == new:
        return None
    return {"customer_id": customer.id, "kind": "segment", "channel": "system", "direction": None,
            "summary": f"{old} \u2192 {new}", "occurred_at": now, "data": {"old": old, "new": new}}
