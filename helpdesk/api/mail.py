"""Mail that did not go through, over the API (admin): failed outgoing messages and their resend,
quarantined incoming e-mails and their re-processing."""
from __future__ import annotations

from helpdesk.api import bp
from helpdesk.api.common import api_user, encode_cursor, iso, page_params
from helpdesk.extensions import db
from helpdesk.mail import supervision
from helpdesk.models import InboundEmail, OutboxMessage, utcnow


def outbox_json(m: OutboxMessage) -> dict:
    return {"id": m.id, "to": m.to_address, "subject": m.subject, "kind": m.kind, "ticket_id": m.ticket_id,
            "attempts": m.attempts, "last_error": m.last_error, "created_at": iso(m.created_at),
            "next_attempt_at": iso(m.next_attempt_at), "failed_at": iso(m.failed_at), "sent_at": iso(m.sent_at)}


def inbound_json(e: InboundEmail) -> dict:
    return {"id": e.id, "received_at": iso(e.received_at), "sender": e.sender, "subject": e.subject,
            "state": e.state, "reason": e.reason, "size": e.size, "ticket_id": e.ticket_id}


def _listing(page: supervision.Page, serialise) -> dict:
    return {"items": [serialise(row) for row in page.rows],
            "next_cursor": encode_cursor({"id": page.next_after_id}) if page.next_after_id else None}


def _after_id(cursor: dict | None) -> int | None:
    value = (cursor or {}).get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@bp.get("/admin/mail/failed")
def list_failed_mail():
    limit, cursor = page_params()
    page = supervision.failed_messages(db.session, api_user(), limit=limit, after_id=_after_id(cursor))
    return _listing(page, outbox_json)


@bp.post("/admin/mail/<int:outbox_id>/resend")
def resend_mail(outbox_id: int):
    row = supervision.resend(db.session, api_user(), outbox_id, utcnow())
    db.session.commit()
    return outbox_json(row)


@bp.get("/admin/mail/quarantine")
def list_quarantined_mail():
    limit, cursor = page_params()
    page = supervision.quarantined_emails(db.session, api_user(), limit=limit, after_id=_after_id(cursor))
    return _listing(page, inbound_json)


@bp.post("/admin/mail/quarantine/<int:inbound_id>/reprocess")
def reprocess_mail(inbound_id: int):
    row = supervision.reprocess(db.session, api_user(), inbound_id, utcnow())
    db.session.commit()
    return inbound_json(row)
