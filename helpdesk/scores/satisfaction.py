"""Satisfaction from survey answers: recency-weighted CSAT, the latest NPS class, the mean effort.

Contract (answers after `now` are ignored):
- weighted CSAT = Σ wᵢ·csatᵢ / Σ wᵢ over the answers with a CSAT (1–5), where
  wᵢ = 0.5 ** (age_days / half_life_days): an answer `half_life_days` old counts half as much as
  one given today. None without any CSAT.
- NPS: the latest answer carrying an NPS (0–10), and its class: promoter 9–10, passive 7–8,
  detractor 0–6. Equal times: the answer given last in the input wins.
- effort: the plain mean of the effort answers (1 easy – 7 hard); None without any.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"
NPS_CLASSES = (PROMOTER, PASSIVE, DETRACTOR)


@dataclass(frozen=True)
class Answer:
    at: datetime
    csat: int | None = None
    nps: int | None = None
    effort: int | None = None


@dataclass(frozen=True)
class Satisfaction:
    csat: float | None = None  # recency-weighted, 1–5
    nps: int | None = None  # the latest NPS answer
    effort: float | None = None  # mean, 1–7

    @property
    def nps_class(self) -> str | None:
        return nps_class(self.nps)

    @property
    def known(self) -> bool:
        return self.csat is not None or self.nps is not None or self.effort is not None


def nps_class(nps: int | None) -> str | None:
    if nps is None:
        return None
    return PROMOTER if nps >= 9 else PASSIVE if nps >= 7 else DETRACTOR


def weight(age_days: float, half_life_days: float) -> float:
    """How much an answer `age_days` old counts (1 today, 0.5 at one half-life)."""
    return math.exp(-math.log(2) * max(age_days, 0.0) / half_life_days)


def satisfaction(answers: Iterable[Answer], now: datetime, half_life_days: float) -> Satisfaction:
    weighted = weights = 0.0
    efforts: list[int] = []
    latest: tuple[datetime, int] | None = None
    for answer in answers:
        if answer.at > now:
            continue
        if answer.csat is not None:
            w = weight((now - answer.at) / timedelta(days=1), half_life_days)
            weighted += w * answer.csat
            weights += w
        if answer.nps is not None and (latest is None or answer.at >= latest[0]):
            latest = (answer.at, answer.nps)
        if answer.effort is not None:
            efforts.append(answer.effort)
    return Satisfaction(
        csat=weighted / weights if weights > 0 else None,
        nps=latest[1] if latest else None,
        effort=sum(efforts) / len(efforts) if efforts else None,
    )
