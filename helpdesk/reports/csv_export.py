"""CSV as spreadsheets read it: UTF-8 with a BOM (Excel shows accents right) and cells that would
start a formula neutralised (CSV injection: =, +, -, @, and tab / carriage return)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)  # a negative number is a number, not a formula
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], rows_per_chunk: int = 500) -> Iterator[str]:
    """The same CSV as `to_csv`, as pieces of a few hundred rows: memory stays flat for any length."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    pending = 0
    first = True
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield ("\ufeff" if first else "") + out.getvalue()
            first, pending = False, 0
            out.seek(0)
            out.truncate()
    yield ("\ufeff" if first else "") + out.getvalue()


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, reads_database: bool = False
                 ) -> Response:
    """A CSV download, streamed. `reads_database`: `rows` is a generator reading the database page by
    page while the response is sent, so it keeps the request's context (call it from a view)."""
    chunks = csv_chunks(header, rows)
    return Response(stream_with_context(chunks) if reads_database else chunks, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"'})
