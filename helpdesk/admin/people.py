"""People in the browser (/admin/people): staff accounts with search and filters (role, team,
active), invite by e-mail or create with a password, change role, teams and name, deactivate and
reactivate. The rules and the audit entries are auth.administration's."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from helpdesk.admin.forms import NewPersonForm, PersonForm, save
from helpdesk.admin.routes import bp
from helpdesk.admin.wording import field_problem, role_label
from helpdesk.auth import administration as people
from helpdesk.auth.invitations import create_person
from helpdesk.errors import DomainError
from helpdesk.extensions import db
from helpdesk.models import Team, utcnow
from helpdesk.models.users import STAFF_ROLES


def _teams() -> list[tuple[int, str]]:
    return [(team_id, name) for team_id, name in db.session.execute(select(Team.id, Team.name).order_by(Team.name))]




@bp.route("/people")
def people_list():
    filters = people.parse_filters(request.args)
    after = request.args.get("after", "")
    rows, next_id = people.list_people(db.session, current_user, filters,
                                       after_id=int(after) if after.isdigit() else None)
    return render_template("admin/people.html", rows=rows, next_id=next_id, filters=filters, teams=_teams(),
                           roles=STAFF_ROLES, role_label=role_label)


@bp.route("/people/new", methods=["GET", "POST"])
def person_new():
    form = NewPersonForm()
    form.team_ids.choices = _teams()
    if form.validate_on_submit():
        ok, made = save(form, lambda: create_person(db.session, current_user, form.values(), utcnow(),
                                                    current_app.config))
        if ok:
            user, invited = made
            flash(_("Invitation envoyée à %(email)s.", email=user.email) if invited
                  else _("Compte de %(name)s créé.", name=user.name), "info")
            return redirect(url_for("admin.person_edit", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/person_new.html", form=form), status


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def person_edit(user_id: int):
    person = people.get_person(db.session, user_id)
    form = PersonForm(obj=person)
    form.team_ids.choices = _teams()
    if request.method == "GET":
        form.team_ids.data = [t.id for t in person.teams]
    if form.validate_on_submit():
        ok, _saved = save(form, lambda: people.change_person(db.session, current_user, user_id, form.values(), utcnow()))
        if ok:
            flash(_("Modifications enregistrées."), "info")
            return redirect(url_for("admin.person_edit", user_id=user_id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/person.html", form=form, person=person), status


@bp.post("/people/<int:user_id>/active")
def person_active(user_id: int):
    """Deactivate or reactivate (a button of its own, so it is never a side effect of another change)."""
    wanted = request.form.get("active") == "1"
    try:
        people.change_person(db.session, current_user, user_id, {"active": wanted}, utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status not in (400, 409):
            raise
        flash(field_problem(next(iter((error.details.get("fields") or {"active": "x"}).values()))), "error")
    else:
        flash(_("Compte réactivé.") if wanted else _("Compte désactivé : ses sessions, jetons et connexions sont fermés."),
              "info")
    return redirect(url_for("admin.person_edit", user_id=user_id))
