"""Orders from the sales system, imported from a CSV file (`flask customers import-orders`).

Columns (a header line names them; comma- or semicolon-separated, UTF-8, other columns ignored):

| column | |
|---|---|
| `customer_email` or `customer_external_id` | who bought: the customer's e-mail (primary or additional) or `external_ref`; the external id wins when a line has both |
| `reference` | the order's reference in the sales system (required, at most 64 characters): an order is imported once |
| `ordered_at` | ISO date (midnight UTC) or date-time with its offset: `2026-03-01`, `2026-03-01T10:00:00+01:00` |
| `amount` | `129.90` (or `129,90`), from 0 to 1e9 |
| `currency` | optional, three letters, `EUR` by default |

Streaming: the file is read line by line and written `batch_size` lines at a time (one customer
lookup, one reference lookup, one insert and one commit per batch), so memory stays flat however
long the file. A bad line is skipped and reported (line number and reason); every accepted line
becomes exactly one order. A line whose reference is already in the database is skipped and
counted as already imported, so importing the same file again changes nothing.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from sqlalchemy import func, insert, literal_column, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tqdm import tqdm

from helpdesk.customers.orders import DATE_FORMATS, MAX_REFERENCE, OrderFields, parse_order
from helpdesk.errors import Invalid
from helpdesk.models import Customer, CustomerEmail, Order

COLUMNS = ("customer_email", "customer_external_id", "reference", "ordered_at", "amount", "currency")
REQUIRED = ("reference", "ordered_at", "amount")
REASONS = {"amount": "bad amount", "ordered_at": "bad date", "currency": "bad currency", "reference": "bad reference"}
# The report is for whoever runs the import (in English, like the rest of the command line): parse_order's codes in words.
CODE_WORDS = {
    "not_an_amount": "must be a positive amount",
    "not_a_currency": "must be a 3-letter currency code",
    "bad_date": f"must be {DATE_FORMATS}",
    "no_utc_offset": "must carry a UTC offset, e.g. 2026-03-01T10:00:00+01:00",
    "not_text": "must be text",
    "too_long": f"must be text of at most {MAX_REFERENCE} characters",
}
KEEP_REJECTS = 200  # rejected lines kept for the printed report; --rejects writes them all


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    already_imported: int = 0
    rejected: int = 0
    rejects: list[Rejected] = field(default_factory=list)  # the first KEEP_REJECTS
    customer_ids: set[int] = field(default_factory=set)  # customers who got new orders

    def summary(self) -> str:
        return (f"{self.imported} order(s) imported, {self.already_imported} already imported, "
                f"{self.rejected} line(s) rejected")


def read_order_lines(stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, fields) for each record; the header's columns are checked first (Invalid)."""
    header = stream.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [name.strip().lower() for name in next(csv.reader([header], delimiter=delimiter), [])]
    missing = [c for c in REQUIRED if c not in names]
    if "customer_email" not in names and "customer_external_id" not in names:
        missing.append("customer_email or customer_external_id")
    if missing:
        raise Invalid({"columns": "missing_columns"}, "The header is missing " + ", ".join(missing) + ".",
                      limits={"columns": {"missing": missing}})
    reader = csv.DictReader(stream, fieldnames=names, delimiter=delimiter)
    for record in reader:
        yield reader.line_num + 1, {k: (v or "").strip() for k, v in record.items() if k in COLUMNS}


def import_orders(session: Session, lines: Iterable[tuple[int, dict[str, str]]], *, batch_size: int = 1000,
                  on_reject: Callable[[Rejected], None] | None = None) -> ImportReport:
    """Import the lines batch by batch, committing each batch; `on_reject` hears of every bad line."""
    report = ImportReport()
    # Orders with a higher id were written by this import: a reference found there comes from an
    # earlier line of the same file (known without remembering every reference seen).
    first_new_id = (session.scalar(select(func.max(Order.id))) or 0) + 1
    batch: list[tuple[int, dict[str, str]]] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= batch_size:
            _import_batch(session, batch, first_new_id, report, on_reject)
            batch = []
    if batch:
        _import_batch(session, batch, first_new_id, report, on_reject)
    return report


def import_orders_file(session: Session, path: str | Path, *, batch_size: int = 1000, progress: bool = False,
                       on_reject: Callable[[Rejected], None] | None = None) -> ImportReport:
    """`import_orders` over a file, with a progress bar over its bytes."""
    path = Path(path)
    bar = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc="Orders import", disable=not progress)
    try:
        with open(path, "rb") as raw:
            counted = io.BufferedReader(_CountingReader(raw, bar.update))
            text = io.TextIOWrapper(counted, encoding="utf-8-sig", newline="")
            return import_orders(session, read_order_lines(text), batch_size=batch_size, on_reject=on_reject)
    finally:
        bar.close()


# --- one batch ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    number: int
    data: dict[str, str]
    fields: OrderFields | None
    problems: tuple[str, ...]


def _import_batch(session: Session, batch: list[tuple[int, dict[str, str]]], first_new_id: int,
                  report: ImportReport, on_reject: Callable[[Rejected], None] | None) -> None:
    lines = [_parse(number, data) for number, data in batch]
    for attempt in (1, 2):
        by_ref, by_email = _customers(session, lines)
        existing = dict(session.execute(select(Order.reference, Order.id).where(
            Order.reference.in_({ln.fields.reference for ln in lines if ln.fields}))).all())
        rows, rejects, already, seen = [], [], 0, {}
        for ln in lines:
            problems = list(ln.problems)
            customer_id = _customer_id(ln.data, by_ref, by_email, problems)
            reference = ln.fields.reference if ln.fields else None
            if not problems and reference in existing:
                if existing[reference] >= first_new_id:
                    problems.append("duplicate reference in this file")
                else:
                    already += 1
                    continue
            if not problems and reference in seen:
                problems.append(f"duplicate reference in this file (line {seen[reference]})")
            if problems:
                rejects.append(Rejected(ln.number, "; ".join(problems)))
                continue
            seen[reference] = ln.number
            rows.append({"customer_id": customer_id, "reference": reference, "ordered_at": ln.fields.ordered_at,
                         "amount": ln.fields.amount, "currency": ln.fields.currency})
        try:
            if rows:
                session.execute(insert(Order), rows)
            session.commit()
            break
        except IntegrityError:
            # Someone else wrote one of these references meanwhile: the batch is undone whole and redone.
            session.rollback()
            if attempt == 2:
                raise
    report.imported += len(rows)
    report.already_imported += already
    report.customer_ids.update(row["customer_id"] for row in rows)
    for rejected in rejects:
        report.rejected += 1
        if len(report.rejects) < KEEP_REJECTS:
            report.rejects.append(rejected)
        if on_reject:
            on_reject(rejected)


def _parse(number: int, data: dict[str, str]) -> _Line:
    problems: list[str] = []
    fields = None
    try:
        fields = parse_order(data, reference_required=True)
    except Invalid as error:
        for name, code in error.fields.items():
            if name == "reference" and not data.get("reference"):
                problems.append("missing reference")
            else:
                problems.append(f"{REASONS.get(name, name)}: {CODE_WORDS.get(code, code)}")
    if not data.get("customer_email") and not data.get("customer_external_id"):
        problems.insert(0, "no customer_email or customer_external_id")
    return _Line(number, data, fields, tuple(problems))


def _customers(session: Session, lines: list[_Line]) -> tuple[dict[str, int], dict[str, set[int]]]:
    """The batch's customers, by external ref and by e-mail, in one query."""
    refs = {ln.data["customer_external_id"] for ln in lines if ln.data.get("customer_external_id")}
    emails = {e for ln in lines if ln.data.get("customer_email") for e in (ln.data["customer_email"],
                                                                              ln.data["customer_email"].lower())}
    if not refs and not emails:
        return {}, {}
    found = session.execute(union_all(
        select(literal_column("'ref'"), Customer.external_ref, Customer.id).where(Customer.external_ref.in_(refs)),
        select(literal_column("'email'"), Customer.email, Customer.id).where(Customer.email.in_(emails)),
        select(literal_column("'email'"), CustomerEmail.email, CustomerEmail.customer_id).where(CustomerEmail.email.in_(emails)),
    )).all()
    by_ref: dict[str, int] = {}
    by_email: dict[str, set[int]] = {}
    for kind, key, customer_id in found:
        if kind == "ref":
            by_ref[key] = customer_id
        else:
            by_email.setdefault(key.lower(), set()).add(customer_id)
    return by_ref, by_email


def _customer_id(data: dict[str, str], by_ref: dict[str, int], by_email: dict[str, set[int]],
                 problems: list[str]) -> int | None:
    if data.get("customer_external_id"):
        customer_id = by_ref.get(data["customer_external_id"])
        if customer_id is None:
            problems.append(f"unknown customer (external id {data['customer_external_id']})")
        return customer_id
    if data.get("customer_email"):
        ids = by_email.get(data["customer_email"].lower(), set())
        if not ids:
            problems.append(f"unknown customer ({data['customer_email']})")
        elif len(ids) > 1:
            problems.append(f"several customers have the e-mail {data['customer_email']}: give customer_external_id")
        else:
            return next(iter(ids))
    return None


class _CountingReader(io.RawIOBase):
    """A raw file that reports how many bytes were read (for the progress bar)."""

    def __init__(self, raw: BinaryIO, on_read: Callable[[int], object]):
        self._raw, self._on_read = raw, on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            self._on_read(n)
        return n
