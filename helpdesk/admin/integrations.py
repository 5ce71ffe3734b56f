"""Integrations in the browser (/admin/integrations): API tokens (made with a role scope and an
expiry, shown once, listed with their last use, revoked), the telephony secret (generated or
rotated, shown once with what to paste into the PBX bridge), and whether mail goes out. The rules
and audit entries are auth.api_tokens', cti.secret's and mail's."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.admin.forms import ApiTokenForm, save
from helpdesk.admin.routes import bp
from helpdesk.admin.wording import role_label
from helpdesk.auth import api_tokens
from helpdesk.cti import secret as telephony
from helpdesk.extensions import db
from helpdesk.mail import supervision
from helpdesk.mail.outbox import MailSettings
from helpdesk.mail.reachability import check_smtp
from helpdesk.models import utcnow
from helpdesk.permissions import require

DEFAULT_TOKEN_DAYS = 90


def _zone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _shown_once(html: str):
    """A page carrying a secret: never kept by the browser or a proxy."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/integrations")
def integrations():
    require(current_user, "admin.integrations")
    after = request.args.get("after", "")
    tokens = api_tokens.list_tokens(db.session, current_user, after_id=int(after) if after.isdigit() else None)
    return render_template(
        "admin/integrations.html", tokens=tokens, now=utcnow(), token_scope=api_tokens.token_scope,
        role_label=role_label, telephony=telephony.status(db.session, current_app.config.get("CTI_TOKEN")),
        smtp=check_smtp(MailSettings.from_config(current_app.config, current_app.instance_path)),
        failed_mail=supervision.failed_count(db.session, current_user),
        unsent_mail=supervision.unsent_count(db.session, current_user))


@bp.route("/integrations/tokens/new", methods=["GET", "POST"])
def token_new():
    require(current_user, "admin.integrations")
    form = ApiTokenForm()
    form.owner_id.choices = [(str(u.id), f"{u.name} ({role_label(u.role)})")
                             for u in api_tokens.possible_owners(db.session)]
    if request.method == "GET":
        form.owner_id.data = str(current_user.id)
        form.expires_on.data = (utcnow() + timedelta(days=DEFAULT_TOKEN_DAYS)).date().isoformat()
    if form.validate_on_submit():
        ok, issued = save(form, lambda: api_tokens.create_token(db.session, current_user, form.values(), utcnow(),
                                                                _zone()))
        if ok:
            return _shown_once(render_template("admin/token_created.html", issued=issued,
                                               scope=api_tokens.token_scope(issued.record), role_label=role_label))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/token_new.html", form=form), status


@bp.post("/integrations/tokens/<int:token_id>/revoke")
def token_revoke(token_id: int):
    require(current_user, "admin.integrations")
    record = api_tokens.revoke_token(db.session, current_user, token_id, utcnow())
    db.session.commit()
    flash(_("Jeton « %(name)s » révoqué : il est refusé dès sa prochaine requête.", name=record.name or record.prefix),
          "info")
    return redirect(url_for("admin.integrations"))


@bp.post("/integrations/telephony/rotate")
def telephony_rotate():
    require(current_user, "admin.integrations")
    new_secret = telephony.rotate(db.session, current_user, utcnow())
    db.session.commit()
    return _shown_once(render_template(
        "admin/telephony_secret.html", secret=new_secret,
        bridge=telephony.instructions(current_app.config["BASE_URL"], new_secret),
        config_token_set=bool(current_app.config.get("CTI_TOKEN"))))
