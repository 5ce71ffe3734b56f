"""Report filters read from a query string, checked once for every report (API and pages)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import Invalid
from helpdesk.models import Team
from helpdesk.models.customers import CHANNELS, TACTICAL_SEGMENTS
from helpdesk.models.tickets import PRIORITIES

DEFAULT_DAYS = 30
MAX_DAYS = 731


@dataclass(frozen=True)
class ReportFilters:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    team_id: int | None = None
    agent_id: int | None = None
    priority: str | None = None
    channel: str | None = None
    segment: str | None = None

    @property
    def days(self) -> list[date]:
        first = self.start.date()
        return [first + timedelta(days=i) for i in range((self.end - self.start).days)]


def parse_filters(session: Session, args: Mapping[str, str], today: date) -> ReportFilters:
    """`from` and `to` are ISO dates, both included (default: the last 30 days to today)."""
    errors: dict[str, str] = {}
    to_day = _day(args.get("to"), "to", errors) or today
    from_day = _day(args.get("from"), "from", errors) or to_day - timedelta(days=DEFAULT_DAYS - 1)
    if not errors and from_day > to_day:
        errors["from"] = "must not be after 'to'"
    elif not errors and (to_day - from_day).days >= MAX_DAYS:
        errors["from"] = f"a report covers at most {MAX_DAYS} days"
    team_id = None
    if args.get("team"):
        raw = args["team"].strip()
        team_id = session.scalar(select(Team.id).where(Team.name == raw))
        if team_id is None and raw.isdigit():
            team_id = session.scalar(select(Team.id).where(Team.id == int(raw)))
        if team_id is None:
            errors["team"] = "no such team"
    agent_id = None
    if args.get("agent"):
        if not args["agent"].isdigit():
            errors["agent"] = "must be a user id"
        else:
            agent_id = int(args["agent"])
    choices = {}
    for name, allowed in (("priority", PRIORITIES), ("channel", CHANNELS), ("segment", TACTICAL_SEGMENTS)):
        value = args.get(name) or None
        if value is not None and value not in allowed:
            errors[name] = f"must be one of {', '.join(allowed)}"
        choices[name] = value
    if errors:
        raise Invalid(errors)
    start = datetime.combine(from_day, time.min, tzinfo=timezone.utc)
    end = datetime.combine(to_day + timedelta(days=1), time.min, tzinfo=timezone.utc)
    return ReportFilters(start, end, team_id, agent_id, **choices)


def _day(raw: str | None, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "must be a date YYYY-MM-DD"
        return None
