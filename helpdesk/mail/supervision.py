"""What admins see and do about mail that did not go through: outgoing messages given up on
(resend), the queue still to send, and incoming e-mails held in quarantine (re-process)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpdesk.audit import service as audit
from helpdesk.errors import NotFound
from helpdesk.pagination import Page, newest_first
from helpdesk.models import InboundEmail, OutboxMessage, Ticket
from helpdesk.permissions import require


def failed_messages(session: Session, actor, *, limit: int = 50, after_id: int | None = None) -> Page:
    """Outgoing mail given up on (MAIL_MAX_ATTEMPTS failures, or refused for good), newest first."""
    require(actor, "mail.manage")
    return newest_first(session, select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None),
                                                      OutboxMessage.sent_at.is_(None)),
                 OutboxMessage, limit, after_id)


def unsent_count(session: Session, actor) -> int:
    """Mail waiting to go (first try or back-off), the failed ones not included."""
    require(actor, "mail.manage")
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))) or 0


def failed_count(session: Session, actor) -> int:
    """Outgoing mail given up on (what failed_messages lists)."""
    require(actor, "mail.manage")
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.failed_at.is_not(None), OutboxMessage.sent_at.is_(None))) or 0


def resend(session: Session, actor, outbox_id: int, now: datetime) -> OutboxMessage:
    """Put a failed message back in the queue: the next delivery pass sends it, with fresh attempts.
    The last error stays until then, so the admin still sees why it failed. The caller commits."""
    require(actor, "mail.manage")
    row = session.get(OutboxMessage, outbox_id)
    if row is None or row.sent_at is not None or row.failed_at is None:
        raise NotFound("No such failed message.")
    row.failed_at = None
    row.attempts = 0
    row.next_attempt_at = None
    audit.record(session, actor, "resent", "mail", row.id, f"{row.to_address}: {row.subject}",
                 {"last_error": [row.last_error, row.last_error]}, now)
    return row


def quarantined_emails(session: Session, actor, *, limit: int = 50, after_id: int | None = None) -> Page:
    """Incoming e-mails held back (too large, too many from one sender, unreadable...), newest first."""
    require(actor, "mail.manage")
    return newest_first(session, select(InboundEmail).where(InboundEmail.state == "quarantined"), InboundEmail,
                        limit, after_id)


def reprocess(session: Session, actor, inbound_id: int, now: datetime) -> InboundEmail:
    """Run a quarantined e-mail through the inbound rules again (an admin decided it is fine)."""
    require(actor, "mail.manage")
    row = session.get(InboundEmail, inbound_id)
    if row is None or row.state != "quarantined":
        raise NotFound("No such quarantined e-mail.")
    from helpdesk.mail.inbound.service import reprocess as reprocess_inbound  # written beside this, in the inbound part

    result = reprocess_inbound(session, inbound_id, now)
    audit.record(session, actor, "reprocessed", "mail", result.id, f"{result.sender or '?'}: {result.subject or ''}",
                 {"state": ["quarantined", result.state]}, now)
    return result


def reason_text(reason: str | None) -> str:
    """The admin-facing sentence for a quarantine reason (the inbound part's wording)."""
    from helpdesk.mail.inbound.service import reason_label  # the inbound part, beside this one

    return reason_label(reason) or "—"


def ticket_numbers(session: Session, ticket_ids) -> dict[int, str]:
    """Display numbers of the tickets a page of mails is about, in one query."""
    ids = {i for i in ticket_ids if i}
    if not ids:
        return {}
    return {i: f"#{n or i}" for i, n in session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids)))}
