"""Tickets over the API (API.md): create, list, read, update with optimistic locking, messages,
attachments, promises."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, request, send_file

from helpdesk.api import bp
from helpdesk.api.common import api_user, encode_cursor, iso, json_body, page_params
from helpdesk.api.serializers import ticket_summary_json
from helpdesk.errors import Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Attachment, Message, Promise, Ticket, utcnow
from helpdesk.permissions import may, require
from helpdesk.promises import service as promises
from helpdesk.surveys.service import ticket_survey
from helpdesk.tickets import queries, service
from helpdesk.tickets.attachments import attachments_root, storage_path, store_attachment


def message_json(message: Message) -> dict:
    return {
        "id": message.id,
        "body": message.body,
        "internal": message.internal,
        "kind": message.kind,
        "from_customer": message.from_customer,
        "channel": message.channel,
        "author": {"id": message.author.id, "name": message.author.name} if message.author else None,
        "created_at": iso(message.created_at),
        "attachments": [attachment_json(a) for a in message.attachments],
    }


def attachment_json(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "url": f"/api/v1/attachments/{attachment.id}",
    }


def sla_json(ticket: Ticket, now) -> dict:
    """The `sla` object of API.md; remaining time of a running clock is counted in business time."""
    from helpdesk.sla.calendar import business_seconds_between
    from helpdesk.sla.service import load_sla_context

    clocks = {clock.metric: clock for clock in ticket.sla_clocks}
    hours = None
    result = {}
    for metric in ("first_response", "next_response", "resolution"):
        clock = clocks.get(metric)
        if clock is None:
            result[metric] = None
            continue
        remaining = None
        if clock.target_seconds is not None:
            remaining = clock.target_seconds - clock.elapsed_seconds
            if clock.stopped_at is None and clock.due_at is not None:
                if hours is None:
                    context = load_sla_context(db.session)
                    policy = context.policies_by_id.get(ticket.sla_policy_id)
                    hours = context.hours_for(policy, ticket.team_id) if policy else None
                if hours is not None:
                    remaining = (business_seconds_between(hours, now, clock.due_at) if now <= clock.due_at
                                 else -business_seconds_between(hours, clock.due_at, now))
        result[metric] = {
            "due_at": iso(clock.due_at), "state": clock.state, "remaining_seconds": remaining,
            "started_at": iso(clock.started_at), "stopped_at": iso(clock.stopped_at),
        }
    return result


def ticket_json(user, ticket: Ticket, *, just_created: bool = False) -> dict:
    """The ticket as the API shows it; `just_created`: it has no survey answer and no promise yet, so
    neither is read back."""
    data = ticket_summary_json(ticket)
    data["messages"] = [message_json(m) for m in queries.visible_messages(user, ticket)]
    data["sla"] = sla_json(ticket, utcnow())
    data["merged_into_id"] = ticket.merged_into_id
    data["repeat_of_id"] = ticket.repeat_of_id
    data["survey"] = None if just_created else survey_json(user, ticket)
    data["promises"] = [] if just_created else [
        promise_json(user, p) for p in promises.visible_promises(user, promises.ticket_promises(db.session, ticket.id))]
    return data


def promise_json(user, promise: Promise) -> dict:
    """A promise as staff see it; a customer gets what was promised, by when, and that it is pending."""
    if not may(user, "promise.internal.view"):
        return {"what": promise.what, "due_at": iso(promise.due_at), "state": promise.state}
    return {
        "id": promise.id, "ticket_id": promise.ticket_id, "customer_id": promise.customer_id,
        "what": promise.what, "due_at": iso(promise.due_at), "warn_at": iso(promise.warn_at),
        "owner_id": promise.owner_id, "created_by_id": promise.created_by_id, "call_id": promise.call_id,
        "state": promise.state, "kept_by": promise.kept_by, "created_at": iso(promise.created_at),
        "warned_at": iso(promise.warned_at), "kept_at": iso(promise.kept_at), "broken_at": iso(promise.broken_at),
        "cancelled_at": iso(promise.cancelled_at),
    }


def survey_json(user, ticket: Ticket) -> dict | None:
    """The ticket's answer, once answered: for staff, and for the customer who gave it (another
    customer of their organization does not see it)."""
    if not user.is_staff and (ticket.customer_id is None or ticket.customer_id != user.customer_id):
        return None
    response = ticket_survey(db.session, ticket.id)
    if response is None:
        return None
    return {"csat": response.csat, "nps": response.nps, "effort": response.effort, "comment": response.comment,
            "answered_at": iso(response.created_at), "channel": response.channel}


def _reload(user, ticket_id: int) -> dict:
    db.session.expire_all()
    return ticket_json(user, queries.get_ticket(user, ticket_id))


@bp.post("/tickets")
def create_ticket():
    user = api_user()
    ticket = service.create_ticket(db.session, user, json_body(), utcnow(), channel="api" if user.is_staff else "portal")
    # Everything the response shows is already in the session: serialise (after the last flush, which
    # settles the version) before the commit expires it, instead of reading it all back.
    db.session.flush()
    data = ticket_json(user, ticket, just_created=True)
    db.session.commit()
    return data, 201


@bp.get("/tickets")
def list_tickets():
    user = api_user()
    limit, cursor = page_params()
    filters = queries.parse_filters(request.args)
    sort = request.args.get("sort", "newest")
    if sort not in ("newest", "sla"):
        raise Invalid({"sort": "not_a_choice"}, "The sort must be newest or sla.", limits={"sort": {"choices": ["newest", "sla"]}})
    page = queries.queue_page(user, filters, limit=limit, cursor=cursor, sort=sort)
    return {
        "items": [ticket_summary_json(t) for t in page.items],
        "next_cursor": encode_cursor(page.next_cursor) if page.next_cursor else None,
    }


@bp.get("/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int):
    user = api_user()
    return ticket_json(user, queries.get_ticket(user, ticket_id))


@bp.patch("/tickets/<int:ticket_id>")
def update_ticket(ticket_id: int):
    user = api_user()
    data = json_body()
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise Invalid({"version": "required"}, "The version you last read is required.")
    changes = {k: v for k, v in data.items() if k != "version"}
    service.update_ticket(db.session, user, ticket_id, changes, utcnow(), expected_version=version,
                          reopen_days=current_app.config["PORTAL_REOPEN_DAYS"])
    db.session.commit()
    return _reload(user, ticket_id)


@bp.post("/tickets/<int:ticket_id>/messages")
def add_message(ticket_id: int):
    user = api_user()
    message = service.add_message(db.session, user, ticket_id, json_body(), utcnow(),
                                  channel="api" if user.is_staff else "portal",
                                  reopen_days=current_app.config["PORTAL_REOPEN_DAYS"])
    db.session.commit()
    return message_json(message), 201


@bp.post("/tickets/<int:ticket_id>/promises")
def make_promise(ticket_id: int):
    """`{what, due_at (ISO 8601 with offset), owner_id?}` → 201 promise (staff)."""
    user = api_user()
    promise = promises.make_promise(db.session, user, ticket_id, json_body(), utcnow())
    db.session.commit()
    return promise_json(user, promise), 201


@bp.post("/tickets/<int:ticket_id>/promises/<int:promise_id>/cancel")
def cancel_promise(ticket_id: int, promise_id: int):
    user = api_user()
    promise = promises.cancel_promise(db.session, user, promise_id, utcnow(), ticket_id=ticket_id)
    db.session.commit()
    return promise_json(user, promise)


@bp.post("/tickets/<int:ticket_id>/merge")
def merge_ticket(ticket_id: int):
    user = api_user()
    data = json_body()
    target = data.get("into_id")
    if not isinstance(target, int):
        raise Invalid({"into_id": "not_an_id"}, "Give the id of the ticket to merge into.")
    queries.get_ticket(user, ticket_id)
    service.merge_tickets(db.session, user, ticket_id, target, utcnow())
    db.session.commit()
    return _reload(user, target)


@bp.post("/tickets/<int:ticket_id>/links")
def link_ticket(ticket_id: int):
    user = api_user()
    data = json_body()
    related = data.get("related_id")
    if not isinstance(related, int):
        raise Invalid({"related_id": "not_an_id"}, "Give the id of the related ticket.")
    service.link_tickets(db.session, user, ticket_id, related, utcnow())
    db.session.commit()
    return {"ticket_id": ticket_id, "related_ids": [t.id for t in service.related_tickets(db.session, ticket_id)]}, 201


@bp.get("/tickets/<int:ticket_id>/history")
def ticket_history(ticket_id: int):
    user = api_user()
    ticket = queries.get_ticket(user, ticket_id)
    require(user, "ticket.internal.view", ticket)
    return {"items": [
        {"id": e.id, "action": e.action, "field": e.field, "old": e.old_value, "new": e.new_value,
         "actor": {"id": e.actor.id, "name": e.actor.name} if e.actor else None, "created_at": iso(e.created_at), "data": e.data}
        for e in queries.ticket_history(ticket.id)
    ], "next_cursor": None}


@bp.post("/tickets/<int:ticket_id>/attachments")
def upload_attachment(ticket_id: int):
    user = api_user()
    ticket = queries.get_ticket(user, ticket_id)
    require(user, "ticket.reply", ticket, hide=True)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid({"file": "required"}, "Send the file as the multipart form field 'file'.")
    attachment = store_attachment(
        db.session, _attachments_root(), ticket, user, upload.stream, upload.filename or "",
        current_app.config["ATTACHMENT_MAX_BYTES"], utcnow(),
    )
    db.session.commit()
    return attachment_json(attachment), 201


@bp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id: int):
    user = api_user()
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("No such attachment.")
    ticket = db.session.get(Ticket, attachment.ticket_id)
    require(user, "ticket.view", ticket, hide=True)
    if attachment.message is not None and attachment.message.kind != "reply":
        require(user, "ticket.internal.view", ticket, hide=True)
    return send_file(storage_path(_attachments_root(), attachment.sha256), mimetype=attachment.content_type,
                     as_attachment=True, download_name=attachment.filename)


def _attachments_root() -> Path:
    return attachments_root(current_app.instance_path)
