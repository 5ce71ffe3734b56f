"""Report filters read from a query string, checked once for every report (API and pages).

A period is a `range` (today, 7d, 30d, quarter, custom) or, for a custom one, `from` and `to` (ISO
dates, both included). Days are those of the business calendar's time zone: the team's calendar
when the report is about one team, else the configured default (Europe/Paris).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import Invalid
from helpdesk.models import BusinessCalendar, Customer, CustomerProduct, Product, Team, Ticket, User
from helpdesk.models.customers import CHANNELS, TACTICAL_SEGMENTS
from helpdesk.models.tickets import PRIORITIES
from helpdesk.reports.local_time import local_midnight

DEFAULT_DAYS = 30
MAX_DAYS = 731
RANGES = ("today", "7d", "30d", "quarter", "custom")
DEFAULT_RANGE = "30d"
DEFAULT_TIMEZONE = "Europe/Paris"
STAFF_ROLES = ("agent", "lead", "admin")
# The query-string names a report understands, in the order a URL shows them.
FILTER_NAMES = ("range", "from", "to", "team", "agent", "priority", "product", "channel", "segment")


class InvalidFilters(Invalid):
    """Bad filters: each field's code (in `fields`, as every Invalid, and `problems`), which the report
    page words in the reader's language; `explanations` says it in English for the API's message."""

    def __init__(self, explanations: dict[str, str], problems: dict[str, str]):
        message = "Some report filters are invalid: " + "; ".join(f"{k}: {v}" for k, v in explanations.items()) + "."
        super().__init__(problems, message=message)
        self.problems = problems


@dataclass(frozen=True)
class ReportFilters:
    start: datetime  # inclusive, UTC: local midnight of first_day
    end: datetime  # exclusive, UTC: local midnight after last_day
    team_id: int | None = None
    agent_id: int | None = None
    priority: str | None = None
    channel: str | None = None
    segment: str | None = None
    product_id: int | None = None  # a catalogue Product (tickets about a CustomerProduct of it)
    range: str = "custom"
    timezone: str = DEFAULT_TIMEZONE
    first_day: date | None = None
    last_day: date | None = None

    def __post_init__(self) -> None:
        zone = ZoneInfo(self.timezone)
        if self.first_day is None:
            object.__setattr__(self, "first_day", self.start.astimezone(zone).date())
        if self.last_day is None:
            object.__setattr__(self, "last_day", (self.end - timedelta(microseconds=1)).astimezone(zone).date())

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range((self.last_day - self.first_day).days + 1)]

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (what a bookmarked URL holds)."""
        args = {"range": self.range}
        if self.range == "custom":
            args.update({"from": self.first_day.isoformat(), "to": self.last_day.isoformat()})
        for name, value in (("team", self.team_id), ("agent", self.agent_id), ("priority", self.priority),
                            ("product", self.product_id), ("channel", self.channel), ("segment", self.segment)):
            if value is not None:
                args[name] = str(value)
        return args


def period(range_name: str, today: date, from_day: date | None, to_day: date | None) -> tuple[date, date]:
    """(first day, last day) of a named range ending today, or of a custom one."""
    if range_name == "today":
        return today, today
    if range_name == "7d":
        return today - timedelta(days=6), today
    if range_name == "30d":
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if range_name == "quarter":  # the calendar quarter so far
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    last = to_day or today
    return from_day or last - timedelta(days=DEFAULT_DAYS - 1), last


def parse_filters(session: Session, args: Mapping[str, str], now: datetime,
                  default_timezone: str = DEFAULT_TIMEZONE) -> ReportFilters:
    """Checked filters, or InvalidFilters naming every bad one. Without `range`, `from`/`to` make a
    custom period and no dates at all the last 30 days."""
    errors: dict[str, str] = {}
    problems: dict[str, str] = {}

    def bad(name: str, code: str, message: str) -> None:
        errors[name], problems[name] = message, code

    team_id, zone = None, default_timezone
    raw_team = (args.get("team") or "").strip()
    if raw_team:
        row = session.execute(select(Team.id, BusinessCalendar.timezone).outerjoin(
            BusinessCalendar, BusinessCalendar.id == Team.calendar_id).where(Team.name == raw_team)).first()
        if row is None and raw_team.isdigit():
            row = session.execute(select(Team.id, BusinessCalendar.timezone).outerjoin(
                BusinessCalendar, BusinessCalendar.id == Team.calendar_id).where(Team.id == int(raw_team))).first()
        if row is None:
            bad("team", "unknown_team", "no such team")
        else:
            team_id, zone = row[0], row[1] or default_timezone

    dates_given = bool(args.get("from") or args.get("to"))
    range_name = (args.get("range") or "").strip() or ("custom" if dates_given else DEFAULT_RANGE)
    if range_name not in RANGES:
        bad("range", "unknown_range", f"must be one of {', '.join(RANGES)}")
        range_name = DEFAULT_RANGE
    from_day = to_day = None
    if range_name == "custom":
        from_day = _day(args.get("from"), "from", bad)
        to_day = _day(args.get("to"), "to", bad)
    today = now.astimezone(ZoneInfo(zone)).date()
    first_day, last_day = period(range_name, today, from_day, to_day)
    if "from" not in errors and "to" not in errors:
        if first_day > last_day:
            bad("to", "range_reversed", "must not be before 'from'")
        elif (last_day - first_day).days >= MAX_DAYS:
            bad("from", "range_too_long", f"a report covers at most {MAX_DAYS} days")

    agent_id = None
    raw_agent = (args.get("agent") or "").strip()
    if raw_agent:
        if not raw_agent.isdigit():
            bad("agent", "unknown_agent", "must be a user id")
        else:
            agent_id = session.scalar(select(User.id).where(User.id == int(raw_agent), User.role.in_(STAFF_ROLES)))
            if agent_id is None:
                bad("agent", "unknown_agent", "no such agent")

    product_id = None
    raw_product = (args.get("product") or "").strip()
    if raw_product:
        product_id = session.scalar(select(Product.id).where(Product.sku == raw_product))
        if product_id is None and raw_product.isdigit():
            product_id = session.scalar(select(Product.id).where(Product.id == int(raw_product)))
        if product_id is None:
            bad("product", "unknown_product", "no such product (give its id or SKU)")

    choices = {}
    for name, allowed in (("priority", PRIORITIES), ("channel", CHANNELS), ("segment", TACTICAL_SEGMENTS)):
        value = (args.get(name) or "").strip() or None
        if value is not None and value not in allowed:
            bad(name, "not_a_choice", f"must be one of {', '.join(allowed)}")
        choices[name] = value
    if errors:
        raise InvalidFilters(errors, problems)
    return ReportFilters(local_midnight(zone, first_day), local_midnight(zone, last_day + timedelta(days=1)),
                         team_id, agent_id, product_id=product_id, range=range_name, timezone=zone,
                         first_day=first_day, last_day=last_day, **choices)


def _day(raw: str | None, name: str, bad) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        bad(name, "bad_date", "must be a date YYYY-MM-DD")
        return None


def ticket_conditions(filters: ReportFilters, ticket=Ticket) -> list:
    """WHERE conditions on a ticket for every filter but the period (each report picks the instant
    that places a ticket in the period: created, resolved...)."""
    conditions = []
    if filters.team_id is not None:
        conditions.append(ticket.team_id == filters.team_id)
    if filters.agent_id is not None:
        conditions.append(ticket.assignee_id == filters.agent_id)
    if filters.priority:
        conditions.append(ticket.priority == filters.priority)
    if filters.channel:
        conditions.append(ticket.channel == filters.channel)
    if filters.product_id is not None:
        conditions.append(ticket.product_id.in_(
            select(CustomerProduct.id).where(CustomerProduct.product_id == filters.product_id)))
    if filters.segment:
        conditions.append(ticket.customer_id.in_(
            select(Customer.id).where(Customer.tactical_segment == filters.segment)))
    return conditions


def created_in_period(filters: ReportFilters, ticket=Ticket) -> list:
    """The tickets a report is about: created in the period, and matching every filter."""
    return [ticket.created_at >= filters.start, ticket.created_at < filters.end, *ticket_conditions(filters, ticket)]
