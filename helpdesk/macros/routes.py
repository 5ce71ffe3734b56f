"""Canned responses for leads and admins: list, create, edit, delete (/lead/macros)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.macros import service
from helpdesk.macros.forms import CannedResponseForm
from helpdesk.models import Team, utcnow
from helpdesk.permissions import require
from helpdesk.tickets.lifecycle import PLACEHOLDERS
from helpdesk.wording import field_problems

bp = Blueprint("macros", __name__, template_folder="templates", url_prefix="/lead/macros")


@bp.before_request
@login_required
def _leads_only():
    require(current_user, "macro.manage")


@bp.get("")
def index():
    return render_template("macros/index.html", macros=service.all_macros(db.session, current_user))


@bp.route("/new", methods=["GET", "POST"])
def new():
    return _edit(None)


@bp.route("/<int:macro_id>", methods=["GET", "POST"])
def edit(macro_id: int):
    return _edit(macro_id)


@bp.post("/<int:macro_id>/delete")
def delete(macro_id: int):
    # (CSRFProtect has checked the form's token before we get here)
    title = service.get_macro(db.session, current_user, macro_id).title
    service.delete_macro(db.session, current_user, macro_id, utcnow())
    db.session.commit()
    flash(_("Réponse type « %(title)s » supprimée.", title=title), "info")
    return redirect(url_for("macros.index"))


def _edit(macro_id: int | None):
    macro = service.get_macro(db.session, current_user, macro_id) if macro_id is not None else None
    # Posted: only what the browser sent. Shown: the saved values ("" and 0 stand for "none").
    saved = None if macro is None else {
        "title": macro.title, "body": macro.body, "language": macro.language, "team_id": macro.team_id or 0,
        "set_status": macro.set_status or "", "set_priority": macro.set_priority or ""}
    form = CannedResponseForm(data=None if request.method == "POST" else saved)
    form.team_id.choices = [(0, _("Toutes les équipes"))] + [
        (team.id, team.name) for team in db.session.scalars(select(Team).order_by(Team.name))]
    status = 200
    if form.validate_on_submit():
        try:
            saved = service.save_macro(db.session, current_user, macro_id, form.data_for_service(), utcnow())
        except Invalid as error:
            db.session.rollback()
            for name, words in field_problems(error, {"duplicate": _("Une autre réponse type porte déjà ce titre.")}).items():
                getattr(form, name, form.title).errors.append(words)
        else:
            db.session.commit()
            flash(_("Réponse type « %(title)s » enregistrée.", title=saved.title), "info")
            return redirect(url_for("macros.index"))
    if form.errors:
        status = 400
    return render_template("macros/edit.html", form=form, macro=macro, placeholders=PLACEHOLDERS), status

