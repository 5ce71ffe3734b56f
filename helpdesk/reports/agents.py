"""The agent table: per assignee, the period's tickets handled, their business-time first response
and resolution (median, 90th percentile), first-contact resolution, CSAT of the answers they were
rated on, and the promises they made that were kept.

Tickets are those created in the period and assigned to the agent now; survey answers those given
in the period about the agent (the answer keeps the agent of the ticket when it was rated); promises
those made in the period by the agent, kept % = kept / (kept + broken) (pending and cancelled ones
are not decided).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Promise, SurveyResponse, Ticket, User
from helpdesk.reports.fcr import ResolutionQuality, fcr_settings, quality_columns
from helpdesk.reports.filters import ReportFilters, created_in_period, ticket_conditions
from helpdesk.reports.satisfaction import Satisfaction, answers_select
from helpdesk.reports.times import Spread, response_times_by_agent


@dataclass(frozen=True)
class AgentRow:
    agent_id: int
    name: str
    quality: ResolutionQuality = ResolutionQuality()
    first_response: Spread = Spread()
    resolution: Spread = Spread()
    satisfaction: Satisfaction | None = None
    promises_kept: int = 0
    promises_broken: int = 0

    @property
    def handled(self) -> int:
        return self.quality.tickets

    @property
    def promises_kept_percent(self) -> float | None:
        decided = self.promises_kept + self.promises_broken
        return round(100 * self.promises_kept / decided, 1) if decided else None


@dataclass(frozen=True)
class AgentsReport:
    filters: ReportFilters
    rows: list[AgentRow] = field(default_factory=list)


def agents_report(session: Session, filters: ReportFilters) -> AgentsReport:
    """Five queries whatever the number of agents: tickets, times, answers, promises, names."""
    tickets = {row[0]: ResolutionQuality(*row[1:]) for row in session.execute(
        select(Ticket.assignee_id, *quality_columns(fcr_settings(session)))
        .where(Ticket.assignee_id.is_not(None), *created_in_period(filters)).group_by(Ticket.assignee_id))}
    times = response_times_by_agent(session, filters)
    r = SurveyResponse
    answers = {row[0]: Satisfaction(*row[1:]) for row in session.execute(
        answers_select(filters, r.agent_id).where(r.agent_id.is_not(None)).group_by(r.agent_id))}
    p = Promise
    promises_stmt = (select(p.owner_id, func.count(p.id).filter(p.state == "kept"),
                            func.count(p.id).filter(p.state == "broken"))
                     .where(p.owner_id.is_not(None), p.created_at >= filters.start, p.created_at < filters.end))
    conditions = ticket_conditions(filters)
    if filters.agent_id is not None:  # the promise's owner, not the ticket's assignee
        conditions = ticket_conditions(replace(filters, agent_id=None))
        promises_stmt = promises_stmt.where(p.owner_id == filters.agent_id)
    if conditions:
        promises_stmt = promises_stmt.join(Ticket, Ticket.id == p.ticket_id).where(*conditions)
    promises = {row[0]: (row[1], row[2]) for row in session.execute(promises_stmt.group_by(p.owner_id))}
    ids = set(tickets) | set(times) | set(answers) | set(promises)
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).tuples().all()) if ids else {}
    rows = [AgentRow(agent_id, names.get(agent_id) or f"#{agent_id}", tickets.get(agent_id, ResolutionQuality()),
                     times.get(agent_id, {}).get("first_response", Spread()),
                     times.get(agent_id, {}).get("resolution", Spread()), answers.get(agent_id),
                     *promises.get(agent_id, (0, 0)))
            for agent_id in ids if agent_id in names]
    rows.sort(key=lambda row: (-row.handled, row.name.lower(), row.agent_id))
    return AgentsReport(filters, rows)


CSV_HEADER = ("agent_id", "agent", "handled", "resolved", "first_response_median_seconds",
              "first_response_p90_seconds", "resolution_median_seconds", "resolution_p90_seconds",
              "fcr_percent", "reopen_percent", "csat_answers", "csat_average", "csat_percent",
              "promises_kept", "promises_broken", "promises_kept_percent")


def _r(value):
    return None if value is None else round(value, 1)


def csv_rows(report: AgentsReport) -> list[tuple]:
    return [(a.agent_id, a.name, a.handled, a.quality.resolved, _r(a.first_response.median), _r(a.first_response.p90),
             _r(a.resolution.median), _r(a.resolution.p90), a.quality.fcr_rate, a.quality.reopen_rate,
             a.satisfaction.csat_answers if a.satisfaction else 0,
             a.satisfaction.csat_average if a.satisfaction else None,
             a.satisfaction.csat_percent if a.satisfaction else None,
             a.promises_kept, a.promises_broken, a.promises_kept_percent) for a in report.rows]


def as_json(report: AgentsReport) -> dict:
    items = []
    for a in report.rows:
        s = a.satisfaction
        items.append({
            "agent_id": a.agent_id, "name": a.name, "handled": a.handled, "resolved": a.quality.resolved,
            "first_response": a.first_response.as_json(), "resolution": a.resolution.as_json(),
            **a.quality.as_json(),
            "csat": {"answers": s.csat_answers if s else 0, "average": s.csat_average if s else None,
                     "percent_satisfied": s.csat_percent if s else None},
            "promises": {"kept": a.promises_kept, "broken": a.promises_broken, "kept_percent": a.promises_kept_percent},
        })
    return {"items": items}
