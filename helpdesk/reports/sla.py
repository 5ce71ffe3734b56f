"""The SLA report: compliance per metric (and per priority), business-time response and resolution
times, first-contact resolution and reopen rates of the period.

A clock belongs to the period it started in: first response and resolution start when the ticket
is created (so they are the period's tickets), next response when the customer wrote (a next-response
clock that never started, no message waiting for an answer, is no promise and is left out). It counts
once decided: `met` (stopped in time) or `breached` (claimed by the sweep, or stopped late); running,
paused and warned clocks are `pending`. Compliance % = met / (met + breached).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from helpdesk.models import SlaClock, Ticket
from helpdesk.models.sla import SLA_METRICS, STARTED_AT_CREATION
from helpdesk.models.tickets import PRIORITIES
from helpdesk.reports.fcr import ResolutionQuality, resolution_quality
from helpdesk.reports.filters import ReportFilters, ticket_conditions
from helpdesk.reports.times import Spread, response_times


@dataclass(frozen=True)
class Compliance:
    met: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def compliance(self) -> float | None:
        return round(100 * self.met / self.decided, 1) if self.decided else None

    def __add__(self, other: "Compliance") -> "Compliance":
        return Compliance(self.met + other.met, self.breached + other.breached, self.pending + other.pending)

    def as_json(self) -> dict:
        return {"met": self.met, "breached": self.breached, "pending": self.pending, "compliance": self.compliance}


@dataclass(frozen=True)
class SlaReport:
    filters: ReportFilters
    metrics: dict[str, Compliance]  # every metric, in SLA_METRICS order
    by_priority: dict[str, dict[str, Compliance]]  # priority -> metric -> figures (priorities with clocks)
    times: dict[str, Spread] = field(default_factory=dict)
    quality: ResolutionQuality = ResolutionQuality()


def sla_compliance(session: Session, filters: ReportFilters
                   ) -> tuple[dict[str, Compliance], dict[str, dict[str, Compliance]]]:
    """GROUP BY metric, priority over the clocks started in the period (the totals per metric are
    the sums of the priorities'), in one statement of two parts: first response and resolution start
    when their ticket is created, so their tickets are read from the created_at index (joining
    every ticket to keep a month's made PostgreSQL hash all 1M); a next response starts later, on a
    ticket created before the period ends. Counted from the clocks' covering index alone."""
    c = SlaClock

    def part(metrics, *created):
        return (select(c.metric, Ticket.priority, func.count().filter(c.state == "met"),
                       func.count().filter(c.state == "breached"),
                       func.count().filter(c.state.not_in(("met", "breached"))))
                .select_from(c).join(Ticket, Ticket.id == c.ticket_id)
                .where(c.metric.in_(metrics), c.started_at >= filters.start, c.started_at < filters.end,
                       *created, Ticket.created_at < filters.end, *ticket_conditions(filters))
                .group_by(c.metric, Ticket.priority))

    at_creation = [m for m in SLA_METRICS if m in STARTED_AT_CREATION]
    later = [m for m in SLA_METRICS if m not in STARTED_AT_CREATION]
    rows = session.execute(union_all(part(at_creation, Ticket.created_at >= filters.start), part(later))).all()
    metrics = {metric: Compliance() for metric in SLA_METRICS}
    by_priority: dict[str, dict[str, Compliance]] = {}
    for metric, priority, met, breached, pending in rows:
        figures = Compliance(met, breached, pending)
        metrics[metric] = metrics.get(metric, Compliance()) + figures
        by_priority.setdefault(priority, {m: Compliance() for m in SLA_METRICS})[metric] = figures
    order = {p: i for i, p in enumerate(PRIORITIES)}
    return metrics, dict(sorted(by_priority.items(), key=lambda item: order.get(item[0], len(order))))


def sla_report(session: Session, filters: ReportFilters) -> SlaReport:
    """The report the page shows and GET /api/v1/reports/sla returns."""
    metrics, by_priority = sla_compliance(session, filters)
    return SlaReport(filters, metrics, by_priority, response_times(session, filters),
                     resolution_quality(session, filters))


CSV_HEADER = ("metric", "priority", "met", "breached", "pending", "compliance_percent")


def csv_rows(report: SlaReport) -> list[tuple]:
    rows = [(metric, "all", c.met, c.breached, c.pending, c.compliance) for metric, c in report.metrics.items()]
    for priority, metrics in report.by_priority.items():
        rows += [(metric, priority, c.met, c.breached, c.pending, c.compliance) for metric, c in metrics.items()]
    return rows


def as_json(report: SlaReport) -> dict:
    return {
        "metrics": {metric: c.as_json() for metric, c in report.metrics.items()},
        "by_priority": {p: {metric: c.as_json() for metric, c in m.items()} for p, m in report.by_priority.items()},
        "times": {metric: spread.as_json() for metric, spread in report.times.items()},
        **report.quality.as_json(),
    }
