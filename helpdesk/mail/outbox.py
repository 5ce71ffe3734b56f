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
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from helpdesk.mail.addressing import new_message_id, new_reply_token
from helpdesk.models import OutboxMessage, Ticket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # MAIL_MAX_ATTEMPTS's default
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class MailSettings:
    server: str | None
    port: int
    use_tls: bool  # STARTTLS on a plain connection
    username: str | None
    password: str | None
    sender: str
    outbox_dir: Path
    use_ssl: bool = False  # implicit TLS (SMTPS, port 465)
    timeout: float = 20
    max_attempts: int = MAX_ATTEMPTS

    @classmethod
    def from_config(cls, config, instance_path: str) -> "MailSettings":
        return cls(config.get("MAIL_SERVER"), int(config.get("MAIL_PORT") or 25), bool(config.get("MAIL_USE_TLS")),
                   config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"), config["MAIL_DEFAULT_SENDER"],
                   Path(instance_path) / "outbox", use_ssl=bool(config.get("MAIL_USE_SSL")),
                   timeout=float(config.get("MAIL_TIMEOUT_SECONDS") or 20),
                   max_attempts=int(config.get("MAIL_MAX_ATTEMPTS") or MAX_ATTEMPTS))


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


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4... minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


def is_permanent(error: Exception) -> bool:
    """The server said no for good (5xx) to this recipient or this message: retrying cannot help.
    A refused sender or a 4xx is about the server or our settings: retried."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def deliver_pending(session: Session, settings: MailSettings, now: datetime, *, limit: int = 100) -> int:
    """Send up to `limit` messages due (never sent, not given up, back-off over); returns how many went
    out. Commits per message. A failure counts an attempt and waits retry_delay; after
    settings.max_attempts, or at once on a permanent refusal, the message is failed: kept, shown to
    admins (who may resend it), never retried on its own. When the server cannot be reached the pass
    stops there: the other messages were not tried, so they lose no attempt."""
    rows = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None),
                                    or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.id).limit(limit)
    ))
    if not rows:
        return 0
    sent = 0
    smtp = None
    try:
        for row in rows:
            message = build_email(row, settings.sender, now)
            connecting = False
            try:
                if settings.server:
                    if smtp is None:
                        connecting = True
                        smtp = _connect(settings)
                        connecting = False
                    smtp.send_message(message)
                else:
                    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
                    (settings.outbox_dir / f"{now:%Y%m%d-%H%M%S}-{row.id}.eml").write_bytes(bytes(message))
            except (smtplib.SMTPException, OSError) as exc:
                _record_failure(row, exc, settings.max_attempts, now)
                session.commit()
                log.warning("mail %s to %s not sent (attempt %s): %s", row.id, row.to_address, row.attempts, exc)
                # SMTPException is an OSError too: only a broken connection (not a refusal) drops it.
                broken = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(exc, smtplib.SMTPException)
                if connecting or broken:
                    if smtp is not None:
                        _close(smtp)
                    smtp = None
                    if connecting:
                        break
                continue
            row.attempts += 1
            row.sent_at = now
            row.last_error = None
            row.next_attempt_at = None
            session.commit()
            sent += 1
    finally:
        if smtp is not None:
            _close(smtp)
    return sent


def _record_failure(row: OutboxMessage, error: Exception, max_attempts: int, now: datetime) -> None:
    row.attempts = (row.attempts or 0) + 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    if is_permanent(error) or row.attempts >= max_attempts:
        row.failed_at = now
        row.next_attempt_at = None
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.use_ssl:
        smtp = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
