"""SLA policies in the browser (/admin/sla-policies): the list in order of evaluation (moved up and
down, switched on and off), a new policy, and each one's conditions, targets, warning threshold,
pauses and escalations. Open tickets follow every change (sla.recompute: in the background when
they are many, with the progress shown). Rules: admin.service."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from helpdesk.admin import service
from helpdesk.admin.calendars import flash_recompute
from helpdesk.admin.forms import ESCALATION_ROWS, MoveForm, PolicyForm, policy_choice_labels, metric_label, save
from helpdesk.admin.routes import bp
from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, SLAPolicy, Team, User, utcnow
from helpdesk.models.users import active_staff
from helpdesk.permissions import require
from helpdesk.sla import recompute


def _choose(form: PolicyForm) -> None:
    session = db.session
    teams = [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))]
    form.calendar_id.choices = [(None, _("— celui de l'équipe du ticket —"))] + [
        (c.id, c.name) for c in session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name))]
    form.team.choices = teams
    people = [(str(u.id), u.name) for u in session.scalars(
        select(User).where(active_staff()).order_by(User.name))]
    for index in range(ESCALATION_ROWS):
        getattr(form, f"esc_{index}_team").choices = [("", _("— la même équipe —"))] + [(str(i), n) for i, n in teams]
        getattr(form, f"esc_{index}_to").choices = [
            ("", _("— personne (file de l'équipe) —")), ("leads", _("prévenir : les responsables de l'équipe")),
            ("assignee", _("prévenir : l'agent du ticket"))] + people


def _page(form: PolicyForm, policy: SLAPolicy | None, status: int = 200):
    return render_template("admin/policy.html", form=form, policy=policy, rows=range(ESCALATION_ROWS),
                           recomputes=recompute.in_progress(db.session)), status


def _summary(policy: SLAPolicy, teams: dict[int, str]) -> list[tuple[str, str]]:
    """A policy's conditions in words: [("priorité", "Urgente, Haute"), ("équipe", "Niveau 2"), ...]."""
    priorities, _statuses, types, segments, tactical = policy_choice_labels()
    words = {"priority": (_("priorité"), priorities), "type": (_("type"), types), "segment": (_("segment"), segments),
             "tactical_segment": (_("segment issu des scores"), tactical), "team": (_("équipe"), teams)}
    out = []
    for key, value in (policy.conditions or {}).items():
        if key == "min_score":
            out.append((_("score client au moins"), str(value)))
        elif key in words:
            label, names = words[key]
            out.append((label, ", ".join(str(names.get(v, v)) for v in (value if isinstance(value, list) else [value]))))
    return out


@bp.route("/sla-policies")
def policies_list():
    require(current_user, "sla.manage")
    policies = list(db.session.scalars(select(SLAPolicy).order_by(SLAPolicy.rank, SLAPolicy.id)))
    calendars = {c.id: c.name for c in db.session.scalars(select(BusinessCalendar))}
    teams = {t.id: t.name for t in db.session.scalars(select(Team))}
    summaries = {p.id: _summary(p, teams) for p in policies}
    return render_template("admin/policies.html", policies=policies, calendars=calendars, summaries=summaries,
                           move_form=MoveForm(), metric_label=metric_label, recomputes=recompute.in_progress(db.session))


@bp.route("/sla-policies/new", methods=["GET", "POST"])
def policy_new():
    require(current_user, "sla.manage")
    form = PolicyForm()
    _choose(form)
    if request.method == "GET":
        form.pause_statuses.data = ["pending_customer", "pending_third_party"]
    if form.validate_on_submit():
        last = db.session.scalar(select(SLAPolicy.rank).order_by(SLAPolicy.rank.desc()).limit(1))

        def create():
            policy = service.create_policy(db.session, {**form.values(), "rank": (last or 0) + 10}, utcnow(),
                                           actor=current_user, inline_max=recompute.configured_inline_max())
            return policy, recompute.requested_in(db.session)

        ok, saved = save(form, create)
        if ok:
            policy, jobs = saved
            flash(_("Politique %(name)s créée, en dernier dans l'ordre d'évaluation.", name=policy.name), "info")
            flash_recompute(jobs)
            return redirect(url_for("admin.policy_edit", policy_id=policy.id))
    return _page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/sla-policies/<int:policy_id>", methods=["GET", "POST"])
def policy_edit(policy_id: int):
    require(current_user, "sla.manage")
    policy = db.session.get(SLAPolicy, policy_id)
    if policy is None:
        raise NotFound("No such SLA policy.")
    form = PolicyForm(obj=policy)
    _choose(form)
    if request.method == "GET":
        form.load(policy)
    if form.validate_on_submit():
        def change():
            service.update_policy(db.session, policy, form.values(), utcnow(), actor=current_user, inline_max=recompute.configured_inline_max())
            return recompute.requested_in(db.session)

        ok, jobs = save(form, change)
        if ok:
            flash_recompute(jobs)
            return redirect(url_for("admin.policy_edit", policy_id=policy_id))
    return _page(form, policy, 400 if request.method == "POST" else 200)


@bp.post("/sla-policies/<int:policy_id>/move")
def policy_move(policy_id: int):
    require(current_user, "sla.manage")
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("Le formulaire a expiré : recommencez."), "error")
        return redirect(url_for("admin.policies_list"))

    def change():
        service.move_policy(db.session, current_user, policy_id, request.form.get("direction", ""), utcnow(),
                            inline_max=recompute.configured_inline_max())
        return recompute.requested_in(db.session)

    ok, jobs = save(form, change)
    if ok:
        flash_recompute(jobs)
    else:
        flash(_("Déplacement refusé."), "error")
    return redirect(url_for("admin.policies_list", _anchor=f"policy-{policy_id}"))


@bp.post("/sla-policies/<int:policy_id>/active")
def policy_active(policy_id: int):
    require(current_user, "sla.manage")
    form = MoveForm()
    policy = db.session.get(SLAPolicy, policy_id)
    if policy is None:
        raise NotFound("No such SLA policy.")
    if not form.validate_on_submit():
        flash(_("Le formulaire a expiré : recommencez."), "error")
        return redirect(url_for("admin.policies_list"))
    active = request.form.get("active") == "1"

    def change():
        service.update_policy(db.session, policy, {"active": active}, utcnow(), actor=current_user, inline_max=recompute.configured_inline_max())
        return recompute.requested_in(db.session)

    ok, jobs = save(form, change)
    if ok:
        flash(_("Politique %(name)s activée.", name=policy.name) if active
              else _("Politique %(name)s désactivée.", name=policy.name), "info")
        flash_recompute(jobs)
    return redirect(url_for("admin.policies_list", _anchor=f"policy-{policy_id}"))
