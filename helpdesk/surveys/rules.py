"""Survey rules as plain functions: who is invited and when, what an answer must hold, which answers
call for service recovery, and the link tokens. No Flask, no database; `now` is passed in."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from helpdesk.errors import FieldErrors, report

CSAT_RANGE = range(1, 6)
EFFORT_RANGE = range(1, 8)
NPS_RANGE = range(0, 11)
MAX_COMMENT = 2000
TOKEN_BYTES = 32  # 256 bits, well above the 128 the link must resist guessing with


@dataclass(frozen=True)
class SurveySettings:
    """Stored under the settings key "surveys" (admin API: GET/PUT /api/v1/admin/survey-settings).

    `enabled_team_ids`: None surveys every team's tickets (and tickets of no team); a list only
    those teams' tickets ([] surveys nothing)."""

    enabled: bool = True
    delay_minutes: int = 0  # 0: the survey goes in the resolution mail; else on its own, this much later
    throttle_days: int = 7
    nps_period_days: int = 90
    expiry_days: int = 14
    enabled_team_ids: list[int] | None = None


SETTING_LIMITS = {  # field -> (lowest, highest)
    "delay_minutes": (0, 60 * 24 * 30),
    "throttle_days": (0, 365),
    "nps_period_days": (0, 3650),
    "expiry_days": (1, 365),
}


def changed_settings(current: SurveySettings, data: Mapping[str, Any], known_team_ids: Iterable[int]) -> tuple[SurveySettings, dict[str, str]]:
    """`current` with the fields of `data` applied, and the problems found (field -> code:
    unknown_field, out_of_range with min and max, not_true_or_false, not_a_list_of_ids, unknown_team)."""
    errors = FieldErrors()
    values: dict[str, Any] = {}
    for name in set(data) - {"enabled", "enabled_team_ids", *SETTING_LIMITS}:
        errors[name] = "unknown_field"
    for name, (low, high) in SETTING_LIMITS.items():
        if name in data:
            value = data[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors.add(name, "out_of_range", min=low, max=high)
            else:
                values[name] = value
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            errors["enabled"] = "not_true_or_false"
        else:
            values["enabled"] = data["enabled"]
    if "enabled_team_ids" in data:
        ids = data["enabled_team_ids"]
        known = set(known_team_ids)
        if ids is None:
            values["enabled_team_ids"] = None
        elif not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            errors["enabled_team_ids"] = "not_a_list_of_ids"
        elif set(ids) - known:
            errors.add("enabled_team_ids", "unknown_team", unknown=sorted(set(ids) - known))
        else:
            values["enabled_team_ids"] = sorted(set(ids))
    return replace(current, **values), errors


@dataclass(frozen=True)
class InvitationFacts:
    """What deciding on an invitation looks at, for one resolved ticket."""

    consent: bool
    team_id: int | None
    ticket_has_invitation: bool  # sent or answered already (a cancelled one may be rescheduled)
    last_invited_at: datetime | None  # the customer's latest other invitation, scheduled or sent
    last_nps_at: datetime | None  # the customer's latest invitation that asked NPS


@dataclass(frozen=True)
class Decision:
    invite: bool
    reason: str  # why not, or "ok"
    include_nps: bool = False
    send_at: datetime | None = None


def survey_decision(facts: InvitationFacts, settings: SurveySettings, now: datetime) -> Decision:
    """Whether to invite this ticket's customer, when, and whether to ask NPS too.

    Never without consent; at most one invitation per ticket; per customer, none when another was
    scheduled or sent in the last `throttle_days`; NPS at most once per `nps_period_days`."""
    if not settings.enabled:
        return Decision(False, "surveys_off")
    if settings.enabled_team_ids is not None and facts.team_id not in settings.enabled_team_ids:
        return Decision(False, "team_off")
    if not facts.consent:
        return Decision(False, "no_consent")
    if facts.ticket_has_invitation:
        return Decision(False, "already_invited")
    if facts.last_invited_at is not None and now - facts.last_invited_at < timedelta(days=settings.throttle_days):
        return Decision(False, "throttled")
    include_nps = facts.last_nps_at is None or now - facts.last_nps_at >= timedelta(days=settings.nps_period_days)
    return Decision(True, "ok", include_nps, now + timedelta(minutes=settings.delay_minutes))


@dataclass(frozen=True)
class Answer:
    csat: int
    effort: int | None
    nps: int | None
    comment: str | None


def parse_answer(form: Mapping[str, Any], *, nps_asked: bool) -> tuple[Answer | None, dict[str, str]]:
    """The answer in a submitted form (strings or numbers), or the problems per field.

    CSAT is required; effort, NPS (only when asked) and the comment are optional. The codes: required,
    out_of_range (with min and max), not_text, too_long (with max_length)."""
    errors = FieldErrors()
    csat = _score(form.get("csat"), CSAT_RANGE, "csat", errors, required=True)
    effort = _score(form.get("effort"), EFFORT_RANGE, "effort", errors)
    nps = _score(form.get("nps"), NPS_RANGE, "nps", errors) if nps_asked else None
    comment = form.get("comment")
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = "not_text"
        comment = None
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        errors.add("comment", "too_long", max_length=MAX_COMMENT)
    if errors or csat is None:
        return None, errors
    return Answer(csat, effort, nps, comment), FieldErrors()


def _score(raw: Any, allowed: range, name: str, errors: dict[str, str], *, required: bool = False) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors[name] = "required"
        return None
    try:
        value = int(raw.strip()) if isinstance(raw, str) else raw
    except ValueError:
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or value not in allowed:
        report(errors, name, "out_of_range", min=allowed.start, max=allowed.stop - 1)
        return None
    return value


def typed_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """What a refused form held, to show it again as typed (out-of-range choices are dropped)."""
    values: dict[str, Any] = {name: preselected(_text(form.get(name)), allowed)
                              for name, allowed in (("csat", CSAT_RANGE), ("effort", EFFORT_RANGE), ("nps", NPS_RANGE))}
    values["comment"] = _text(form.get("comment")) or ""
    return values


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def recovery_reasons(answer: Answer) -> list[str]:
    """Why an answer calls for a call-back: CSAT 1-2, effort 6-7, NPS 0-6 (a detractor)."""
    reasons = []
    if answer.csat <= 2:
        reasons.append("csat")
    if answer.effort is not None and answer.effort >= 6:
        reasons.append("effort")
    if answer.nps is not None and answer.nps <= 6:
        reasons.append("nps")
    return reasons


def preselected(raw: str | None, allowed: range = CSAT_RANGE) -> int | None:
    """The rating a link chose (?csat=N), or None when absent or out of range."""
    if raw is None or not raw.strip().isdigit():
        return None
    value = int(raw)
    return value if value in allowed else None


def new_token() -> tuple[str, str]:
    """(the token for the link, its hash to store)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    # SHA-256 is enough: the token is 256 random bits, not a password to stretch.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_problem(state: str, expires_at: datetime | None, used_at: datetime | None, now: datetime) -> str | None:
    """Why an invitation's link cannot be answered ("used", "expired", "not_sent"), or None."""
    if used_at is not None or state == "answered":
        return "used"
    if state != "sent" or expires_at is None:
        return "not_sent"
    if now >= expires_at:
        return "expired"
    return None


def follow_up_overdue(state: str, due_at: datetime, overdue_at: datetime | None, now: datetime) -> bool:
    """An open follow-up past its due time (or already flagged so) is overdue, like a breached SLA."""
    return state == "open" and (overdue_at is not None or due_at <= now)
