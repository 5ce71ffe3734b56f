"""The customer score, 0–100, and its explanation in plain words (French and English).

Contract:
- The score is a base of 50 plus four signed parts: value (RFM), satisfaction, tenure and friction
  (contact load). Each part p has a sub-score u in [−1, 1] and moves the score by
  round(u · maxₚ) points, where the maxₚ are the weights apportioned to 50 points
  (`ScoreSettings.part_points`, they add up to exactly 50). So the score is always within 0–100
  with no clamping, and the explanation's integer points add up exactly to it.
- value: u = (mean of R, F, M − 3) / 2; 0 without orders in the window (unknown, not bad).
- satisfaction: the mean, weighted 0.5 / 0.3 / 0.2 over what is known, of the weighted CSAT
  ((csat − 3) / 2), the latest NPS class (promoter +1, passive 0, detractor −1) and the mean
  effort ((4 − effort) / 3); 0 without answers.
- tenure: u = tenure_days / tenure_full_days, at most 1 (never negative: being new is not bad).
- friction: u = −min(1, extra contacts / contacts_for_full_friction + breaches /
  breaches_for_full_friction + reopen rate / reopen_rate_for_full_friction), extra contacts being
  those beyond `free_contacts` (never positive: no trouble is the normal case).
- Rounding is half away from zero.

`CustomerScore.explanation()` is the JSON stored in Customer.score_explanation and rendered by the
card: {"score": 73, "parts": [{"part": "base", "points": 50, "text": {"fr": ..., "en": ...}}, ...]}.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from helpdesk.scores.facts import CustomerFacts
from helpdesk.scores.satisfaction import DETRACTOR, PROMOTER
from helpdesk.scores.settings import BASE_POINTS, ScoreSettings

SATISFACTION_WEIGHTS = {"csat": 0.5, "nps": 0.3, "effort": 0.2}


@dataclass(frozen=True)
class Part:
    part: str  # base, value, satisfaction, tenure, friction
    points: int
    fr: str  # the text with its points, e.g. "+18 achats récents et fréquents (RFM 5-4-3)"
    en: str


@dataclass(frozen=True)
class CustomerScore:
    score: int
    parts: tuple[Part, ...]

    def explanation(self) -> dict:
        return {"score": self.score,
                "parts": [{"part": p.part, "points": p.points, "text": {"fr": p.fr, "en": p.en}} for p in self.parts]}


def customer_score(facts: CustomerFacts, settings: ScoreSettings) -> CustomerScore:
    most = settings.part_points()
    parts = (
        Part("base", BASE_POINTS, f"{BASE_POINTS} au départ", f"{BASE_POINTS} to start with"),
        _value(facts, most["value"], settings),
        _satisfaction(facts, most["satisfaction"]),
        _tenure(facts, most["tenure"], settings),
        _friction(facts, most["friction"], settings),
    )
    return CustomerScore(sum(p.points for p in parts), parts)


# --- parts ------------------------------------------------------------------------------------------


def _points(u: float, most: int) -> int:
    u = min(1.0, max(-1.0, u))
    return int(math.copysign(math.floor(abs(u) * most + 0.5), u))


def _signed(points: int) -> str:
    return f"+{points}" if points > 0 else f"\u2212{-points}" if points < 0 else "0"


def _part(name: str, points: int, fr: str, en: str) -> Part:
    return Part(name, points, f"{_signed(points)} {fr}", f"{_signed(points)} {en}")


def _value(facts: CustomerFacts, most: int, settings: ScoreSettings) -> Part:
    rfm = facts.rfm
    if rfm is None:
        days = settings.rfm_window_days
        return _part("value", 0, f"aucun achat sur {days} jours", f"no purchase in {days} days")
    points = _points(((rfm.recency + rfm.frequency + rfm.monetary) / 3 - 3) / 2, most)
    high, low = settings.high_rfm_score, 2
    words = (  # (score, French adjective when high, when low, English when high, when low)
        (rfm.recency, "récents", "anciens", "recent", "old"),
        (rfm.frequency, "fréquents", "rares", "frequent", "infrequent"),
        (rfm.monetary, "importants", "modestes", "large", "small"),
    )
    good_fr = [w[1] for w in words if w[0] >= high]
    bad_fr = [w[2] for w in words if w[0] <= low]
    good_en = [w[3] for w in words if w[0] >= high]
    bad_en = [w[4] for w in words if w[0] <= low]
    if points < 0:  # lead with what pulls the score down
        good_fr, bad_fr, good_en, bad_en = bad_fr, good_fr, bad_en, good_en
    if not good_fr and not bad_fr:
        fr, en = "achats moyens", "average purchases"
    else:
        lead_fr, rest_fr = (good_fr, bad_fr) if good_fr else (bad_fr, [])
        lead_en, rest_en = (good_en, bad_en) if good_en else (bad_en, [])
        fr = "achats " + _and_fr(lead_fr) + (" mais " + _and_fr(rest_fr) if rest_fr else "")
        en = ", ".join(lead_en) + (" but " + ", ".join(rest_en) if rest_en else "") + " purchases"
    return _part("value", points, f"{fr} (RFM {rfm.code})", f"{en} (RFM {rfm.code})")


def _satisfaction(facts: CustomerFacts, most: int) -> Part:
    sat = facts.satisfaction
    known: dict[str, float] = {}
    fr_bits: list[str] = []
    en_bits: list[str] = []
    if sat.csat is not None:
        known["csat"] = (sat.csat - 3) / 2
        fr_bits.append(f"CSAT {_decimal_fr(sat.csat)}/5")
        en_bits.append(f"CSAT {sat.csat:.1f}/5")
    if sat.nps_class is not None:
        known["nps"] = {PROMOTER: 1.0, DETRACTOR: -1.0}.get(sat.nps_class, 0.0)
        fr_bits.append({PROMOTER: "promoteur", DETRACTOR: "détracteur"}.get(sat.nps_class, "passif") + f" (NPS {sat.nps})")
        en_bits.append(f"{sat.nps_class} (NPS {sat.nps})")
    if sat.effort is not None:
        known["effort"] = (4 - sat.effort) / 3
        fr_bits.append(f"effort {_decimal_fr(sat.effort)}/7")
        en_bits.append(f"effort {sat.effort:.1f}/7")
    if not known:
        return _part("satisfaction", 0, "pas encore d'avis", "no survey answer yet")
    total = sum(SATISFACTION_WEIGHTS[k] for k in known)
    points = _points(sum(SATISFACTION_WEIGHTS[k] * u for k, u in known.items()) / total, most)
    mood_fr, mood_en = ("satisfait", "satisfied") if points > 0 else ("insatisfait", "dissatisfied") if points < 0 \
        else ("avis mitigés", "mixed feedback")
    return _part("satisfaction", points, f"{mood_fr} : {', '.join(fr_bits)}", f"{mood_en}: {', '.join(en_bits)}")


def _tenure(facts: CustomerFacts, most: int, settings: ScoreSettings) -> Part:
    days = max(0, facts.tenure_days)
    points = _points(min(1.0, days / settings.tenure_full_days), most)
    fr, en = _duration(days)
    return _part("tenure", points, f"client depuis {fr}", f"customer for {en}")


def _friction(facts: CustomerFacts, most: int, settings: ScoreSettings) -> Part:
    load = facts.load
    extra = max(0, load.contacts - settings.free_contacts)
    rate = load.reopen_rate or 0.0
    burden = (extra / settings.contacts_for_full_friction + load.breaches / settings.breaches_for_full_friction
              + rate / settings.reopen_rate_for_full_friction)
    points = _points(-min(1.0, burden), most)
    fr_bits: list[str] = []
    en_bits: list[str] = []
    if extra:
        fr_bits.append(f"{_count_fr(load.contacts)} contacts en {settings.contact_window_days} jours")
        en_bits.append(f"{_count_en(load.contacts)} contacts in {settings.contact_window_days} days")
    if load.breaches:
        plural = load.breaches > 1
        fr_bits.append(f"{_count_fr(load.breaches)} délai{'s' if plural else ''} dépassé{'s' if plural else ''}")
        en_bits.append(f"{_count_en(load.breaches)} missed deadline{'s' if plural else ''}")
    if rate:
        percent = round(rate * 100)
        fr_bits.append(f"{percent} % de tickets rouverts")
        en_bits.append(f"{percent}% of tickets reopened")
    if not fr_bits:
        return _part("friction", points, "ni relance ni retard", "no repeated contacts or delays")
    return _part("friction", points, _and_fr(fr_bits), _and_en(en_bits))


# --- words ----------------------------------------------------------------------------------------

_FR_NUMBERS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze")
_EN_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def _count_fr(n: int) -> str:
    return _FR_NUMBERS[n] if 0 <= n < len(_FR_NUMBERS) else str(n)


def _count_en(n: int) -> str:
    return _EN_NUMBERS[n] if 0 <= n < len(_EN_NUMBERS) else str(n)


def _and_fr(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _and_en(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _decimal_fr(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _duration(days: int) -> tuple[str, str]:
    if days < 60:
        return (f"{days} jour{'s' if days > 1 else ''}", f"{days} day{'s' if days != 1 else ''}")
    if days < 730:
        months = days * 12 // 365
        return (f"{months} mois", f"{months} months")
    years = days // 365
    return (f"{years} ans", f"{years} years")
