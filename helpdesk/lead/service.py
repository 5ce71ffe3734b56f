"""The lead dashboard's panels: read-only queries, a small fixed number per panel, each an SQL
aggregation or a short list read through an index (never tickets loaded to be counted in Python)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, insert, literal, or_, select
from sqlalchemy.orm import Session, joinedload

from helpdesk.errors import NotFound
from helpdesk.models import AlertAcknowledgement, CallLog, Team, Ticket, TicketEvent, User
from helpdesk.models.tickets import ALERT_ACTIONS, ALERT_EVENTS, OPEN_TICKETS
from helpdesk.models.users import team_members
from helpdesk.reports.filters import DEFAULT_TIMEZONE, ReportFilters, parse_filters
from helpdesk.reports.sla import Compliance, sla_compliance
from helpdesk.reports.times import Spread, response_times
from helpdesk.reports.volume import volume_report

AT_RISK_HORIZON = timedelta(hours=4)  # a running clock due within this is shown at risk
PANEL_ROWS = 20
ALERTS_WINDOW = timedelta(hours=24)
TODAY_METRICS = ("first_response", "resolution")  # the SLA figures the "today" panel shows
# Age buckets of open tickets, in days: label -> (from, to).
AGE_BUCKETS = (("lt1", 0, 1), ("d1_3", 1, 3), ("d3_7", 3, 7), ("gt7", 7, None))


@dataclass(frozen=True)
class TicketList:
    items: list[Ticket]
    total: int


def at_risk(session: Session, now: datetime, *, limit: int = PANEL_ROWS) -> TicketList:
    """Open tickets not breached yet whose SLA is in warning or due within AT_RISK_HORIZON, due
    soonest first (the partial index on open tickets' sla_due_at)."""
    where = and_(
        OPEN_TICKETS, Ticket.sla_due_at.is_not(None), Ticket.sla_state != "breached",
        or_(Ticket.sla_state == "warning", Ticket.sla_due_at <= now + AT_RISK_HORIZON),
    )
    return _ticket_list(session, where, limit)


def breached(session: Session, *, limit: int = PANEL_ROWS) -> TicketList:
    """Open tickets whose SLA is breached now, the longest overdue first; those with no due time
    now (their clocks paused while waiting for the customer) last, on every database."""
    return _ticket_list(session, and_(OPEN_TICKETS, Ticket.sla_state == "breached"), limit,
                        order=(Ticket.sla_due_at.is_(None), Ticket.sla_due_at, Ticket.id))


def _ticket_list(session: Session, where, limit: int, order=(Ticket.sla_due_at, Ticket.id)) -> TicketList:
    """The first `limit` tickets and how many there are in all. The ids come first, on their own (the
    partial index on open tickets' sla_due_at): joining the assignee, team and customer before the
    LIMIT made PostgreSQL join every matching ticket (10,000 after an outage) to keep 20. The count is
    apart, from the index alone: a window count would read every matching ticket's row."""
    first = select(Ticket.id).where(where).order_by(*order).limit(limit).subquery()
    items = list(session.scalars(
        select(Ticket).join(first, first.c.id == Ticket.id)
        .options(joinedload(Ticket.assignee), joinedload(Ticket.team), joinedload(Ticket.customer))
        .order_by(*order)
    ).unique())
    return TicketList(items, session.scalar(select(func.count(Ticket.id)).where(where)))


@dataclass(frozen=True)
class TeamBacklog:
    team_id: int | None
    team: str | None  # None: tickets of no team
    open: int
    unassigned: int
    breached: int
    at_risk: int
    by_age: dict[str, int]
    oldest_created_at: datetime | None


def backlog(session: Session, now: datetime) -> list[TeamBacklog]:
    """Open tickets per team (and of no team), with their age buckets: one GROUP BY query."""
    age = [func.count(Ticket.id).filter(*_age_between(now, low, high)).label(name) for name, low, high in AGE_BUCKETS]
    rows = session.execute(
        select(
            Ticket.team_id, func.count(Ticket.id), func.count(Ticket.id).filter(Ticket.assignee_id.is_(None)),
            func.count(Ticket.id).filter(Ticket.sla_state == "breached"),
            func.count(Ticket.id).filter(Ticket.sla_state == "warning"),
            func.min(Ticket.created_at), *age,
        ).where(OPEN_TICKETS).group_by(Ticket.team_id)
    ).all()
    names = dict(session.execute(select(Team.id, Team.name)).all())
    by_team = {row[0]: row for row in rows}
    result = []
    for team_id, name in sorted(names.items(), key=lambda item: item[1].casefold()):
        row = by_team.get(team_id)
        result.append(_backlog(team_id, name, row))
    if None in by_team:
        result.append(_backlog(None, None, by_team[None]))
    return result


def _age_between(now: datetime, low: int, high: int | None):
    conditions = [Ticket.created_at <= now - timedelta(days=low)]
    if high is not None:
        conditions.append(Ticket.created_at > now - timedelta(days=high))
    return conditions


def _backlog(team_id, name, row) -> TeamBacklog:
    if row is None:
        return TeamBacklog(team_id, name, 0, 0, 0, 0, {bucket: 0 for bucket, _, _ in AGE_BUCKETS}, None)
    _, total, unassigned, breached_count, warning, oldest, *ages = row
    return TeamBacklog(team_id, name, total, unassigned, breached_count, warning,
                       {bucket: count for (bucket, _, _), count in zip(AGE_BUCKETS, ages)}, oldest)


@dataclass(frozen=True)
class AgentLoad:
    id: int
    name: str
    role: str
    availability: str
    open_tickets: int
    breached: int
    on_call: bool
    teams: str


def agents(session: Session) -> list[AgentLoad]:
    """Active agents and leads: availability, open load, breached tickets, on a call now (a call
    answered and not ended). Three queries whatever the number of agents."""
    load = dict((row[0], row[1:]) for row in session.execute(
        select(Ticket.assignee_id, func.count(Ticket.id), func.count(Ticket.id).filter(Ticket.sla_state == "breached"))
        .where(OPEN_TICKETS, Ticket.assignee_id.is_not(None)).group_by(Ticket.assignee_id)
    ).all())
    calling = set(session.scalars(
        select(CallLog.agent_id).where(CallLog.state == "answered", CallLog.ended_at.is_(None), CallLog.agent_id.is_not(None))
    ))
    team_names = (func.group_concat(Team.name, literal(", ")) if session.get_bind().dialect.name == "sqlite"
                  else func.string_agg(Team.name, literal(", ")))
    rows = session.execute(
        select(User.id, User.name, User.role, User.availability, team_names)
        .outerjoin(team_members, team_members.c.user_id == User.id).outerjoin(Team, Team.id == team_members.c.team_id)
        .where(User.active.is_(True), User.role.in_(("agent", "lead")))
        .group_by(User.id, User.name, User.role, User.availability)
    ).all()
    order = {"on_call": 0, "available": 1, "away": 2, "offline": 3}
    result = [AgentLoad(uid, name, role, availability or "offline", *(load.get(uid) or (0, 0)),
                        uid in calling or availability == "on_call", teams or "")
              for uid, name, role, availability, teams in rows]
    return sorted(result, key=lambda a: (order.get(a.availability, 9), -a.open_tickets, a.name.casefold()))


@dataclass(frozen=True)
class TodayFigures:
    filters: ReportFilters  # range "today": the report pages' and the API's period
    created: int
    resolved: int
    first_response: Spread  # business seconds
    compliance: dict[str, Compliance]  # TODAY_METRICS -> met / breached / pending


def today_figures(session: Session, now: datetime, timezone: str = DEFAULT_TIMEZONE) -> TodayFigures:
    """Today so far, by the report functions themselves (the figures equal the report pages' and the
    API's for range=today): a constant handful of statements, however many tickets."""
    filters = parse_filters(session, {"range": "today"}, now, timezone)
    volume = volume_report(session, filters)  # the created / resolved totals' only definition
    metrics, _ = sla_compliance(session, filters)
    return TodayFigures(filters, volume.created_total, volume.resolved_total,
                        response_times(session, filters)["first_response"],
                        {metric: metrics[metric] for metric in TODAY_METRICS})


@dataclass(frozen=True)
class Alert:
    event_id: int
    ticket_id: int
    ticket_number: int | None
    subject: str
    kind: str  # sla_warning / sla_breached
    metric: str | None
    at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


def alerts(session: Session, now: datetime, *, include_acknowledged: bool = False, limit: int = 50) -> list[Alert]:
    """SLA warnings and breaches of the last 24 hours, newest first, with who acknowledged them: read
    in order from their partial index (ALERT_EVENTS in its own words, which the planner needs to use
    it), skipping acknowledged ones, up to `limit`."""
    acker = select(AlertAcknowledgement.event_id, AlertAcknowledgement.acknowledged_at, User.name.label("by")).outerjoin(
        User, User.id == AlertAcknowledgement.user_id).subquery()
    stmt = (
        select(TicketEvent.id, TicketEvent.ticket_id, Ticket.number, Ticket.subject, TicketEvent.action,
               TicketEvent.field, TicketEvent.created_at, acker.c.by, acker.c.acknowledged_at)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .outerjoin(acker, acker.c.event_id == TicketEvent.id)
        .where(ALERT_EVENTS, TicketEvent.created_at >= now - ALERTS_WINDOW)
    )
    if not include_acknowledged:
        stmt = stmt.where(acker.c.event_id.is_(None))
    rows = session.execute(stmt.order_by(TicketEvent.created_at.desc(), TicketEvent.id.desc()).limit(limit)).all()
    return [Alert(*row) for row in rows]


def acknowledge(session: Session, user, event_ids: list[int], now: datetime) -> int:
    """Mark alerts seen (shared by every lead); already acknowledged ones are left as they were.
    Returns how many were acknowledged now. Flushes; the caller commits."""
    if not event_ids:
        return 0
    known = set(session.scalars(select(TicketEvent.id).where(TicketEvent.id.in_(event_ids),
                                                            TicketEvent.action.in_(ALERT_ACTIONS))))
    if len(event_ids) == 1 and not known:
        raise NotFound("No such alert.")
    done = set(session.scalars(select(AlertAcknowledgement.event_id).where(AlertAcknowledgement.event_id.in_(known))))
    fresh = sorted(known - done)
    if fresh:
        session.execute(insert(AlertAcknowledgement),
                        [{"event_id": i, "user_id": user.id, "acknowledged_at": now} for i in fresh])
    session.flush()
    return len(fresh)
