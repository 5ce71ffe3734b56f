"""Reports over the API (leads and admins): the same service functions as the report pages, so the
same figures for the same filters (kept for a few minutes when long to compute, as on the pages:
`computed_at` says when). `Accept: text/csv` or `?format=csv` gives the table as CSV."""
from __future__ import annotations

from flask import request

from helpdesk.api import bp
from helpdesk.api.common import api_user
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.permissions import require
from helpdesk.reports import agents, satisfaction, sla, volume
from helpdesk.reports.exports import csv_download, figures, request_filters
from helpdesk.reports.filters import ReportFilters
from helpdesk.reports.kept import Figures


def wants_csv() -> bool:
    if request.args.get("format") == "csv":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv" and request.accept_mimetypes["text/csv"] > request.accept_mimetypes["application/json"]


def _filters() -> ReportFilters:
    require(api_user(), "reports.view")
    fmt = request.args.get("format")
    if fmt not in (None, "", "json", "csv"):
        raise Invalid({"format": "not_a_choice"}, "The format must be json or csv.", limits={"format": {"choices": ["json", "csv"]}})
    return request_filters(db.session)


def _period(filters: ReportFilters, found: Figures) -> dict:
    return {"from": filters.first_day.isoformat(), "to": filters.last_day.isoformat(), "range": filters.range,
            "timezone": filters.timezone, "filters": {k: v for k, v in filters.query_args().items()
                                                      if k not in ("range", "from", "to")},
            "computed_at": found.computed_at.isoformat(), "kept": found.kept}


@bp.get("/reports/satisfaction")
def satisfaction_report():
    filters = _filters()
    found = figures(db.session, "satisfaction", filters)
    report = found.report
    if wants_csv():
        return csv_download(db.session, "satisfaction", filters, report)
    return {
        **_period(filters, found),
        "invitations_sent": report.invitations_sent, "response_rate": report.response_rate,
        **satisfaction.figures_json(report.totals),
        "by_day": [{"day": day.isoformat(), **satisfaction.figures_json(s)} for day, s in report.by_day],
    }


@bp.get("/reports/sla")
def sla_report():
    filters = _filters()
    found = figures(db.session, "sla", filters)
    report = found.report
    if wants_csv():
        return csv_download(db.session, "sla", filters, report)
    return {**_period(filters, found), **sla.as_json(report)}


@bp.get("/reports/volume")
def volume_report():
    """`table=days` (default: per day and channel, with the backlog) or `table=hours` for the CSV."""
    filters = _filters()
    table = request.args.get("table") or "days"
    if table not in ("days", "hours"):
        raise Invalid({"table": "not_a_choice"}, "The table must be days or hours.", limits={"table": {"choices": ["days", "hours"]}})
    found = figures(db.session, "volume", filters)
    report = found.report
    if wants_csv():
        return csv_download(db.session, "volume" if table == "days" else "hours", filters, report)
    return {**_period(filters, found), **volume.as_json(report)}


@bp.get("/reports/agents")
def agents_report():
    filters = _filters()
    found = figures(db.session, "agents", filters)
    report = found.report
    if wants_csv():
        return csv_download(db.session, "agents", filters, report)
    return {**_period(filters, found), **agents.as_json(report)}


@bp.get("/reports/tickets")
def tickets_report():
    """The tickets of the period, one row each: always CSV, streamed (a year fits in constant memory)."""
    filters = _filters()
    return csv_download(db.session, "tickets", filters)
