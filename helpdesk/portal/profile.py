"""A customer's own profile in the portal: name, phones, language, preferred channel and consents.

The account (User) and the customer card (Customer) are kept in step: the name and language on
both, phones and consents on the card. Each consent change is recorded with its date (ConsentEvent,
source "portal"), which is what the page's history shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.auth.accounts import apply_consents, customer_for_verified_email
from helpdesk.customers.phones import normalise_phone
from helpdesk.errors import FieldErrors, Invalid
from helpdesk.models import ConsentEvent, Customer, CustomerPhone, User
from helpdesk.models.customers import CONSENTS

# The channels a customer can be reached on (not "api": that is how systems talk to us).
PREFERRED_CHANNELS = ("email", "phone", "portal")
MAX_NAME = 200


@dataclass(frozen=True)
class ProfileChange:
    name: str
    phones: list[str]
    locale: str
    preferred_channel: str | None
    consents: dict[str, bool]


def profile_customer(session: Session, user: User, now: datetime) -> Customer:
    """The user's customer card; an account left without one (its card deleted) gets it back by its
    proved address."""
    if user.customer is None:
        if user.email_verified_at is None:
            raise Invalid({"email": "not_verified"}, "The e-mail address is not verified.")
        user.customer = customer_for_verified_email(session, user, now)
    return user.customer


def update_profile(session: Session, user: User, change: ProfileChange, region: str, now: datetime) -> list[ConsentEvent]:
    """Apply the profile form; every bad field is reported at once (`phones.N` for the N-th number)."""
    errors = FieldErrors()
    name = (change.name or "").strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > MAX_NAME:
        errors.add("name", "too_long", max_length=MAX_NAME)
    if change.locale not in ("fr", "en"):
        errors.add("locale", "not_a_choice", choices=["fr", "en"])
    if change.preferred_channel is not None and change.preferred_channel not in PREFERRED_CHANNELS:
        errors.add("preferred_channel", "not_a_choice", choices=list(PREFERRED_CHANNELS))
    numbers: list[str] = []
    for index, raw in enumerate(change.phones):
        if not (raw or "").strip():
            continue
        number = normalise_phone(raw, region)
        if number is None:
            errors[f"phones.{index}"] = "not_a_phone"
        elif number not in numbers:
            numbers.append(number)
    unknown = set(change.consents) - set(CONSENTS)
    if unknown:
        errors.add("consents", "not_a_choice", choices=sorted(CONSENTS))
    if errors:
        raise Invalid(errors)
    customer = profile_customer(session, user, now)
    user.name = name
    user.locale = change.locale
    customer.name = name
    customer.language = change.locale
    customer.preferred_channel = change.preferred_channel
    # Numbers kept keep their row (and the label an agent gave them); removed ones go.
    existing = {phone.number: phone for phone in customer.phones}
    customer.phones = [existing.get(n) or CustomerPhone(number=n) for n in numbers]
    return apply_consents(session, customer, user, change.consents, "portal", now)


def consent_history(session: Session, customer: Customer, limit: int = 100) -> list[ConsentEvent]:
    """The customer's consent changes, newest first."""
    return list(session.scalars(
        select(ConsentEvent).where(ConsentEvent.customer_id == customer.id)
        .order_by(ConsentEvent.recorded_at.desc(), ConsentEvent.id.desc()).limit(limit)
    ))
