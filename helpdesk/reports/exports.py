"""Report tables by name, as the page's CSV links and the API's `format=csv` download them, the
filters of the current request, and a report's figures for the request (computed, or kept when
long to compute: helpdesk.reports.kept): one definition below both the pages and the API."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request
from sqlalchemy.orm import Session

from helpdesk.models import utcnow
from helpdesk.reports import agents, satisfaction, sla, ticket_export, volume
from helpdesk.reports.csv_export import csv_response
from helpdesk.reports.kept import Figures, KeepRules, report_figures
from helpdesk.reports.filters import ReportFilters, parse_filters


@dataclass(frozen=True)
class Table:
    report: str | None  # the report it is a table of (helpdesk.reports.kept.REPORTS); None: the tickets
    header: Callable[[Any], Sequence[str]]
    rows: Callable[[Any], Iterable[Sequence[Any]]]


TABLES: dict[str, Table] = {
    "sla": Table("sla", lambda _: sla.CSV_HEADER, sla.csv_rows),
    "volume": Table("volume", volume.csv_header, volume.csv_rows),
    "hours": Table("volume", lambda _: volume.HOURS_HEADER, volume.hours_rows),
    "agents": Table("agents", lambda _: agents.CSV_HEADER, agents.csv_rows),
    "satisfaction": Table("satisfaction", lambda _: satisfaction.CSV_HEADER, satisfaction.csv_rows),
    # Not a report: the tickets read page by page while the response streams.
    "tickets": Table(None, lambda _: ticket_export.CSV_HEADER, lambda args: ticket_export.ticket_rows(*args)),
}


def request_filters(session: Session, args=None) -> ReportFilters:
    """The current request's report filters, from its query string or the given `args` (a posted
    form); InvalidFilters when they are bad."""
    return parse_filters(session, request.args if args is None else args, utcnow(),
                         current_app.config["BABEL_DEFAULT_TIMEZONE"])


def figures(session: Session, kind: str, filters: ReportFilters) -> Figures:
    """The named report (sla, volume, satisfaction, agents) for the request's filters."""
    return report_figures(session, kind, filters, utcnow(), KeepRules.from_config(current_app.config))


def filename(name: str, filters: ReportFilters) -> str:
    return f"{name}-{filters.first_day.isoformat()}-{filters.last_day.isoformat()}"


def csv_download(session: Session, name: str, filters: ReportFilters, report: Any = None) -> Response:
    """The named table as a streamed CSV file (UTF-8 with BOM, formulas neutralised)."""
    table = TABLES[name]
    if table.report is None:
        return csv_response(filename(name, filters), table.header(None), table.rows((session, filters)),
                            reads_database=True)
    report = figures(session, table.report, filters).report if report is None else report
    return csv_response(filename(name, filters), table.header(report), table.rows(report), reads_database=False)
