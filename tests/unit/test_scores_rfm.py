"""RFM: who bought recently, often and much, scored 1–5 by quintile."""
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.scores.rfm import (
    Boundaries,
    OrderFact,
    RfmInputs,
    RfmScore,
    boundaries,
    rfm_inputs_from_orders,
    rfm_score,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
PROPS = settings(max_examples=200, deadline=None)


def ago(days: float, amount: str) -> OrderFact:
    return OrderFact(NOW - timedelta(days=days), Decimal(amount))


ORDERS = {
    "A": [ago(2, "100"), ago(10, "50"), ago(30, "50")],
    "B": [ago(5, "500")],
    "C": [ago(40, "20"), ago(100, "20")],
    "D": [ago(200, "80")],
    "E": [ago(300, "10"), ago(400, "1000")],  # the 1000 is outside the 365-day window
    "F": [ago(500, "75")],  # nothing in the window
    "G": [],
}


def test_rfm_of_a_small_customer_base_computed_by_hand():
    inputs = {name: rfm_inputs_from_orders(orders, NOW, 365) for name, orders in ORDERS.items()}
    assert inputs["A"] == RfmInputs(recency_days=2, frequency=3, monetary=200.0)
    assert inputs["E"] == RfmInputs(recency_days=300, frequency=1, monetary=10.0)
    assert inputs["F"] is None and inputs["G"] is None

    bounds = boundaries(i for i in inputs.values() if i is not None)
    assert bounds == Boundaries(recency=(2, 5, 40, 200), frequency=(1, 1, 1, 2), monetary=(10, 40, 80, 200), customers=5)
    codes = {name: rfm_score(i, bounds) for name, i in inputs.items()}
    assert {name: s.code for name, s in codes.items() if s} == {
        "A": "5-5-4", "B": "4-1-5", "C": "3-4-2", "D": "2-1-3", "E": "1-1-1"}
    assert codes["F"] is None and codes["G"] is None


def test_scores_come_from_stored_boundaries():
    bounds = Boundaries.from_json(Boundaries((2, 5, 40, 200), (1, 1, 1, 2), (10, 40, 80, 200), 5).to_json())
    assert rfm_score(RfmInputs(0, 9, 10_000.0), bounds) == RfmScore(5, 5, 5)
    assert rfm_score(RfmInputs(364, 1, 0.0), bounds) == RfmScore(1, 1, 1)
    assert rfm_score(RfmInputs(5, 1, 80.0), bounds).code == "4-1-3"  # on a cut: better R, lower F/M


def test_everyone_with_the_same_figures_gets_the_same_scores():
    population = [RfmInputs(10, 1, 50.0)] * 7 + [RfmInputs(100, 3, 300.0)] * 3
    bounds = boundaries(population)
    scores = {rfm_score(i, bounds) for i in population[:7]}
    assert len(scores) == 1


def test_a_lone_buyer_still_gets_scores():
    bounds = boundaries([RfmInputs(3, 2, 99.0)])
    assert rfm_score(RfmInputs(3, 2, 99.0), bounds) == RfmScore(5, 1, 1)
    assert rfm_score(RfmInputs(3, 2, 99.0), boundaries([])) == RfmScore(5, 1, 1)


# --- properties --------------------------------------------------------------------------------------

INPUTS = st.builds(RfmInputs, st.integers(0, 365), st.integers(1, 30),
                   st.decimals(0, 5000, places=2).map(float))
POPULATIONS = st.lists(INPUTS, min_size=1, max_size=40)


@PROPS
@given(POPULATIONS, st.data())
def test_more_spending_never_lowers_m(population, data):
    i = data.draw(st.integers(0, len(population) - 1))
    extra = data.draw(st.decimals(0, 5000, places=2).map(float))
    before = population[i]
    after = RfmInputs(before.recency_days, before.frequency, round(before.monetary + extra, 2))
    bounds = boundaries(population)
    assert rfm_score(after, bounds).monetary >= rfm_score(before, bounds).monetary
    # ... also once the boundaries are recomputed with the new figure in the population
    changed = population[:i] + [after] + population[i + 1:]
    assert rfm_score(after, boundaries(changed)).monetary >= rfm_score(before, bounds).monetary


@PROPS
@given(st.lists(st.tuples(st.integers(0, 400), st.decimals(0, 900, places=2)), max_size=12),
       st.integers(0, 364), st.decimals(Decimal("0.01"), 900, places=2))
def test_an_extra_order_never_lowers_f_or_m(orders, days, amount):
    facts = [ago(d, str(a)) for d, a in orders]
    bounds = Boundaries((5, 30, 90, 200), (1, 2, 3, 5), (50, 120, 300, 800), 100)
    before = rfm_score(rfm_inputs_from_orders(facts, NOW, 365), bounds)
    after = rfm_score(rfm_inputs_from_orders(facts + [ago(days, str(amount))], NOW, 365), bounds)
    if before is not None:
        assert after.frequency >= before.frequency and after.monetary >= before.monetary
    assert after is not None


@PROPS
@given(POPULATIONS, st.randoms(use_true_random=False))
def test_rfm_scores_do_not_depend_on_the_order_customers_come_in(population, rng: random.Random):
    shuffled = list(population)
    rng.shuffle(shuffled)
    assert boundaries(shuffled) == boundaries(population)
    bounds = boundaries(shuffled)
    for i in population:
        assert rfm_score(i, bounds) == rfm_score(i, boundaries(population))
    assert all(1 <= v <= 5 for i in population for v in vars(rfm_score(i, bounds)).values())
