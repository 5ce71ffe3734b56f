"""The report pages (/lead/reports?view=sla|volume|satisfaction|agents): filters in the URL, figures
from the same service functions as GET /api/v1/reports/*, a chart and its table for each, every table
as CSV (/lead/reports/<name>.csv). One report per view, so that a view costs one report's queries."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.lead.formatting import business_duration, number, percent, short_day
from helpdesk.lead.routes import bp
from helpdesk.models import Product, Team, User, utcnow
from helpdesk.models.customers import CHANNELS, TACTICAL_SEGMENTS
from helpdesk.models.tickets import PRIORITIES
from helpdesk.models.users import active_staff
from helpdesk.permissions import require
from helpdesk.reports import agents, charts, satisfaction, sla, volume
from helpdesk.reports.deflection import period_deflection
from helpdesk.reports.exports import TABLES, csv_download, figures, request_filters
from helpdesk.reports.filters import FILTER_NAMES, RANGES, InvalidFilters, ReportFilters
from helpdesk.reports.kept import Figures, KeepRules, forget
from knowledge_base.service import DeflectionStats

MAX_PRODUCTS_LISTED = 300
VIEWS = ("sla", "volume", "satisfaction", "agents")


@dataclass(frozen=True)
class ReportPage:
    """The figures of one view; the other reports stay None. `figures`: when they were computed,
    and whether they were kept (helpdesk.reports.kept)."""

    figures: Figures
    sla: sla.SlaReport | None = None
    deflection: DeflectionStats | None = None
    volume: volume.VolumeReport | None = None
    satisfaction: satisfaction.SatisfactionReport | None = None
    agents: agents.AgentsReport | None = None


def page_figures(filters: ReportFilters, view: str) -> ReportPage:
    session = db.session
    found = figures(session, view, filters)
    if view == "sla":
        return ReportPage(found, sla=found.report, deflection=period_deflection(session, filters, utcnow()))
    return ReportPage(found, **{view: found.report})


# --- words (gettext, French source) ------------------------------------------------------------------

def metric_labels() -> dict[str, str]:
    return {"first_response": _("Première réponse"), "next_response": _("Réponse suivante"),
            "resolution": _("Résolution")}


def channel_labels() -> dict[str, str]:
    return {"phone": _("Téléphone"), "email": _("E-mail"), "portal": _("Portail"), "api": _("API"), "chat": _("Chat")}


def priority_labels() -> dict[str, str]:
    return {"low": _("Basse"), "normal": _("Normale"), "high": _("Haute"), "urgent": _("Urgente")}


def range_labels() -> dict[str, str]:
    return {"today": _("Aujourd'hui"), "7d": _("7 jours"), "30d": _("30 jours"), "quarter": _("Trimestre en cours"),
            "custom": _("Dates choisies")}


def view_labels() -> dict[str, str]:
    return {"sla": _("SLA et délais"), "volume": _("Volume et stock"), "satisfaction": _("Satisfaction"),
            "agents": _("Agents")}


def weekday_labels() -> list[str]:
    return [_("lun."), _("mar."), _("mer."), _("jeu."), _("ven."), _("sam."), _("dim.")]


def problem_messages() -> dict[str, str]:
    return {"bad_date": _("Date invalide (format AAAA-MM-JJ)."),
            "range_reversed": _("La fin de la période précède son début."),
            "range_too_long": _("Une période couvre au plus 731 jours."),
            "unknown_range": _("Période inconnue."),
            "unknown_team": _("Équipe inconnue."),
            "unknown_agent": _("Agent inconnu."),
            "unknown_product": _("Produit inconnu."),
            "not_a_choice": _("Valeur non proposée.")}


# --- charts ------------------------------------------------------------------------------------------

def page_charts(page: ReportPage) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    if page.sla is not None:
        metrics = metric_labels()
        figures = page.sla.metrics
        out["sla"] = charts.stacked_bar_chart(
            "chart-sla", _("Objectifs SLA respectés et dépassés"), [metrics[m] for m in figures],
            [charts.Series(_("Respectés"), [c.met for c in figures.values()], charts.GOOD),
             charts.Series(_("Dépassés"), [c.breached for c in figures.values()], charts.BAD),
             charts.Series(_("En cours"), [c.pending for c in figures.values()], charts.NEUTRAL)],
            description=_("Horloges SLA démarrées sur la période, par indicateur."))
    if page.volume is not None:
        channels, report = channel_labels(), page.volume
        days = [short_day(d.day) for d in report.days]
        out["created"] = charts.stacked_bar_chart(
            "chart-created", _("Tickets créés par jour et par canal"), days,
            [charts.Series(channels.get(c, c), [d.created[c] for d in report.days]) for c in report.channels])
        out["flow"] = charts.line_chart(
            "chart-flow", _("Tickets créés, résolus et en stock"), days,
            [charts.Series(_("Créés"), [d.created_total for d in report.days]),
             charts.Series(_("Résolus"), [d.resolved_total for d in report.days]),
             charts.Series(_("Ouverts en fin de journée"), [d.backlog for d in report.days])])
        out["hours"] = charts.heat_map(
            "chart-hours", _("Tickets créés par heure et jour de la semaine"), weekday_labels(),
            [f"{h}h" for h in range(24)], report.by_hour,
            description=_("Heures locales (%(zone)s).", zone=report.filters.timezone))
    if page.satisfaction is not None:
        by_day = dict(page.satisfaction.by_day)
        all_days = page.satisfaction.filters.days
        labels = [short_day(d) for d in all_days]

        def series(name, figure):
            return [charts.Series(name, [figure(by_day[d]) if d in by_day else None for d in all_days])]

        out["csat"] = charts.line_chart("chart-csat", _("CSAT : part de clients satisfaits (%)"), labels,
                                        series(_("CSAT %"), lambda s: s.csat_percent), y_max=100, height=170,
                                        value_format=percent)
        out["nps"] = charts.line_chart("chart-nps", _("NPS"), labels, series(_("NPS"), lambda s: s.nps),
                                       y_min=-100, y_max=100, height=170)
        out["effort"] = charts.line_chart("chart-effort", _("Effort client moyen (1 à 7)"), labels,
                                          series(_("Effort"), lambda s: s.effort_average), y_max=7, height=170,
                                          value_format=lambda v: number(v, 2))
    return out


# --- views -------------------------------------------------------------------------------------------

def _choices() -> dict:
    session = db.session
    return {
        "teams": session.execute(select(Team.id, Team.name).order_by(Team.name)).all(),
        "agents": session.execute(select(User.id, User.name).where(active_staff())
                                  .order_by(User.name)).all(),
        "products": session.execute(select(Product.id, Product.sku, Product.name).order_by(Product.name)
                                    .limit(MAX_PRODUCTS_LISTED)).all(),
        "ranges": RANGES, "priorities": PRIORITIES, "channels": CHANNELS, "segments": TACTICAL_SEGMENTS,
    }


def _labels() -> dict:
    return {"metric_labels": metric_labels(), "channel_labels": channel_labels(), "priority_labels": priority_labels(),
            "range_labels": range_labels(), "weekday_labels": weekday_labels(), "view_labels": view_labels(),
            "views": VIEWS, "keep_minutes": KeepRules.from_config(current_app.config).keep_minutes,
            "duration": business_duration, "percent": percent, "number": number, "short_day": short_day}


@bp.route("/reports")
def reports():
    require(current_user, "reports.view")
    view = request.args.get("view") or VIEWS[0]
    if view not in VIEWS:
        abort(404)
    args = {k: v for k, v in request.args.items() if k in FILTER_NAMES and v}
    try:
        filters = request_filters(db.session)
    except InvalidFilters as error:
        messages = problem_messages()
        problems = {name: messages.get(code, code) for name, code in error.problems.items()}
        return render_template("lead/reports.html", view=view, filters=None, page=None, charts={}, problems=problems,
                               args=args, csv_args={}, **_choices(), **_labels()), 400
    page = page_figures(filters, view)
    return render_template("lead/reports.html", view=view, filters=filters, page=page, charts=page_charts(page),
                           problems={}, args=args, csv_args=filters.query_args(), **_choices(), **_labels())


@bp.route("/reports/<name>.csv")
def report_csv(name: str):
    require(current_user, "reports.view")
    if name not in TABLES:
        abort(404)
    try:
        filters = request_filters(db.session)
    except InvalidFilters as error:
        messages = problem_messages()
        return render_template("errors/error.html", status=400, title=_("Filtres refusés"),
                               message=" ".join(messages.get(code, code) for code in error.problems.values())), 400
    return csv_download(db.session, name, filters)


@bp.post("/reports/recompute")
def recompute_report():
    """"Recalculer": drop the kept figures of the view for these filters, then show it again."""
    require(current_user, "reports.view")
    view = request.form.get("view") or VIEWS[0]
    if view not in VIEWS:
        abort(404)
    try:
        filters = request_filters(db.session, request.form)
    except InvalidFilters:
        abort(400)
    forget(db.session, view, filters)
    return redirect(url_for("lead.reports", view=view, **filters.query_args()), 303)
