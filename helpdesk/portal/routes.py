"""Portal pages for customers; every ticket is read through the permission-checked queries."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from helpdesk.errors import DomainError, Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Attachment, utcnow
from helpdesk.permissions import may, require
from helpdesk.portal import service as portal
from helpdesk.portal.forms import PortalReplyForm, RequestForm
from helpdesk.portal.wording import megabytes, tier_sentence, upload_problem_text
from helpdesk.promises import service as promises
from helpdesk.surveys import rules
from helpdesk.surveys import service as surveys
from helpdesk.tickets import queries
from helpdesk.tickets.attachments import attachments_root, storage_path
from helpdesk.wording import error_summary, field_problems
from knowledge_base import misses
from knowledge_base.service import record_submission

bp = Blueprint("portal", __name__, template_folder="templates", url_prefix="/portal")


@bp.before_request
@login_required
def _customers_only():
    require(current_user, "portal.view")


def _limits() -> portal.UploadLimits:
    return portal.UploadLimits(max_count=current_app.config["PORTAL_MAX_ATTACHMENTS"],
                               max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
                               root=attachments_root(current_app.instance_path))


def _reopen_days() -> int:
    return current_app.config["PORTAL_REOPEN_DAYS"]


def _upload_hints() -> dict:
    """What the page states about files: how many, how big, which types."""
    limits = _limits()
    return {"max_count": limits.max_count, "max_size": megabytes(limits.max_bytes), "max_bytes": limits.max_bytes,
            "total_size": megabytes(current_app.config["MAX_CONTENT_LENGTH"]),
            "extensions": portal.ACCEPTED_EXTENSIONS}


def _attach_errors(field, error: portal.UploadsRefused) -> None:
    limits = _limits()
    field.errors = list(field.errors or []) + [upload_problem_text(p, limits.max_count, limits.max_bytes)
                                               for p in error.problems]


def _field_errors(form, error: Invalid) -> None:
    """A service's field errors, in the customer's words, next to their field."""
    own_words = {
        ("subject", "required"): _("Indiquez le sujet de votre demande."),
        ("body", "required"): _("Décrivez votre demande."),
    }
    for name, words in field_problems(error).items():
        if name == "product_id":
            words = _("Choisissez un de vos produits, ou « Autre ».")
        field = getattr(form, name, None) or form.body
        field.errors = list(field.errors or []) + [own_words.get((name, error.fields[name]), words)]


@bp.route("")
def home():
    filters = portal.parse_request_filters(request.args, current_user)
    page = portal.request_page(db.session, current_user, filters)
    return render_template("portal/home.html", page=page, filters=filters,
                           products=portal.owned_products(db.session, current_user.customer_id),
                           may_see_organization=may(current_user, "portal.organization.view"))


@bp.route("/requests/new", methods=["GET", "POST"])
def new_request():
    form = RequestForm()
    products = portal.owned_products(db.session, current_user.customer_id)
    form.product_id.choices = [(str(p.id), p.product.name) for p in products] + [("", _("Autre / aucun en particulier"))]
    follow_up = _follow_up_of(request.args.get("follow_up"))
    if request.method == "GET" and follow_up is not None:
        form.subject.data = _("Suite de la demande %(number)s : %(subject)s", number=follow_up.display_number,
                              subject=follow_up.subject)[:300]
        form.body.data = _("Suite à ma demande %(number)s, ", number=follow_up.display_number)
        if follow_up.product_id is not None and any(p.id == follow_up.product_id for p in products):
            form.product_id.data = str(follow_up.product_id)
    if form.validate_on_submit():
        data = {"subject": form.subject.data, "body": form.body.data}
        if form.product_id.data:
            data["product_id"] = int(form.product_id.data) if form.product_id.data.isdigit() else -1
        now = utcnow()
        try:
            ticket = portal.submit_request(db.session, current_user, data, portal.chosen_files(form.attachments.data),
                                           _limits(), now)
            # KB deflection: sent after all; with no suggestion opened, the subject was a search that failed.
            if record_submission(db.session, current_user, request.form.get("kb_attempt"), now) is None:
                misses.record_request_subject(db.session, form.subject.data, attempt=request.form.get("kb_attempt"),
                                              suggested=request.form.get("kb_suggested"),
                                              language=misses.search_language(None, str(get_locale())), now=now)
            db.session.commit()
        except portal.UploadsRefused as error:
            db.session.rollback()
            _attach_errors(form.attachments, error)
        except Invalid as error:
            db.session.rollback()
            _field_errors(form, error)
        except DomainError as error:
            db.session.rollback()
            form.attachments.errors = list(form.attachments.errors or []) + [error_summary(error)]
        else:
            return redirect(url_for("portal.submitted", ticket_id=ticket.id))
    status = 400 if request.method == "POST" else 200
    today = utcnow().date()
    return render_template("portal/new_request.html", form=form, products=products,
                           coverage={p.id: portal.coverage(p, today) for p in products},
                           tier=tier_sentence(portal.customer_sla_tier(db.session, current_user.customer, utcnow())),
                           uploads=_upload_hints()), status


def _follow_up_of(raw: str | None):
    """The earlier request a new one follows up (the link offered once reopening is over)."""
    if not raw or not raw.isdigit():
        return None
    try:
        return queries.get_ticket(current_user, int(raw))
    except NotFound:
        return None


@bp.get("/requests/<int:ticket_id>/submitted")
def submitted(ticket_id: int):
    """The confirmation after a request is sent: its number, what happens next, the acknowledgement."""
    item = queries.get_ticket(current_user, ticket_id)
    # The acknowledgement goes to the customer card's address (mail.notify.ticket_created).
    address = item.customer.email if item.customer is not None else None
    return render_template("portal/submitted.html", ticket=item, acknowledged_to=address,
                           tier=tier_sentence(portal.ticket_sla_tier(db.session, item)
                                              or portal.customer_sla_tier(db.session, current_user.customer, utcnow())))


@bp.route("/requests/<int:ticket_id>", methods=["GET"])
def ticket(ticket_id: int, form: PortalReplyForm | None = None, status: int = 200, survey_errors: dict | None = None,
           survey_values: dict | None = None):
    item = queries.get_ticket(current_user, ticket_id)
    now = utcnow()
    invitation = surveys.portal_invitation(db.session, current_user, item, now)
    # Only the ticket's own customer sees their answer (not an org admin following a colleague's request).
    own = item.customer_id is not None and item.customer_id == current_user.customer_id
    answered = surveys.ticket_survey(db.session, item.id) if invitation is None and own and not item.is_open else None
    promised = promises.visible_promises(current_user, promises.ticket_promises(db.session, item.id))
    days = _reopen_days()
    return render_template("portal/ticket.html", ticket=item, messages=queries.visible_messages(current_user, item),
                           form=form or PortalReplyForm(), invitation=invitation, survey_answer=answered,
                           survey_errors=survey_errors or {}, survey_values=survey_values or {},
                           promises=promised, uploads=_upload_hints(),
                           tier=tier_sentence(portal.ticket_sla_tier(db.session, item)),
                           coverage=portal.coverage(item.product, now.date()) if item.product else None,
                           reopen_deadline=portal.reopen_deadline(item, days),
                           may_reopen=portal.may_reopen(item, now, days),
                           may_reply=portal.may_reply(item, now, days)), status


@bp.post("/requests/<int:ticket_id>/survey")
def answer_survey(ticket_id: int):
    """The "how did we do?" panel of a resolved ticket: the same survey as the e-mailed link."""
    item = queries.get_ticket(current_user, ticket_id)
    try:
        surveys.answer_on_portal(db.session, current_user, item, request.form, utcnow())
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        values = rules.typed_values(request.form)
        return ticket(ticket_id, status=400, survey_errors=field_problems(error), survey_values=values)
    flash(_("Merci pour votre avis !"), "info")
    return redirect(url_for("portal.ticket", ticket_id=ticket_id))


@bp.post("/requests/<int:ticket_id>/reply")
def reply(ticket_id: int):
    item = queries.get_ticket(current_user, ticket_id)
    form = PortalReplyForm()
    if not form.validate_on_submit():
        return ticket(ticket_id, form=form, status=400)
    try:
        portal.reply_to_request(db.session, current_user, item, form.body.data,
                                portal.chosen_files(form.attachments.data), _limits(), _reopen_days(), utcnow())
        db.session.commit()
    except portal.UploadsRefused as error:
        db.session.rollback()
        _attach_errors(form.attachments, error)
        return ticket(ticket_id, form=form, status=400)
    except Invalid as error:
        db.session.rollback()
        if error.code == "reopen_window_passed":
            form.body.errors = [_("Cette demande ne peut plus être rouverte : ouvrez une nouvelle demande.")]
        else:
            _field_errors(form, error)
        return ticket(ticket_id, form=form, status=400)
    flash(_("Votre message a été envoyé."), "info")
    return redirect(url_for("portal.ticket", ticket_id=ticket_id, _anchor="conversation"))


@bp.post("/requests/<int:ticket_id>/status")
def change_status(ticket_id: int):
    wanted = request.form.get("status")
    item = queries.get_ticket(current_user, ticket_id)
    try:
        portal.change_request_status(db.session, current_user, item, wanted, _reopen_days(), utcnow())
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        if error.code == "reopen_window_passed":
            flash(_("Le délai pour rouvrir cette demande est passé : ouvrez une nouvelle demande."), "error")
        else:
            flash(_("Cette action n'est pas possible sur cette demande."), "error")
        return redirect(url_for("portal.ticket", ticket_id=ticket_id))
    flash(_("Demande clôturée. Merci !") if wanted == "closed" else _("Demande réouverte."), "info")
    return redirect(url_for("portal.ticket", ticket_id=item.id))


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    queries.get_ticket(current_user, item.ticket_id)  # the ticket first: 404 for another customer's
    require(current_user, "attachment.download", item, hide=True)
    return send_file(storage_path(_limits().root, item.sha256), mimetype=item.content_type,
                     as_attachment=True, download_name=item.filename)
