"""Login and logout pages, and the landing page of each role."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from helpdesk.auth.forms import LoginForm
from helpdesk.auth.loading import log_in
from helpdesk.auth.service import awaits_confirmation, check_credentials
from helpdesk.extensions import db, limiter
from helpdesk.models import utcnow

bp = Blueprint("auth", __name__, template_folder="templates")

LANDING = {"agent": "console.queue", "lead": "lead.dashboard", "admin": "admin.home", "customer": "portal.home"}


def landing_url(user) -> str:
    return url_for(LANDING.get(user.role, "portal.home"))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login page cannot be used to send people elsewhere."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(landing_url(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    unverified = False
    if form.validate_on_submit():
        user = check_credentials(form.email.data, form.password.data, utcnow())
        if user is None:
            db.session.rollback()
            form.password.errors.append(_("E-mail ou mot de passe incorrect."))
        elif awaits_confirmation(user):
            # Only someone who knows the password learns that the account waits for its confirmation.
            db.session.rollback()
            unverified = True
        else:
            db.session.commit()
            log_in(user, remember=form.remember.data)
            return redirect(_safe_next(form.next.data) or landing_url(user))
    status = 200 if request.method == "GET" or not (form.errors or unverified) else 400
    return render_template("auth/login.html", form=form, unverified=unverified), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "POST" or not current_user.is_authenticated:
        logout_user()
        flash(_("Vous êtes déconnecté."), "info")
        return redirect(url_for("auth.login"))
    # A GET shows a confirmation form, so a link on another site cannot log someone out.
    return render_template("auth/logout.html")
