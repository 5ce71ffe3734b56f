"""The deployment's state in the browser (/admin/status): what `flask status` prints."""
from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from helpdesk.admin.routes import bp
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.permissions import require


@bp.route("/status")
def status():
    from helpdesk.status.report import gather_for

    require(current_user, "admin.view")
    report = gather_for(current_app, db.session, utcnow())
    return render_template("admin/status.html", report=report)
