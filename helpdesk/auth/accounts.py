"""Portal accounts: sign-up with a verified address, confirmation, forgotten password, password change.

No function here tells its caller whether an address has an account: sign-up and "forgot my
password" answer the same whatever the address, and the difference is only in the e-mail sent to
it (a link, a "you already have an account" note, or nothing). A customer record is linked to an
account only once its address is proved (the confirmation link, or a reset link, which proves the
same); never on the sign-up's word. Each function does one user action in the caller's session
and leaves the commit to it; mails are outbox rows, sent after commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from helpdesk.auth import tokens
from helpdesk.auth.security import PASSWORD_LIMITS, hash_password, password_problem, verify_password
from helpdesk.auth.service import awaits_confirmation, find_user_by_email, normalise_email, set_password
from helpdesk.errors import Invalid
from helpdesk.mail.outbox import enqueue
from helpdesk.models import ConsentEvent, Customer, CustomerEmail, User
from helpdesk.models.customers import CONSENTS

SIGNUP_CONSENTS = ("surveys", "marketing")


@dataclass(frozen=True)
class AccountMail:
    """What the account e-mails need from the configuration."""

    base_url: str
    sender: str
    verify_lifetime: timedelta
    reset_lifetime: timedelta

    @classmethod
    def from_config(cls, config) -> "AccountMail":
        return cls(base_url=config["BASE_URL"], sender=config["MAIL_DEFAULT_SENDER"],
                   verify_lifetime=timedelta(hours=config["VERIFY_EMAIL_HOURS"]),
                   reset_lifetime=timedelta(minutes=config["RESET_PASSWORD_MINUTES"]))

    def link(self, endpoint: str, **values) -> str:
        return self.base_url.rstrip("/") + url_for(endpoint, **values)


@dataclass(frozen=True)
class SignUp:
    name: str
    email: str
    password: str
    locale: str
    consents: dict[str, bool]


# --- mails -------------------------------------------------------------------------------------------


def _send(session: Session, user: User, template: str, subject: str, kind: str, settings: AccountMail,
          now: datetime, **context) -> None:
    locale = user.locale if user.locale in ("fr", "en") else "fr"
    with force_locale(locale):
        context = {"user": user, **context}
        text = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
        enqueue(session, to=user.email, subject=str(subject), text=text, html=html, kind=kind, now=now,
                sender=settings.sender, headers={"Auto-Submitted": "auto-generated"})


def _send_verification(session: Session, user: User, settings: AccountMail, now: datetime,
                       consents: dict[str, bool] | None = None) -> None:
    token = tokens.issue(session, user, "verify_email", now, settings.verify_lifetime)
    chosen = ",".join(name for name in SIGNUP_CONSENTS if (consents or {}).get(name))
    link = settings.link("account.verify", token=token, **({"consents": chosen} if chosen else {}))
    _send(session, user, "verify_email", _l("Confirmez votre adresse e-mail"), "account_verify", settings, now,
          link=link, hours=int(settings.verify_lifetime.total_seconds() // 3600))


def _send_reset(session: Session, user: User, settings: AccountMail, now: datetime, template: str,
                subject: str, kind: str) -> None:
    token = tokens.issue(session, user, "reset_password", now, settings.reset_lifetime)
    _send(session, user, template, subject, kind, settings, now,
          link=settings.link("account.reset", token=token),
          forgot_link=settings.link("account.forgot"),
          minutes=int(settings.reset_lifetime.total_seconds() // 60))


def send_invitation(session: Session, user: User, settings: AccountMail, now: datetime, token: str,
                    lifetime: timedelta, inviter: str | None = None) -> None:
    """The invitation to a new account: its set-password link (the reset page, for an invite token)."""
    _send(session, user, "invite", _l("Votre compte sur le service client"), "account_invite", settings, now,
          link=settings.link("account.reset", token=token), hours=int(lifetime.total_seconds() // 3600),
          inviter=inviter)


# --- sign-up and confirmation ------------------------------------------------------------------------


def sign_up(session: Session, form: SignUp, settings: AccountMail, now: datetime) -> None:
    """Open an unconfirmed customer account and mail its confirmation link; when the address already
    has an account, mail its owner a "you already have an account" note with a reset link instead
    (the page shown is the same either way)."""
    email = normalise_email(form.email)
    if problem := password_problem(form.password):
        raise Invalid({"password": problem}, "The password is refused.", limits={"password": PASSWORD_LIMITS})
    if form.locale not in ("fr", "en"):
        raise Invalid({"locale": "not_a_choice"}, "The language must be fr or en.",
                      limits={"locale": {"choices": ["fr", "en"]}})
    existing = find_user_by_email(email)
    if existing is not None:
        # Also for an account still waiting for its confirmation: the sign-up does not take it over
        # (its password stays), the owner of the mailbox can set theirs through the reset link.
        if existing.active:
            _send_reset(session, existing, settings, now, "account_exists", _l("Vous avez déjà un compte"),
                        "account_exists")
        return
    user = User(email=email, name=form.name.strip()[:200] or email.split("@")[0], role="customer",
                locale=form.locale, password_hash=hash_password(form.password), active=True,
                availability="offline", created_at=now, email_verified_at=None)
    session.add(user)
    session.flush()
    _send_verification(session, user, settings, now, form.consents)


def resend_verification(session: Session, email: str, settings: AccountMail, now: datetime) -> None:
    """A new confirmation link for an account that waits for one; nothing for any other address."""
    try:
        address = normalise_email(email)
    except Invalid:
        return
    user = find_user_by_email(address)
    if user is not None and user.active and awaits_confirmation(user):
        _send_verification(session, user, settings, now)


def confirm_email(session: Session, token: str, consents: dict[str, bool], now: datetime) -> User:
    """Spend the confirmation link: the address is proved, the customer record linked (matched by
    this address, or made), and the consents chosen at sign-up recorded."""
    user = tokens.consume(session, token, "verify_email", now)
    _mark_verified(session, user, now)
    if user.customer is not None:
        apply_consents(session, user.customer, user, consents, "signup", now)
    return user


def _mark_verified(session: Session, user: User, now: datetime) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = now
    if user.role == "customer" and user.customer_id is None:
        user.customer = customer_for_verified_email(session, user, now)


def customer_for_verified_email(session: Session, user: User, now: datetime) -> Customer:
    """The customer whose primary or further e-mail is the user's (now proved) address, else a new one.
    New records start without survey or marketing consent: the sign-up's choices are applied next."""
    address = user.email.lower()
    customer = session.scalar(
        select(Customer)
        .where(or_(func.lower(Customer.email) == address,
                   Customer.id.in_(select(CustomerEmail.customer_id).where(func.lower(CustomerEmail.email) == address))))
        .order_by(Customer.id).limit(1)
    )
    if customer is None:
        customer = Customer(name=user.name, email=user.email, language=user.locale,
                            consent_surveys=False, consent_marketing=False, created_at=now)
        session.add(customer)
        session.flush()
    return customer


def apply_consents(session: Session, customer: Customer, user: User | None, wanted: dict[str, bool], source: str,
                   now: datetime) -> list[ConsentEvent]:
    """Set the given consents; each one that changes is recorded with its date and source."""
    events = []
    for name, granted in wanted.items():
        if name not in CONSENTS:
            raise ValueError(f"unknown consent {name!r}")
        if bool(getattr(customer, f"consent_{name}")) == bool(granted):
            continue
        setattr(customer, f"consent_{name}", bool(granted))
        event = ConsentEvent(customer_id=customer.id, consent=name, granted=bool(granted), source=source,
                             user_id=user.id if user is not None else None, recorded_at=now)
        session.add(event)
        events.append(event)
    return events


def parse_signup_consents(raw: str | None) -> dict[str, bool]:
    """The consents carried by a confirmation link ("surveys,marketing"): only sign-up's, each ticked or not."""
    chosen = {part.strip() for part in (raw or "").split(",")}
    return {name: name in chosen for name in SIGNUP_CONSENTS}


# --- forgotten password ------------------------------------------------------------------------------


def request_password_reset(session: Session, email: str, settings: AccountMail, now: datetime) -> None:
    """Mail a reset link when an active account has this address; nothing otherwise."""
    try:
        address = normalise_email(email)
    except Invalid:
        return
    user = find_user_by_email(address)
    if user is not None and user.active:
        _send_reset(session, user, settings, now, "reset_password", _l("Réinitialisation de votre mot de passe"),
                    "account_reset")


def reset_password(session: Session, token: str, password: str, now: datetime,
                   purpose: str = "reset_password") -> User:
    """Spend the reset link (or an invitation's, `purpose` "invite") and set the new password: every
    other session and API token of the user ends. The link came to the address, so it also proves it
    (an unconfirmed account is confirmed)."""
    if problem := password_problem(password or ""):
        raise Invalid({"password": problem}, "The password is refused.", limits={"password": PASSWORD_LIMITS})
    user = tokens.consume(session, token, purpose, now)
    if not user.active:
        raise tokens.TokenUnknown()
    set_password(user, password, now)
    _mark_verified(session, user, now)
    return user


def change_password(session: Session, user: User, current: str, new: str, now: datetime) -> None:
    """The profile's password change: the current password is required; other sessions end."""
    if not verify_password(user.password_hash, current or ""):
        raise Invalid({"current_password": "wrong_password"}, "The current password is wrong.", code="wrong_password")
    set_password(user, new, now)
