"""Report tables by name, as the page's CSV links and the API's `format=csv` download them, and
the filters of the current request: one definition below both the pages and the API."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request
from sqlalchemy.orm import Session

from helpdesk.models import utcnow
from helpdesk.reports import agents, satisfaction, sla, ticket_export, volume
from helpdesk.reports.csv_export import csv_response
from helpdesk.reports.filters import ReportFilters, parse_filters


@dataclass(frozen=True)
class Table:
    report: Callable[[Session, ReportFilters], Any]  # the report's one service function
    header: Callable[[Any], Sequence[str]]
    rows: Callable[[Any], Iterable[Sequence[Any]]]
    streams: bool = False  # rows come from the database while the response is sent


TABLES: dict[str, Table] = {
    "sla": Table(sla.sla_report, lambda _: sla.CSV_HEADER, sla.csv_rows),
    "volume": Table(volume.volume_report, volume.csv_header, volume.csv_rows),
    "hours": Table(volume.volume_report, lambda _: volume.HOURS_HEADER, volume.hours_rows),
    "agents": Table(agents.agents_report, lambda _: agents.CSV_HEADER, agents.csv_rows),
    "satisfaction": Table(satisfaction.satisfaction_report, lambda _: satisfaction.CSV_HEADER, satisfaction.csv_rows),
    # Not a report object: a generator reading the tickets page by page while the response streams.
    "tickets": Table(lambda session, filters: (session, filters), lambda _: ticket_export.CSV_HEADER,
                     lambda args: ticket_export.ticket_rows(*args), streams=True),
}


def request_filters(session: Session) -> ReportFilters:
    """The current request's report filters (InvalidFilters when they are bad)."""
    return parse_filters(session, request.args, utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"])


def filename(name: str, filters: ReportFilters) -> str:
    return f"{name}-{filters.first_day.isoformat()}-{filters.last_day.isoformat()}"


def csv_download(session: Session, name: str, filters: ReportFilters, report: Any = None) -> Response:
    """The named table as a streamed CSV file (UTF-8 with BOM, formulas neutralised)."""
    table = TABLES[name]
    report = table.report(session, filters) if report is None else report
    return csv_response(filename(name, filters), table.header(report), table.rows(report),
                        reads_database=table.streams)
