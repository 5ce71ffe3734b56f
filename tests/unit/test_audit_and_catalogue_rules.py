"""The audit log's differences and the catalogue's field rules, without a database."""
from datetime import date, datetime, timezone
from decimal import Decimal

from helpdesk.audit.service import SECRET, differences
from helpdesk.products.service import check


def test_only_changed_fields_are_kept_and_values_stay_readable():
    before = {"name": "Box", "warranty_months": 24, "since": date(2025, 3, 15), "price": Decimal("9.90"), "same": 1}
    after = {"name": "Box 2", "warranty_months": 24, "since": date(2026, 1, 1), "price": Decimal("9.90"), "same": 1}
    assert differences(before, after) == {"name": ["Box", "Box 2"], "since": ["2025-03-15", "2026-01-01"]}


def test_a_creation_has_no_before_and_secrets_never_show():
    changes = differences(None, {"name": "PBX", "secret": "s3cr3t", "at": datetime(2026, 1, 1, tzinfo=timezone.utc)},
                          secrets={"secret"})
    assert changes == {"name": [None, "PBX"], "secret": [None, SECRET], "at": [None, "2026-01-01T00:00:00+00:00"]}
    rotated = differences({"secret": "old"}, {"secret": "new"}, secrets={"secret"})
    assert rotated == {"secret": [SECRET, SECRET]} and "old" not in str(rotated) and "new" not in str(rotated)


def test_catalogue_fields_are_cleaned_and_every_problem_named():
    values, errors = check({"sku": " box-1 ", "name": " Box ", "family": "", "warranty_months": "36",
                            "active": "Oui"}, partial=False)
    assert errors == {} and values == {"sku": "BOX-1", "name": "Box", "family": None, "warranty_months": 36,
                                       "active": True}
    _, errors = check({"name": "x", "warranty_months": 2.5, "active": 1}, partial=False)
    assert errors == {"sku": "required", "warranty_months": "not_a_number", "active": "not_true_or_false"}
    values, errors = check({"name": "Nouveau"}, partial=True)  # an update: only what is sent
    assert errors == {} and values == {"name": "Nouveau"}
