from datetime import date

from helpdesk.customers.rules import add_months


def test_warranty_end_is_the_same_day_months_later():
    assert add_months(date(2024, 3, 15), 24) == date(2026, 3, 15)


def test_warranty_end_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)
