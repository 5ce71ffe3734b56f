"""Report periods as a lead names them, and local time across daylight-saving changes."""
from datetime import date, datetime, timezone

import pytest

from helpdesk.reports.filters import period
from helpdesk.reports.local_time import local_midnight, offset_segments
from helpdesk.reports.times import interpolate, rank_positions

UTC = timezone.utc
TODAY = date(2026, 5, 20)


@pytest.mark.parametrize("name, expected", [
    ("today", (TODAY, TODAY)),
    ("7d", (date(2026, 5, 14), TODAY)),
    ("30d", (date(2026, 4, 21), TODAY)),
    ("quarter", (date(2026, 4, 1), TODAY)),
])
def test_named_ranges_end_today(name, expected):
    assert period(name, TODAY, None, None) == expected


def test_a_custom_range_takes_its_dates_and_defaults_to_30_days():
    assert period("custom", TODAY, date(2026, 1, 5), date(2026, 2, 1)) == (date(2026, 1, 5), date(2026, 2, 1))
    assert period("custom", TODAY, None, date(2026, 2, 1)) == (date(2026, 1, 3), date(2026, 2, 1))


def test_paris_offsets_change_on_the_last_sundays_of_march_and_october():
    segments = offset_segments("Europe/Paris", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert segments == [(datetime(2026, 1, 1, tzinfo=UTC), 3600), (datetime(2026, 3, 29, 1, tzinfo=UTC), 7200),
                        (datetime(2026, 10, 25, 1, tzinfo=UTC), 3600)]


def test_a_zone_without_changes_is_one_segment():
    assert offset_segments("Asia/Kolkata", datetime(2026, 1, 1, tzinfo=UTC),
                           datetime(2026, 12, 1, tzinfo=UTC)) == [(datetime(2026, 1, 1, tzinfo=UTC), 19800)]


def test_local_midnight_follows_the_offset():
    assert local_midnight("Europe/Paris", date(2026, 3, 2)) == datetime(2026, 3, 1, 23, tzinfo=UTC)
    assert local_midnight("Europe/Paris", date(2026, 7, 1)) == datetime(2026, 6, 30, 22, tzinfo=UTC)


@pytest.mark.parametrize("values, fraction, expected", [
    ([7], 0.9, 7.0),
    ([1, 2, 3, 4], 0.5, 2.5),
    ([600, 900, 1200, 1800, 7200], 0.9, 5040.0),
    ([10, 20], 0.9, 19.0),
])
def test_percentiles_interpolate_between_closest_ranks(values, fraction, expected):
    offset, weight = rank_positions(len(values), fraction)
    assert interpolate(sorted(values)[offset:offset + 2], weight) == pytest.approx(expected)
