"""Portal pages for customers; every ticket is read through the permission-checked queries."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk.errors import DomainError, Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Attachment, CustomerProduct, utcnow
from helpdesk.permissions import require, scope_tickets
from helpdesk.portal.forms import PortalReplyForm, RequestForm
from helpdesk.promises import service as promises
from helpdesk.surveys import rules
from helpdesk.surveys import service as surveys
from helpdesk.tickets import queries, service
from helpdesk.tickets.attachments import storage_path, store_attachment
from knowledge_base import misses
from knowledge_base.service import record_submission

bp = Blueprint("portal", __name__, template_folder="templates", url_prefix="/portal")


@bp.before_request
@login_required
def _customers_only():
    require(current_user, "portal.view")


def _owned_products() -> list[CustomerProduct]:
    if current_user.customer_id is None:
        return []
    return list(db.session.scalars(
        select(CustomerProduct).where(CustomerProduct.customer_id == current_user.customer_id)
        .options(selectinload(CustomerProduct.product)).order_by(CustomerProduct.purchased_at.desc())
    ))


def _attachments_root() -> Path:
    return Path(current_app.instance_path) / "attachments"


def _describe(error: DomainError) -> str:
    fields = error.details.get("fields") if isinstance(error.details, dict) else None
    return "; ".join(str(v) for v in fields.values()) if fields else error.message


@bp.route("")
def home():
    from helpdesk.models import Ticket

    tickets = list(db.session.scalars(
        scope_tickets(current_user, select(Ticket)).options(selectinload(Ticket.team))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(200)
    ))
    open_tickets = [t for t in tickets if t.is_open]
    done = [t for t in tickets if not t.is_open]
    return render_template("portal/home.html", open_tickets=open_tickets, done_tickets=done)


@bp.route("/requests/new", methods=["GET", "POST"])
def new_request():
    form = RequestForm()
    products = _owned_products()
    form.product_id.choices = [("", _("Aucun en particulier"))] + [
        (str(p.id), f"{p.product.name}" + (f" ({p.serial})" if p.serial else "")) for p in products
    ]
    if form.validate_on_submit():
        data = {"subject": form.subject.data, "body": form.body.data}
        if form.product_id.data:
            data["product_id"] = int(form.product_id.data) if form.product_id.data.isdigit() else -1
        try:
            now = utcnow()
            ticket = service.create_ticket(db.session, current_user, data, now, channel="portal")
            # KB deflection: sent after all; with no suggestion opened, the subject was a search that failed.
            if record_submission(db.session, current_user, request.form.get("kb_attempt"), now) is None:
                misses.record_request_subject(db.session, form.subject.data, attempt=request.form.get("kb_attempt"),
                                              suggested=request.form.get("kb_suggested"),
                                              language=misses.search_language(None, str(get_locale())), now=now)
            upload = form.attachment.data
            if upload and upload.filename:
                store_attachment(db.session, _attachments_root(), ticket, current_user, upload.stream, upload.filename,
                                 current_app.config["ATTACHMENT_MAX_BYTES"], now, message=ticket.messages[0])
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            target = {"product_id": form.product_id, "subject": form.subject, "file": form.attachment}
            fields = error.details.get("fields", {}) if isinstance(error.details, dict) else {}
            if not fields:
                form.body.errors.append(error.message)
            for name, problem in fields.items():
                target.get(name, form.body).errors.append(problem)
        else:
            flash(_("Votre demande %(number)s est enregistrée. Nous vous répondons au plus vite.", number=ticket.display_number), "info")
            return redirect(url_for("portal.ticket", ticket_id=ticket.id))
    status = 400 if request.method == "POST" else 200
    return render_template("portal/new_request.html", form=form), status


@bp.route("/requests/<int:ticket_id>", methods=["GET"])
def ticket(ticket_id: int, form: PortalReplyForm | None = None, status: int = 200, survey_errors: dict | None = None,
           survey_values: dict | None = None):
    item = queries.get_ticket(current_user, ticket_id)
    invitation = surveys.portal_invitation(db.session, current_user, item, utcnow())
    # Only the ticket's own customer sees their answer (not an org admin following a colleague's request).
    own = item.customer_id is not None and item.customer_id == current_user.customer_id
    answered = surveys.ticket_survey(db.session, item.id) if invitation is None and own and not item.is_open else None
    promised = promises.visible_promises(current_user, promises.ticket_promises(db.session, item.id))
    return render_template("portal/ticket.html", ticket=item, messages=queries.visible_messages(current_user, item),
                           form=form or PortalReplyForm(), invitation=invitation, survey_answer=answered,
                           survey_errors=survey_errors or {}, survey_values=survey_values or {},
                           promises=promised), status


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
        return ticket(ticket_id, status=400, survey_errors=error.fields, survey_values=values)
    flash(_("Merci pour votre avis !"), "info")
    return redirect(url_for("portal.ticket", ticket_id=ticket_id))


@bp.post("/requests/<int:ticket_id>/reply")
def reply(ticket_id: int):
    form = PortalReplyForm()
    if not form.validate_on_submit():
        return ticket(ticket_id, form=form, status=400)
    try:
        now = utcnow()
        item = queries.get_ticket(current_user, ticket_id)
        message = service.add_message(db.session, current_user, ticket_id, {"body": form.body.data}, now, channel="portal")
        upload = form.attachment.data
        if upload and upload.filename:
            store_attachment(db.session, _attachments_root(), item, current_user, upload.stream, upload.filename,
                             current_app.config["ATTACHMENT_MAX_BYTES"], now, message=message)
        db.session.commit()
    except NotFound:
        raise
    except DomainError as error:
        db.session.rollback()
        form.body.errors.append(_describe(error))
        return ticket(ticket_id, form=form, status=error.status)
    flash(_("Votre message a été envoyé."), "info")
    return redirect(url_for("portal.ticket", ticket_id=ticket_id))


@bp.post("/requests/<int:ticket_id>/status")
def change_status(ticket_id: int):
    wanted = request.form.get("status")
    item = queries.get_ticket(current_user, ticket_id)
    try:
        service.update_ticket(db.session, current_user, ticket_id, {"status": wanted}, utcnow(), expected_version=None)
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        flash(_describe(error), "error")
        return redirect(url_for("portal.ticket", ticket_id=ticket_id))
    flash(_("Demande clôturée. Merci !") if wanted == "closed" else _("Demande réouverte."), "info")
    return redirect(url_for("portal.ticket", ticket_id=item.id))


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None or (item.message is not None and item.message.kind != "reply"):
        raise NotFound()
    queries.get_ticket(current_user, item.ticket_id)
    return send_file(storage_path(_attachments_root(), item.sha256), mimetype=item.content_type,
                     as_attachment=True, download_name=item.filename)
