"""Read an IMAP(S) mailbox: each unseen message is ingested, and flagged \\Seen only once its
ticket change has committed, so a crash or a database outage leaves it unseen for the next pass.
A message delivered both by the MTA pipe and through IMAP is stored once (ingest deduplicates)."""
from __future__ import annotations

import imaplib
import logging
import ssl
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from helpdesk.mail.inbound.service import InboundSettings, ingest
from helpdesk.models.types import utcnow

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    use_ssl: bool
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = 30
    batch: int = 200  # messages per pass at most, so one pass never runs for ever

    @classmethod
    def from_config(cls, config) -> "ImapSettings | None":
        """None when no mailbox is configured (IMAP_HOST unset)."""
        if not config.get("IMAP_HOST"):
            return None
        return cls(config["IMAP_HOST"], int(config.get("IMAP_PORT") or 993), bool(config.get("IMAP_SSL", True)),
                   config.get("IMAP_USERNAME") or "", config.get("IMAP_PASSWORD") or "",
                   config.get("IMAP_FOLDER") or "INBOX")


@dataclass
class PollReport:
    seen: int = 0  # messages read and flagged \Seen
    stored: dict[str, int] = field(default_factory=dict)  # state -> count
    left_for_later: int = 0  # the database was unavailable: left unseen

    def summary(self) -> str:
        states = ", ".join(f"{count} {state}" for state, count in sorted(self.stored.items())) or "nothing new"
        later = f"; {self.left_for_later} left for the next pass" if self.left_for_later else ""
        return f"{self.seen} message(s) read: {states}{later}"


def connect(settings: ImapSettings, ssl_context: ssl.SSLContext | None = None) -> imaplib.IMAP4:
    if settings.use_ssl:
        return imaplib.IMAP4_SSL(settings.host, settings.port, ssl_context=ssl_context or ssl.create_default_context(),
                                 timeout=settings.timeout)
    return imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)


def poll_mailbox(session: Session, settings: ImapSettings, *, ssl_context: ssl.SSLContext | None = None,
                 inbound: InboundSettings | None = None) -> PollReport:
    """One pass over the folder's unseen messages. IMAP errors propagate (the caller logs them)."""
    inbound = inbound or InboundSettings.from_app()
    report = PollReport()
    client = connect(settings, ssl_context)
    try:
        client.login(settings.username, settings.password)
        status, _ = client.select(_quoted(settings.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select folder {settings.folder!r}")
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split() if status == "OK" and data else []
        for uid in uids[: settings.batch]:
            raw = _fetch(client, uid)
            if raw is None:
                continue
            try:
                row = ingest(session, raw, source="imap", now=utcnow(), settings=inbound)
            except OperationalError:
                log.warning("database unavailable: IMAP message %s left unseen for the next pass", uid.decode())
                report.left_for_later = len(uids[: settings.batch]) - report.seen
                break
            # Committed (or already stored): only now is it safe to tell the server we have it.
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            report.seen += 1
            report.stored[row.state] = report.stored.get(row.state, 0) + 1
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return report


def _fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    # BODY.PEEK leaves \Seen alone: the flag is set by us, after the commit.
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK" or not data:
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def _quoted(folder: str) -> str:
    return folder if folder.startswith('"') else '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
