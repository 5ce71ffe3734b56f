"""Creating and changing teams, business calendars and SLA policies; open tickets follow the change.
Every change goes in the audit log with the fields before and after (`actor`: who made it)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit import service as audit
from helpdesk.errors import Conflict, FieldErrors, Invalid, NotFound, report
from helpdesk.models import BusinessCalendar, SLAPolicy, Team, User, utcnow
from helpdesk.models.customers import SEGMENTS, TACTICAL_SEGMENTS
from helpdesk.models.tickets import PRIORITIES, STATUSES, TYPES
from helpdesk.models.users import STAFF_ROLES
from helpdesk.permissions import require
from helpdesk.sla.calendar import business_hours, is_open, parse_hours
from helpdesk.sla.policies import CONDITION_KEYS
from helpdesk.sla.service import forget_sla_context

ESCALATION_ACTIONS = ("raise_priority", "reassign", "notify")


def _name(data: dict, errors: dict, max_length: int = 120) -> str | None:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "required"
        return None
    if len(name.strip()) > max_length:
        errors["name"] = "too_long"
        return None
    return name.strip()


def validate_calendar(data: dict) -> dict:
    """The calendar's fields, checked: hours parse, time zone and holiday country exist, days are dates.
    Codes: required, bad_hours (the parser's explanation in limits), unknown_country, bad_date, unknown_timezone."""
    errors = FieldErrors()
    name = _name(data, errors)
    timezone = data.get("timezone") or "Europe/Paris"
    hours = data.get("hours")
    if not isinstance(hours, dict) or not hours:
        errors["hours"] = "required"
    else:
        try:
            parse_hours(hours)
        except (ValueError, TypeError) as exc:
            errors.add("hours", "bad_hours", explanation=str(exc))
    country = data.get("holidays_country")
    if country is not None and (not isinstance(country, str) or len(country) > 8):
        errors["holidays_country"] = "unknown_country"
        country = None
    closed = data.get("closed_days", [])
    closed_days: list[str] = []
    if not isinstance(closed, list):
        errors["closed_days"] = "bad_date"
    else:
        for value in closed:
            try:
                closed_days.append(date.fromisoformat(value).isoformat())
            except (TypeError, ValueError):
                errors["closed_days"] = "bad_date"
    if not isinstance(timezone, str):
        errors["timezone"] = "unknown_timezone"
    if "hours" not in errors and "timezone" not in errors and "holidays_country" not in errors:
        # The zone alone first, then with the holidays: which one failed says which field is wrong.
        # (Resolving them now, not in the middle of a sweep.)
        for field_name, with_country in (("timezone", None), ("holidays_country", country.upper() if country else None)):
            if field_name == "holidays_country" and with_country is None:
                break
            try:
                is_open(business_hours(timezone, hours, with_country), datetime.now().astimezone())
            except ValueError as exc:
                errors.add(field_name, "unknown_timezone" if with_country is None else "unknown_country",
                           explanation=str(exc))
                break
    if errors:
        raise Invalid(errors)
    return {"name": name, "timezone": timezone, "hours": hours, "holidays_country": country.upper() if country else None,
            "closed_days": sorted(set(closed_days))}


CALENDAR_FIELDS = ("name", "timezone", "hours", "holidays_country", "closed_days")
TEAM_FIELDS = ("name", "calendar_id", "auto_assign", "email", "default_sla_policy_id")
POLICY_FIELDS = ("name", "rank", "calendar_id", "conditions", "first_response_minutes", "next_response_minutes",
                 "resolution_minutes", "warn_at_percent", "pause_statuses", "escalations", "active")


def snapshot(obj, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def create_calendar(session: Session, data: dict, *, actor=None, now: datetime | None = None) -> BusinessCalendar:
    values = validate_calendar(data)
    if session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.name == values["name"])):
        raise Conflict("A calendar with this name already exists.", {"fields": {"name": "duplicate"}}, code="duplicate")
    calendar = BusinessCalendar(**values)
    session.add(calendar)
    session.flush()
    audit.record(session, actor, "created", "calendar", calendar.id, calendar.name,
                 audit.differences(None, snapshot(calendar, CALENDAR_FIELDS)), now or utcnow())
    return calendar


def update_calendar(session: Session, calendar: BusinessCalendar, data: dict, now: datetime, *,
                    actor=None) -> BusinessCalendar:
    from helpdesk.sla.service import refresh_sla_for_calendar

    before = snapshot(calendar, CALENDAR_FIELDS)
    merged = {"name": calendar.name, "timezone": calendar.timezone, "hours": calendar.hours,
              "holidays_country": calendar.holidays_country, "closed_days": calendar.closed_days, **data}
    for key, value in validate_calendar(merged).items():
        setattr(calendar, key, value)
    audit.record(session, actor, "updated", "calendar", calendar.id, calendar.name,
                 audit.differences(before, snapshot(calendar, CALENDAR_FIELDS)), now)
    calendar.updated_at = now
    session.flush()
    forget_sla_context(session)
    refresh_sla_for_calendar(session, calendar.id, now)
    return calendar


def create_team(session: Session, data: dict, *, actor=None, now: datetime | None = None) -> Team:
    errors: dict[str, str] = {}
    name = _name(data, errors)
    calendar = None
    if data.get("calendar_id") is not None:
        calendar = session.get(BusinessCalendar, data["calendar_id"]) if isinstance(data["calendar_id"], int) else None
        if calendar is None:
            errors["calendar_id"] = "unknown_calendar"
    auto_assign = data.get("auto_assign", False)
    if not isinstance(auto_assign, bool):
        errors["auto_assign"] = "not_true_or_false"
    if errors:
        raise Invalid(errors, message="Some team fields are invalid.")
    if session.scalar(select(Team.id).where(Team.name == name)):
        raise Conflict("A team with this name already exists.", {"fields": {"name": "duplicate"}}, code="duplicate")
    team = Team(name=name, calendar=calendar, auto_assign=auto_assign, email=data.get("email"))
    session.add(team)
    session.flush()
    audit.record(session, actor, "created", "team", team.id, team.name,
                 audit.differences(None, snapshot(team, TEAM_FIELDS)), now or utcnow())
    forget_sla_context(session)
    return team


def update_team(session: Session, actor, team_id: int, data: dict, now: datetime) -> Team:
    """Rename a team, give it a calendar and a default SLA policy, switch automatic assignment,
    set its members (staff). Codes per field: required, too_long, duplicate, unknown_calendar,
    unknown_policy, not_true_or_false, not_a_list_of_ids, unknown_user. A new calendar or default
    policy recomputes the team's open tickets; members taken out lose the team's rooms at once
    (their sessions end, as for any right taken away)."""
    from helpdesk.auth.service import end_sessions
    from helpdesk.sla.service import refresh_sla_for_team

    require(actor, "team.manage")
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if "name" in data:
        name = data["name"].strip() if isinstance(data["name"], str) else ""
        if not name:
            errors["name"] = "required"
        elif len(name) > 120:
            errors["name"] = "too_long"
        elif session.scalar(select(Team.id).where(Team.name == name, Team.id != team.id)):
            errors["name"] = "duplicate"
        else:
            values["name"] = name
    for key, model, code in (("calendar_id", BusinessCalendar, "unknown_calendar"),
                             ("default_sla_policy_id", SLAPolicy, "unknown_policy")):
        if key in data:
            raw = data[key]
            if raw is None:
                values[key] = None
            elif not isinstance(raw, int) or isinstance(raw, bool) or session.get(model, raw) is None:
                errors[key] = code
            else:
                values[key] = raw
    if "auto_assign" in data:
        if not isinstance(data["auto_assign"], bool):
            errors["auto_assign"] = "not_true_or_false"
        else:
            values["auto_assign"] = data["auto_assign"]
    members = None
    if "member_ids" in data:
        raw = data["member_ids"]
        if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
            errors["member_ids"] = "not_a_list_of_ids"
        else:
            members = list(session.scalars(select(User).where(User.id.in_(raw), User.role.in_(STAFF_ROLES)))) if raw else []
            if len(members) != len(set(raw)):
                errors["member_ids"] = "unknown_user"
    for name in set(data) - {"name", "calendar_id", "default_sla_policy_id", "auto_assign", "member_ids"}:
        errors[name] = "unknown_field"
    if errors:
        raise Invalid(errors, message="Some team fields are invalid.")
    before = {**snapshot(team, TEAM_FIELDS), "member_ids": sorted(m.id for m in team.members)}
    for key, value in values.items():
        setattr(team, key, value)
    removed = []
    if members is not None:
        removed = [m for m in team.members if m.id not in {u.id for u in members}]
        team.members = members
    after = {**snapshot(team, TEAM_FIELDS), "member_ids": sorted(m.id for m in team.members)}
    audit.record(session, actor, "updated", "team", team.id, team.name, audit.differences(before, after), now)
    for member in removed:
        end_sessions(member, now)
    if before["calendar_id"] != after["calendar_id"] or before["default_sla_policy_id"] != after["default_sla_policy_id"] \
            or before["auto_assign"] != after["auto_assign"]:
        team.updated_at = now
        session.flush()
        forget_sla_context(session)
        refresh_sla_for_team(session, team.id, now)
    return team


def _minutes(value: Any, name: str, errors: dict) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 525_600:
        report(errors, f"targets.{name}", "out_of_range", min=1, max=525_600)
        return None
    return value


def validate_policy(session: Session, data: dict) -> dict:
    """The policy's fields, checked; every problem as a code (with its limits)."""
    errors = FieldErrors()
    name = _name(data, errors)
    calendar_id = data.get("calendar_id")
    if calendar_id is not None and (not isinstance(calendar_id, int) or session.get(BusinessCalendar, calendar_id) is None):
        errors["calendar_id"] = "unknown_calendar"
    conditions = data.get("conditions") or {}
    allowed = {"priority": PRIORITIES, "segment": SEGMENTS, "tactical_segment": TACTICAL_SEGMENTS, "type": TYPES}
    if not isinstance(conditions, dict):
        errors["conditions"] = "not_an_object"
        conditions = {}
    clean_conditions: dict[str, Any] = {}
    for key, value in conditions.items():
        values = value if isinstance(value, list) else [value]
        if key in allowed:
            if not all(v in allowed[key] for v in values):
                errors.add(f"conditions.{key}", "not_a_choice", choices=list(allowed[key]))
            clean_conditions[key] = value
        elif key == "team":
            ids = []
            for v in values:
                team = session.get(Team, v) if isinstance(v, int) else session.scalar(select(Team).where(Team.name == v))
                if team is None:
                    errors["conditions.team"] = "unknown_team"
                else:
                    ids.append(team.id)
            clean_conditions["team"] = ids if isinstance(value, list) else (ids[0] if ids else None)
        elif key == "min_score":
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100):
                errors.add("conditions.min_score", "out_of_range", min=0, max=100)
            clean_conditions[key] = value
        else:
            errors.add(f"conditions.{key}", "unknown_field", choices=list(CONDITION_KEYS))
    targets = data.get("targets") or {}
    if not isinstance(targets, dict):
        errors["targets"] = "not_an_object"
        targets = {}
    first = _minutes(targets.get("first_response_minutes"), "first_response_minutes", errors)
    nxt = _minutes(targets.get("next_response_minutes"), "next_response_minutes", errors)
    resolution = _minutes(targets.get("resolution_minutes"), "resolution_minutes", errors)
    if first is None and nxt is None and resolution is None and not any(k.startswith("targets.") for k in errors):
        errors["targets"] = "required"
    warn = data.get("warn_at_percent", 80)
    if not isinstance(warn, int) or isinstance(warn, bool) or not 1 <= warn <= 99:
        errors.add("warn_at_percent", "out_of_range", min=1, max=99)
    rank = data.get("rank", 100)
    if not isinstance(rank, int) or isinstance(rank, bool):
        errors["rank"] = "not_a_number"
    pause = data.get("pause_statuses", ["pending_customer", "pending_third_party"])
    if not isinstance(pause, list) or not all(s in STATUSES for s in pause):
        errors.add("pause_statuses", "not_a_choice", choices=list(STATUSES))
    escalations = data.get("escalations", [])
    if not isinstance(escalations, list) or not all(
        isinstance(e, dict) and e.get("action") in ESCALATION_ACTIONS and e.get("on") in ("warning", "breached") for e in escalations
    ):
        errors.add("escalations", "not_a_choice", on=["warning", "breached"], action=list(ESCALATION_ACTIONS))
    if errors:
        raise Invalid(errors)
    return {"name": name, "calendar_id": calendar_id, "conditions": clean_conditions, "first_response_minutes": first,
            "next_response_minutes": nxt, "resolution_minutes": resolution, "warn_at_percent": warn, "rank": rank,
            "pause_statuses": pause, "escalations": escalations}


def create_policy(session: Session, data: dict, now: datetime, *, actor=None) -> SLAPolicy:
    from helpdesk.sla.service import refresh_sla_for_policy

    values = validate_policy(session, data)
    if session.scalar(select(SLAPolicy.id).where(SLAPolicy.name == values["name"])):
        raise Conflict("A policy with this name already exists.", {"fields": {"name": "duplicate"}}, code="duplicate")
    policy = SLAPolicy(**values)
    session.add(policy)
    session.flush()
    audit.record(session, actor, "created", "sla_policy", policy.id, policy.name,
                 audit.differences(None, snapshot(policy, POLICY_FIELDS)), now)
    forget_sla_context(session)
    refresh_sla_for_policy(session, policy.id, now)
    return policy


def update_policy(session: Session, policy: SLAPolicy, data: dict, now: datetime, *, actor=None) -> SLAPolicy:
    from helpdesk.sla.service import refresh_sla_for_policy

    before = snapshot(policy, POLICY_FIELDS)
    current = {"name": policy.name, "calendar_id": policy.calendar_id, "conditions": policy.conditions, "rank": policy.rank,
               "targets": {"first_response_minutes": policy.first_response_minutes, "next_response_minutes": policy.next_response_minutes,
                           "resolution_minutes": policy.resolution_minutes},
               "warn_at_percent": policy.warn_at_percent, "pause_statuses": policy.pause_statuses, "escalations": policy.escalations}
    current.update(data)
    for key, value in validate_policy(session, current).items():
        setattr(policy, key, value)
    audit.record(session, actor, "updated", "sla_policy", policy.id, policy.name,
                 audit.differences(before, snapshot(policy, POLICY_FIELDS)), now)
    policy.updated_at = now
    session.flush()
    forget_sla_context(session)
    refresh_sla_for_policy(session, policy.id, now)
    return policy
