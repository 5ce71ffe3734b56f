"""First-contact resolution as a rule of a ticket's counters."""
import pytest

from helpdesk.reports.fcr import FcrSettings, first_contact_resolution


@pytest.mark.parametrize("status, replies, reopened, repeated, expected", [
    ("resolved", 1, 0, False, True),
    ("closed", 0, 0, False, True),
    ("resolved", 2, 0, False, False),  # it took two answers
    ("closed", 1, 1, False, False),  # the customer came back on the same ticket
    ("resolved", 1, 0, True, False),  # ... or on a new one about the same product
    ("open", 1, 0, False, False),  # not resolved yet
])
def test_first_contact_resolution(status, replies, reopened, repeated, expected):
    assert first_contact_resolution(status, replies, reopened, repeated, FcrSettings()) is expected


def test_the_rule_is_configurable():
    assert first_contact_resolution("resolved", 2, 0, False, FcrSettings(max_agent_replies=2))
