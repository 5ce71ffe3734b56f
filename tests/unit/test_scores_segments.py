"""Tactical segments: one rule per segment, first match wins, thresholds from the settings."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.models.customers import TACTICAL_SEGMENTS
from helpdesk.scores.facts import CustomerFacts
from helpdesk.scores.rfm import RfmInputs, RfmScore, boundaries, rfm_score
from helpdesk.scores.satisfaction import Satisfaction
from helpdesk.scores.segments import SEGMENTS, tactical_segment
from helpdesk.scores.settings import ScoreSettings

DEFAULTS = ScoreSettings()
PROPS = settings(max_examples=200, deadline=None)


def facts(**fields) -> CustomerFacts:
    base = {"tenure_days": 400, "days_since_last_order": 20, "days_since_last_contact": 20}
    return CustomerFacts(**{**base, **fields})


def test_each_segment_by_hand():
    high, mid = RfmScore(5, 4, 4), RfmScore(3, 3, 3)
    assert tactical_segment(facts(rfm=high), DEFAULTS) == "best"
    assert tactical_segment(facts(rfm=RfmScore(2, 3, 5)), DEFAULTS) == "high_potential"
    assert tactical_segment(facts(rfm=RfmScore(3, 4, 1)), DEFAULTS) == "high_potential"
    assert tactical_segment(facts(rfm=mid), DEFAULTS) == "active"
    assert tactical_segment(facts(rfm=None), DEFAULTS) == "active"
    assert tactical_segment(facts(tenure_days=30, rfm=high), DEFAULTS) == "new"
    assert tactical_segment(facts(rfm=high, satisfaction=Satisfaction(nps=4)), DEFAULTS) == "dissatisfied"
    assert tactical_segment(facts(rfm=mid, satisfaction=Satisfaction(csat=2.5)), DEFAULTS) == "dissatisfied"
    assert tactical_segment(facts(rfm=mid, satisfaction=Satisfaction(csat=2.6, nps=7)), DEFAULTS) == "active"
    assert tactical_segment(facts(rfm=mid, open_follow_ups=1), DEFAULTS) == "dissatisfied"
    assert tactical_segment(facts(days_since_last_order=200, days_since_last_contact=181), DEFAULTS) == "inactive"
    assert tactical_segment(facts(days_since_last_order=200, days_since_last_contact=100), DEFAULTS) == "active"
    assert tactical_segment(facts(days_since_last_order=None, days_since_last_contact=None), DEFAULTS) == "lost"
    assert tactical_segment(facts(days_since_last_order=800, days_since_last_contact=365), DEFAULTS) == "lost"
    # a lost customer is lost even if their last answer was bad; a young one is not lost yet
    assert tactical_segment(facts(days_since_last_order=None, days_since_last_contact=400,
                                  satisfaction=Satisfaction(nps=0)), DEFAULTS) == "lost"
    assert tactical_segment(facts(tenure_days=200, days_since_last_order=None, days_since_last_contact=None),
                            DEFAULTS) == "inactive"
    assert tactical_segment(facts(tenure_days=10, days_since_last_order=None, days_since_last_contact=None),
                            DEFAULTS) == "new"


def test_thresholds_come_from_the_settings():
    quiet = facts(days_since_last_order=100, days_since_last_contact=100)
    assert tactical_segment(quiet, DEFAULTS) == "active"
    assert tactical_segment(quiet, ScoreSettings(inactive_after_days=90)) == "inactive"
    assert tactical_segment(quiet, ScoreSettings(inactive_after_days=60, lost_after_days=90)) == "lost"
    assert tactical_segment(facts(rfm=RfmScore(3, 3, 3)), ScoreSettings(high_rfm_score=3)) == "best"
    assert tactical_segment(facts(satisfaction=Satisfaction(csat=3.0)), ScoreSettings(dissatisfied_csat=3.2)) == "dissatisfied"


def test_the_codes_are_the_models_list():
    assert set(SEGMENTS) == set(TACTICAL_SEGMENTS)


CUSTOMERS = st.lists(st.fixed_dictionaries({
    "rfm": st.none() | st.builds(RfmInputs, st.integers(0, 365), st.integers(1, 20), st.integers(0, 3000).map(float)),
    "tenure_days": st.integers(0, 3000),
    "days_since_last_contact": st.none() | st.integers(0, 900),
    "csat": st.none() | st.floats(1, 5),
    "nps": st.none() | st.integers(0, 10),
}), min_size=1, max_size=30)


def _segments(customers: list[dict]) -> list[str]:
    bounds = boundaries(c["rfm"] for c in customers if c["rfm"] is not None)
    return [
        tactical_segment(CustomerFacts(
            tenure_days=c["tenure_days"], rfm_inputs=c["rfm"], rfm=rfm_score(c["rfm"], bounds),
            satisfaction=Satisfaction(csat=c["csat"], nps=c["nps"]),
            days_since_last_order=c["rfm"].recency_days if c["rfm"] else None,
            days_since_last_contact=c["days_since_last_contact"]), DEFAULTS)
        for c in customers
    ]


@PROPS
@given(CUSTOMERS, st.randoms(use_true_random=False))
def test_a_customers_segment_does_not_depend_on_the_order_customers_are_processed_in(customers, rng: random.Random):
    order = list(range(len(customers)))
    rng.shuffle(order)
    straight = _segments(customers)
    shuffled = _segments([customers[i] for i in order])
    assert [straight[i] for i in order] == shuffled
    assert set(straight) <= set(SEGMENTS)
