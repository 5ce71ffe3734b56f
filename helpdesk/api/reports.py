"""Reports over the API (leads and admins); `Accept: text/csv` or `?format=csv` gives the table."""
from __future__ import annotations

from flask import Response, request

from helpdesk.api import bp
from helpdesk.api.common import api_user
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.permissions import require
from helpdesk.reports import satisfaction
from helpdesk.reports.csv_export import to_csv
from helpdesk.reports.filters import parse_filters


def wants_csv() -> bool:
    if request.args.get("format") == "csv":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv" and request.accept_mimetypes["text/csv"] > request.accept_mimetypes["application/json"]


def csv_response(name: str, header, rows) -> Response:
    return Response(to_csv(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.get("/reports/satisfaction")
def satisfaction_report():
    require(api_user(), "reports.view")
    filters = parse_filters(db.session, request.args, utcnow().date())
    report = satisfaction.satisfaction_report(db.session, filters)
    if wants_csv():
        return csv_response("satisfaction", satisfaction.CSV_HEADER, satisfaction.csv_rows(report))
    return {
        "from": filters.start.date().isoformat(), "to": filters.days[-1].isoformat(),
        "invitations_sent": report.invitations_sent, "response_rate": report.response_rate,
        **satisfaction.figures_json(report.totals),
        "by_day": [{"day": day.isoformat(), **satisfaction.figures_json(s)} for day, s in report.by_day],
    }
