"""The satisfaction report: CSAT, NPS and effort over survey answers, with response counts.

Figures follow the usual definitions: CSAT % is the share of answers rating 4 or 5; NPS is the
percentage of promoters (9-10) minus the percentage of detractors (0-6), from -100 to 100.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.models import Customer, CustomerProduct, SurveyInvitation, SurveyResponse, Ticket
from helpdesk.reports.filters import ReportFilters
from helpdesk.reports.local_time import LocalClock, as_date


@dataclass(frozen=True)
class Satisfaction:
    responses: int
    csat_answers: int
    csat_satisfied: int
    csat_sum: int
    promoters: int
    passives: int
    detractors: int
    effort_answers: int
    effort_sum: int

    @property
    def csat_average(self) -> float | None:
        return round(self.csat_sum / self.csat_answers, 2) if self.csat_answers else None

    @property
    def csat_percent(self) -> float | None:
        return round(100 * self.csat_satisfied / self.csat_answers, 1) if self.csat_answers else None

    @property
    def nps_answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float | None:
        total = self.nps_answers
        return round(100 * (self.promoters - self.detractors) / total, 1) if total else None

    @property
    def effort_average(self) -> float | None:
        return round(self.effort_sum / self.effort_answers, 2) if self.effort_answers else None


@dataclass(frozen=True)
class SatisfactionReport:
    filters: ReportFilters
    totals: Satisfaction
    invitations_sent: int
    by_day: list[tuple[date, Satisfaction]]

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.totals.responses / self.invitations_sent, 1) if self.invitations_sent else None


def _figures():
    r = SurveyResponse
    return (
        func.count(r.id), func.count(r.csat), func.count(r.id).filter(r.csat >= 4), func.coalesce(func.sum(r.csat), 0),
        func.count(r.id).filter(r.nps >= 9), func.count(r.id).filter(r.nps.between(7, 8)),
        func.count(r.id).filter(r.nps <= 6), func.count(r.effort), func.coalesce(func.sum(r.effort), 0),
    )


def _where(stmt, filters: ReportFilters, at, *, team, agent):
    stmt = stmt.where(at >= filters.start, at < filters.end)
    if filters.team_id is not None:
        stmt = stmt.where(team == filters.team_id)
    if filters.agent_id is not None and agent is not None:
        stmt = stmt.where(agent == filters.agent_id)
    return stmt


def _scoped(stmt, filters: ReportFilters, ticket_id, customer_id):
    if filters.priority or filters.channel or filters.product_id is not None:
        stmt = stmt.join(Ticket, Ticket.id == ticket_id)
        if filters.priority:
            stmt = stmt.where(Ticket.priority == filters.priority)
        if filters.channel:
            stmt = stmt.where(Ticket.channel == filters.channel)
        if filters.product_id is not None:
            stmt = stmt.where(Ticket.product_id.in_(
                select(CustomerProduct.id).where(CustomerProduct.product_id == filters.product_id)))
    if filters.segment:
        stmt = stmt.join(Customer, Customer.id == customer_id).where(Customer.tactical_segment == filters.segment)
    return stmt


def answers_select(filters: ReportFilters, *columns):
    """SELECT `columns` and the Satisfaction figures over the answers the filters keep (group it by
    those columns). The answer's team and agent are those of the ticket when it was rated."""
    r = SurveyResponse
    return _scoped(_where(select(*columns, *_figures()), filters, r.created_at, team=r.team_id, agent=r.agent_id),
                   filters, r.ticket_id, r.customer_id).select_from(r)


def satisfaction_report(session: Session, filters: ReportFilters) -> SatisfactionReport:
    """Three aggregate queries, whatever the number of answers."""
    r = SurveyResponse
    totals = Satisfaction(*session.execute(answers_select(filters)).one())
    clock = LocalClock(session.get_bind().dialect.name, filters.timezone, filters.start, filters.end)
    day = clock.day(r.created_at).label("day")
    per_day = answers_select(filters, day).group_by(day).order_by(day)
    by_day = [(as_date(row[0]), Satisfaction(*row[1:])) for row in session.execute(per_day)]
    i = SurveyInvitation
    sent = select(func.count(i.id)).where(i.sent_at.is_not(None))
    sent = sent.join(Ticket, Ticket.id == i.ticket_id).where(i.sent_at >= filters.start, i.sent_at < filters.end)
    if filters.team_id is not None:
        sent = sent.where(Ticket.team_id == filters.team_id)
    if filters.agent_id is not None:
        sent = sent.where(Ticket.assignee_id == filters.agent_id)
    if filters.priority:
        sent = sent.where(Ticket.priority == filters.priority)
    if filters.channel:
        sent = sent.where(Ticket.channel == filters.channel)
    if filters.product_id is not None:
        sent = sent.where(Ticket.product_id.in_(
            select(CustomerProduct.id).where(CustomerProduct.product_id == filters.product_id)))
    if filters.segment:
        sent = sent.join(Customer, Customer.id == i.customer_id).where(Customer.tactical_segment == filters.segment)
    return SatisfactionReport(filters, totals, session.scalar(sent) or 0, by_day)


CSV_HEADER = ("day", "responses", "csat_average", "csat_percent", "nps", "promoters", "passives", "detractors",
              "effort_average")


def csv_rows(report: SatisfactionReport) -> list[tuple]:
    return [(day.isoformat(), s.responses, s.csat_average, s.csat_percent, s.nps, s.promoters, s.passives,
             s.detractors, s.effort_average) for day, s in report.by_day]


def figures_json(s: Satisfaction) -> dict:
    return {"responses": s.responses,
            "csat": {"average": s.csat_average, "percent_satisfied": s.csat_percent, "answers": s.csat_answers},
            "nps": {"score": s.nps, "promoters": s.promoters, "passives": s.passives, "detractors": s.detractors,
                    "answers": s.nps_answers},
            "effort": {"average": s.effort_average, "answers": s.effort_answers}}
