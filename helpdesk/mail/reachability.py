"""Is the configured SMTP server answering? One real connection (greeting, EHLO, QUIT) with a short
timeout, without logging in, for the admin's integrations page."""
from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass

from helpdesk.mail.outbox import MailSettings

CHECK_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class SmtpStatus:
    configured: bool  # MAIL_SERVER is set (unset: mail is written to the outbox folder)
    reachable: bool
    server: str | None
    port: int
    problem: str | None = None  # why not: the error's class and text


def check_smtp(mail: MailSettings, timeout: float = CHECK_TIMEOUT_SECONDS) -> SmtpStatus:
    if not mail.server:
        return SmtpStatus(False, False, None, mail.port)
    try:
        if mail.use_ssl:
            connection = smtplib.SMTP_SSL(mail.server, mail.port, timeout=timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(mail.server, mail.port, timeout=timeout)
        try:
            connection.ehlo_or_helo_if_needed()
        finally:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
    except (smtplib.SMTPException, OSError, socket.timeout) as error:
        return SmtpStatus(True, False, mail.server, mail.port, f"{type(error).__name__}: {error}"[:300])
    return SmtpStatus(True, True, mail.server, mail.port)
