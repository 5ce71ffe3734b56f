"""Console pages. Views parse the form, call one service function, and render or redirect."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from helpdesk.console.choices import ticket_page_choices
from helpdesk.console.forms import (
    LinkForm, MacroForm, MergeForm, NewTicketForm, PromiseForm, ReplyForm, TicketFieldsForm,
)
from helpdesk.customers import listing
from helpdesk.customers.card import customer_card
from helpdesk.errors import Conflict, DomainError, Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Attachment, Message, Team, Ticket, User, utcnow
from helpdesk.models.customers import TACTICAL_SEGMENTS
from helpdesk.pagination import decode_cursor, encode_cursor
from helpdesk.permissions import require
from helpdesk.promises import rules as promise_rules
from helpdesk.promises import service as promises
from helpdesk.tickets import queries, service
from helpdesk.tickets.attachments import attachments_root, storage_path, store_attachment
from helpdesk.wording import error_summary, field_problems

bp = Blueprint("console", __name__, template_folder="templates", url_prefix="/console")

PAGE_SIZE = 50


@bp.before_request
@login_required
def _staff_only():
    require(current_user, "console.view")


def _teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def _agents() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role.in_(("agent", "lead", "admin")), User.active.is_(True)).order_by(User.name)
    ))


@bp.route("")
def queue():
    try:
        filters = queries.parse_filters(request.args, default_view="mine")
        cursor = decode_cursor(request.args["cursor"]) if request.args.get("cursor") else None
        page = queries.queue_page(current_user, filters, limit=PAGE_SIZE, cursor=cursor,
                                  sort="newest" if filters.view == "all" else "sla")
        problem = None
    except Invalid as error:
        filters = queries.QueueFilters(view="mine")
        page = queries.queue_page(current_user, filters, limit=PAGE_SIZE, cursor=None, sort="sla")
        problem = error_summary(error, _filter_labels())
    next_url = None
    if page.next_cursor:
        args = request.args.to_dict(flat=False)
        args["cursor"] = [encode_cursor(page.next_cursor)]
        next_url = url_for("console.queue", **args)
    return render_template(
        "console/queue.html", page=page, filters=filters, views=queries.VIEWS, problem=problem,
        teams=_teams(), agents=_agents(), next_url=next_url, now=utcnow(),
        promises=queries.next_promises(page.items), promise_rules=promise_rules,
    )


@bp.post("/bulk")
def bulk():
    ids = [int(i) for i in request.form.getlist("ticket_ids") if i.isdigit()]
    changes = {}
    if request.form.get("status"):
        changes["status"] = request.form["status"]
    if request.form.get("priority"):
        changes["priority"] = request.form["priority"]
    if request.form.get("assignee_id"):
        value = request.form["assignee_id"]
        changes["assignee_id"] = None if value == "none" else (int(value) if value.isdigit() else value)
    back = request.form.get("back") or url_for("console.queue")
    if not back.startswith("/"):
        back = url_for("console.queue")
    if not changes:
        flash(_("Choisissez une action à appliquer."), "error")
        return redirect(back)
    try:
        result = service.bulk_update(db.session, current_user, ids, changes, utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(_("Action groupée refusée : %(reason)s", reason=_describe(error)), "error")
        return redirect(back)
    flash(_("%(n)d ticket(s) mis à jour.", n=len(result.updated)), "info")
    return redirect(back)


def _describe(error: DomainError) -> str:
    """A refused action in the page's words: each field's code worded after its label."""
    return error_summary(error, _field_labels())


def _field_labels() -> dict[str, str]:
    return {"status": _("Statut"), "priority": _("Priorité"), "type": _("Type"), "team": _("Équipe"),
            "assignee_id": _("Agent"), "tags": _("Étiquettes"), "subject": _("Sujet"), "body": _("Message"),
            "internal": _("Note interne"), "file": _("Fichier"), "ticket_ids": _("Tickets"),
            "number": _("Numéro de ticket"), "into": _("Numéro de ticket"), "related": _("Numéro de ticket"),
            "target_id": _("Ticket visé"), "source_id": _("Ce ticket"), "related_id": _("Ticket lié"),
            "ticket": _("Ticket"), "customer_id": _("Client")}


def _filter_labels() -> dict[str, str]:
    return {"view": _("Vue"), "status": _("Statut"), "priority": _("Priorité"), "team": _("Équipe"),
            "assignee": _("Agent"), "sla": _("SLA"), "q": _("Recherche"), "customer_id": _("Client"),
            "product_id": _("Produit"), "cursor": _("Page"), "email": _("E-mail"), "phone": _("Téléphone"),
            "segment": _("Segment"), "min_score": _("Score minimum"), "max_score": _("Score maximum"),
            "sort": _("Tri")}


def _field_errors(form, error: DomainError, default) -> None:
    """Each field's worded code next to its field in `form` (or next to `default`)."""
    for name, words in field_problems(error).items():
        getattr(form, name, default).errors.append(words)


@bp.route("/tickets/new", methods=["GET", "POST"])
def new_ticket():
    form = NewTicketForm()
    form.team.choices = [("", "—")] + [(str(t.id), t.name) for t in _teams()]
    if request.method == "GET":
        form.customer_id.data = request.args.get("customer_id", type=int)
    if form.validate_on_submit():
        data = {
            "subject": form.subject.data, "body": form.body.data, "channel": form.channel.data,
            "priority": form.priority.data, "type": form.type.data,
            "team": int(form.team.data) if form.team.data else None,
            "customer_id": form.customer_id.data, "customer_email": form.customer_email.data or None,
        }
        try:
            ticket = service.create_ticket(db.session, current_user, data, utcnow(), channel=form.channel.data)
            db.session.commit()
        except Invalid as error:
            db.session.rollback()
            _field_errors(form, error, form.subject)
        else:
            flash(_("Ticket %(number)s créé.", number=ticket.display_number), "info")
            return redirect(url_for("console.ticket", ticket_id=ticket.id))
    status = 400 if request.method == "POST" else 200
    return render_template("console/new_ticket.html", form=form), status


def _ticket_page(ticket_id: int, reply_form=None, fields_form=None, status=200, crossing=None, promise_form=None):
    ticket = queries.get_ticket(current_user, ticket_id, with_page=True)
    choices = ticket_page_choices(db.session, current_user)
    reply_form = reply_form or ReplyForm(version=ticket.version, seen_message_id=_newest_message_id(ticket))
    if fields_form is None:
        fields_form = TicketFieldsForm(
            version=ticket.version, status=ticket.status, priority=ticket.priority, type=ticket.type,
            team=str(ticket.team_id or ""), assignee_id=str(ticket.assignee_id or ""),
            tags=", ".join(t.name for t in ticket.tags),
        )
    fields_form.team.choices = [("", "—")] + [(str(id_), name) for id_, name in choices.teams]
    fields_form.assignee_id.choices = [("", _("Personne"))] + [(str(id_), name) for id_, name in choices.agents]
    promise_form = promise_form or PromiseForm(prefix="promise", owner_id=str(current_user.id))
    promise_form.owner_id.choices = [(str(id_), name) for id_, name in choices.agents]
    repeat_of = db.session.get(Ticket, ticket.repeat_of_id) if ticket.repeat_of_id else None
    macro_form = MacroForm(version=ticket.version)
    macro_form.macro_id.choices = choices.macros
    card = (customer_card(current_user, ticket.customer_id, now=utcnow(), timeline_limit=10, ticket_details=False)
            if ticket.customer_id else None)
    return render_template(
        "console/ticket.html", ticket=ticket, messages=queries.visible_messages(current_user, ticket),
        history=queries.ticket_history(ticket.id), related=ticket.related,
        reply_form=reply_form, fields_form=fields_form, macro_form=macro_form, merge_form=MergeForm(),
        link_form=LinkForm(), card=card, crossing=crossing, now=utcnow(),
        promises=ticket.promises, promise_form=promise_form,
        promise_rules=promise_rules, repeat_of=repeat_of,
    ), status


def _newest_message_id(ticket: Ticket) -> int:
    return max((m.id for m in ticket.messages), default=0)


@bp.route("/tickets/<int:ticket_id>")
def ticket(ticket_id: int):
    return _ticket_page(ticket_id)


@bp.post("/tickets/<int:ticket_id>/reply")
def reply(ticket_id: int):
    form = ReplyForm()
    if not form.validate_on_submit():
        return _ticket_page(ticket_id, reply_form=form, status=400)
    ticket = queries.get_ticket(current_user, ticket_id)
    seen = int(form.seen_message_id.data or 0)
    newer = [m for m in queries.visible_messages(current_user, ticket) if m.id > seen and m.kind == "reply"]
    if newer and request.form.get("confirm_crossing") != "1":
        # Someone answered (or the customer wrote) while this reply was being typed: show it first.
        form.seen_message_id.data = str(seen)
        return _ticket_page(ticket_id, reply_form=form, status=409, crossing=newer)
    try:
        now = utcnow()
        message = service.add_message(db.session, current_user, ticket_id,
                                      {"body": form.body.data, "internal": bool(form.internal.data)}, now, channel=ticket.channel)
        upload = form.attachment.data
        if upload and upload.filename:
            db.session.flush()
            store_attachment(db.session, _attachments_root(), ticket, current_user, upload.stream, upload.filename,
                             current_app.config["ATTACHMENT_MAX_BYTES"], now, message=message)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.body.errors.append(_describe(error))
        return _ticket_page(ticket_id, reply_form=form, status=error.status)
    flash(_("Note ajoutée.") if form.internal.data else _("Réponse envoyée."), "info")
    return redirect(url_for("console.ticket", ticket_id=ticket_id) + "#conversation")


@bp.post("/tickets/<int:ticket_id>/fields")
def update_fields(ticket_id: int):
    form = TicketFieldsForm()
    form.team.choices = [("", "—")] + [(str(t.id), t.name) for t in _teams()]
    if not form.validate_on_submit():
        return _ticket_page(ticket_id, fields_form=form, status=400)
    changes = {
        "status": form.status.data, "priority": form.priority.data, "type": form.type.data,
        "team": int(form.team.data) if form.team.data else None,
        "assignee_id": int(form.assignee_id.data) if form.assignee_id.data else None,
        "tags": [t.strip() for t in (form.tags.data or "").split(",") if t.strip()],
    }
    try:
        version = int(form.version.data)
    except (TypeError, ValueError):
        version = -1
    try:
        service.update_ticket(db.session, current_user, ticket_id, changes, utcnow(), expected_version=version)
        db.session.commit()
    except Conflict:
        db.session.rollback()
        flash(_("Ce ticket a été modifié par quelqu'un d'autre pendant que vous l'éditiez. Vos changements n'ont pas été enregistrés : vérifiez la version à jour ci-dessous puis recommencez."), "error")
        return _ticket_page(ticket_id, status=409)
    except Invalid as error:
        db.session.rollback()
        _field_errors(form, error, form.status)
        return _ticket_page(ticket_id, fields_form=form, status=400)
    flash(_("Ticket mis à jour."), "info")
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


# --- promises to the customer -------------------------------------------------------------------------


def _wants_promise(form: PromiseForm) -> bool:
    return bool((form.what.data or "").strip() or form.quick.data or form.due_at.data)


def _promise_data(form: PromiseForm, now) -> dict:
    """The service's input from the form: a quick choice wins over the date-time field, which is
    read in the office's zone (the one pages show times in)."""
    zone = promises.office_zone()
    if form.quick.data:
        due = promise_rules.quick_due(form.quick.data, now, zone)
    else:
        due = form.due_at.data.replace(tzinfo=zone) if form.due_at.data else None
    return {"what": form.what.data, "due_at": due, "owner_id": form.owner_id.data or None}


def _promise_errors(form: PromiseForm, error: Invalid) -> None:
    _field_errors(form, error, form.what)


@bp.post("/tickets/<int:ticket_id>/promises")
def make_promise(ticket_id: int):
    form = PromiseForm(prefix="promise")
    form.owner_id.choices = [(str(u.id), u.name) for u in _agents()]
    if form.validate_on_submit():
        try:
            now = utcnow()
            promises.make_promise(db.session, current_user, ticket_id, _promise_data(form, now), now)
            db.session.commit()
        except Invalid as error:
            db.session.rollback()
            _promise_errors(form, error)
        else:
            flash(_("Promesse enregistrée : votre prochaine réponse ou votre prochain appel au client la tiendra."),
                  "info")
            return redirect(url_for("console.ticket", ticket_id=ticket_id) + "#promises")
    return _ticket_page(ticket_id, promise_form=form, status=400)


@bp.post("/tickets/<int:ticket_id>/promises/<int:promise_id>/cancel")
def cancel_promise(ticket_id: int, promise_id: int):
    try:
        promises.cancel_promise(db.session, current_user, promise_id, utcnow(), ticket_id=ticket_id)
        db.session.commit()
    except Conflict:
        db.session.rollback()
        flash(_("Promesse non annulée : elle est déjà tenue, non tenue ou annulée."), "error")
    else:
        flash(_("Promesse annulée."), "info")
    return redirect(url_for("console.ticket", ticket_id=ticket_id) + "#promises")


def _ticket_by_number(text: str) -> Ticket:
    value = (text or "").strip().lstrip("#")
    if not value.isdigit():
        raise Invalid({"number": "not_a_number"}, "Not a ticket number.")
    number = int(value)
    found = db.session.scalar(select(Ticket).where((Ticket.number == number) | (Ticket.id == number)).order_by(Ticket.number.is_(None)).limit(1))
    if found is None:
        raise Invalid({"number": "unknown_ticket"}, "No such ticket.")
    return found


@bp.post("/tickets/<int:ticket_id>/merge")
def merge(ticket_id: int):
    form = MergeForm()
    try:
        if not form.validate_on_submit():
            raise Invalid({"into": "required"}, "A ticket number is required.")
        target = _ticket_by_number(form.into.data)
        service.merge_tickets(db.session, current_user, ticket_id, target.id, utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(_("Fusion impossible : %(reason)s", reason=_describe(error)), "error")
        return redirect(url_for("console.ticket", ticket_id=ticket_id))
    flash(_("Ticket fusionné dans %(number)s.", number=target.display_number), "info")
    return redirect(url_for("console.ticket", ticket_id=target.id))


@bp.post("/tickets/<int:ticket_id>/link")
def link(ticket_id: int):
    form = LinkForm()
    try:
        if not form.validate_on_submit():
            raise Invalid({"related": "required"}, "A ticket number is required.")
        other = _ticket_by_number(form.related.data)
        service.link_tickets(db.session, current_user, ticket_id, other.id, utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(_("Lien impossible : %(reason)s", reason=_describe(error)), "error")
    return redirect(url_for("console.ticket", ticket_id=ticket_id))


@bp.post("/tickets/<int:ticket_id>/macro")
def macro(ticket_id: int):
    form = MacroForm()
    try:
        version = int(form.version.data)
        service.apply_macro(db.session, current_user, ticket_id, int(form.macro_id.data), utcnow(), expected_version=version)
        db.session.commit()
    except Conflict:
        db.session.rollback()
        flash(_("Ce ticket a été modifié entre-temps ; la réponse type n'a pas été appliquée."), "error")
    except DomainError as error:
        db.session.rollback()
        flash(_("Réponse type non appliquée : %(reason)s", reason=_describe(error)), "error")
    except (TypeError, ValueError):
        db.session.rollback()
        flash(_("Réponse type non appliquée : choisissez une réponse type dans la liste."), "error")
    else:
        flash(_("Réponse type appliquée."), "info")
    return redirect(url_for("console.ticket", ticket_id=ticket_id) + "#conversation")


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound()
    queries.get_ticket(current_user, item.ticket_id)
    return send_file(storage_path(_attachments_root(), item.sha256), mimetype=item.content_type,
                     as_attachment=True, download_name=item.filename)


def _attachments_root() -> Path:
    return attachments_root(current_app.instance_path)


@bp.route("/customers")
def customers():
    require(current_user, "customer.list")
    region = current_app.config["DEFAULT_PHONE_REGION"]
    status = 200
    try:
        filters = listing.parse_filters(request.args, region=region)
        cursor = decode_cursor(request.args["cursor"]) if request.args.get("cursor") else None
        page = listing.customer_page(current_user, filters, limit=PAGE_SIZE, cursor=cursor, region=region)
        problem = None
    except Invalid as error:
        page = listing.customer_page(current_user, listing.CustomerFilters(), limit=PAGE_SIZE, cursor=None, region=region)
        problem = error_summary(error, _filter_labels())
        status = 400
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    next_url = (url_for("console.customers", **args, cursor=encode_cursor(page.next_cursor))
                if page.next_cursor and not problem else None)
    return render_template("console/customers.html", page=page, args=args, problem=problem, next_url=next_url,
                           segments=TACTICAL_SEGMENTS, sorts=listing.SORTS), status


@bp.route("/customers/<int:customer_id>")
def customer(customer_id: int):
    raw = request.args.get("cursor")
    try:
        cursor = decode_cursor(raw) if raw else None
        card = customer_card(current_user, customer_id, now=utcnow(), timeline_limit=50, timeline_cursor=cursor, ticket_details=False)
    except Invalid:
        card = customer_card(current_user, customer_id, now=utcnow(), timeline_limit=50, ticket_details=False)
    next_url = url_for("console.customer", customer_id=customer_id, cursor=encode_cursor(card.timeline_next)) if card.timeline_next else None
    return render_template("console/customer.html", card=card, next_url=next_url)


@bp.route("/customers/new", methods=["GET", "POST"])
def new_customer():
    from helpdesk.console.forms import CustomerForm
    from helpdesk.customers import service as customers

    form = CustomerForm()
    if request.method == "GET":
        form.phone.data = request.args.get("phone", "")
        form.call_id.data = request.args.get("call_id", "")
    if form.validate_on_submit():
        data = {"name": form.name.data, "email": form.email.data or None, "phone": form.phone.data or None}
        if form.organization.data:
            data["organization"] = form.organization.data
        try:
            created = customers.create_customer(data, current_app.config["DEFAULT_PHONE_REGION"])
            db.session.flush()
            if form.call_id.data:
                from helpdesk.cti import service as cti

                cti.attach_customer(db.session, form.call_id.data, created.id, utcnow())
            db.session.commit()
        except Invalid as error:
            db.session.rollback()
            _field_errors(form, error, form.name)
        else:
            flash(_("Fiche client créée."), "info")
            return redirect(url_for("console.customer", customer_id=created.id))
    return render_template("console/new_customer.html", form=form), (400 if request.method == "POST" else 200)


# --- telephony: the screen-pop's actions ------------------------------------------------------------


@bp.route("/customers/<int:customer_id>/card")
def customer_card_fragment(customer_id: int):
    """The customer card alone, for the screen-pop panel (same macro as everywhere else)."""
    card = customer_card(current_user, customer_id, now=utcnow(), timeline_limit=8, ticket_details=False)
    return render_template("console/_card_fragment.html", card=card)


@bp.post("/calls/<call_id>/notes")
def call_notes(call_id: str):
    from helpdesk.cti import service as cti

    notes = request.form.get("notes") if request.form else (request.get_json(silent=True) or {}).get("notes")
    cti.save_notes(db.session, call_id, notes or "")
    db.session.commit()
    return {"ok": True}


@bp.post("/calls/<call_id>/customer")
def call_customer(call_id: str):
    from helpdesk.cti import service as cti

    raw = request.form.get("customer_id", "")
    if not raw.isdigit():
        raise Invalid({"customer_id": "required"}, "Pick a customer.")
    cti.attach_customer(db.session, call_id, int(raw), utcnow())
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return {"ok": True}
    return redirect(url_for("console.customer", customer_id=int(raw)))


@bp.route("/calls/<call_id>/ticket", methods=["GET", "POST"])
def call_ticket(call_id: str):
    from helpdesk.console.forms import CallTicketForm
    from helpdesk.cti import service as cti
    from helpdesk.models import Customer, CustomerProduct

    call = cti.get_call(db.session, call_id)
    form = CallTicketForm()
    # The promise fields post with the ticket's (one form, one CSRF token: the ticket form's).
    promise_form = PromiseForm(prefix="promise", meta={"csrf": False})
    promise_form.owner_id.choices = [(str(current_user.id), current_user.name)]
    customer_id = int(form.customer_id.data) if (form.customer_id.data or "").isdigit() else call.customer_id
    if request.method == "GET":
        customer_id = request.args.get("customer_id", type=int) or call.customer_id
        form.customer_id.data = str(customer_id or "")
        form.body.data = call.notes or ""
    customer = db.session.get(Customer, customer_id) if customer_id else None
    products = list(db.session.scalars(select(CustomerProduct).where(CustomerProduct.customer_id == customer.id)
                                       .options(selectinload(CustomerProduct.product)))) if customer else []
    form.product_id.choices = [("", "—")] + [(str(p.id), p.product.name + (f" ({p.serial})" if p.serial else "")) for p in products]
    form.team.choices = [("", "—")] + [(str(t.id), t.name) for t in _teams()]
    promise_ok = promise_form.validate() if request.method == "POST" else True
    if form.validate_on_submit() and promise_ok:
        data = {"subject": form.subject.data, "body": form.body.data, "priority": form.priority.data, "type": form.type.data,
                "team": int(form.team.data) if form.team.data else None, "customer_id": customer_id,
                "product_id": int(form.product_id.data) if form.product_id.data else None}
        try:
            now = utcnow()
            created = cti.ticket_from_call(db.session, current_user, call_id, data, now)
            if form.status.data == "resolved":
                service.update_ticket(db.session, current_user, created.id, {"status": "resolved"}, now, expected_version=None)
            if _wants_promise(promise_form):
                try:
                    promises.make_promise(db.session, current_user, created.id, _promise_data(promise_form, now), now,
                                          call_id=call.id)
                except Invalid as error:
                    _promise_errors(promise_form, error)
                    raise Invalid({}) from error  # no ticket either: the agent fixes the promise and sends again
            db.session.commit()
        except Invalid as error:
            db.session.rollback()
            _field_errors(form, error, form.subject)
        else:
            flash(_("Ticket %(number)s créé depuis l'appel.", number=created.display_number), "info")
            return redirect(url_for("console.ticket", ticket_id=created.id))
    return render_template("console/call_ticket.html", form=form, promise_form=promise_form, call=call,
                           customer=customer), (400 if request.method == "POST" else 200)


@bp.post("/calls/<call_id>/link")
def call_link(call_id: str):
    from helpdesk.cti import service as cti

    try:
        target = _ticket_by_number(request.form.get("ticket", ""))
        cti.link_call_to_ticket(db.session, current_user, call_id, target.id, utcnow())
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        flash(_("Lien impossible : %(reason)s", reason=_describe(error)), "error")
        return redirect(request.referrer or url_for("console.queue"))
    flash(_("Appel rattaché au ticket %(number)s.", number=target.display_number), "info")
    return redirect(url_for("console.ticket", ticket_id=target.id))


@bp.post("/availability")
def availability():
    from helpdesk.models.users import AVAILABILITY_STATES
    from helpdesk.realtime.events import STAFF_ROOM, emit_after_commit

    state = request.form.get("state") or (request.get_json(silent=True) or {}).get("state")
    if state not in AVAILABILITY_STATES:
        raise Invalid({"state": "not_a_choice"}, "The state must be one of " + ", ".join(AVAILABILITY_STATES) + ".",
                      limits={"state": {"choices": list(AVAILABILITY_STATES)}})
    current_user.availability = state
    emit_after_commit(db.session, "presence", {"user_id": current_user.id, "name": current_user.name, "availability": state}, [STAFF_ROOM])
    db.session.commit()
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"ok": True, "availability": state}
    return redirect(request.referrer or url_for("console.queue"))
