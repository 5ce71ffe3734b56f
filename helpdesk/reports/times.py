"""First-response and resolution times in business seconds: median and 90th percentile.

A time is the `elapsed_seconds` of a stopped SLA clock (business time, pauses left out) started in
the period: both clocks start when the ticket is created, so these are the period's tickets.
Percentiles are linear interpolations between the two closest ranks (PostgreSQL's
percentile_cont): PostgreSQL computes them itself; on SQLite an ordered query fetches only the one
or two values at the percentile's rank (ORDER BY ... LIMIT 2 OFFSET k) or, for many groups at once
or when ticket filters need a join, numbers the sorted values once (ROW_NUMBER) and keeps those at
the ranks. Nothing but those values reaches Python.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from helpdesk.models import SlaClock, Ticket
from helpdesk.models.sla import STARTED_AT_CREATION
from helpdesk.reports.filters import ReportFilters, ticket_conditions

TIME_METRICS = ("first_response", "resolution")
PERCENTILES = (0.5, 0.9)


@dataclass(frozen=True)
class Spread:
    """How long a metric took, in business seconds, over `count` stopped clocks."""

    count: int = 0
    median: float | None = None
    p90: float | None = None

    def as_json(self) -> dict:
        return {"count": self.count, "median_seconds": _rounded(self.median), "p90_seconds": _rounded(self.p90)}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def rank_positions(count: int, fraction: float) -> tuple[int, float]:
    """(0-based offset of the lower value, weight of the upper one) for percentile_cont."""
    position = fraction * (count - 1)
    lower = math.floor(position)
    return lower, position - lower


def interpolate(values: Sequence[float], weight: float) -> float:
    """The percentile from the value at the lower rank and, when it is not exact, the next one."""
    if len(values) == 1 or weight == 0:
        return float(values[0])
    return float(values[0]) + weight * (float(values[1]) - float(values[0]))


def stopped_clocks(filters: ReportFilters, metrics: Sequence[str], *group_columns, join_tickets: bool = False):
    """SELECT [group columns,] metric, elapsed of the clocks of `metrics` (of TIME_METRICS) started in
    the period and stopped; joined to their ticket only when a filter (or a group column) needs it."""
    c = SlaClock
    stmt = (select(*group_columns, c.metric, c.elapsed_seconds.label("elapsed")).select_from(c)
            .where(c.metric.in_(metrics), c.started_at >= filters.start, c.started_at < filters.end,
                   c.stopped_at.is_not(None)))
    conditions = ticket_conditions(filters)
    if conditions or join_tickets:
        # These clocks start when their ticket is created (started_at == created_at): saying so
        # lets the database read the period's tickets from their created_at index instead of
        # joining every ticket (PostgreSQL hashed all 1M to keep a month's 120,000).
        if not set(metrics) <= set(STARTED_AT_CREATION):
            raise ValueError(f"not a clock started at creation: {metrics}")
        stmt = stmt.join(Ticket, Ticket.id == c.ticket_id).where(
            Ticket.created_at >= filters.start, Ticket.created_at < filters.end, *conditions)
    return stmt


def response_times(session: Session, filters: ReportFilters) -> dict[str, Spread]:
    """{metric: Spread} for first response and resolution."""
    if session.get_bind().dialect.name == "postgresql":
        grouped = _postgres(session, stopped_clocks(filters, TIME_METRICS).subquery(), [])
    elif ticket_conditions(filters):
        grouped = _sqlite_ranked(session, stopped_clocks(filters, TIME_METRICS).subquery(), [])
    else:  # the clocks alone, read from their (metric, started_at) index
        return {metric: _sqlite_offsets(session, stopped_clocks(filters, (metric,)).subquery())
                for metric in TIME_METRICS}
    return {metric: grouped.get((metric,), Spread()) for metric in TIME_METRICS}


def response_times_by_agent(session: Session, filters: ReportFilters) -> dict[int, dict[str, Spread]]:
    """{assignee id: {metric: Spread}}, one statement whatever the number of agents."""
    values = stopped_clocks(filters, TIME_METRICS, Ticket.assignee_id.label("agent_id"), join_tickets=True).where(
        Ticket.assignee_id.is_not(None)).subquery()
    if session.get_bind().dialect.name == "postgresql":
        grouped = _postgres(session, values, [values.c.agent_id])
    else:
        grouped = _sqlite_ranked(session, values, [values.c.agent_id])
    out: dict[int, dict[str, Spread]] = {}
    for (metric, agent_id), spread in grouped.items():
        out.setdefault(agent_id, {m: Spread() for m in TIME_METRICS})[metric] = spread
    return out


def _postgres(session: Session, values, groups: list) -> dict[tuple, Spread]:
    stmt = select(values.c.metric, *groups, func.count(),
                  *[func.percentile_cont(p).within_group(values.c.elapsed) for p in PERCENTILES]
                  ).group_by(values.c.metric, *groups)
    return {tuple(row[:-3]): Spread(row[-3], row[-2], row[-1]) for row in session.execute(stmt)}


def _sqlite_offsets(session: Session, values) -> Spread:
    """A count, then for each percentile the one or two values at its rank: ORDER BY ... LIMIT 2
    OFFSET k, from whichever end is nearer (SQLite then keeps only k + 2 values while it scans)."""
    count = session.scalar(select(func.count()).select_from(values)) or 0
    if not count:
        return Spread()
    found = []
    for fraction in PERCENTILES:
        offset, weight = rank_positions(count, fraction)
        wanted = 2 if weight else 1
        if offset <= count // 2:
            near = list(session.scalars(select(values.c.elapsed).order_by(values.c.elapsed)
                                        .limit(wanted).offset(offset)))
        else:  # the same values counted from the top: [upper, lower] -> [lower, upper]
            near = list(session.scalars(select(values.c.elapsed).order_by(values.c.elapsed.desc())
                                        .limit(wanted).offset(count - offset - wanted)))[::-1]
        found.append(interpolate(near, weight))
    return Spread(count, *found)


def _sqlite_ranked(session: Session, values, groups: list) -> dict[tuple, Spread]:
    """Per group, in one statement: number the sorted values of each group (ROW_NUMBER), keep the rows
    at the percentiles' ranks, interpolate in Python (at most four values per group)."""
    partition = [values.c.metric, *groups]
    # Both numbers over the same window (the count over the whole partition), so SQLite sorts once.
    ranked = select(*partition, values.c.elapsed,
                    func.row_number().over(partition_by=partition, order_by=values.c.elapsed).label("rn"),
                    func.count().over(partition_by=partition, order_by=values.c.elapsed, rows=(None, None)).label("n")
                    ).subquery()
    wanted = []
    for fraction in PERCENTILES:
        lower = cast(literal_column(repr(fraction)) * (ranked.c.n - 1), Integer)  # floor: n - 1 >= 0
        wanted += [ranked.c.rn == lower + 1, ranked.c.rn == lower + 2]
    rows = session.execute(select(*[ranked.c[c.name] for c in partition], ranked.c.n, ranked.c.rn,
                                  ranked.c.elapsed).where(or_(*wanted)))
    picked: dict[tuple, tuple[int, dict[int, int]]] = {}
    for row in rows:
        key, n, rn, elapsed = tuple(row[:len(partition)]), row[-3], row[-2], row[-1]
        picked.setdefault(key, (n, {}))[1][rn - 1] = elapsed
    out = {}
    for key, (n, at) in picked.items():
        found = []
        for fraction in PERCENTILES:
            offset, weight = rank_positions(n, fraction)
            found.append(interpolate([at[offset]] + ([at[offset + 1]] if weight else []), weight))
        out[key] = Spread(n, *found)
    return out
