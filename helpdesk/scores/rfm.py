"""RFM: recency, frequency and monetary value of a customer's orders, scored 1–5 by quintile.

Contract:
- Over a window of `window_days` before `now` (orders after `now` ignored): R = whole days since
  the last order, F = number of orders, M = amount spent (rounded to the cent). A customer with no
  order in the window has no RFM (None), and takes no part in the boundaries.
- `boundaries(values)` cuts each dimension at its 20th, 40th, 60th and 80th percentiles
  (nearest rank over all customers with orders). It depends only on the multiset of values, never
  on the order customers come in.
- `rfm_score(inputs, bounds)` scores each dimension from stored boundaries: F and M score
  1 + the number of cut points the value is strictly above (more is better); R scores 5 − the
  number of cut points it is strictly above (fewer days is better). A score is a function of the
  value alone, so equal values always get equal scores; ties at a cut point go to the lower F/M
  score and to the better R score. More orders or more spending never lower F or M (and more days
  never raise R), with the same boundaries or with boundaries recomputed from the changed
  population.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

QUANTILES = 5


@dataclass(frozen=True)
class OrderFact:
    ordered_at: datetime
    amount: Decimal | float


@dataclass(frozen=True)
class RfmInputs:
    recency_days: int
    frequency: int
    monetary: float  # rounded to the cent


@dataclass(frozen=True)
class Boundaries:
    """Four ascending cut points per dimension; empty tuples when no customer had orders."""

    recency: tuple[float, ...] = ()
    frequency: tuple[float, ...] = ()
    monetary: tuple[float, ...] = ()
    customers: int = 0  # how many customers with orders they were computed from

    def to_json(self) -> dict[str, Any]:
        return {"recency": list(self.recency), "frequency": list(self.frequency),
                "monetary": list(self.monetary), "customers": self.customers}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Boundaries:
        return cls(tuple(data.get("recency") or ()), tuple(data.get("frequency") or ()),
                   tuple(data.get("monetary") or ()), int(data.get("customers") or 0))


@dataclass(frozen=True)
class RfmScore:
    recency: int
    frequency: int
    monetary: int

    @property
    def code(self) -> str:
        """The RFM code shown on the card, e.g. "5-4-3"."""
        return f"{self.recency}-{self.frequency}-{self.monetary}"


def rfm_inputs(last_order_at: datetime | None, order_count: int, amount: Decimal | float | None,
               now: datetime) -> RfmInputs | None:
    """R, F and M from the window's aggregates (last order, count, sum); None without orders."""
    if not order_count or last_order_at is None:
        return None
    recency = max(0, (now - last_order_at) // timedelta(days=1))
    return RfmInputs(recency, int(order_count), round(float(amount or 0), 2))


def rfm_inputs_from_orders(orders: Iterable[OrderFact], now: datetime, window_days: int) -> RfmInputs | None:
    """The same from the orders themselves (the reference the SQL aggregates follow)."""
    since = now - timedelta(days=window_days)
    kept = [o for o in orders if since <= o.ordered_at <= now]
    if not kept:
        return None
    return rfm_inputs(max(o.ordered_at for o in kept), len(kept), sum(Decimal(str(o.amount)) for o in kept), now)


def quintile_cuts(values: Iterable[float]) -> tuple[float, ...]:
    """The 20/40/60/80th percentiles by nearest rank; () for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return ()
    ranks = (-(-k * n // QUANTILES) for k in range(1, QUANTILES))  # ceil(k·n/5), 1-based
    return tuple(ordered[rank - 1] for rank in ranks)


def boundaries(values: Iterable[RfmInputs]) -> Boundaries:
    """Quintile boundaries over all customers with orders."""
    values = list(values)
    return Boundaries(
        recency=quintile_cuts(v.recency_days for v in values),
        frequency=quintile_cuts(v.frequency for v in values),
        monetary=quintile_cuts(v.monetary for v in values),
        customers=len(values),
    )


def _above(value: float, cuts: Sequence[float]) -> int:
    return sum(1 for cut in cuts if value > cut)


def rfm_score(inputs: RfmInputs | None, bounds: Boundaries) -> RfmScore | None:
    if inputs is None:
        return None
    return RfmScore(
        recency=QUANTILES - _above(inputs.recency_days, bounds.recency),
        frequency=1 + _above(inputs.frequency, bounds.frequency),
        monetary=1 + _above(inputs.monetary, bounds.monetary),
    )
