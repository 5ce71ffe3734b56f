"""Side effects written in the same transaction as the change, delivered after commit."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """An e-mail to send; a row stays until it is sent, so a crash loses nothing."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_sent_at_id", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[Optional[str]] = mapped_column(Text)
    headers: Mapped[Optional[dict]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[Optional[str]] = mapped_column(String(500))
    # Given when the row is written, so a customer's answer (In-Reply-To) finds its ticket and an
    # echo of our own mail is recognised, whether or not it was sent yet.
    message_id: Mapped[Optional[str]] = mapped_column(String(255), unique=True, index=True)
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    kind: Mapped[Optional[str]] = mapped_column(String(32))  # acknowledgement, reply, resolved, verify_email...
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # back-off after a failure
    failed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # gave up: shown to admins, resendable


INBOUND_STATES = ("processed", "ignored", "quarantined")


class InboundEmail(db.Model):
    """Every e-mail received (piped by the MTA or read from IMAP), kept whole: the same message
    delivered twice is recognised by its Message-ID or, without one, by its content hash."""

    __tablename__ = "inbound_emails"
    __table_args__ = (Index("ix_inbound_emails_state_received_at", "state", "received_at"),
                      Index("ix_inbound_emails_sender_received_at", "sender", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[Optional[str]] = mapped_column(String(255), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the raw message
    source: Mapped[str] = mapped_column(String(8))  # pipe (CLI / MTA), imap
    sender: Mapped[Optional[str]] = mapped_column(String(254))  # the From address, lower-cased
    subject: Mapped[Optional[str]] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16))  # one of INBOUND_STATES
    reason: Mapped[Optional[str]] = mapped_column(String(255))  # why ignored or quarantined
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    # The message it became on the ticket, whose visible body has the quoted history and signature
    # taken off; this row keeps the original, viewable.
    ticket_message_id: Mapped[Optional[int]] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"),
                                                             index=True)
    created_ticket: Mapped[bool] = mapped_column(default=False)  # a new ticket (rate limit per sender)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
