"""One order's fields, checked the same way for the API and the CSV import."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from helpdesk.customers.orders import OrderFields, parse_order
from helpdesk.errors import Invalid

UTC = timezone.utc


def test_a_date_means_midnight_utc_and_offsets_are_converted():
    assert parse_order({"reference": " CMD-1 ", "ordered_at": "2026-03-01", "amount": "129,90"}) == OrderFields(
        "CMD-1", datetime(2026, 3, 1, tzinfo=UTC), Decimal("129.90"), "EUR")
    fields = parse_order({"ordered_at": "2026-03-01T10:00:00+01:00", "amount": 12.5, "currency": "usd"})
    assert (fields.ordered_at, fields.amount, fields.currency, fields.reference) == (
        datetime(2026, 3, 1, 9, 0, tzinfo=UTC), Decimal("12.50"), "USD", None)


def test_every_bad_field_is_named_at_once():
    with pytest.raises(Invalid) as error:
        parse_order({"ordered_at": "2026-03-01T10:00:00", "amount": "-1", "currency": "euro"}, reference_required=True)
    assert set(error.value.fields) == {"ordered_at", "amount", "currency", "reference"}
    assert error.value.fields["ordered_at"] == "no_utc_offset"


@pytest.mark.parametrize("amount", ["abc", "1e12", "NaN", "", None, True, "1,299.00"])
def test_amounts_that_are_refused(amount):
    with pytest.raises(Invalid) as error:
        parse_order({"ordered_at": "2026-03-01", "amount": amount})
    assert set(error.value.fields) == {"amount"}
