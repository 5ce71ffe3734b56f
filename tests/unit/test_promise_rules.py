"""Promises as rules: what a valid promise is, when it is warned, kept or broken, and how reports count them."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.promises.rules import (
    MAX_WHAT,
    PromiseTally,
    check_promise,
    display_state,
    keeps,
    outcome,
    parse_due_at,
    quick_due,
    tally,
    tally_by_owner,
    time_left,
    timeline_summary,
    warn_time,
)

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Paris


def test_a_promise_for_thursday_morning_is_checked_and_warned_an_hour_before():
    terms, errors = check_promise("  rappeler   jeudi matin ", "2026-12-03T10:00:00+01:00", NOW)
    assert errors == {}
    assert terms.what == "rappeler jeudi matin"
    assert terms.due_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC) and terms.due_at.tzinfo == UTC
    assert terms.warn_at == terms.due_at - timedelta(hours=1)


def test_a_short_promise_is_warned_with_a_fifth_of_its_time_left():
    due = NOW + timedelta(hours=2)
    assert warn_time(NOW, due) == due - timedelta(minutes=24)
    assert warn_time(NOW, NOW + timedelta(hours=5)) == NOW + timedelta(hours=4)  # where both rules meet


@given(st.integers(min_value=5, max_value=90 * 24 * 60))
def test_the_warning_comes_before_the_due_time_and_at_most_an_hour_before(minutes):
    due = NOW + timedelta(minutes=minutes)
    warn = warn_time(NOW, due)
    assert NOW < warn < due
    assert due - warn <= timedelta(hours=1)


@pytest.mark.parametrize("what, due, field, code, limits", [
    ("", "2026-12-03T10:00:00+01:00", "what", "required", None),
    (None, "2026-12-03T10:00:00+01:00", "what", "required", None),
    ("x" * (MAX_WHAT + 1), "2026-12-03T10:00:00+01:00", "what", "too_long", {"max_length": 500}),
    (42, "2026-12-03T10:00:00+01:00", "what", "not_text", None),
    ("rappeler", None, "due_at", "required", None),
    ("rappeler", "jeudi", "due_at", "bad_date", None),
    ("rappeler", "2026-12-03T10:00:00", "due_at", "no_utc_offset", None),
    ("rappeler", "2026-11-30T10:00:00+00:00", "due_at", "too_soon", {"min_minutes": 5}),
    ("rappeler", "2026-12-01T09:02:00+00:00", "due_at", "too_soon", {"min_minutes": 5}),  # two minutes is no promise
    ("rappeler", "2027-03-15T10:00:00+00:00", "due_at", "too_far_ahead", {"max_days": 90}),
    ("rappeler", 12, "due_at", "bad_date", None),
])
def test_bad_promises_name_the_field(what, due, field, code, limits):
    terms, errors = check_promise(what, due, NOW)
    assert terms is None and errors[field] == code
    assert errors.limits.get(field) == limits


def test_both_problems_are_reported_at_once():
    _, errors = check_promise("", "hier", NOW)
    assert set(errors) == {"what", "due_at"}


def test_a_form_time_without_offset_is_read_in_the_office_zone():
    due, problem = parse_due_at(datetime(2026, 12, 3, 10, 0), PARIS)
    assert problem is None and due.astimezone(UTC) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert parse_due_at("2026-12-03T09:00:00Z")[0] == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_quick_choices():
    assert quick_due("in_2h", NOW, PARIS) == NOW + timedelta(hours=2)
    assert quick_due("tomorrow_10", NOW, PARIS) == datetime(2026, 12, 2, 10, 0, tzinfo=PARIS)
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already Wednesday 00:30 in Paris
    assert quick_due("tomorrow_14", late, PARIS) == datetime(2026, 12, 3, 14, 0, tzinfo=PARIS)
    assert quick_due("someday", NOW, PARIS) is None


# --- kept or broken -------------------------------------------------------------------------------------

MADE, DUE = NOW, NOW + timedelta(hours=4)


def test_a_reply_before_the_deadline_keeps_it():
    assert outcome(MADE, DUE, [NOW + timedelta(hours=1)], NOW + timedelta(hours=5)).state == "kept"
    assert outcome(MADE, DUE, [NOW + timedelta(hours=1)], NOW + timedelta(hours=5)).at == NOW + timedelta(hours=1)


def test_the_deadline_itself_still_counts_and_the_promise_s_own_moment_too():
    assert keeps(MADE, DUE, DUE) and keeps(MADE, DUE, MADE)
    assert not keeps(MADE, DUE, DUE + timedelta(seconds=1))
    assert not keeps(MADE, DUE, MADE - timedelta(seconds=1))  # a reply before the promise was made


def test_no_contact_by_the_deadline_breaks_it_at_the_deadline():
    late = [DUE + timedelta(minutes=10)]
    assert outcome(MADE, DUE, late, DUE + timedelta(hours=1)) == outcome(MADE, DUE, [], DUE + timedelta(hours=1))
    assert outcome(MADE, DUE, late, DUE + timedelta(hours=1)).state == "broken"
    assert outcome(MADE, DUE, late, DUE + timedelta(hours=1)).at == DUE


def test_until_the_deadline_it_is_pending_and_contacts_after_now_do_not_count():
    assert outcome(MADE, DUE, [], NOW + timedelta(hours=1)).state == "pending"
    assert outcome(MADE, DUE, [NOW + timedelta(hours=2)], NOW + timedelta(hours=1)).state == "pending"


@given(st.lists(st.integers(min_value=-600, max_value=600), max_size=6), st.integers(min_value=0, max_value=600))
def test_kept_exactly_when_some_contact_fell_in_the_window(offsets, now_minutes):
    contacts = [MADE + timedelta(minutes=m) for m in offsets]
    now = MADE + timedelta(minutes=now_minutes)
    result = outcome(MADE, DUE, contacts, now)
    in_window = [c for c in contacts if c <= now and MADE <= c <= DUE]
    assert (result.state == "kept") == bool(in_window)
    if not in_window:
        assert result.state == ("broken" if now > DUE else "pending")


def test_badges():
    warn = DUE - timedelta(hours=1)
    assert display_state("pending", warn, DUE, NOW) == "running"
    assert display_state("pending", warn, DUE, warn) == "warning"
    assert display_state("pending", warn, DUE, DUE + timedelta(minutes=1)) == "breached"  # overdue, not swept yet
    assert display_state("kept", warn, DUE, DUE) == "met"
    assert display_state("broken", warn, DUE, DUE) == "breached"
    assert display_state("cancelled", warn, DUE, NOW) == "cancelled"


def test_time_left():
    left = time_left(NOW + timedelta(hours=2, minutes=5), NOW)
    assert (left.overdue, left.days, left.hours, left.minutes) == (False, 0, 2, 5)
    late = time_left(NOW - timedelta(days=1, hours=3), NOW)
    assert (late.overdue, late.days, late.hours, late.minutes) == (True, 1, 3, 0)


def test_timeline_lines_say_what_was_promised_and_by_when_in_paris_time():
    due = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    assert timeline_summary("made", "rappeler jeudi matin", due, PARIS) == "Promesse : rappeler jeudi matin (avant le 03/12 12:00)"
    assert timeline_summary("kept", "rappeler jeudi matin", due, PARIS) == "Promesse tenue : rappeler jeudi matin"
    assert timeline_summary("broken", "rappeler", due, PARIS).startswith("Promesse non tenue : rappeler")
    assert len(timeline_summary("made", "x" * MAX_WHAT, due, PARIS)) == MAX_WHAT


# --- reports ------------------------------------------------------------------------------------------------


def test_kept_percent_leaves_pending_and_cancelled_out():
    counted = tally(["kept", "kept", "kept", "broken", "pending", "cancelled", "nonsense"])
    assert counted == PromiseTally(kept=3, broken=1, pending=1, cancelled=1)
    assert counted.made == 6 and counted.kept_percent == 75.0
    assert PromiseTally(pending=2).kept_percent is None


def test_tally_by_owner_from_grouped_rows():
    tallies = tally_by_owner([(7, "kept", 2), (7, "broken", 1), (8, "pending", 4), (None, "kept", 1)])
    assert tallies[7].kept_percent == 66.7 and tallies[8].kept_percent is None and tallies[None].kept == 1
    assert tally_by_owner([(7, "kept"), (7, "kept")])[7].kept == 2
