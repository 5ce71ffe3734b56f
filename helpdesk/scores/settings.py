"""The customer-score settings (windows, weights, segment thresholds) as one frozen value.

Stored as the settings document "scores" (see `helpdesk.scores.service.load_settings`); the RFM
quintile boundaries and the last full recompute are kept under their own keys.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

SETTINGS_KEY = "scores"
BOUNDARIES_KEY = "rfm_boundaries"
RECOMPUTED_KEY = "scores_recomputed_at"

BASE_POINTS = 50
PARTS = ("value", "satisfaction", "tenure", "friction")


@dataclass(frozen=True)
class ScoreSettings:
    """Defaults are the product's; an admin may store others under "scores"."""

    rfm_window_days: int = 365  # R, F and M count the orders of this many days
    csat_half_life_days: float = 180.0  # an answer this old weighs half as much as today's
    contact_window_days: int = 90  # "contacts in the last 90 days"
    friction_window_days: int = 365  # reopen rate and breaches count the tickets created in this window

    # Relative weights of the four parts of the customer score. They share the 50 points the score
    # may move away from its base of 50 (see `part_points`), so the score stays within 0–100.
    weight_value: float = 40
    weight_satisfaction: float = 30
    weight_tenure: float = 10
    weight_friction: float = 20

    tenure_full_days: int = 730  # a customer this old gets the whole tenure part
    free_contacts: int = 2  # contacts in the window that cost no friction
    contacts_for_full_friction: int = 8  # contacts beyond the free ones that alone make friction full
    breaches_for_full_friction: int = 3
    reopen_rate_for_full_friction: float = 0.5

    high_rfm_score: int = 4  # an R, F or M score at least this is "high" (best customers, high potential)
    new_customer_days: int = 90
    inactive_after_days: int = 180  # no order and no contact for this long: inactive
    lost_after_days: int = 365  # no order and no contact for this long: lost
    dissatisfied_csat: float = 2.5  # weighted CSAT at or below this: dissatisfied

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"score setting {f.name} must be a number >= 0, not {value!r}")
        for name in ("rfm_window_days", "csat_half_life_days", "contact_window_days", "friction_window_days",
                     "tenure_full_days", "contacts_for_full_friction", "breaches_for_full_friction",
                     "reopen_rate_for_full_friction"):
            if getattr(self, name) <= 0:
                raise ValueError(f"score setting {name} must be > 0")
        if not 1 <= self.high_rfm_score <= 5:
            raise ValueError("score setting high_rfm_score must be between 1 and 5")
        if sum(self.weights().values()) <= 0:
            raise ValueError("at least one score weight must be > 0")

    def weights(self) -> dict[str, float]:
        return {part: getattr(self, f"weight_{part}") for part in PARTS}

    def part_points(self) -> dict[str, int]:
        """The most points each part can add or take: the weights apportioned to BASE_POINTS
        (largest remainder, ties to the earlier part), so they always add up to exactly 50."""
        weights = self.weights()
        total = sum(weights.values())
        shares = {part: BASE_POINTS * w / total for part, w in weights.items()}
        points = {part: int(share) for part, share in shares.items()}
        left = BASE_POINTS - sum(points.values())
        by_remainder = sorted(PARTS, key=lambda p: (-(shares[p] - points[p]), PARTS.index(p)))
        for part in by_remainder[:left]:
            points[part] += 1
        return points
