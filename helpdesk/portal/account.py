"""Portal account pages: sign-up, address confirmation, forgotten password and reset (anyone), and the
profile with its password change (a logged-in customer).

The pages open to anyone live on their own blueprint, `account`: the portal blueprint requires a
logged-in customer for every one of its pages. It is registered with the portal blueprint, at the
portal's paths and at the ones API.md names (/signup, /verify/<token>, /password/forgot,
/password/reset/<token>). A GET never spends a link (mail scanners open every link of a message);
the page's POST, with its CSRF token, does.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_limiter import RateLimitExceeded

from helpdesk.auth import accounts, tokens
from helpdesk.auth.loading import log_in
from helpdesk.auth.routes import landing_url
from helpdesk.errors import Invalid
from helpdesk.extensions import db, limiter
from helpdesk.models import utcnow
from helpdesk.portal import profile as profiles
from helpdesk.portal.account_forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    EmailOnlyForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
)
from helpdesk.portal.routes import bp
from helpdesk.wording import field_problems

account_bp = Blueprint("account", __name__, template_folder="templates")
# The account e-mails' templates (helpdesk/mail/templates/mail/...), found by render_template.
mail_templates = Blueprint("account_mail_templates", "helpdesk.mail", template_folder="templates")


@bp.record_once
def _register_account_pages(state) -> None:
    state.app.register_blueprint(account_bp)
    if "account_mail_templates" not in state.app.blueprints:
        state.app.register_blueprint(mail_templates)


# --- rate limits: each address and each client address, over sign-up, resend and forgot ---------------


def _account_limit() -> str:
    return current_app.config["ACCOUNT_EMAIL_RATE_LIMIT"]


def _address_key() -> str:
    # Hashed: the limiter's storage (Redis) need not hold people's addresses.
    address = (request.form.get("email") or "").strip().lower()
    return hashlib.sha256(address.encode("utf-8")).hexdigest()


per_client = limiter.shared_limit(_account_limit, scope="account-email-client", methods=["POST"])
per_address = limiter.shared_limit(_account_limit, scope="account-email-address", key_func=_address_key,
                                   methods=["POST"])


@account_bp.errorhandler(RateLimitExceeded)
def _too_many(error: RateLimitExceeded):
    db.session.rollback()
    response = current_app.make_response((render_template("portal/account/rate_limited.html"), 429))
    retry = getattr(error, "retry_after", None)
    response.headers["Retry-After"] = str(int(retry)) if retry else "3600"
    return response


def _settings() -> accounts.AccountMail:
    return accounts.AccountMail.from_config(current_app.config)


def _field_errors(form, error: Invalid, messages: dict[str, str]) -> None:
    """Put a service's refusals next to the fields they name (in the page's words: `messages` by field,
    else the words for the code)."""
    for name, words in field_problems(error).items():
        field = getattr(form, name, None) or getattr(form, "email", None)
        field.errors = list(field.errors) + [messages.get(name, words)]


def _link_problem(error: tokens.TokenUnknown | tokens.TokenExpired | tokens.TokenUsed, purpose: str):
    return render_template("portal/account/link_problem.html", error=error, purpose=purpose), error.status


# --- sign-up and confirmation ----------------------------------------------------------------------------
# Each page answers at two paths; the first registered (the lower decorator) is the one url_for builds:
# the portal's for the forms, API.md's for the e-mailed links.


@account_bp.route("/signup", methods=["GET", "POST"])
@account_bp.route("/portal/signup", methods=["GET", "POST"])
@per_client
@per_address
def signup():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = SignupForm()
    if request.method == "GET":
        form.locale.data = request.args.get("lang") or _current_locale()
    if form.validate_on_submit():
        try:
            accounts.sign_up(db.session, accounts.SignUp(
                name=form.name.data, email=form.email.data, password=form.password.data, locale=form.locale.data,
                consents={"surveys": form.consent_surveys.data, "marketing": form.consent_marketing.data},
            ), _settings(), utcnow())
            db.session.commit()
        except Invalid as error:
            db.session.rollback()
            _field_errors(form, error, {"email": _("Cette adresse e-mail n'est pas valide."),
                                        "password": _("Ce mot de passe n'est pas accepté.")})
        else:
            return redirect(url_for("account.sent", what="signup"))
    status = 400 if request.method == "POST" else 200
    return render_template("portal/account/signup.html", form=form), status


def _current_locale() -> str:
    return str(get_locale() or "fr")


@account_bp.get("/portal/sent/<any(signup, forgot, resend):what>")
def sent(what: str):
    """The same page whether or not the address has an account."""
    return render_template("portal/account/sent.html", what=what)


@account_bp.route("/portal/verify/<token>", methods=["GET", "POST"])
@account_bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    now = utcnow()
    try:
        user = tokens.check(db.session, token, "verify_email", now)
    except (tokens.TokenUnknown, tokens.TokenExpired, tokens.TokenUsed) as error:
        return _link_problem(error, "verify_email")
    form = ConfirmEmailForm()
    if request.method == "GET":
        chosen = accounts.parse_signup_consents(request.args.get("consents"))
        form.consent_surveys.data = chosen["surveys"]
        form.consent_marketing.data = chosen["marketing"]
    elif form.validate_on_submit():
        try:
            accounts.confirm_email(db.session, token, {"surveys": form.consent_surveys.data,
                                                       "marketing": form.consent_marketing.data}, now)
        except (tokens.TokenUnknown, tokens.TokenExpired, tokens.TokenUsed) as error:
            db.session.rollback()
            return _link_problem(error, "verify_email")
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()  # someone else's session on this browser: the confirmed account logs in itself
        flash(_("Votre adresse est confirmée. Vous pouvez vous connecter."), "info")
        return redirect(url_for("auth.login"))
    return render_template("portal/account/verify.html", form=form, user=user, token=token)


@account_bp.route("/portal/verify/resend", methods=["GET", "POST"])
@per_client
@per_address
def resend():
    form = EmailOnlyForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        accounts.resend_verification(db.session, form.email.data, _settings(), utcnow())
        db.session.commit()
        return redirect(url_for("account.sent", what="resend"))
    status = 400 if request.method == "POST" else 200
    return render_template("portal/account/resend.html", form=form), status


# --- forgotten password ------------------------------------------------------------------------------------


@account_bp.route("/password/forgot", methods=["GET", "POST"])
@account_bp.route("/portal/forgot", methods=["GET", "POST"])
@per_client
@per_address
def forgot():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.request_password_reset(db.session, form.email.data, _settings(), utcnow())
        db.session.commit()
        return redirect(url_for("account.sent", what="forgot"))
    status = 400 if request.method == "POST" else 200
    return render_template("portal/account/forgot.html", form=form), status


@account_bp.route("/portal/reset/<token>", methods=["GET", "POST"])
@account_bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """A forgotten password's link, or an admin's invitation to choose a first one (same page)."""
    now = utcnow()
    purpose = "reset_password"
    try:
        try:
            tokens.check(db.session, token, purpose, now)
        except tokens.TokenUnknown:
            purpose = "invite"
            tokens.check(db.session, token, purpose, now)
    except (tokens.TokenUnknown, tokens.TokenExpired, tokens.TokenUsed) as error:
        return _link_problem(error, "reset_password")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(db.session, token, form.password.data, now, purpose)
        except (tokens.TokenUnknown, tokens.TokenExpired, tokens.TokenUsed) as error:
            db.session.rollback()
            return _link_problem(error, "reset_password")
        except Invalid:
            db.session.rollback()
            form.password.errors = list(form.password.errors) + [_("Ce mot de passe n'est pas accepté.")]
        else:
            db.session.commit()
            # Every other session of the account has ended; this one starts afresh, stamped anew.
            logout_user()
            log_in(user)
            flash(_("Votre mot de passe est changé ; vos autres sessions sont fermées."), "info")
            return redirect(landing_url(user))
    status = 400 if request.method == "POST" else 200
    return render_template("portal/account/reset.html", form=form, token=token, invited=purpose == "invite"), status


# --- profile (the portal blueprint: a logged-in customer) --------------------------------------------------


def _profile_form(customer, user, submitted: bool) -> ProfileForm:
    """The profile form: as posted, or filled from the account and the customer card."""
    form = ProfileForm() if submitted else ProfileForm(formdata=None)
    if not submitted:
        form.name.data = user.name
        form.locale.data = user.locale
        form.preferred_channel.data = (customer.preferred_channel or "") if customer else ""
        if customer is not None:
            for flag in ("email", "sms", "surveys", "marketing"):
                getattr(form, f"consent_{flag}").data = bool(getattr(customer, f"consent_{flag}"))
            while len(form.phones.entries):
                form.phones.pop_entry()
            for phone in customer.phones:
                form.phones.append_entry(phone.number)
    # Always one empty box to add a number.
    if len(form.phones.entries) < form.phones.max_entries and all((e.data or "").strip() for e in form.phones.entries):
        form.phones.append_entry("")
    return form


def _render_profile(form: ProfileForm, password_form: ChangePasswordForm, status: int = 200):
    customer = current_user.customer
    history = profiles.consent_history(db.session, customer) if customer is not None else []
    return render_template("portal/account/profile.html", form=form, password_form=password_form,
                           customer=customer, history=history), status


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    user = current_user._get_current_object()
    form = _profile_form(user.customer, user, submitted=request.method == "POST")
    if form.validate_on_submit():
        now = utcnow()
        change = profiles.ProfileChange(
            name=form.name.data, phones=[entry.data or "" for entry in form.phones.entries], locale=form.locale.data,
            preferred_channel=form.preferred_channel.data or None,
            consents={flag: getattr(form, f"consent_{flag}").data for flag in ("email", "sms", "surveys", "marketing")},
        )
        try:
            changed = profiles.update_profile(db.session, user, change, current_app.config["DEFAULT_PHONE_REGION"], now)
            db.session.commit()
        except Invalid as error:
            db.session.rollback()
            for name in error.fields:
                if name.startswith("phones."):
                    entry = form.phones.entries[int(name.split(".")[1])]
                    entry.errors = list(entry.errors) + [_("Ce numéro de téléphone n'est pas valide.")]
                else:
                    field = getattr(form, name, form.name)
                    field.errors = list(field.errors) + [field_problems(error)[name]]
        else:
            flash(_("Votre profil est enregistré.") if not changed else
                  _("Votre profil est enregistré ; vos choix de consentement sont datés ci-dessous."), "info")
            return redirect(url_for("portal.profile", lang=user.locale))
    return _render_profile(form, ChangePasswordForm(formdata=None), 400 if request.method == "POST" else 200)


@bp.post("/profile/password")
def change_password():
    user = current_user._get_current_object()
    password_form = ChangePasswordForm()
    if password_form.validate_on_submit():
        try:
            accounts.change_password(db.session, user, password_form.current_password.data,
                                     password_form.password.data, utcnow())
            db.session.commit()
        except Invalid as error:
            db.session.rollback()
            if error.fields.get("current_password") == "wrong_password":
                password_form.current_password.errors = [_("Ce n'est pas votre mot de passe actuel.")]
            else:
                password_form.password.errors = [_("Ce mot de passe n'est pas accepté.")]
        else:
            log_in(user)  # re-stamped: this session goes on, every other one has ended
            flash(_("Votre mot de passe est changé ; vos autres sessions sont fermées."), "info")
            return redirect(url_for("portal.profile"))
    form = _profile_form(user.customer, user, submitted=False)
    return _render_profile(form, password_form, 400)
