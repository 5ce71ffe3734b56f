"""Teams in the browser (/admin/teams): the list, a new team, and each team's name, business
calendar, default SLA policy, automatic assignment and members. Rules: admin.service."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk.admin import service
from helpdesk.admin.forms import TeamForm, save
from helpdesk.admin.routes import bp
from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, SLAPolicy, Team, User, utcnow
from helpdesk.models.users import active_staff


def _choose(form: TeamForm) -> None:
    session = db.session
    form.calendar_id.choices = [(None, _("— aucun (celui de la politique) —"))] + [
        (c.id, c.name) for c in session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name))]
    form.default_sla_policy_id.choices = [(None, _("— aucune —"))] + [
        (p.id, p.name) for p in session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank, SLAPolicy.name))]
    form.member_ids.choices = [(u.id, f"{u.name} ({u.email})") for u in session.scalars(
        select(User).where(active_staff()).order_by(User.name))]




@bp.route("/teams", methods=["GET", "POST"])
def teams_list():
    form = TeamForm()
    _choose(form)
    if request.method == "POST" and form.validate_on_submit():
        def create():
            team = service.create_team(db.session, {"name": form.name.data or "", "auto_assign": False},
                                       actor=current_user, now=utcnow())
            db.session.flush()
            return service.update_team(db.session, current_user, team.id,
                                       {k: v for k, v in form.values().items() if k != "name"}, utcnow())

        ok, team = save(form, create)
        if ok:
            flash(_("Équipe %(name)s créée.", name=team.name), "info")
            return redirect(url_for("admin.team_edit", team_id=team.id))
    teams = list(db.session.scalars(select(Team).options(selectinload(Team.members), selectinload(Team.calendar),
                                                         selectinload(Team.default_sla_policy)).order_by(Team.name)))
    return render_template("admin/teams.html", teams=teams, form=form), 400 if form.errors else 200


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
def team_edit(team_id: int):
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.")
    form = TeamForm(obj=team)
    _choose(form)
    if request.method == "GET":
        form.member_ids.data = [m.id for m in team.members]
    if form.validate_on_submit():
        ok, _saved = save(form, lambda: service.update_team(db.session, current_user, team_id, form.values(), utcnow()))
        if ok:
            flash(_("Équipe enregistrée."), "info")
            return redirect(url_for("admin.team_edit", team_id=team_id))
    return render_template("admin/team.html", team=team, form=form), 400 if form.errors else 200
