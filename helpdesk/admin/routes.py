"""The admin home (/admin)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from helpdesk.admin.overview import admin_overview
from helpdesk.permissions import require

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    require(current_user, "admin.view")


@bp.route("")
def home():
    return render_template("admin/home.html", overview=admin_overview())


from helpdesk.admin import (  # noqa: E402,F401  (their routes register on bp)
    audit, calendars, integrations, mail, people, policies, products, status, tags, teams)
