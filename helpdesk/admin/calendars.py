"""Business calendars in the browser (/admin/calendars): the list, a new calendar, and each one's
weekly hours (one row per day, split days), holidays country and region, closed days, exceptional
openings, with a preview of what it means for a ticket created now. Rules: admin.service."""
from __future__ import annotations

from babel.dates import format_date, format_datetime
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from helpdesk.admin import service
from helpdesk.admin.forms import DAYS, SLOTS, CalendarForm, day_label, place_errors, save
from helpdesk.admin.routes import bp
from helpdesk.errors import DomainError, NotFound
from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, SLAPolicy, Team, utcnow
from helpdesk.permissions import require
from helpdesk.sla import recompute
from helpdesk.sla.calendar import holiday_countries


def _countries(form: CalendarForm) -> None:
    names = get_locale().territories
    form.holidays_country.choices = [("", _("— aucun jour férié —"))] + sorted(
        ((code, f"{names.get(code, code)} ({code})") for code in holiday_countries()),
        key=lambda choice: choice[1])


def _holiday_language() -> str:
    return "en_US" if get_locale().language == "en" else get_locale().language


def _preview(values: dict, calendar_id: int | None):
    return service.calendar_preview(db.session, values, calendar_id, utcnow(), language=_holiday_language())


def _when(moment) -> str:
    """A moment in its own zone (the calendar's), e.g. "mer. 3 déc. 2026, 10:00"."""
    return format_datetime(moment, "EEE d MMM y, HH:mm", tzinfo=moment.tzinfo, locale=get_locale())


def _day(day) -> str:
    return format_date(day, "EEE d MMM y", locale=get_locale())


def _page(form: CalendarForm, calendar: BusinessCalendar | None, preview, status: int = 200):
    users = {}
    if calendar is not None:
        users = {"teams": list(db.session.scalars(select(Team).where(Team.calendar_id == calendar.id).order_by(Team.name))),
                 "policies": list(db.session.scalars(select(SLAPolicy).where(SLAPolicy.calendar_id == calendar.id)
                                                     .order_by(SLAPolicy.rank)))}
    return render_template("admin/calendar.html", form=form, calendar=calendar, preview=preview, days=DAYS,
                           slots=range(SLOTS), day_label=day_label, recomputes=recompute.in_progress(db.session),
                           when=_when, day=_day,
                           **users), status


def _submit(form: CalendarForm, calendar: BusinessCalendar | None):
    """A POST: "preview" shows what the typed calendar would do (saving nothing), else save."""
    if request.form.get("action") == "preview":
        try:
            values = service.validate_calendar(form.values())
        except DomainError as error:
            place_errors(form, error)
            return _page(form, calendar, None, 400)
        return _page(form, calendar, _preview(values, calendar.id if calendar else None))
    inline = recompute.configured_inline_max()
    if calendar is None:
        ok, saved = save(form, lambda: service.create_calendar(db.session, form.values(), actor=current_user, now=utcnow()))
    else:
        def change():
            service.update_calendar(db.session, calendar, form.values(), utcnow(), actor=current_user, inline_max=inline)
            return recompute.requested_in(db.session)

        ok, saved = save(form, change)
    if not ok:
        return _page(form, calendar, None, 400)
    if calendar is None:
        flash(_("Calendrier %(name)s créé.", name=saved.name), "info")
        return redirect(url_for("admin.calendar_edit", calendar_id=saved.id))
    flash_recompute(saved)
    return redirect(url_for("admin.calendar_edit", calendar_id=calendar.id))


def flash_recompute(jobs) -> None:
    """Say what the change did to the open tickets: recomputed at once, or in the background."""
    job = jobs[-1] if jobs else None
    if job is None:
        flash(_("Enregistré (rien n'a changé)."), "info")
    elif job.state == "queued":
        flash(_("Enregistré. Les délais de %(n)s tickets ouverts sont recalculés en arrière-plan : "
                "l'avancement s'affiche ci-dessous.", n=job.total), "info")
    else:
        flash(_("Enregistré. Délais recalculés pour %(n)s tickets ouverts.", n=job.total), "info")


@bp.route("/calendars")
def calendars_list():
    require(current_user, "calendar.manage")
    calendars = list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name)))
    teams: dict[int, list[str]] = {}
    for team in db.session.scalars(select(Team).where(Team.calendar_id.is_not(None)).order_by(Team.name)):
        teams.setdefault(team.calendar_id, []).append(team.name)
    return render_template("admin/calendars.html", calendars=calendars, teams=teams, days=DAYS, day_label=day_label)


@bp.route("/calendars/new", methods=["GET", "POST"])
def calendar_new():
    require(current_user, "calendar.manage")
    form = CalendarForm()
    _countries(form)
    if request.method == "GET":
        for day in DAYS[:5]:  # a useful start: weekdays 09:00-12:30 and 13:30-18:00
            for slot, (start, end) in enumerate((("09:00", "12:30"), ("13:30", "18:00"))):
                getattr(form, f"{day}_{slot}_start").data, getattr(form, f"{day}_{slot}_end").data = start, end
    if form.validate_on_submit():
        return _submit(form, None)
    return _page(form, None, None, 400 if request.method == "POST" else 200)


@bp.route("/calendars/<int:calendar_id>", methods=["GET", "POST"])
def calendar_edit(calendar_id: int):
    require(current_user, "calendar.manage")
    calendar = db.session.get(BusinessCalendar, calendar_id)
    if calendar is None:
        raise NotFound("No such calendar.")
    form = CalendarForm()
    _countries(form)
    if request.method == "GET":
        form.load(calendar)
        try:
            values = service.validate_calendar(service.snapshot(calendar, service.CALENDAR_FIELDS))
        except DomainError as error:  # stored before today's rules (an old zone, a country gone): say where
            place_errors(form, error)
            return _page(form, calendar, None)
        return _page(form, calendar, _preview(values, calendar.id))
    if form.validate_on_submit():
        return _submit(form, calendar)
    return _page(form, calendar, None, 400)
