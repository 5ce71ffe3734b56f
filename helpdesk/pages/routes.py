"""Landing pages, one per role; each checks access through permissions.require()."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from helpdesk.models import utcnow
from helpdesk.pages import service
from helpdesk.permissions import require

bp = Blueprint("pages", __name__, template_folder="templates")

@bp.route("/lead")
@login_required
def lead():
    require(current_user, "lead.view")
    return render_template("pages/lead.html", backlog=service.lead_overview(utcnow()))


@bp.route("/admin")
@login_required
def admin():
    require(current_user, "admin.view")
    return render_template("pages/admin.html", overview=service.admin_overview())
