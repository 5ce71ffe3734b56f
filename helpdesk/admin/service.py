"""Creating and changing teams, business calendars and SLA policies; open tickets follow the change.
Every change goes in the audit log with the fields before and after (`actor`: who made it)."""
from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any


from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.audit import service as audit
from helpdesk.errors import Conflict, FieldErrors, Invalid, NotFound, report
from helpdesk.models import BusinessCalendar, SLAPolicy, Team, User, utcnow
from helpdesk.models.customers import SEGMENTS, TACTICAL_SEGMENTS
from helpdesk.models.sla import SLA_METRICS
from helpdesk.models.tickets import PRIORITIES, STATUSES, TYPES
from helpdesk.models.users import STAFF_ROLES
from helpdesk.permissions import require
from helpdesk.sla.calendar import (HoursError, add_business_time, business_hours, holiday_countries, holidays_between,
                                   is_open, next_open, parse_hours, parse_openings)
from helpdesk.sla.policies import CONDITION_KEYS
from helpdesk.sla.recompute import INLINE_MAX, request_recompute
from helpdesk.sla.service import forget_sla_context

ESCALATION_ACTIONS = ("raise_priority", "reassign", "notify")


def _name(data: dict, errors: dict, max_length: int = 120) -> str | None:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "required"
        return None
    if len(name.strip()) > max_length:
        report(errors, "name", "too_long", max_length=max_length)
        return None
    return name.strip()


def validate_calendar(data: dict) -> dict:
    """The calendar's fields, checked, with a code per field: name required/too_long; timezone
    unknown_timezone; hours required/never_open, or hours.<day> bad_time/end_before_start/overlap/not_a_pair/
    unknown_day; holidays_country unknown_country; holidays_subdivision unknown_subdivision;
    closed_days not_a_list/bad_date; openings not_a_list, or openings.<date> as for hours (and
    bad_date, no_hours)."""
    errors = FieldErrors()
    name = _name(data, errors)
    timezone = data.get("timezone") or "Europe/Paris"
    if not isinstance(timezone, str) or timezone not in _time_zones():
        errors["timezone"] = "unknown_timezone"
    hours = data.get("hours")
    if not isinstance(hours, dict) or not hours:
        errors["hours"] = "required"
    else:
        for day, pairs in hours.items():
            try:
                parse_hours({day: pairs})
            except HoursError as exc:
                errors[f"hours.{exc.where}"] = exc.code
        if not any(key.startswith("hours") for key in errors) and not any(hours.values()) \
                and not data.get("openings"):
            errors["hours"] = "never_open"
    country = data.get("holidays_country") or None
    subdivision = data.get("holidays_subdivision") or None
    supported = holiday_countries()
    if country is not None:
        country = country.strip().upper() if isinstance(country, str) else country
        if country not in supported:
            errors["holidays_country"] = "unknown_country"
    if subdivision is not None:
        subdivision = subdivision.strip() if isinstance(subdivision, str) else subdivision
        if country is None or country not in supported or subdivision not in supported[country]:
            errors["holidays_subdivision"] = "unknown_subdivision"
    closed = data.get("closed_days", [])
    closed_days: list[str] = []
    if not isinstance(closed, list):
        errors["closed_days"] = "not_a_list"
    else:
        for value in closed:
            try:
                closed_days.append(date.fromisoformat(value).isoformat())
            except (TypeError, ValueError):
                errors["closed_days"] = "bad_date"
    openings = data.get("openings") or {}
    clean_openings: dict[str, list] = {}
    if not isinstance(openings, dict):
        errors["openings"] = "not_a_list"
    else:
        for day, pairs in openings.items():
            try:
                parsed = parse_openings({day: pairs})
            except HoursError as exc:
                errors[f"openings.{exc.where}"] = exc.code
            else:
                clean_openings[next(iter(parsed)).isoformat()] = [list(pair) for pair in pairs]
    if errors:
        raise Invalid(errors, message="Some calendar fields are invalid.")
    return {"name": name, "timezone": timezone, "hours": hours, "holidays_country": country,
            "holidays_subdivision": subdivision, "closed_days": sorted(set(closed_days)),
            "openings": dict(sorted(clean_openings.items()))}


@functools.lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class CalendarPreview:
    """What a calendar means for a ticket created `now`: whether it is open, when it next opens, each
    active policy's deadlines (None when the calendar never reaches them), the closed days ahead."""

    now: datetime  # in the calendar's time zone
    open_now: bool
    next_open: datetime | None
    deadlines: list[tuple[SLAPolicy, str, dict[str, datetime | None]]]  # (policy, how it uses it, metric -> due)
    closed_ahead: list[tuple[date, str]]
    openings_ahead: list[date]


def calendar_preview(session: Session, values: dict, calendar_id: int | None, now: datetime, *,
                     language: str | None = None, days_ahead: int = 90) -> CalendarPreview:
    """The preview of a calendar's checked `values` (validate_calendar's), saved or not. Each active
    policy is shown with how it would use the calendar: "own" (its calendar), "team" (it has none, and
    a team uses this one), or "other" (it is timed by another calendar: shown as if it used this one)."""
    bh = business_hours(values["timezone"], values["hours"], values["holidays_country"],
                        [date.fromisoformat(d) for d in values["closed_days"]], values["holidays_subdivision"],
                        values["openings"])
    zone = zoneinfo.ZoneInfo(values["timezone"])
    team_calendars = set(session.scalars(select(Team.calendar_id).where(Team.calendar_id.is_not(None))))
    deadlines = []
    for policy in session.scalars(select(SLAPolicy).where(SLAPolicy.active.is_(True)).order_by(SLAPolicy.rank, SLAPolicy.id)):
        if calendar_id is not None and policy.calendar_id == calendar_id:
            use = "own"
        elif policy.calendar_id is None and calendar_id is not None and calendar_id in team_calendars:
            use = "team"
        else:
            use = "other"
        due: dict[str, datetime | None] = {}
        for metric in SLA_METRICS:
            minutes = getattr(policy, f"{metric}_minutes")
            if minutes:
                try:
                    due[metric] = add_business_time(bh, now, timedelta(minutes=minutes)).astimezone(zone)
                except ValueError:  # no opening within a year or so
                    due[metric] = None
        deadlines.append((policy, use, due))
    try:
        opens = next_open(bh, now).astimezone(zone)
    except ValueError:
        opens = None
    today = now.astimezone(zone).date()
    end = today + timedelta(days=days_ahead)
    return CalendarPreview(now=now.astimezone(zone), open_now=is_open(bh, now), next_open=opens, deadlines=deadlines,
                           closed_ahead=holidays_between(bh, today, end, language),
                           openings_ahead=[d for d, _ in bh.openings if today <= d <= end])


CALENDAR_FIELDS = ("name", "timezone", "hours", "holidays_country", "holidays_subdivision", "closed_days", "openings")
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
                    actor=None, inline_max: int = INLINE_MAX) -> BusinessCalendar:
    """Change a calendar (codes as validate_calendar, and name duplicate); its open tickets are
    recomputed (at once, or in the background when there are many: sla.recompute)."""
    before = snapshot(calendar, CALENDAR_FIELDS)
    merged = {**snapshot(calendar, CALENDAR_FIELDS), **data}
    values = validate_calendar(merged)
    if session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.name == values["name"],
                                                       BusinessCalendar.id != calendar.id)):
        raise Conflict("A calendar with this name already exists.", {"fields": {"name": "duplicate"}}, code="duplicate")
    for key, value in values.items():
        setattr(calendar, key, value)
    changes = audit.differences(before, snapshot(calendar, CALENDAR_FIELDS))
    if not changes:
        return calendar
    audit.record(session, actor, "updated", "calendar", calendar.id, calendar.name, changes, now)
    calendar.updated_at = now
    session.flush()
    forget_sla_context(session)
    request_recompute(session, {"calendar_ids": [calendar.id]}, calendar.name, now,
                      actor=actor, inline_max=inline_max)
    return calendar


def create_team(session: Session, data: dict, *, actor=None, now: datetime | None = None) -> Team:
    errors = FieldErrors()
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


def update_team(session: Session, actor, team_id: int, data: dict, now: datetime, *,
                inline_max: int = INLINE_MAX) -> Team:
    """Rename a team, give it a calendar and a default SLA policy, switch automatic assignment,
    set its members (staff). Codes per field: required, too_long, duplicate, unknown_calendar,
    unknown_policy, not_true_or_false, not_a_list_of_ids, unknown_user. A new calendar or default
    policy recomputes the team's open tickets; members taken out lose the team's rooms at once
    (their sessions end, as for any right taken away)."""
    from helpdesk.auth.service import end_sessions
    require(actor, "team.manage")
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.")
    errors = FieldErrors()
    values: dict[str, Any] = {}
    if "name" in data:
        name = data["name"].strip() if isinstance(data["name"], str) else ""
        if not name:
            errors["name"] = "required"
        elif len(name) > 120:
            errors.add("name", "too_long", max_length=120)
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
        request_recompute(session, {"team_ids": [team.id]}, team.name, now, actor=actor, inline_max=inline_max)
    return team


def _minutes(value: Any, name: str, errors: dict) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 525_600:
        report(errors, f"targets.{name}", "out_of_range", min=1, max=525_600)
        return None
    return value


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _escalation_problem(session: Session, rule: Any) -> str | None:
    """None when the rule is one the sweep can apply: {"on": "warning"|"breached", "metric": one of
    SLA_METRICS or "any", "action": raise_priority | reassign (team?, to: a staff id or None) |
    notify (to: "leads", "assignee" or a staff id)}."""
    if not isinstance(rule, dict) or rule.get("action") not in ESCALATION_ACTIONS \
            or rule.get("on", "breached") not in ("warning", "breached") \
            or rule.get("metric", "any") not in ("any", *SLA_METRICS):
        return "bad_escalation"
    if set(rule) - {"on", "metric", "action", "team", "to"}:
        return "bad_escalation"
    team, to = rule.get("team"), rule.get("to")
    if team is not None and (not _whole(team) or session.get(Team, team) is None):
        return "unknown_team"
    if rule["action"] == "notify" and to in ("leads", "assignee", None):
        return None
    if to is not None:
        person = session.get(User, to) if _whole(to) else None
        if person is None or person.role not in STAFF_ROLES or not person.active:
            return "unknown_user"
    return None


def validate_policy(session: Session, data: dict) -> dict:
    """The policy's fields, checked, with a code per field: name required/too_long; calendar_id
    unknown_calendar; conditions not_an_object, conditions.<key> not_a_choice/unknown_team/
    out_of_range/unknown_field; targets not_an_object/no_target, targets.<metric> out_of_range;
    warn_at_percent out_of_range; rank not_a_number; pause_statuses not_a_choice; escalations
    not_a_list, escalations.<n> bad_escalation/unknown_team/unknown_user; active not_true_or_false.
    out_of_range and too_long carry their limits."""
    errors = FieldErrors()
    name = _name(data, errors)
    calendar_id = data.get("calendar_id")
    if calendar_id is not None and (not _whole(calendar_id) or session.get(BusinessCalendar, calendar_id) is None):
        errors["calendar_id"] = "unknown_calendar"
    conditions = data.get("conditions") or {}
    allowed = {"priority": PRIORITIES, "segment": SEGMENTS, "tactical_segment": TACTICAL_SEGMENTS, "type": TYPES}
    if not isinstance(conditions, dict):
        errors["conditions"] = "not_an_object"
        conditions = {}
    clean_conditions: dict[str, Any] = {}
    for key, value in conditions.items():
        if value is None or value == [] or value == "":
            continue  # "any"
        values = value if isinstance(value, list) else [value]
        if key in allowed:
            if not all(v in allowed[key] for v in values):
                errors[f"conditions.{key}"] = "not_a_choice"
            clean_conditions[key] = value
        elif key == "team":
            ids = []
            for v in values:
                team = session.get(Team, v) if _whole(v) else (
                    session.scalar(select(Team).where(Team.name == v)) if isinstance(v, str) else None)
                if team is None:
                    errors["conditions.team"] = "unknown_team"
                else:
                    ids.append(team.id)
            clean_conditions["team"] = ids if isinstance(value, list) else (ids[0] if ids else None)
        elif key == "min_score":
            if not _whole(value) or not 0 <= value <= 100:
                report(errors, "conditions.min_score", "out_of_range", min=0, max=100)
            clean_conditions[key] = value
        else:
            errors[f"conditions.{key}"] = "unknown_field"
    targets = data.get("targets") or {}
    if not isinstance(targets, dict):
        errors["targets"] = "not_an_object"
        targets = {}
    first = _minutes(targets.get("first_response_minutes"), "first_response_minutes", errors)
    nxt = _minutes(targets.get("next_response_minutes"), "next_response_minutes", errors)
    resolution = _minutes(targets.get("resolution_minutes"), "resolution_minutes", errors)
    if first is None and nxt is None and resolution is None and not any(k.startswith("targets") for k in errors):
        errors["targets"] = "no_target"
    warn = data.get("warn_at_percent", 80)
    if not _whole(warn) or not 1 <= warn <= 99:
        report(errors, "warn_at_percent", "out_of_range", min=1, max=99)
    rank = data.get("rank", 100)
    if not _whole(rank):
        errors["rank"] = "not_a_number"
    pause = data.get("pause_statuses", ["pending_customer", "pending_third_party"])
    if not isinstance(pause, list) or not all(s in STATUSES for s in pause):
        errors["pause_statuses"] = "not_a_choice"
    escalations = data.get("escalations", [])
    if not isinstance(escalations, list):
        errors["escalations"] = "not_a_list"
    else:
        for index, rule in enumerate(escalations):
            problem = _escalation_problem(session, rule)
            if problem:
                errors[f"escalations.{index}"] = problem
    active = data.get("active", True)
    if not isinstance(active, bool):
        errors["active"] = "not_true_or_false"
    if errors:
        raise Invalid(errors, message="Some SLA policy fields are invalid.")
    return {"name": name, "calendar_id": calendar_id, "conditions": clean_conditions, "first_response_minutes": first,
            "next_response_minutes": nxt, "resolution_minutes": resolution, "warn_at_percent": warn, "rank": rank,
            "pause_statuses": pause, "escalations": escalations, "active": active}


def create_policy(session: Session, data: dict, now: datetime, *, actor=None, inline_max: int = INLINE_MAX) -> SLAPolicy:
    """A new policy (codes as validate_policy; name duplicate: 409); the open tickets it may
    concern are recomputed (sla.recompute)."""
    values = validate_policy(session, data)
    if session.scalar(select(SLAPolicy.id).where(SLAPolicy.name == values["name"])):
        raise Conflict("A policy with this name already exists.", {"fields": {"name": "duplicate"}}, code="duplicate")
    policy = SLAPolicy(**values)
    session.add(policy)
    session.flush()
    audit.record(session, actor, "created", "sla_policy", policy.id, policy.name,
                 audit.differences(None, snapshot(policy, POLICY_FIELDS)), now)
    forget_sla_context(session)
    request_recompute(session, {"policy_ids": [policy.id]}, policy.name, now, actor=actor, inline_max=inline_max)
    return policy


def policy_values(policy: SLAPolicy) -> dict:
    """A stored policy in the shape validate_policy takes (and the API shows)."""
    return {"name": policy.name, "calendar_id": policy.calendar_id, "conditions": policy.conditions or {},
            "rank": policy.rank,
            "targets": {"first_response_minutes": policy.first_response_minutes,
                        "next_response_minutes": policy.next_response_minutes,
                        "resolution_minutes": policy.resolution_minutes},
            "warn_at_percent": policy.warn_at_percent, "pause_statuses": policy.pause_statuses,
            "escalations": policy.escalations or [], "active": policy.active}


def update_policy(session: Session, policy: SLAPolicy, data: dict, now: datetime, *, actor=None,
                  inline_max: int = INLINE_MAX) -> SLAPolicy:
    """Change a policy (partial: the fields given; codes as validate_policy, name duplicate 409).
    When something changed, the open tickets it concerns before and after are recomputed."""
    before = snapshot(policy, POLICY_FIELDS)
    values = validate_policy(session, {**policy_values(policy), **data})
    if session.scalar(select(SLAPolicy.id).where(SLAPolicy.name == values["name"], SLAPolicy.id != policy.id)):
        raise Conflict("A policy with this name already exists.", {"fields": {"name": "duplicate"}}, code="duplicate")
    for key, value in values.items():
        setattr(policy, key, value)
    changes = audit.differences(before, snapshot(policy, POLICY_FIELDS))
    if not changes:
        return policy
    audit.record(session, actor, "updated", "sla_policy", policy.id, policy.name, changes, now)
    policy.updated_at = now
    session.flush()
    forget_sla_context(session)
    request_recompute(session, {"policy_ids": [policy.id]}, policy.name, now, actor=actor, inline_max=inline_max)
    return policy


def move_policy(session: Session, actor, policy_id: int, direction: str, now: datetime, *,
                inline_max: int = INLINE_MAX) -> SLAPolicy:
    """Move a policy one place up or down in the order of evaluation (direction "up" or "down"):
    the policies are renumbered 10, 20, 30... in their new order, and the open tickets of the two
    that swapped places are recomputed. Codes: direction not_a_choice."""
    require(actor, "sla.manage")
    if direction not in ("up", "down"):
        raise Invalid({"direction": "not_a_choice"})
    ordered = list(session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank, SLAPolicy.id)))
    index = next((i for i, p in enumerate(ordered) if p.id == policy_id), None)
    if index is None:
        raise NotFound("No such SLA policy.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return ordered[index]
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, policy in enumerate(ordered, start=1):
        if policy.rank != position * 10:
            audit.record(session, actor, "updated", "sla_policy", policy.id, policy.name,
                         audit.differences({"rank": policy.rank}, {"rank": position * 10}), now)
            policy.rank, policy.updated_at = position * 10, now
    session.flush()
    forget_sla_context(session)
    moved = ordered[other]
    request_recompute(session, {"policy_ids": sorted({moved.id, ordered[index].id})}, moved.name, now, actor=actor,
                      inline_max=inline_max)
    return moved
