"""Surveys over the API: answering by token (no login, like the e-mailed page), the admins' survey
settings, and the service-recovery follow-ups."""
from __future__ import annotations

import dataclasses

from flask import request

from helpdesk.api import bp
from helpdesk.api.common import api_user, iso, json_body
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.models import FollowUp, SurveyResponse, utcnow
from helpdesk.permissions import require
from helpdesk.surveys import followups, rules, service
from helpdesk.surveys.routes import token_limit


def response_json(response: SurveyResponse) -> dict:
    return {"id": response.id, "ticket_id": response.ticket_id, "csat": response.csat, "nps": response.nps,
            "effort": response.effort, "comment": response.comment, "channel": response.channel,
            "answered_at": iso(response.created_at)}


def follow_up_json(item: FollowUp, now) -> dict:
    return {"id": item.id, "customer_id": item.customer_id, "ticket_id": item.ticket_id,
            "ticket_number": item.ticket.number if item.ticket else None, "team_id": item.team_id,
            "reasons": list(item.reasons or []), "state": item.state, "due_at": iso(item.due_at),
            "overdue": followups.is_overdue(item, now), "outcome": item.outcome, "note": item.note,
            "closed_at": iso(item.closed_at), "created_at": iso(item.created_at),
            "response": response_json(item.response) if item.response else None}


@bp.get("/surveys/<token>")
@token_limit()
def get_survey(token: str):
    invitation = service.invitation_for_token(db.session, token, utcnow())
    ticket = invitation.ticket
    return {"ticket": {"number": ticket.number, "subject": ticket.subject} if ticket else None,
            "questions": ["csat", "effort", *(["nps"] if invitation.include_nps else []), "comment"],
            "language": invitation.language, "expires_at": iso(invitation.expires_at),
            "csat": rules.preselected(request.args.get("csat"))}


@bp.post("/surveys/<token>")
@token_limit()
def answer_survey(token: str):
    now = utcnow()
    invitation = service.invitation_for_token(db.session, token, now)
    response = service.record_answer(db.session, invitation, json_body(), now, channel="email")
    db.session.commit()
    return response_json(response), 201


@bp.get("/admin/survey-settings")
def get_survey_settings():
    require(api_user(), "survey.manage")
    return dataclasses.asdict(service.survey_settings(db.session))


@bp.put("/admin/survey-settings")
@bp.patch("/admin/survey-settings")
def put_survey_settings():
    user = api_user()
    require(user, "survey.manage")
    changed = service.update_survey_settings(db.session, user, json_body(), utcnow())
    db.session.commit()
    return dataclasses.asdict(changed)


@bp.get("/follow-ups")
def list_open_follow_ups():
    user = api_user()
    require(user, "follow_up.list")
    state = request.args.get("state", "open")
    if state != "open":
        raise Invalid({"state": "not_a_choice"}, "Only open follow-ups are listed here; a customer's history is at /customers/{id}/follow-ups.")
    now = utcnow()
    return {"items": [follow_up_json(f, now) for f in followups.open_follow_ups(db.session, limit=200)], "next_cursor": None}


@bp.post("/follow-ups/<int:follow_up_id>/close")
def close_follow_up_api(follow_up_id: int):
    user = api_user()
    item = followups.close_follow_up(db.session, user, follow_up_id, json_body(), utcnow())
    db.session.commit()
    return follow_up_json(followups.get_follow_up(db.session, user, item.id), utcnow())
