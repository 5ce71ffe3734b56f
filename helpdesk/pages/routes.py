"""Landing pages, one per role; each checks access through permissions.require()."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from helpdesk.models import utcnow
from helpdesk.pages import service
from helpdesk.permissions import require
from helpdesk.surveys import followups

FOLLOW_UPS_SHOWN = 20

bp = Blueprint("pages", __name__, template_folder="templates")

@bp.route("/lead")
@login_required
def lead():
    require(current_user, "lead.view")
    now = utcnow()
    from datetime import timedelta

    from helpdesk.extensions import db
    from knowledge_base.service import deflection_stats  # KB: deflection panel, last 30 days

    return render_template("pages/lead.html", backlog=service.lead_overview(now),
                           deflection=deflection_stats(db.session, now - timedelta(days=30), now),
                           follow_ups=followups.open_follow_ups(db.session, limit=FOLLOW_UPS_SHOWN + 1),
                           follow_ups_shown=FOLLOW_UPS_SHOWN, reason_label=followups.reason_label, now=now)


@bp.route("/admin")
@login_required
def admin():
    require(current_user, "admin.view")
    return render_template("pages/admin.html", overview=service.admin_overview())
