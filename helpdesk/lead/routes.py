"""The lead dashboard (/lead). Views check access through permissions.require(), then read."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from helpdesk.extensions import db
from helpdesk.lead import service
from helpdesk.models import utcnow
from helpdesk.permissions import require
from helpdesk.surveys import followups
from knowledge_base.service import deflection_stats

bp = Blueprint("lead", __name__, template_folder="templates", url_prefix="/lead")

FOLLOW_UPS_SHOWN = 20


@bp.before_request
@login_required
def _leads_only():
    require(current_user, "lead.view")


@bp.route("")
def dashboard():
    now = utcnow()
    return render_template("lead/dashboard.html", backlog=service.lead_overview(now),
                           deflection=deflection_stats(db.session, now - timedelta(days=30), now),
                           follow_ups=followups.open_follow_ups(db.session, limit=FOLLOW_UPS_SHOWN + 1),
                           follow_ups_shown=FOLLOW_UPS_SHOWN, reason_label=followups.reason_label, now=now)
