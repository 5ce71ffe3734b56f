"""SLA clocks of a ticket: what agents see on first response, next response and resolution."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.sla.calendar import business_hours, is_open
from helpdesk.sla.clock import (
    FIRST_RESPONSE,
    NEXT_RESPONSE,
    RESOLUTION,
    STATUSES,
    MetricClock,
    Targets,
    TimelineEntry,
    compute_clocks,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
OFFICE = business_hours(
    "Europe/Paris",
    {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    holidays_country="FR",
)
TARGETS = Targets(first_response_minutes=60, next_response_minutes=60, resolution_minutes=8 * 60)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def created(at):
    return TimelineEntry(at, "created")


def customer(at):
    return TimelineEntry(at, "customer_message")


def reply(at):
    return TimelineEntry(at, "agent_reply")


def status(at, new_status):
    return TimelineEntry(at, "status", new_status)


def clocks(timeline, now, targets=TARGETS):
    return compute_clocks(targets, OFFICE, timeline, now)


MON = (2026, 6, 8)  # an ordinary Monday in summer time (UTC+2)
TUE = (2026, 6, 9)


# --- first response -------------------------------------------------------------------------------


def test_first_response_met():
    fr = clocks([created(paris(*MON, 9, 0)), reply(paris(*MON, 9, 40))], now=paris(*MON, 11, 0))[FIRST_RESPONSE]
    assert fr == MetricClock(
        metric=FIRST_RESPONSE,
        state="met",
        started_at=paris(*MON, 9, 0),
        due_at=utc(*MON, 8, 0),
        warn_at=utc(*MON, 7, 48),
        stopped_at=paris(*MON, 9, 40),
        elapsed_seconds=40 * 60,
        remaining_seconds=20 * 60,
        paused=False,
    )


def test_first_response_breached_while_waiting():
    fr = clocks([created(paris(*MON, 9, 0))], now=paris(*MON, 10, 30))[FIRST_RESPONSE]
    assert (fr.state, fr.due_at, fr.remaining_seconds, fr.stopped_at) == ("breached", utc(*MON, 8, 0), -30 * 60, None)


def test_first_response_answered_late_stays_breached():
    fr = clocks([created(paris(*MON, 9, 0)), reply(paris(*MON, 10, 15))], now=paris(*MON, 12, 0))[FIRST_RESPONSE]
    assert (fr.state, fr.stopped_at, fr.elapsed_seconds) == ("breached", paris(*MON, 10, 15), 75 * 60)


def test_reply_exactly_on_the_deadline_is_met():
    fr = clocks([created(paris(*MON, 9, 0)), reply(paris(*MON, 10, 0))], now=paris(*MON, 12, 0))[FIRST_RESPONSE]
    assert fr.state == "met"


def test_warning_at_80_percent():
    timeline = [created(paris(*MON, 9, 0))]
    assert clocks(timeline, now=paris(*MON, 9, 47, 59))[FIRST_RESPONSE].state == "running"
    fr = clocks(timeline, now=paris(*MON, 9, 48))[FIRST_RESPONSE]
    assert (fr.state, fr.warn_at) == ("warning", utc(*MON, 7, 48))


def test_ticket_created_at_night_starts_counting_at_opening():
    fr = clocks([created(paris(*MON, 7, 0))], now=paris(*MON, 8, 59))[FIRST_RESPONSE]
    assert (fr.state, fr.elapsed_seconds, fr.due_at) == ("running", 0, utc(*MON, 8, 0))


# --- next response --------------------------------------------------------------------------------


def test_next_response_starts_at_the_earliest_unanswered_customer_message():
    timeline = [
        created(paris(*MON, 9, 0)),
        reply(paris(*MON, 9, 30)),
        customer(paris(*MON, 10, 0)),
        customer(paris(*MON, 10, 20)),  # still the same wait: does not restart the clock
    ]
    nr = clocks(timeline, now=paris(*MON, 10, 30))[NEXT_RESPONSE]
    assert (nr.state, nr.started_at, nr.due_at, nr.elapsed_seconds) == ("running", paris(*MON, 10, 0), utc(*MON, 9, 0), 30 * 60)

    answered = clocks(timeline + [reply(paris(*MON, 10, 45))], now=paris(*MON, 10, 50))[NEXT_RESPONSE]
    assert (answered.state, answered.stopped_at, answered.elapsed_seconds) == ("met", paris(*MON, 10, 45), 45 * 60)

    new_cycle = clocks(timeline + [reply(paris(*MON, 10, 45)), customer(paris(*MON, 11, 0))], now=paris(*MON, 11, 10))[NEXT_RESPONSE]
    assert (new_cycle.state, new_cycle.started_at, new_cycle.stopped_at, new_cycle.elapsed_seconds) == (
        "running", paris(*MON, 11, 0), None, 10 * 60,
    )


def test_no_next_response_before_the_first_reply():
    nr = clocks([created(paris(*MON, 9, 0)), customer(paris(*MON, 9, 10))], now=paris(*MON, 9, 30))[NEXT_RESPONSE]
    assert nr == MetricClock(NEXT_RESPONSE, "met", None, None, None, None, 0, None, False)


def test_next_response_over_lunch_is_due_after_lunch():
    timeline = [created(paris(*MON, 9, 0)), reply(paris(*MON, 9, 5)), customer(paris(*MON, 12, 0))]
    nr = clocks(timeline, now=paris(*MON, 12, 10))[NEXT_RESPONSE]
    assert nr.due_at == utc(*MON, 12, 0)  # 12:00-12:30, then 13:30-14:00 CEST


# --- pauses, resolution, reopening ----------------------------------------------------------------


def test_pending_customer_pauses_and_resuming_moves_the_deadline():
    timeline = [created(paris(*MON, 9, 0)), status(paris(*MON, 10, 0), "pending_customer")]
    while_paused = clocks(timeline, now=paris(*MON, 15, 0))[RESOLUTION]
    assert (while_paused.state, while_paused.paused, while_paused.due_at) == ("paused", True, None)
    assert (while_paused.elapsed_seconds, while_paused.remaining_seconds) == (3600, 7 * 3600)

    without_pause = clocks(timeline[:1], now=paris(*MON, 10, 0))[RESOLUTION]
    assert without_pause.due_at == utc(*MON, 16, 0)  # one 8 h business day: Monday 18:00 CEST

    # Paused Mon 10:00 -> Tue 10:00 = 8 business hours, so the deadline moves one business day later.
    resumed = clocks(timeline + [status(paris(*TUE, 10, 0), "open")], now=paris(*TUE, 11, 0))[RESOLUTION]
    assert (resumed.state, resumed.paused, resumed.elapsed_seconds) == ("running", False, 2 * 3600)
    assert resumed.due_at == utc(*TUE, 16, 0)


def test_pause_also_holds_the_first_response_clock():
    timeline = [created(paris(*MON, 9, 0)), status(paris(*MON, 9, 30), "pending_third_party"), status(paris(*MON, 14, 0), "open")]
    fr = clocks(timeline, now=paris(*MON, 14, 10))[FIRST_RESPONSE]
    assert (fr.state, fr.elapsed_seconds, fr.due_at) == ("running", 40 * 60, utc(*MON, 12, 30))


def test_a_clock_breached_before_the_pause_stays_breached():
    timeline = [created(paris(*MON, 9, 0)), status(paris(*MON, 11, 0), "pending_customer")]
    fr = clocks(timeline, now=paris(*MON, 15, 0))[FIRST_RESPONSE]
    assert (fr.state, fr.paused, fr.due_at, fr.remaining_seconds) == ("breached", True, utc(*MON, 8, 0), -3600)


def test_resolving_stops_the_resolution_clock():
    timeline = [created(paris(*MON, 9, 0)), reply(paris(*MON, 9, 30)), status(paris(*MON, 11, 0), "resolved")]
    rs = clocks(timeline, now=paris(2026, 6, 10, 12, 0))[RESOLUTION]
    assert (rs.state, rs.stopped_at, rs.elapsed_seconds, rs.remaining_seconds) == ("met", paris(*MON, 11, 0), 7200, 6 * 3600)


def test_reopening_resumes_with_the_time_already_spent():
    timeline = [
        created(paris(*MON, 9, 0)),
        status(paris(*MON, 11, 0), "resolved"),
        status(paris(*TUE, 9, 0), "open"),
    ]
    rs = clocks(timeline, now=paris(*TUE, 10, 0))[RESOLUTION]
    assert (rs.state, rs.stopped_at, rs.elapsed_seconds) == ("running", None, 3 * 3600)
    # 6 h left from Tue 09:00: 3.5 h until lunch, 2.5 h after -> 16:00 CEST.
    assert rs.due_at == utc(*TUE, 14, 0)


def test_closing_without_reply_does_not_leave_first_response_running():
    timeline = [created(paris(*MON, 9, 0)), status(paris(*MON, 9, 5), "closed")]
    fr = clocks(timeline, now=paris(2026, 6, 12, 9, 0))[FIRST_RESPONSE]
    assert (fr.state, fr.stopped_at) == ("met", paris(*MON, 9, 5))


def test_metric_without_target_just_runs():
    no_resolution_target = Targets(first_response_minutes=60, next_response_minutes=None, resolution_minutes=None)
    rs = clocks([created(paris(*MON, 9, 0))], now=paris(*MON, 10, 0), targets=no_resolution_target)[RESOLUTION]
    assert (rs.state, rs.due_at, rs.remaining_seconds, rs.elapsed_seconds) == ("running", None, None, 3600)


def test_timeline_order_does_not_matter_and_the_future_is_ignored():
    timeline = [reply(paris(*MON, 9, 40)), created(paris(*MON, 9, 0)), reply(paris(*MON, 9, 20))]
    fr = clocks(timeline, now=paris(*MON, 9, 30))[FIRST_RESPONSE]
    assert (fr.state, fr.stopped_at) == ("met", paris(*MON, 9, 20))
    assert clocks(timeline, now=paris(*MON, 9, 10))[FIRST_RESPONSE].state == "running"


# --- properties -----------------------------------------------------------------------------------

PROPS = settings(max_examples=200, deadline=None)
BASE = utc(2026, 6, 1, 6, 0)  # Monday 08:00 CEST
MINUTES = st.integers(0, 14 * 24 * 60)
ENTRY = st.one_of(
    st.builds(lambda m: customer(BASE + timedelta(minutes=m)), MINUTES),
    st.builds(lambda m: reply(BASE + timedelta(minutes=m)), MINUTES),
    st.builds(lambda m, s: status(BASE + timedelta(minutes=m), s), MINUTES, st.sampled_from(sorted(STATUSES))),
)
TIMELINES = st.builds(lambda m, rest: [created(BASE + timedelta(minutes=m))] + rest, st.integers(0, 600), st.lists(ENTRY, max_size=12))
SMALL_TARGETS = st.builds(
    Targets,
    st.one_of(st.none(), st.integers(0, 3000)),
    st.one_of(st.none(), st.integers(0, 3000)),
    st.one_of(st.none(), st.integers(0, 3000)),
    st.integers(1, 100),
)
NOW = st.builds(lambda m: BASE + timedelta(minutes=m), st.integers(0, 15 * 24 * 60))


@PROPS
@given(SMALL_TARGETS, TIMELINES, NOW)
def test_clocks_at_a_time_only_depend_on_the_past(targets, timeline, cut):
    past = [e for e in timeline if e.at <= cut]
    assert compute_clocks(targets, OFFICE, timeline, cut) == compute_clocks(targets, OFFICE, past, cut)


@PROPS
@given(SMALL_TARGETS, TIMELINES, NOW, NOW)
def test_elapsed_time_never_goes_backwards(targets, timeline, t1, t2):
    early, late = compute_clocks(targets, OFFICE, timeline, min(t1, t2)), compute_clocks(targets, OFFICE, timeline, max(t1, t2))
    for metric in (FIRST_RESPONSE, RESOLUTION):  # next_response restarts per cycle
        assert late[metric].elapsed_seconds >= early[metric].elapsed_seconds


@PROPS
@given(SMALL_TARGETS, TIMELINES, NOW)
def test_running_clock_is_breached_exactly_when_now_passes_due(targets, timeline, now):
    for clock in compute_clocks(targets, OFFICE, timeline, now).values():
        if clock.stopped_at is None and not clock.paused and clock.due_at is not None:
            assert (clock.state == "breached") == (now >= clock.due_at)
            if clock.elapsed_seconds + clock.remaining_seconds > 0:  # a zero target is due at once
                assert is_open(OFFICE, clock.due_at) or is_open(OFFICE, clock.due_at - timedelta(microseconds=1))


@PROPS
@given(
    st.integers(1, 3000),
    st.integers(0, 5 * 24 * 60),
    st.integers(0, 5 * 24 * 60),
    st.integers(0, 5 * 24 * 60),
    st.sampled_from(["pending_customer", "pending_third_party"]),
)
def test_pausing_never_brings_a_deadline_forward(target, pause_after, pause_for, then, pause_status):
    targets = Targets(target, None, target)
    start = BASE
    paused_at = start + timedelta(minutes=pause_after)
    resumed_at = paused_at + timedelta(minutes=pause_for)
    now = resumed_at + timedelta(minutes=then)
    plain = compute_clocks(targets, OFFICE, [created(start)], now)
    with_pause = compute_clocks(
        targets, OFFICE, [created(start), status(paused_at, pause_status), status(resumed_at, "open")], now
    )
    for metric in (FIRST_RESPONSE, RESOLUTION):
        assert with_pause[metric].due_at >= plain[metric].due_at
        assert with_pause[metric].elapsed_seconds <= plain[metric].elapsed_seconds


def test_the_clocks_the_reports_find_by_creation_start_when_the_ticket_is_created():
    """The reports read first-response and resolution clocks through their tickets' created_at
    (STARTED_AT_CREATION): those clocks must start at creation, whatever comes after it, even a
    reopening; a next response starts later, on the customer's message."""
    from helpdesk.models.sla import STARTED_AT_CREATION

    t0 = paris(2026, 3, 2, 9, 30)
    timeline = [created(t0), reply(t0 + timedelta(hours=1)), customer(t0 + timedelta(hours=2)),
                status(t0 + timedelta(hours=3), "resolved"), status(t0 + timedelta(days=1), "open"),
                reply(t0 + timedelta(days=1, hours=1))]
    clocks = compute_clocks(TARGETS, OFFICE, timeline, t0 + timedelta(days=2))
    assert {metric: clocks[metric].started_at for metric in STARTED_AT_CREATION} == dict.fromkeys(STARTED_AT_CREATION, t0)
    assert NEXT_RESPONSE not in STARTED_AT_CREATION and clocks[NEXT_RESPONSE].started_at == t0 + timedelta(hours=2)
