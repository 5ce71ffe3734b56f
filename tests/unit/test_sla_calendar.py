"""Business-hours calendar: deadlines a Paris support team would see, DST, holidays and properties."""
import time as wallclock
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.sla.calendar import (
    END_OF_DAY,
    BusinessHours,
    add_business_seconds,
    business_hours,
    business_seconds_between,
    holidays_between,
    is_open,
    next_open,
    open_intervals,
    parse_hours,
    public_holidays,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
HOUR = 3600
OFFICE_SPEC = {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = business_hours("Europe/Paris", OFFICE_SPEC, holidays_country="FR")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- deadlines a user would notice ----------------------------------------------------------------


def test_friday_evening_ticket_skips_weekend_and_easter_monday():
    # Tue 7 Apr: 09:00-12:30 gives 3.5 h, the last 30 min run 13:30-14:00 CEST.
    due = add_business_seconds(OFFICE, paris(2026, 4, 3, 19, 0), 4 * HOUR)
    assert due == utc(2026, 4, 7, 12, 0)


def test_spring_dst_weekend_deadline():
    # 1 h on Friday (CET), then Monday 09:00-10:00 CEST after the clocks went forward on Sunday.
    assert add_business_seconds(OFFICE, paris(2026, 3, 27, 17, 0), 2 * HOUR) == utc(2026, 3, 30, 8, 0)


def test_autumn_dst_weekend_deadline():
    # 1 h on Friday (CEST), then Monday 09:00-10:00 CET after the clocks went back on Sunday.
    assert add_business_seconds(OFFICE, paris(2026, 10, 23, 17, 0), 2 * HOUR) == utc(2026, 10, 26, 9, 0)


@pytest.mark.parametrize("friday, monday", [(date(2026, 3, 27), date(2026, 3, 30)), (date(2026, 10, 23), date(2026, 10, 26))])
def test_dst_weekend_counts_plain_open_hours(friday, monday):
    start = datetime.combine(friday, time(9), tzinfo=PARIS)
    end = datetime.combine(monday, time(18), tzinfo=PARIS)
    assert business_seconds_between(OFFICE, start, end) == 16 * HOUR


def test_lunch_break_is_skipped():
    assert add_business_seconds(OFFICE, paris(2026, 6, 10, 12, 0), HOUR) == utc(2026, 6, 10, 12, 0)  # 14:00 CEST


def test_open_hours_edges():
    assert is_open(OFFICE, paris(2026, 6, 10, 9, 0))
    assert is_open(OFFICE, paris(2026, 6, 10, 12, 29, 59))
    assert not is_open(OFFICE, paris(2026, 6, 10, 12, 30))  # closing instant is already closed
    assert not is_open(OFFICE, paris(2026, 6, 10, 8, 59, 59))
    assert not is_open(OFFICE, paris(2026, 6, 13, 10, 0))  # Saturday
    assert not is_open(OFFICE, paris(2026, 5, 14, 10, 0))  # Ascension Day


def test_open_intervals_are_utc_and_clipped():
    got = list(open_intervals(OFFICE, paris(2026, 6, 10, 10, 0), paris(2026, 6, 10, 14, 0)))
    assert got == [(utc(2026, 6, 10, 8, 0), utc(2026, 6, 10, 10, 30)), (utc(2026, 6, 10, 11, 30), utc(2026, 6, 10, 12, 0))]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in got)


def test_custom_closed_day():
    closed_thursday = business_hours("Europe/Paris", OFFICE_SPEC, "FR", closed_days={date(2026, 6, 11)})
    # Wed 17:00-18:00, Thursday closed, Fri 09:00-10:00 CEST.
    assert add_business_seconds(closed_thursday, paris(2026, 6, 10, 17, 0), 2 * HOUR) == utc(2026, 6, 12, 8, 0)


def test_exceptional_saturday_morning_opening_counts():
    # Saturday 19 December 2026, 09:00-12:00: a ticket of Friday 17:30 gets its hour on Saturday.
    saturday = business_hours("Europe/Paris", OFFICE_SPEC, "FR", openings={"2026-12-19": [["09:00", "12:00"]]})
    assert add_business_seconds(saturday, paris(2026, 12, 18, 17, 30), HOUR) == utc(2026, 12, 19, 8, 30)
    # The next Saturday is not open, only the date given: Christmas Friday, then Monday 09:00-10:00.
    assert add_business_seconds(saturday, paris(2026, 12, 25, 17, 30), HOUR) == utc(2026, 12, 28, 9, 0)


def test_exceptional_opening_overrides_a_holiday_and_a_closed_day():
    # Ascension Day (Thursday 14 May 2026) open in the morning only.
    opened = business_hours("Europe/Paris", OFFICE_SPEC, "FR", openings={"2026-05-14": [["09:00", "12:00"]]})
    assert add_business_seconds(opened, paris(2026, 5, 13, 18, 0), HOUR) == utc(2026, 5, 14, 8, 0)
    assert is_open(opened, paris(2026, 5, 14, 11, 0)) and not is_open(opened, paris(2026, 5, 14, 14, 0))
    closed = business_hours("Europe/Paris", OFFICE_SPEC, closed_days={date(2026, 6, 11)},
                            openings={"2026-06-11": [["14:00", "15:00"]]})
    assert open_intervals(closed, paris(2026, 6, 11), paris(2026, 6, 12)).__next__() == (utc(2026, 6, 11, 12), utc(2026, 6, 11, 13))


def test_bad_exceptional_openings_are_refused():
    for openings in ({"2026-13-01": [["09:00", "12:00"]]}, {"2026-12-19": [["12:00", "09:00"]]}, {"2026-12-19": []},
                     {"2026-12-19": [["09:00", "11:00"], ["10:00", "12:00"]]}):
        with pytest.raises(ValueError):
            business_hours("Europe/Paris", OFFICE_SPEC, openings=openings)


def test_holidays_between_names_public_holidays_and_leaves_out_reopened_days():
    bh = business_hours("Europe/Paris", OFFICE_SPEC, "FR", closed_days={date(2026, 12, 24)},
                        openings={"2026-11-11": [["09:00", "12:00"]]})
    days = holidays_between(bh, date(2026, 11, 1), date(2026, 12, 31))
    assert [d for d, _ in days] == [date(2026, 11, 1), date(2026, 12, 24), date(2026, 12, 25)]
    assert days[1][1] == "" and days[2][1] == "Christmas Day"


def test_weekend_is_skipped():
    assert add_business_seconds(OFFICE, paris(2026, 6, 12, 17, 30), HOUR) == utc(2026, 6, 15, 7, 30)


def test_public_holiday_is_skipped():
    # Thursday 14 May 2026 is Ascension Day.
    assert add_business_seconds(OFFICE, paris(2026, 5, 13, 18, 0), HOUR) == utc(2026, 5, 15, 8, 0)


def test_same_calendar_without_holidays_works_on_holidays():
    no_holidays = business_hours("Europe/Paris", OFFICE_SPEC)
    assert add_business_seconds(no_holidays, paris(2026, 5, 13, 18, 0), HOUR) == utc(2026, 5, 14, 8, 0)


def test_24_00_runs_to_midnight_and_continues_next_day():
    late = business_hours("Europe/Paris", {"mon": [["22:00", "24:00"]], "tue": [["00:00", "02:00"]]})
    assert late.weekly[0] == ((time(22), END_OF_DAY),)
    assert add_business_seconds(late, paris(2026, 6, 8, 23, 0), 2 * HOUR) == utc(2026, 6, 8, 23, 0)  # Tue 01:00 CEST
    assert is_open(late, paris(2026, 6, 9, 0, 0))


def test_round_the_clock_dst_days_have_real_lengths():
    always = business_hours("Europe/Paris", {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    assert business_seconds_between(always, paris(2026, 3, 29, 0, 0), paris(2026, 3, 30, 0, 0)) == 23 * HOUR
    assert business_seconds_between(always, paris(2026, 10, 25, 0, 0), paris(2026, 10, 26, 0, 0)) == 25 * HOUR


def test_opening_inside_a_dst_gap_or_overlap_does_not_crash():
    night = business_hours("Europe/Paris", {"sun": [["02:30", "05:00"]]})
    # Spring: 02:30 does not exist and is read with the winter offset (= 03:30 CEST), until 05:00 CEST.
    assert business_seconds_between(night, paris(2026, 3, 29, 0, 0), paris(2026, 3, 30, 0, 0)) == 90 * 60
    # Autumn: 02:30 happens twice; the first one (CEST) counts, until 05:00 CET.
    assert business_seconds_between(night, paris(2026, 10, 25, 0, 0), paris(2026, 10, 26, 0, 0)) == 210 * 60


def test_next_open():
    assert next_open(OFFICE, paris(2026, 4, 3, 19, 0)) == utc(2026, 4, 7, 7, 0)
    assert next_open(OFFICE, paris(2026, 6, 10, 10, 0)) == utc(2026, 6, 10, 8, 0)
    assert next_open(OFFICE, paris(2026, 6, 10, 12, 45)) == utc(2026, 6, 10, 11, 30)


def test_zero_seconds_is_the_start_itself():
    assert add_business_seconds(OFFICE, paris(2026, 6, 13, 10, 0), 0) == utc(2026, 6, 13, 8, 0)


def test_business_seconds_between_backwards_is_zero():
    assert business_seconds_between(OFFICE, paris(2026, 6, 10, 12, 0), paris(2026, 6, 10, 10, 0)) == 0


def test_calendar_that_never_opens_is_rejected_not_looped():
    never = business_hours("Europe/Paris", {})
    assert business_seconds_between(never, paris(2026, 1, 1, 0, 0), paris(2027, 1, 1, 0, 0)) == 0
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_seconds(never, paris(2026, 1, 1, 0, 0), 60)
    with pytest.raises(ValueError, match="no opening hours"):
        next_open(never, paris(2026, 1, 1, 0, 0))


def test_naive_datetimes_and_negative_amounts_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(OFFICE, datetime(2026, 6, 10, 10, 0))
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(OFFICE, paris(2026, 6, 10, 10, 0), -1)


def test_hundred_business_days_is_fast():
    fresh = business_hours("Europe/Paris", OFFICE_SPEC, "FR")  # no warm per-instance cache
    began = wallclock.perf_counter()
    due = add_business_seconds(fresh, paris(2026, 1, 5, 9, 0), 100 * 8 * HOUR)
    assert wallclock.perf_counter() - began < 0.05
    assert business_seconds_between(fresh, paris(2026, 1, 5, 9, 0), due) == 100 * 8 * HOUR


def test_value_is_hashable_and_compares_by_content():
    again = business_hours("Europe/Paris", OFFICE_SPEC, holidays_country="FR")
    assert again == OFFICE and hash(again) == hash(OFFICE)
    assert BusinessHours("Europe/Paris", parse_hours(OFFICE_SPEC), "FR") == OFFICE


# --- configuration parsing ------------------------------------------------------------------------


def test_parse_hours_lists_every_weekday():
    weekly = parse_hours({"mon": [["13:30", "18:00"], ["09:00", "12:30"]], "Sat": [["10:00", "12:00"]]})
    assert weekly == {
        0: ((time(9), time(12, 30)), (time(13, 30), time(18))),
        1: (), 2: (), 3: (), 4: (),
        5: ((time(10), time(12)),),
        6: (),
    }


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"monday": [["09:00", "12:00"]]}, "unknown day name 'monday'"),
        ({"mon": [["9h", "12:00"]]}, "mon: bad time '9h'"),
        ({"mon": [["09:00", "25:00"]]}, "mon: bad time '25:00'"),
        ({"mon": [["24:00", "24:00"]]}, "mon: bad time '24:00'"),
        ({"mon": [["09:60", "12:00"]]}, "mon: bad time '09:60'"),
        ({"mon": [["12:00", "09:00"]]}, "mon: interval end 09:00 must be after start 12:00"),
        ({"mon": [["12:00", "12:00"]]}, "must be after start"),
        ({"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}, "tue: overlapping intervals"),
        ({"wed": [["09:00"]]}, r"wed: each interval must be a \[start, end\] pair"),
    ],
)
def test_parse_hours_rejects_bad_config_clearly(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_hours(spec)


def test_touching_intervals_are_allowed():
    assert parse_hours({"mon": [["09:00", "12:00"], ["12:00", "13:00"]]})[0] == ((time(9), time(12)), (time(12), time(13)))


def test_public_holidays():
    fr = public_holidays("FR", [2026, 2027])
    assert date(2026, 4, 6) in fr and date(2027, 12, 25) in fr and date(2026, 4, 7) not in fr
    assert public_holidays(None, [2026]) == set()
    with pytest.raises(ValueError, match="unknown holidays country"):
        public_holidays("XX", [2026])


def test_bad_country_or_time_zone_fail_when_configured():
    with pytest.raises(ValueError, match="unknown holidays country"):
        business_hours("Europe/Paris", OFFICE_SPEC, holidays_country="XX")
    with pytest.raises(ValueError, match="unknown time zone"):
        business_hours("Europe/Atlantis", OFFICE_SPEC)


# --- properties -----------------------------------------------------------------------------------

NIGHT_SHIFT = business_hours(
    "Europe/Paris",
    {d: [["00:00", "03:30"], ["21:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "FR",
)
CALENDARS = st.sampled_from([OFFICE, NIGHT_SHIFT])
PROPS = settings(max_examples=200, deadline=None)


def instants(first: datetime, last: datetime) -> st.SearchStrategy[datetime]:
    return st.datetimes(min_value=first.replace(tzinfo=None), max_value=last.replace(tzinfo=None), timezones=st.just(UTC))


DST_STARTS = st.one_of(instants(utc(2026, 3, 20), utc(2026, 4, 5)), instants(utc(2026, 10, 16), utc(2026, 11, 1)))


@PROPS
@given(CALENDARS, instants(utc(2026, 1, 1), utc(2026, 12, 31)), st.integers(1, 200 * HOUR))
def test_due_is_inside_open_hours_or_at_their_end(bh, start, seconds):
    due = add_business_seconds(bh, start, seconds)
    assert due > start
    assert is_open(bh, due) or is_open(bh, due - timedelta(microseconds=1))


@PROPS
@given(CALENDARS, DST_STARTS, st.integers(0, 60 * HOUR))
def test_adding_then_measuring_round_trips_across_dst(bh, start, seconds):
    assert business_seconds_between(bh, start, add_business_seconds(bh, start, seconds)) == seconds


@PROPS
@given(
    st.sampled_from([(date(2026, 3, 23), 40), (date(2026, 10, 19), 40), (date(2026, 4, 6), 32)]),
    st.lists(st.integers(0, 7 * 24 * HOUR), max_size=12),
)
def test_a_week_sums_to_its_open_hours_however_it_is_split(week, cuts):
    monday, hours = week  # DST weeks have 5 x 8 h; Easter week loses its Monday
    start = datetime.combine(monday, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=PARIS).astimezone(UTC)
    points = [start] + sorted(min(start + timedelta(seconds=c), end) for c in cuts) + [end]
    assert sum(business_seconds_between(OFFICE, a, b) for a, b in zip(points, points[1:])) == hours * HOUR


@PROPS
@given(CALENDARS, instants(utc(2026, 1, 1), utc(2026, 12, 31)), st.integers(0, 50 * HOUR), st.integers(0, 50 * HOUR))
def test_more_business_time_never_gives_an_earlier_deadline(bh, start, a, b):
    assert add_business_seconds(bh, start, min(a, b)) <= add_business_seconds(bh, start, max(a, b))


@PROPS
@given(CALENDARS, instants(utc(2026, 1, 1), utc(2026, 12, 31)))
def test_next_open_is_open_and_nothing_before_it_is(bh, at):
    opens = next_open(bh, at)
    assert opens >= at and is_open(bh, opens)
    assert business_seconds_between(bh, at, opens) == 0
