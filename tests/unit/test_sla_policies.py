"""Which SLA policy a ticket gets, and how stored policies and calendars feed the clock maths."""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from helpdesk.sla.calendar import add_business_time, is_open
from helpdesk.sla.clock import DEFAULT_PAUSE_STATUSES, Targets
from helpdesk.sla.policies import (
    ALWAYS_OPEN,
    TicketFacts,
    hours_of,
    pause_statuses_of,
    pick_calendar,
    policy_matches,
    select_policy,
    targets_of,
)

UTC = timezone.utc


def policy(id, rank=100, active=True, **conditions):
    return SimpleNamespace(id=id, rank=rank, active=active, conditions=conditions)


def calendar(id=1, updated_at=datetime(2026, 1, 1, tzinfo=UTC), **fields):
    values = dict(
        timezone="Europe/Paris",
        hours={d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays_country="FR",
        holidays_subdivision=None,
        closed_days=[],
    )
    values.update(fields)
    return SimpleNamespace(id=id, updated_at=updated_at, **values)


URGENT = TicketFacts(priority="urgent", segment="vip", team_id=3, team_name="Hotline", type="incident")


def test_the_lowest_rank_among_matching_policies_wins():
    general = policy(1, rank=100)
    urgent = policy(2, rank=10, priority="urgent")
    vip_urgent = policy(3, rank=5, priority="urgent", segment="vip")
    assert select_policy([general, urgent, vip_urgent], URGENT) is vip_urgent
    assert select_policy([general, urgent, vip_urgent], TicketFacts(priority="urgent", segment="standard")) is urgent
    assert select_policy([general, urgent, vip_urgent], TicketFacts(priority="low")) is general


def test_inactive_policies_never_apply_and_ties_go_to_the_older_policy():
    assert select_policy([policy(1, rank=1, active=False), policy(2)], URGENT).id == 2
    assert select_policy([policy(7, rank=5), policy(4, rank=5)], URGENT).id == 4


def test_conditions_on_each_fact():
    assert policy_matches(policy(1, type="incident"), URGENT)
    assert not policy_matches(policy(1, type="question"), URGENT)
    assert policy_matches(policy(1, priority=["high", "urgent"]), URGENT)  # any of a list
    assert policy_matches(policy(1, segment="VIP"), URGENT)  # case does not matter
    assert not policy_matches(policy(1, segment="vip"), TicketFacts(priority="urgent"))  # no customer


BEST = TicketFacts(priority="normal", segment="standard", tactical_segment="best", customer_score=84)


def test_tactical_segment_condition_looks_at_the_scored_segment_not_the_commercial_one():
    assert policy_matches(policy(1, tactical_segment="best"), BEST)
    assert policy_matches(policy(1, tactical_segment=["high_potential", "BEST"]), BEST)
    assert not policy_matches(policy(1, tactical_segment="lost"), BEST)
    assert not policy_matches(policy(1, segment="best"), BEST)  # `segment` stays the commercial segment
    assert policy_matches(policy(1, segment="standard", tactical_segment="best"), BEST)
    assert not policy_matches(policy(1, tactical_segment="best"), TicketFacts(segment="vip"))  # not scored yet


def test_min_score_condition_needs_a_known_score_at_least_that_high():
    assert policy_matches(policy(1, min_score=80), BEST)
    assert policy_matches(policy(1, min_score=84), BEST)  # at least: the bound itself matches
    assert not policy_matches(policy(1, min_score=85), BEST)
    assert policy_matches(policy(1, min_score="80"), BEST)
    assert policy_matches(policy(1, min_score=0), TicketFacts(customer_score=0))
    assert not policy_matches(policy(1, min_score=0), TicketFacts())  # no score is not a score of 0
    assert policy_matches(policy(1, min_score=None), TicketFacts())  # None means "any", as for other keys


def test_a_min_score_it_cannot_read_matches_nothing():
    for bogus in (True, [80], "eighty", 80.5, {"gte": 80}):
        assert not policy_matches(policy(1, min_score=bogus), BEST), bogus


def test_best_customers_policy_ranked_first_gives_them_shorter_targets():
    best = policy(1, rank=5, tactical_segment="best")
    scored = policy(2, rank=6, min_score=90)
    normal = policy(3, rank=30, priority="normal")
    assert select_policy([normal, best, scored], BEST) is best
    assert select_policy([normal, scored], BEST) is normal  # 84 < 90
    other = TicketFacts(priority="normal", tactical_segment="active", customer_score=95)
    assert select_policy([normal, best, scored], other) is scored


def test_team_condition_by_id_or_by_name():
    assert policy_matches(policy(1, team=3), URGENT)
    assert policy_matches(policy(1, team="3"), URGENT)
    assert policy_matches(policy(1, team="hotline"), URGENT)
    assert not policy_matches(policy(1, team=4), URGENT)
    assert not policy_matches(policy(1, team="Back office"), URGENT)


def test_empty_conditions_match_everything_and_unknown_ones_nothing():
    assert policy_matches(policy(1), TicketFacts())
    assert policy_matches(policy(1, priority=None, team=[]), URGENT)
    assert not policy_matches(policy(1, channel="phone"), URGENT)


def test_the_team_default_policy_applies_when_nothing_else_matches():
    default = policy(9, rank=500, priority="low")  # its own conditions do not matter as a default
    facts = TicketFacts(priority="normal", team_id=3, team_default_policy_id=9)
    assert select_policy([policy(1, priority="urgent"), default], facts) is default
    assert select_policy([policy(1, priority="urgent")], TicketFacts(priority="normal")) is None
    inactive = policy(9, active=False)
    assert select_policy([inactive], facts) is None


def test_targets_of_a_stored_policy():
    stored = SimpleNamespace(
        first_response_minutes=60, next_response_minutes=None, resolution_minutes=480, warn_at_percent=75
    )
    assert targets_of(stored) == Targets(60, None, 480, 75)
    stored.warn_at_percent = None
    assert targets_of(stored).warn_at_percent == 80


def test_pause_statuses_of_a_stored_policy():
    assert pause_statuses_of(SimpleNamespace(pause_statuses=None)) == DEFAULT_PAUSE_STATUSES
    stored = SimpleNamespace(pause_statuses=["pending_customer", "resolved", "bogus"])
    assert pause_statuses_of(stored) == {"pending_customer"}


def test_stored_calendar_becomes_business_hours():
    hours = hours_of(calendar(closed_days=["2026-04-07"]))
    # Friday 17:30 Paris + 1 h: Easter Monday (holiday) and Tuesday 7 April (closed day) are skipped.
    due = add_business_time(hours, datetime(2026, 4, 3, 15, 30, tzinfo=UTC), timedelta(hours=1))
    assert due == datetime(2026, 4, 8, 7, 30, tzinfo=UTC)  # Wednesday 09:30 Paris
    assert date(2026, 4, 7) in hours.closed_days


def test_no_calendar_means_always_open_in_utc():
    assert hours_of(None) is ALWAYS_OPEN
    assert is_open(ALWAYS_OPEN, datetime(2026, 12, 25, 3, 0, tzinfo=UTC))  # Christmas night, a Friday
    sunday = datetime(2026, 6, 7, 22, 0, tzinfo=UTC)
    assert add_business_time(ALWAYS_OPEN, sunday, timedelta(hours=5)) == sunday + timedelta(hours=5)


def test_policy_calendar_first_then_team_calendar():
    own, team = calendar(1), calendar(2)
    assert pick_calendar(own, team) is own
    assert pick_calendar(None, team) is team
    assert pick_calendar(None, None) is None


def test_hours_are_cached_until_the_calendar_changes():
    first = hours_of(calendar(41))
    assert hours_of(calendar(41)) is first
    edited = calendar(41, updated_at=datetime(2026, 2, 1, tzinfo=UTC), timezone="America/New_York")
    assert hours_of(edited) is not first
    assert hours_of(edited).timezone == "America/New_York"
    # Edited twice with the same `now` stamp: the new hours still count.
    same_stamp = calendar(41, updated_at=datetime(2026, 2, 1, tzinfo=UTC), timezone="America/New_York",
                          hours={"sat": [["10:00", "16:00"]]})
    assert hours_of(same_stamp).weekly[5] != hours_of(edited).weekly[5]
