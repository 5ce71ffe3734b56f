"""Survey pages (no login: the link's token is the key) and the follow-up pages of team leads.

A GET never records anything (mail scanners open every link of a message); only the form's POST,
with its CSRF token, does. Failed token lookups are rate limited per address.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.customers.card import customer_card
from helpdesk.errors import Invalid
from helpdesk.extensions import db, limiter
from helpdesk.models import utcnow
from helpdesk.models.surveys import FOLLOW_UP_OUTCOMES
from helpdesk.permissions import require
from helpdesk.surveys import followups, rules, service
from helpdesk.wording import field_problems

bp = Blueprint("surveys", __name__, template_folder="templates")
# The answers' words, for the survey's pages and every mail that carries the survey.
bp.add_app_template_global(service.csat_labels, "csat_labels")


def token_limit():
    """Guessing tokens: only lookups that fail (404/410) count against the address's budget."""
    return limiter.shared_limit(lambda: current_app.config["SURVEY_TOKEN_RATE_LIMIT"], scope="survey-token",
                                deduct_when=lambda response: response.status_code in (404, 410))


def _language(invitation) -> str:
    asked = request.args.get("lang") or request.cookies.get("lang")
    return asked if asked in ("fr", "en") else (invitation.language or "fr")


@bp.get("/survey/<token>")
@token_limit()
def survey(token: str):
    invitation = service.invitation_for_token(db.session, token, utcnow())
    values = {"csat": rules.preselected(request.args.get("csat"))}
    with force_locale(_language(invitation)):
        return render_template("surveys/survey.html", invitation=invitation, ticket=invitation.ticket, token=token,
                               values=values, errors={})


@bp.post("/survey/<token>")
@token_limit()
def answer(token: str):
    now = utcnow()
    invitation = service.invitation_for_token(db.session, token, now)
    try:
        response = service.record_answer(db.session, invitation, request.form, now, channel="email")
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        values = rules.typed_values(request.form)
        with force_locale(_language(invitation)):
            return render_template("surveys/survey.html", invitation=invitation, ticket=invitation.ticket, token=token,
                                   values=values, errors=field_problems(error)), 400
    with force_locale(_language(invitation)):
        return render_template("surveys/thanks.html", unhappy=bool(rules.recovery_reasons(
            rules.Answer(response.csat, response.effort, response.nps, response.comment))))


# --- follow-ups (service recovery) -------------------------------------------------------------------


@bp.get("/lead/follow-ups/<int:follow_up_id>")
@login_required
def follow_up(follow_up_id: int, errors: dict | None = None, typed: dict | None = None, status: int = 200):
    item = followups.get_follow_up(db.session, current_user, follow_up_id)
    # The whole history beside it: whoever calls back must not make the customer recap.
    card = customer_card(current_user, item.customer_id, now=utcnow(), ticket_details=False)
    return render_template("surveys/follow_up.html", follow_up=item, card=card, outcomes=FOLLOW_UP_OUTCOMES,
                           outcome_label=followups.outcome_label, reason_label=followups.reason_label,
                           overdue=followups.is_overdue(item, utcnow()), errors=errors or {}, typed=typed or {}), status


@bp.post("/lead/follow-ups/<int:follow_up_id>/close")
@login_required
def close_follow_up(follow_up_id: int):
    data = {"outcome": request.form.get("outcome"), "note": request.form.get("note", "")}
    try:
        followups.close_follow_up(db.session, current_user, follow_up_id, data, utcnow())
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        return follow_up(follow_up_id, errors=field_problems(error), typed=data, status=400)
    flash(_("Rappel clôturé."), "info")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/") else url_for("lead.dashboard"))


@bp.get("/lead/follow-ups")
@login_required
def follow_ups():
    require(current_user, "follow_up.list")
    return render_template("surveys/follow_ups.html", items=followups.open_follow_ups(db.session, limit=500), now=utcnow(),
                           reason_label=followups.reason_label)
