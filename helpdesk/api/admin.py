"""Administration over the API (admin role): calendars, teams, SLA policies."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk.admin import service
from helpdesk.api import bp
from helpdesk.api.common import api_user, iso, json_body
from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, SLAPolicy, SlaRecompute, Team, utcnow
from helpdesk.permissions import require
from helpdesk.sla import recompute


def _with_recompute(payload: dict) -> dict:
    """The object, and the recompute its change asked for (done at once, or queued: follow it at
    GET /api/v1/admin/recomputes/{id})."""
    jobs = recompute.requested_in(db.session)
    if jobs:
        payload["recompute"] = recompute.as_json(jobs[-1])
    return payload


def calendar_json(c: BusinessCalendar) -> dict:
    return {"id": c.id, "name": c.name, "timezone": c.timezone, "hours": c.hours, "holidays_country": c.holidays_country,
            "holidays_subdivision": c.holidays_subdivision, "closed_days": c.closed_days or [],
            "openings": c.openings or {}, "updated_at": iso(c.updated_at)}


def team_json(t: Team) -> dict:
    return {"id": t.id, "name": t.name, "calendar_id": t.calendar_id, "auto_assign": t.auto_assign,
            "default_sla_policy_id": t.default_sla_policy_id, "member_ids": [m.id for m in t.members]}


def policy_json(p: SLAPolicy) -> dict:
    return {"id": p.id, **service.policy_values(p)}


@bp.post("/calendars")
def create_calendar():
    user = api_user()
    require(user, "calendar.manage")
    calendar = service.create_calendar(db.session, json_body(), actor=user, now=utcnow())
    db.session.commit()
    return calendar_json(calendar), 201


@bp.put("/calendars/<int:calendar_id>")
@bp.patch("/calendars/<int:calendar_id>")
def update_calendar(calendar_id: int):
    user = api_user()
    require(user, "calendar.manage")
    calendar = db.session.get(BusinessCalendar, calendar_id)
    if calendar is None:
        raise NotFound("No such calendar.")
    service.update_calendar(db.session, calendar, json_body(), utcnow(), actor=user, inline_max=recompute.configured_inline_max())
    payload = _with_recompute(calendar_json(calendar))
    db.session.commit()
    return payload


@bp.post("/teams")
def create_team():
    user = api_user()
    require(user, "team.manage")
    team = service.create_team(db.session, json_body(), actor=user, now=utcnow())
    db.session.commit()
    return team_json(team), 201


@bp.get("/teams")
def list_teams():
    """Every team with its calendar, default policy, automatic assignment and members (staff)."""
    require(api_user(), "console.view")
    teams = db.session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.name))
    return {"items": [team_json(t) for t in teams]}


@bp.patch("/teams/<int:team_id>")
def update_team(team_id: int):
    """`{name?, calendar_id?, default_sla_policy_id?, auto_assign?, member_ids?}` (admin)."""
    team = service.update_team(db.session, api_user(), team_id, json_body(), utcnow(), inline_max=recompute.configured_inline_max())
    payload = _with_recompute(team_json(team))
    db.session.commit()
    return payload


@bp.get("/calendars")
def list_calendars():
    require(api_user(), "calendar.manage")
    return {"items": [calendar_json(c) for c in db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name))]}


@bp.get("/sla-policies")
def list_policies():
    require(api_user(), "sla.manage")
    return {"items": [policy_json(p) for p in db.session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank, SLAPolicy.id))]}


@bp.post("/sla-policies")
def create_policy():
    """`conditions` keys (each one value or a list, any of them; omitted = any): priority, type, team
    (id or name), segment (commercial: standard/premium/vip/business), tactical_segment (from the
    scores: best, high_potential, new, active, inactive, dissatisfied, lost) and min_score (one
    whole number 0-100: the customer's score is known and at least that)."""
    user = api_user()
    require(user, "sla.manage")
    policy = service.create_policy(db.session, json_body(), utcnow(), actor=user, inline_max=recompute.configured_inline_max())
    payload = _with_recompute(policy_json(policy))
    db.session.commit()
    return payload, 201


@bp.put("/sla-policies/<int:policy_id>")
@bp.patch("/sla-policies/<int:policy_id>")
def update_policy(policy_id: int):
    user = api_user()
    require(user, "sla.manage")
    policy = db.session.get(SLAPolicy, policy_id)
    if policy is None:
        raise NotFound("No such SLA policy.")
    service.update_policy(db.session, policy, json_body(), utcnow(), actor=user, inline_max=recompute.configured_inline_max())
    payload = _with_recompute(policy_json(policy))
    db.session.commit()
    return payload


@bp.get("/admin/recomputes/<int:recompute_id>")
def get_recompute(recompute_id: int):
    """How far the recompute of open tickets after a policy, calendar or team change is (admin)."""
    require(api_user(), "sla.manage")
    job = db.session.get(SlaRecompute, recompute_id)
    if job is None:
        raise NotFound("No such recompute.")
    return recompute.as_json(job)
