"""One order's fields (reference, date, amount, currency), checked the same way for the API and
the CSV import."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from helpdesk.errors import FieldErrors, Invalid

MAX_AMOUNT = Decimal("1e9")
MAX_REFERENCE = 64
DATE_FORMATS = "an ISO 8601 date or date-time with its UTC offset, e.g. 2026-03-01 or 2026-03-01T10:00:00+01:00"


@dataclass(frozen=True)
class OrderFields:
    reference: str | None
    ordered_at: datetime  # UTC
    amount: Decimal  # to the cent
    currency: str  # ISO 4217, upper case


def parse_order(data: Mapping[str, Any], *, reference_required: bool = False) -> OrderFields:
    """The checked fields of one order, or Invalid naming every bad field at once:
    - amount: a number from 0 to 1e9 ("129.90", 129.9, or with a decimal comma "129,90"), rounded to the cent;
    - ordered_at: a date (midnight UTC) or a date-time carrying its offset (a bare date-time is ambiguous);
    - currency: three letters, EUR when absent;
    - reference: up to 64 characters; absent is allowed unless `reference_required`.
    The codes: not_an_amount, not_a_currency, bad_date, no_utc_offset, required, not_text, too_long."""
    errors = FieldErrors()
    amount = _amount(data.get("amount"))
    if amount is None:
        errors["amount"] = "not_an_amount"
    currency = data.get("currency") or "EUR"
    if not isinstance(currency, str) or len(currency.strip()) != 3 or not currency.strip().isalpha():
        errors["currency"] = "not_a_currency"
    ordered_at = _moment(data.get("ordered_at"))
    if isinstance(ordered_at, str):
        errors["ordered_at"] = ordered_at
    reference = data.get("reference")
    if isinstance(reference, str):
        reference = reference.strip() or None
    if reference is None and reference_required:
        errors["reference"] = "required"
    elif reference is not None and not isinstance(reference, str):
        errors["reference"] = "not_text"
    elif reference is not None and len(reference) > MAX_REFERENCE:
        errors.add("reference", "too_long", max_length=MAX_REFERENCE)
    if errors:
        raise Invalid(errors)
    return OrderFields(reference, ordered_at, amount, currency.strip().upper())


def _amount(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    text = str(raw).strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return None
    return amount.quantize(Decimal("0.01"))


def _moment(raw: Any) -> datetime | str:
    """The UTC instant, or what is wrong with it (a code: bad_date, no_utc_offset)."""
    if not isinstance(raw, str) or not raw.strip():
        return "bad_date"
    text = raw.strip()
    try:
        return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=timezone.utc)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return "bad_date"
    if moment.tzinfo is None:
        return "no_utc_offset"
    return moment.astimezone(timezone.utc)
