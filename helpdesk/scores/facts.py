"""What the customer score and the tactical segment are computed from, for one customer at `now`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from helpdesk.scores.contacts import ContactLoad
from helpdesk.scores.rfm import RfmInputs, RfmScore
from helpdesk.scores.satisfaction import Satisfaction


@dataclass(frozen=True)
class CustomerFacts:
    tenure_days: int  # whole days since the customer's created_at
    rfm_inputs: RfmInputs | None = None  # None: no order in the RFM window
    rfm: RfmScore | None = None
    satisfaction: Satisfaction = field(default_factory=Satisfaction)
    load: ContactLoad = field(default_factory=ContactLoad)
    days_since_last_order: int | None = None  # any order, however old; None: never ordered
    days_since_last_contact: int | None = None  # ticket, inbound call/e-mail/visit/answer; None: never
    open_follow_ups: int = 0  # unhappy answers nobody has followed up yet


def days_since(at: datetime | None, now: datetime) -> int | None:
    """Whole days from `at` to `now` (0 for a future `at`), None for None."""
    if at is None:
        return None
    return max(0, (now - at) // timedelta(days=1))
