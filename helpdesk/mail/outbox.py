"""Deliver OutboxMessage rows written by the services in their transactions.

A row is marked sent only after the SMTP server accepted it, so a crash resends rather than loses
(at-least-once). Without MAIL_SERVER, each message is written as an .eml file in the instance
outbox folder, which is what a development machine wants.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.mail.addressing import new_message_id, new_reply_token
from helpdesk.models import OutboxMessage, Ticket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class MailSettings:
    server: str | None
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    sender: str
    outbox_dir: Path

    @classmethod
    def from_config(cls, config, instance_path: str) -> "MailSettings":
        return cls(config.get("MAIL_SERVER"), int(config.get("MAIL_PORT") or 25), bool(config.get("MAIL_USE_TLS")),
                   config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"), config["MAIL_DEFAULT_SENDER"],
                   Path(instance_path) / "outbox")


def sender_domain(sender: str) -> str:
    """example.com from "Support <support@example.com>"."""
    return sender.rsplit("@", 1)[-1].strip(" >").lower()


def enqueue(session: Session, *, to: str, subject: str, text: str, html: str | None, kind: str, now: datetime,
            sender: str, ticket: Ticket | None = None, headers: dict | None = None) -> OutboxMessage:
    """An e-mail written in the caller's transaction (sent after commit, by deliver_pending): it
    goes out if and only if the change that caused it commits. Its Message-ID is given now and
    carries the ticket's reply token, so the answer finds the ticket."""
    if ticket is not None and not ticket.reply_token:
        ticket.reply_token = new_reply_token()
    token = ticket.reply_token if ticket is not None else None
    row = OutboxMessage(to_address=to, subject=subject[:300], body_text=text, body_html=html, headers=headers or None,
                        created_at=now, attempts=0, kind=kind, ticket_id=ticket.id if ticket is not None else None,
                        message_id=new_message_id(sender_domain(sender), token))
    session.add(row)
    return row


def build_email(row: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = row.message_id or make_msgid(idstring=f"outbox{row.id}", domain=sender_domain(sender))
    for key, value in (row.headers or {}).items():
        message[key] = str(value)
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message


def deliver_pending(session: Session, settings: MailSettings, now: datetime, *, limit: int = 100) -> int:
    """Send up to `limit` unsent messages; returns how many went out. Commits per message."""
    rows = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id).limit(limit)
    ))
    if not rows:
        return 0
    sent = 0
    smtp = None
    try:
        for row in rows:
            message = build_email(row, settings.sender, now)
            try:
                if settings.server:
                    smtp = smtp or _connect(settings)
                    smtp.send_message(message)
                else:
                    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
                    (settings.outbox_dir / f"{now:%Y%m%d-%H%M%S}-{row.id}.eml").write_bytes(bytes(message))
            except (smtplib.SMTPException, OSError) as exc:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                session.commit()
                log.warning("mail %s to %s not sent: %s", row.id, row.to_address, exc)
                if isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError)):
                    smtp = None
                continue
            row.attempts += 1
            row.sent_at = now
            row.last_error = None
            session.commit()
            sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return sent


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.server, settings.port, timeout=20)
    if settings.use_tls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp
