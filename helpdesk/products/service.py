"""The product catalogue: what customers can own (SKU, name, family, warranty length, active).

Rules as plain functions over a session: validation names every bad field with a stable code
(`required`, `too_long`, `duplicate`, `not_a_number`, `out_of_range`, `not_true_or_false`), which the
API returns as is and the admin pages word in the reader's language. Every change is in the audit
log. A CSV import takes the good lines and reports each rejected one with its line number and codes;
nothing is written when the file itself cannot be read.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from helpdesk.audit import service as audit
from helpdesk.errors import Conflict, Invalid, NotFound
from helpdesk.models import Product
from helpdesk.permissions import require

FIELDS = ("sku", "name", "family", "warranty_months", "active")
LIMITS = {"sku": 64, "name": 200, "family": 100}
MAX_WARRANTY_MONTHS = 240
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_LINES = 20_000
PAGE_SIZE = 50
TRUE_WORDS = {"1", "true", "yes", "oui", "vrai", "y", "o", "x"}
FALSE_WORDS = {"0", "false", "no", "non", "faux", "n", ""}


def product_values(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in FIELDS}


def check(data: Mapping[str, Any], *, partial: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The catalogue fields of `data`, cleaned, and {field: code} for those that are wrong. With
    `partial` (an update) only the fields given are checked; a creation needs a SKU and a name."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("sku", "name", "family"):
        if name not in data:
            if not partial and name in ("sku", "name"):
                errors[name] = "required"
            continue
        raw = data[name]
        if raw is None and name == "family":
            values[name] = None
            continue
        if not isinstance(raw, str) or not raw.strip():
            if name == "family":
                values[name] = None
            else:
                errors[name] = "required"
            continue
        text = raw.strip()
        if name == "sku":
            text = text.upper()
        if len(text) > LIMITS[name]:
            errors[name] = "too_long"
        else:
            values[name] = text
    if "warranty_months" in data:
        raw = data["warranty_months"]
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        if isinstance(raw, bool) or not isinstance(raw, int):
            errors["warranty_months"] = "not_a_number"
        elif not 0 <= raw <= MAX_WARRANTY_MONTHS:
            errors["warranty_months"] = "out_of_range"
        else:
            values["warranty_months"] = raw
    elif not partial:
        values["warranty_months"] = 24
    if "active" in data:
        raw = data["active"]
        if isinstance(raw, str) and raw.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            raw = raw.strip().lower() in TRUE_WORDS
        if not isinstance(raw, bool):
            errors["active"] = "not_true_or_false"
        else:
            values["active"] = raw
    elif not partial:
        values["active"] = True
    unknown = set(data) - set(FIELDS)
    for name in unknown:
        errors[name] = "unknown_field"
    return values, errors


def _sku_taken(session: Session, sku: str, other_than: int | None = None) -> bool:
    stmt = select(Product.id).where(func.upper(Product.sku) == sku.upper())
    if other_than is not None:
        stmt = stmt.where(Product.id != other_than)
    return session.scalar(stmt.limit(1)) is not None


def create_product(session: Session, actor, data: Mapping[str, Any], now: datetime) -> Product:
    require(actor, "admin.products")
    values, errors = check(data, partial=False)
    if errors:
        raise Invalid(errors, message="Some product fields are invalid.")
    if _sku_taken(session, values["sku"]):
        raise Conflict("A product with this SKU already exists.", {"fields": {"sku": "duplicate"}}, code="duplicate")
    product = Product(**values)
    session.add(product)
    session.flush()
    audit.record(session, actor, "created", "product", product.id, f"{product.sku} {product.name}",
                 audit.differences(None, values), now)
    return product


def get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def update_product(session: Session, actor, product_id: int, data: Mapping[str, Any], now: datetime) -> Product:
    require(actor, "admin.products")
    product = get_product(session, product_id)
    values, errors = check(data, partial=True)
    if errors:
        raise Invalid(errors, message="Some product fields are invalid.")
    if "sku" in values and _sku_taken(session, values["sku"], other_than=product.id):
        raise Conflict("A product with this SKU already exists.", {"fields": {"sku": "duplicate"}}, code="duplicate")
    before = product_values(product)
    for name, value in values.items():
        setattr(product, name, value)
    after = product_values(product)
    action = "updated"
    if before["active"] != after["active"]:
        action = "reactivated" if after["active"] else "deactivated"
    audit.record(session, actor, action, "product", product.id, f"{product.sku} {product.name}",
                 audit.differences(before, after), now)
    return product


@dataclass(frozen=True)
class ProductFilters:
    q: str | None = None  # in the SKU or the name
    family: str | None = None
    active: bool | None = None


def parse_filters(args: Mapping[str, str]) -> ProductFilters:
    """From a query string; a value that makes no sense is ignored (it is a search form)."""
    q = (args.get("q") or "").strip()[:100] or None
    family = (args.get("family") or "").strip()[:100] or None
    raw_active = (args.get("active") or "").strip().lower()
    active = True if raw_active in ("1", "true", "yes") else False if raw_active in ("0", "false", "no") else None
    return ProductFilters(q, family, active)


def list_products(session: Session, filters: ProductFilters, *, after_sku: str | None = None,
                  limit: int = PAGE_SIZE) -> tuple[list[Product], str | None]:
    """A page in SKU order and the SKU to continue after (None on the last page). One statement."""
    stmt = select(Product)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        stmt = stmt.where(or_(func.lower(Product.sku).like(like), func.lower(Product.name).like(like)))
    if filters.family:
        stmt = stmt.where(Product.family == filters.family)
    if filters.active is not None:
        stmt = stmt.where(Product.active.is_(filters.active))
    if after_sku:
        stmt = stmt.where(Product.sku > after_sku)
    rows = list(session.scalars(stmt.order_by(Product.sku).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].sku if more and rows else None)


def families(session: Session) -> list[str]:
    return list(session.scalars(select(Product.family).where(Product.family.is_not(None)).distinct()
                                .order_by(Product.family)))


def as_json(product: Product) -> dict:
    return {"id": product.id, "sku": product.sku, "name": product.name, "family": product.family,
            "warranty_months": product.warranty_months, "active": product.active}


# --- CSV import ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line number, {column: code})

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged


class UnreadableFile(Invalid):
    def __init__(self, code: str):
        super().__init__({"file": code}, message="The file cannot be imported.", code="unreadable_file")


COLUMN_ALIASES = {"sku": "sku", "reference": "sku", "référence": "sku", "ref": "sku", "name": "name", "nom": "name",
                  "family": "family", "famille": "family", "warranty_months": "warranty_months",
                  "garantie_mois": "warranty_months", "garantie": "warranty_months", "active": "active",
                  "actif": "active"}


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # Excel writes one or the other
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("not_text")


def import_csv(session: Session, actor, raw: bytes, now: datetime) -> ImportReport:
    """Create or update (by SKU) the catalogue from a CSV with a header line: sku, name, and
    optionally family, warranty_months, active (French headers too; comma or semicolon separated).
    Good lines are applied, each bad one reported; one audit entry sums the import up. Flushes."""
    require(actor, "admin.products")
    if len(raw) > MAX_IMPORT_BYTES:
        raise UnreadableFile("too_large")
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise UnreadableFile("empty")
    columns = [COLUMN_ALIASES.get(h.strip().lower()) for h in header]
    if "sku" not in columns or "name" not in columns:
        raise UnreadableFile("missing_columns")
    existing = {p.sku.upper(): p for p in session.scalars(select(Product))}
    report = ImportReport()
    seen: set[str] = set()
    for number, cells in enumerate(reader, start=2):
        if number - 1 > MAX_IMPORT_LINES:
            raise UnreadableFile("too_many_lines")
        if not any(c.strip() for c in cells):
            continue
        data = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(columns) if name}
        sku = (data.get("sku") or "").strip().upper()
        product = existing.get(sku)
        values, errors = check(data, partial=product is not None)
        if sku and sku in seen:
            errors["sku"] = "repeated_in_file"
        if errors:
            report.rejected.append((number, errors))
            continue
        seen.add(sku)
        if product is None:
            product = Product(**values)
            session.add(product)
            existing[sku] = product
            report.created += 1
        else:
            before = product_values(product)
            for name, value in values.items():
                setattr(product, name, value)
            if product_values(product) == before:
                report.unchanged += 1
            else:
                report.updated += 1
    session.flush()
    audit.record(session, actor, "imported", "product", None, None,
                 {"created": [None, report.created], "updated": [None, report.updated],
                  "rejected": [None, len(report.rejected)]}, now)
    return report
