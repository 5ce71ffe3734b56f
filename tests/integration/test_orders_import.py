"""`flask customers import-orders FILE.csv`: good lines become orders, bad ones are reported by line
number and reason, and importing the same file again changes nothing."""
from __future__ import annotations

import csv
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

ORDERS_CSV = """customer_email,customer_external_id,reference,ordered_at,amount,currency
Alice@Example.com,,CMD-1,2026-03-01T10:00:00+01:00,129.90,
,EXT-B,CMD-2,2026-03-02,"45,50",eur
nobody@example.com,,CMD-3,2026-03-03,10,EUR
alice@example.com,,CMD-4,2026-03-04,douze,EUR
alice@example.com,,CMD-5,01/03/2026,12,EUR
alice@example.com,,,2026-03-05,12,EUR
,EXT-B,CMD-1,2026-03-06,99,EUR
,EXT-B,CMD-6,2026-03-07 09:30:00,12,EUR
,,CMD-7,2026-03-08,12,EUR
,EXT-B,CMD-8,2026-03-09T08:00:00Z,1000,USD
alice@example.com,,CMD-8,2026-03-10,5,EUR
,EXT-Z,CMD-9,2026-03-11,5,EUR
"""

REJECTED = [
    (4, "unknown customer (nobody@example.com)"),
    (5, "bad amount: must be a positive amount"),
    (6, "bad date: must be an ISO 8601 date or date-time with its UTC offset, e.g. 2026-03-01 or 2026-03-01T10:00:00+01:00"),
    (7, "missing reference"),
    (8, "duplicate reference in this file"),  # CMD-1 was line 2, in an earlier batch
    (9, "bad date: must carry a UTC offset, e.g. 2026-03-01T10:00:00+01:00"),
    (10, "no customer_email or customer_external_id"),
    (12, "duplicate reference in this file (line 11)"),  # same batch
    (13, "unknown customer (external id EXT-Z)"),
]


@pytest.fixture()
def buyers(factory) -> dict[str, int]:
    return {"alice": factory.customer("Alice", email="alice@example.com"),
            "bruno": factory.customer("Bruno", external_ref="EXT-B")}


@pytest.fixture()
def orders_file(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS_CSV, encoding="utf-8")
    return path


def _orders(session) -> list[tuple]:
    from helpdesk.models import Order

    return session.execute(select(Order.reference, Order.customer_id, Order.ordered_at, Order.amount, Order.currency)
                           .order_by(Order.reference)).all()


def test_good_lines_are_imported_and_bad_ones_reported_with_their_line_and_reason(app, buyers, orders_file):
    from helpdesk.customers.orders_import import import_orders_file
    from helpdesk.extensions import db

    with app.app_context():
        report = import_orders_file(db.session, orders_file, batch_size=3)
        assert (report.imported, report.already_imported, report.rejected) == (3, 0, len(REJECTED))
        assert [(r.line, r.reason) for r in report.rejects] == REJECTED
        assert report.customer_ids == {buyers["alice"], buyers["bruno"]}
        utc = timezone.utc
        assert _orders(db.session) == [
            ("CMD-1", buyers["alice"], datetime(2026, 3, 1, 9, 0, tzinfo=utc), Decimal("129.90"), "EUR"),
            ("CMD-2", buyers["bruno"], datetime(2026, 3, 2, 0, 0, tzinfo=utc), Decimal("45.50"), "EUR"),
            ("CMD-8", buyers["bruno"], datetime(2026, 3, 9, 8, 0, tzinfo=utc), Decimal("1000.00"), "USD"),
        ]

        # The same file again: nothing new, the imported lines are recognised, the bad ones still reported.
        again = import_orders_file(db.session, orders_file, batch_size=3)
        assert (again.imported, again.already_imported) == (0, 5)
        assert [r.line for r in again.rejects] == [4, 5, 6, 7, 9, 10, 13]
        assert len(_orders(db.session)) == 3


def test_a_semicolon_file_from_a_spreadsheet_is_read_too(app, buyers, tmp_path):
    from helpdesk.customers.orders_import import import_orders_file
    from helpdesk.extensions import db

    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffReference;Customer_Email;Ordered_At;Amount\nX-1;alice@example.com;2026-01-05;19,99\n".encode())
    with app.app_context():
        report = import_orders_file(db.session, path)
        assert (report.imported, report.rejected) == (1, 0)
        assert _orders(db.session)[0][:2] == ("X-1", buyers["alice"])


def test_import_orders_command_prints_the_rejects_writes_them_and_updates_scores(app, runner, buyers, orders_file,
                                                                              tmp_path):
    from helpdesk.extensions import db
    from helpdesk.models import Customer

    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(args=["customers", "import-orders", str(orders_file), "--rejects", str(rejects),
                                 "--batch", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "3 order(s) imported, 0 already imported, 9 line(s) rejected" in result.output
    assert "  line 4: unknown customer (nobody@example.com)" in result.output
    assert "scores updated for 2 customer(s)" in result.output
    with open(rejects, newline="", encoding="utf-8") as f:
        assert [tuple(row) for row in csv.reader(f)] == [("line", "reason")] + [(str(n), r) for n, r in REJECTED]
    with app.app_context():
        bruno = db.session.get(Customer, buyers["bruno"])
        alice = db.session.get(Customer, buyers["alice"])
        # Scored at today's date, whatever it makes of March's orders: what matters is that they were.
        assert bruno.scores_updated_at is not None and alice.customer_score is not None

    again = runner.invoke(args=["customers", "import-orders", str(orders_file), "--quiet"])
    assert again.exit_code == 0, again.output
    assert "0 order(s) imported, 5 already imported, 7 line(s) rejected" in again.output


def test_a_file_without_the_needed_columns_is_refused_before_anything_is_written(app, runner, buyers, tmp_path):
    from helpdesk.extensions import db

    path = tmp_path / "wrong.csv"
    path.write_text("email,ref,date\nalice@example.com,A-1,2026-01-01\n", encoding="utf-8")
    result = runner.invoke(args=["customers", "import-orders", str(path), "--quiet"])
    assert result.exit_code != 0
    assert "missing reference, ordered_at, amount, customer_email or customer_external_id" in result.output
    with app.app_context():
        assert _orders(db.session) == []
