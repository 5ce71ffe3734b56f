"""The lead dashboard (/lead): live panels, the alert list, one-click reassignment. Views check
access in one place (before_request), read through lead.service, and act through the ticket service."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.errors import DomainError
from helpdesk.extensions import db
from helpdesk.lead import service
from helpdesk.lead.formatting import business_duration, number, percent, select_options
from helpdesk.models import User, utcnow
from helpdesk.permissions import require
from helpdesk.surveys import followups
from helpdesk.tickets import service as tickets
from helpdesk.wording import error_summary
from knowledge_base.misses import missing_articles
from knowledge_base.service import deflection_by_article, deflection_stats

bp = Blueprint("lead", __name__, template_folder="templates", url_prefix="/lead")

FOLLOW_UPS_SHOWN = 20


@bp.before_request
@login_required
def _leads_only():
    require(current_user, "lead.view")


def _panels(now) -> dict:
    session = db.session
    return {
        "now": now,
        "today_figures": service.today_figures(session, now, current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        "duration": business_duration, "percent": percent, "number": number,
        "at_risk": service.at_risk(session, now),
        "breached": service.breached(session),
        "backlog": service.backlog(session, now),
        "agents": service.agents(session),
        "alerts": service.alerts(session, now),
        "follow_ups": followups.open_follow_ups(session, limit=FOLLOW_UPS_SHOWN + 1),
        "follow_ups_shown": FOLLOW_UPS_SHOWN,
        "reason_label": followups.reason_label,
        "assignee_options": select_options(db.session.execute(
            db.select(User.id, User.name).where(User.active.is_(True), User.role.in_(("agent", "lead")))
            .order_by(User.name)).tuples()),
        "age_buckets": [name for name, _, _ in service.AGE_BUCKETS],
    }


@bp.route("")
def dashboard():
    now = utcnow()
    month = now - timedelta(days=30)
    return render_template("lead/dashboard.html", deflection=deflection_stats(db.session, month, now),
                           deflection_articles=deflection_by_article(db.session, month, now, now=now, limit=10),
                           missing=missing_articles(db.session, since=month, until=now, limit=10), **_panels(now))


@bp.route("/panels")
def panels():
    """Every live panel, for the dashboard's script to swap in after a live event (one request)."""
    return render_template("lead/_panels.html", **_panels(utcnow()))


@bp.post("/tickets/<int:ticket_id>/assign")
def assign(ticket_id: int):
    """One-click reassignment from a panel; a stale version is refused, not overwritten."""
    raw = request.form.get("assignee_id", "")
    version = request.form.get("version", "")
    try:
        tickets.update_ticket(db.session, current_user, ticket_id,
                              {"assignee_id": int(raw) if raw.isdigit() else None},
                              utcnow(), expected_version=int(version) if version.isdigit() else None)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error_summary(error), "error")
    else:
        flash(_("Ticket réassigné."), "info")
    return redirect(url_for("lead.dashboard"))


@bp.post("/alerts/acknowledge")
def acknowledge():
    ids = [int(i) for i in request.form.getlist("event_id") if i.isdigit()]
    service.acknowledge(db.session, current_user, ids, utcnow())
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return {"acknowledged": ids}
    return redirect(url_for("lead.dashboard") + "#alerts")
from helpdesk.lead import reports  # noqa: E402,F401  (report pages register on bp)
