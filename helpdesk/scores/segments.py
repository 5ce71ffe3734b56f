"""The tactical segment of a customer (the CRM course's list), as one configurable rule.

`tactical_segment(facts, settings)` returns the first segment whose rule holds, in this order
(thresholds from ScoreSettings, defaults in brackets):

1. lost: no order and no contact for `lost_after_days` [365].
2. dissatisfied: the latest NPS is a detractor's (0–6), or the weighted CSAT is at most
   `dissatisfied_csat` [2.5], or a bad answer's follow-up is still open.
3. new: a customer for less than `new_customer_days` [90].
4. inactive: no order and no contact for `inactive_after_days` [180].
5. best: R, F and M all at least `high_rfm_score` [4].
6. high_potential: F or M at least `high_rfm_score` (but not all three high).
7. active: everyone else.

"No order/contact for N days" holds when the last one is N or more days old, or when there was
none and the customer has existed for N days. The rule reads only the facts of this customer
(its RFM scores come from boundaries computed beforehand), so the result does not depend on the
order in which customers are processed.
"""
from __future__ import annotations

from helpdesk.scores.facts import CustomerFacts
from helpdesk.scores.satisfaction import DETRACTOR
from helpdesk.scores.settings import ScoreSettings

BEST, HIGH_POTENTIAL, NEW, ACTIVE, INACTIVE, DISSATISFIED, LOST = (
    "best", "high_potential", "new", "active", "inactive", "dissatisfied", "lost")
SEGMENTS = (BEST, HIGH_POTENTIAL, NEW, ACTIVE, INACTIVE, DISSATISFIED, LOST)


def _quiet_for(facts: CustomerFacts, days: int) -> bool:
    """No order and no contact for `days`."""
    if facts.tenure_days < days:
        return False
    return all(last is None or last >= days for last in (facts.days_since_last_order, facts.days_since_last_contact))


def tactical_segment(facts: CustomerFacts, settings: ScoreSettings) -> str:
    if _quiet_for(facts, settings.lost_after_days):
        return LOST
    sat = facts.satisfaction
    if (sat.nps_class == DETRACTOR or (sat.csat is not None and sat.csat <= settings.dissatisfied_csat)
            or facts.open_follow_ups > 0):
        return DISSATISFIED
    if facts.tenure_days < settings.new_customer_days:
        return NEW
    if _quiet_for(facts, settings.inactive_after_days):
        return INACTIVE
    rfm, high = facts.rfm, settings.high_rfm_score
    if rfm is not None and min(rfm.recency, rfm.frequency, rfm.monetary) >= high:
        return BEST
    if rfm is not None and (rfm.frequency >= high or rfm.monetary >= high):
        return HIGH_POTENTIAL
    return ACTIVE
