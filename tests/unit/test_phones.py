"""Phone numbers in the formats callers and CRMs write them."""
import pytest

from helpdesk.customers.phones import normalise_phone


@pytest.mark.parametrize("raw", ["06 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78", "06.12.34.56.78"])
def test_french_mobile_in_any_format(raw):
    assert normalise_phone(raw, "FR") == "+33612345678"


def test_foreign_number_keeps_its_country():
    assert normalise_phone("+32 2 555 12 12", "FR") == "+3225551212"


@pytest.mark.parametrize("raw", ["", "hello", "12", None, "+" + "9" * 50])
def test_not_a_number(raw):
    assert normalise_phone(raw, "FR") is None
