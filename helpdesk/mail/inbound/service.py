"""E-mail in: one received message becomes a reply on its ticket or a new ticket, in one transaction.

Every message is kept as an InboundEmail row, stored once however often and by whichever path it is
delivered (its Message-ID, else the hash of its bytes, are unique). What cannot be turned into a
ticket change (too large, unreadable, rate-limited, refused by the ticket rules) is quarantined
with its reason and its bytes, for an admin to re-process; the ticket part of a failed attempt is
rolled back whole. Messages sent by machines (auto-replies, bounces, lists, our own mail coming
back) are kept as `ignored` and nothing else is written: no ticket, so no acknowledgement either.

A reply finds its ticket by what the sender cannot guess: the reply token (in the reply address or
in the Message-IDs of our mail it answers), or a Message-ID we know. The ticket number in the
subject counts only when the From address is the ticket's own customer's.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from helpdesk.errors import DomainError, Invalid, NotFound
from helpdesk.mail.addressing import is_ours, token_from_addresses, token_from_message_ids
from helpdesk.mail.inbound.parse import ParsedEmail, Unparseable, header_message_id, parse_email
from helpdesk.mail.outbox import sender_domain
from helpdesk.models import Customer, CustomerEmail, Interaction, Message, OutboxMessage, Ticket, User
from helpdesk.models.outbox import InboundEmail
from helpdesk.permissions import SYSTEM
from helpdesk.text import plain_to_html
from helpdesk.tickets import service as tickets
from helpdesk.tickets.attachments import TooLarge, UnsupportedType, attachments_root, store_attachment
from helpdesk.tickets.lifecycle import may_reply

log = logging.getLogger(__name__)

_SUBJECT_NUMBER = re.compile(r"\[#(\d{4,10})\]|(?<![\w&])#(\d{4,10})\b")
_ATTEMPTS = 3  # a write lost to a concurrent writer (SQLite's "database is locked") is tried again

# Why a message was not turned into a ticket change: the code starts InboundEmail.reason, a detail
# may follow after ": ". Labels for the admin page.
REASONS = {
    "too_large": _l("Message trop volumineux"),
    "unparseable": _l("Message illisible"),
    "no_sender": _l("Aucune adresse d'expéditeur"),
    "rate_limited": _l("Trop de nouveaux tickets de cet expéditeur en une heure"),
    "rejected": _l("Refusé par les règles des tickets"),
    "error": _l("Erreur inattendue"),
    "own_message": _l("Notre propre message revenu"),
    "automatic": _l("Réponse automatique, rebond ou liste de diffusion"),
}


def reason_label(reason: str | None) -> str:
    """The admin-facing sentence for a stored reason (translated)."""
    code = (reason or "").split(":", 1)[0]
    return str(REASONS[code]) if code in REASONS else (reason or "")


class Quarantine(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundSettings:
    max_bytes: int
    new_tickets_per_hour: int
    sender: str  # our own address (MAIL_DEFAULT_SENDER): mail from it is an echo
    attachments_dir: Path
    attachment_max_bytes: int
    reopen_days: int | None = None  # past it, a reply to a solved ticket opens a new one (None: never)

    @property
    def domain(self) -> str:
        return sender_domain(self.sender)

    @classmethod
    def from_app(cls, app=None) -> "InboundSettings":
        app = app or current_app
        config = app.config
        return cls(int(config["MAIL_MAX_BYTES"]), int(config["MAIL_NEW_TICKETS_PER_HOUR"]),
                   config["MAIL_DEFAULT_SENDER"], attachments_root(app.instance_path),
                   int(config["ATTACHMENT_MAX_BYTES"]), int(config["PORTAL_REOPEN_DAYS"]))


# --- entry points -----------------------------------------------------------------------------------


def ingest(session: Session, raw: bytes, *, source: str, now: datetime,
           settings: InboundSettings | None = None) -> InboundEmail:
    """Store one received message and act on it; commits. Returns its row: `processed`, `ignored`,
    `quarantined`, or the row already stored when the same message came before. Raises
    OperationalError when the database is unavailable (the caller asks the MTA to retry)."""
    settings = settings or InboundSettings.from_app()
    for attempt in range(_ATTEMPTS):
        try:
            return _ingest_once(session, raw, source, now, settings)
        except OperationalError:
            session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def reprocess(session: Session, inbound_id: int, now: datetime,
              settings: InboundSettings | None = None) -> InboundEmail:
    """Run a quarantined message through the rules again (after the limit was raised, the sender's
    customer fixed...); commits. An admin asked for it, so the per-sender rate limit is not applied.
    A message that is not quarantined is returned unchanged."""
    settings = settings or InboundSettings.from_app()
    row = session.get(InboundEmail, inbound_id)
    if row is None:
        raise NotFound("No such inbound e-mail.")
    if row.state != "quarantined":
        return row
    raw = row.raw
    if len(raw) > settings.max_bytes:
        return _finish(session, row, "quarantined", _too_large(len(raw), settings), now)
    try:
        parsed = parse_email(raw)
    except Unparseable as error:
        return _finish(session, row, "quarantined", f"unparseable: {error}", now)
    row.sender, row.subject = parsed.from_address, (parsed.subject or "")[:300] or None
    return _process(session, row, parsed, settings, now, rate_limit=False)


# --- one attempt ----------------------------------------------------------------------------------------


def _ingest_once(session: Session, raw: bytes, source: str, now: datetime, settings: InboundSettings) -> InboundEmail:
    content_hash = hashlib.sha256(raw).hexdigest()
    parsed: ParsedEmail | None = None
    problem = None
    if len(raw) > settings.max_bytes:
        message_id = header_message_id(raw)
        problem = _too_large(len(raw), settings)
    else:
        try:
            parsed = parse_email(raw)
            message_id = parsed.message_id
        except Unparseable as error:
            message_id = header_message_id(raw)
            problem = f"unparseable: {error}"
    existing = _already_stored(session, message_id, content_hash)
    if existing is not None:
        session.commit()  # end the read transaction
        return existing
    row = InboundEmail(
        message_id=message_id, content_hash=content_hash, source=source[:8], size=len(raw), raw=raw,
        sender=(parsed.from_address if parsed else None), subject=((parsed.subject or "")[:300] or None) if parsed else None,
        received_at=now, created_ticket=False,
    )
    if problem is not None:
        return _finish(session, row, "quarantined", problem, now)
    return _process(session, row, parsed, settings, now, rate_limit=True)


def _process(session: Session, row: InboundEmail, parsed: ParsedEmail, settings: InboundSettings, now: datetime,
             *, rate_limit: bool) -> InboundEmail:
    ignored = _ignore_reason(session, parsed, settings)
    if ignored:
        return _finish(session, row, "ignored", ignored, now)
    try:
        row.state = "processed"
        session.add(row)
        session.flush()  # claim the Message-ID and hash first: a concurrent delivery waits or fails here
        _apply(session, row, parsed, settings, now, rate_limit=rate_limit)
        row.state, row.reason, row.processed_at = "processed", None, now
        session.commit()
        return row
    except IntegrityError as conflict:
        session.rollback()
        log.info("inbound e-mail %s delivered concurrently or conflicting: %s", row.message_id, conflict.orig)
        existing = _already_stored(session, row.message_id, row.content_hash, not_id=row.id)
        if existing is not None:
            session.commit()
            return existing
        reason = "rejected: conflicting Message-ID"
    except OperationalError:
        raise  # the database is unavailable: nothing is stored, the MTA (or next poll) retries
    except Quarantine as refused:
        reason = refused.reason
    except DomainError as error:
        fields = getattr(error, "fields", None) or (error.details or {}).get("fields") or {}
        reason = "rejected: " + ("; ".join(f"{k} {v}" for k, v in fields.items()) or error.message)
    except Exception as error:  # a bug must not lose the mail: it waits in quarantine with the cause
        log.exception("inbound e-mail %s could not be processed", row.message_id)
        reason = f"error: {type(error).__name__}: {error}"
    session.rollback()
    return _finish(session, row, "quarantined", reason, now)


def _finish(session: Session, row: InboundEmail, state: str, reason: str, now: datetime) -> InboundEmail:
    """Store the row alone (nothing else of this attempt survives) with its state and reason."""
    if row.id is not None:
        # A row already stored (re-processing), reloaded after the rollback; or a new one whose
        # insert was rolled back with the rest, written again.
        target = session.get(InboundEmail, row.id) or _copy(row)
    else:
        target = row
    target.state, target.reason, target.processed_at = state, reason[:255], now
    target.ticket_id = target.ticket_message_id = None
    target.created_ticket = False
    session.add(target)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _already_stored(session, row.message_id, row.content_hash)
        if existing is None:
            raise
        session.commit()
        return existing
    return target


def _copy(row: InboundEmail) -> InboundEmail:
    return InboundEmail(message_id=row.message_id, content_hash=row.content_hash, source=row.source,
                        sender=row.sender, subject=row.subject, size=row.size, raw=row.raw,
                        received_at=row.received_at, created_ticket=False)


def _too_large(size: int, settings: InboundSettings) -> str:
    return f"too_large: {size} bytes > MAIL_MAX_BYTES {settings.max_bytes}"


def _already_stored(session: Session, message_id: str | None, content_hash: str,
                    not_id: int | None = None) -> InboundEmail | None:
    condition = InboundEmail.content_hash == content_hash
    if message_id:
        condition = or_(condition, InboundEmail.message_id == message_id)
    query = select(InboundEmail).where(condition)
    if not_id is not None:
        query = query.where(InboundEmail.id != not_id)
    return session.scalars(query.limit(1)).first()


def _ignore_reason(session: Session, parsed: ParsedEmail, settings: InboundSettings) -> str | None:
    """Mail that must change nothing: our own coming back, or a machine's (no ticket, no answer)."""
    if parsed.message_id and (is_ours(parsed.message_id, settings.domain) or session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.message_id == parsed.message_id).limit(1))):
        return "own_message: " + parsed.message_id
    if parsed.from_address and parsed.from_address == _address(settings.sender):
        return "own_message: from " + parsed.from_address
    if parsed.automatic:
        return "automatic: " + parsed.automatic
    return None


def _address(value: str) -> str:
    from email.utils import parseaddr

    return parseaddr(value)[1].lower()


# --- the ticket change ------------------------------------------------------------------------------


def _apply(session: Session, row: InboundEmail, parsed: ParsedEmail, settings: InboundSettings, now: datetime,
           *, rate_limit: bool) -> None:
    sender = parsed.from_address
    if not sender:
        raise Quarantine("no_sender")
    body = _body(parsed)
    ticket = find_ticket(session, parsed)
    follows = None
    if ticket is not None and settings.reopen_days is not None and not may_reply(ticket, now, settings.reopen_days):
        follows, ticket = ticket, None  # solved too long ago to reopen: the reply opens a new request
    if ticket is not None:
        message = tickets.add_message(session, None, ticket.id, {"body": body}, now, channel="email",
                                      from_customer=True, email_message_id=parsed.message_id)
        customer_id = ticket.customer_id
    else:
        if rate_limit and _new_tickets_last_hour(session, sender, now) >= settings.new_tickets_per_hour:
            raise Quarantine(f"rate_limited: more than {settings.new_tickets_per_hour} new tickets from {sender} in an hour")
        customer = _customer_for(session, sender, parsed.from_name)
        actor = _portal_user(session, customer)
        data = {"subject": _subject(parsed), "body": body}
        if actor is None:
            # No account of theirs to act as: the system files it for the customer, as a customer message.
            actor = SYSTEM
            data.update(customer_id=customer.id, channel="email", on_behalf_of_customer=True)
        ticket = tickets.create_ticket(session, actor, data, now, channel="email", email_message_id=parsed.message_id)
        message = next(m for m in ticket.messages if m.email_message_id == parsed.message_id)
        row.created_ticket = True
        customer_id = customer.id
        if follows is not None:
            _note_follow_up(session, ticket, follows, now)
    skipped = _store_attachments(session, ticket, message, parsed, settings, now)
    if skipped:
        body += "\n\n" + "\n".join(_("Pièce jointe non conservée : %(name)s (%(why)s)", name=name, why=why)
                                   for name, why in skipped)
        message.body_source = body
    # Plain text as the sender wrote it, escaped: an e-mail is not Markdown.
    message.body = plain_to_html(body)
    session.flush()
    row.ticket_id, row.ticket_message_id = ticket.id, message.id
    if customer_id is not None:
        session.add(Interaction(
            customer_id=customer_id, kind="email_in", channel="email", direction="in",
            summary=(parsed.subject or "")[:500] or None, occurred_at=now, ticket_id=ticket.id,
            data={"inbound_email_id": row.id, "message_id": message.id, "from": sender},
        ))


def _note_follow_up(session: Session, ticket: Ticket, follows: Ticket, now: datetime) -> None:
    """An internal note on the new ticket, so that whoever takes it sees the request it follows."""
    tickets.add_message(session, SYSTEM, ticket.id, {"internal": True, "body": _(
        "Réponse par e-mail à la demande %(number)s, résolue depuis plus longtemps que le délai de "
        "réouverture : une nouvelle demande a été ouverte.", number=follows.display_number)}, now, channel="email")


def _body(parsed: ParsedEmail) -> str:
    body = parsed.visible_text.strip() or _("(e-mail sans texte)")
    if len(body) > tickets.MAX_BODY:
        body = body[: tickets.MAX_BODY - 200].rstrip() + "\n\n" + _("[…] (texte tronqué, voir l'e-mail d'origine)")
    return body


def _subject(parsed: ParsedEmail) -> str:
    return (parsed.subject or "").strip()[:300] or _("(sans objet)")


def find_ticket(session: Session, parsed: ParsedEmail) -> Ticket | None:
    """The ticket a message answers, by (1) the reply token in the addresses it was sent to, (2) the
    token in the Message-IDs it answers, (3) a Message-ID we know (ours, or an earlier e-mail on a
    ticket), (4) the ticket number in the subject, only when the sender is that ticket's customer."""
    references = tuple(dict.fromkeys(([parsed.in_reply_to] if parsed.in_reply_to else []) + list(parsed.references)))
    token = token_from_addresses(*parsed.all_recipients()) or token_from_message_ids(*references)
    ticket = None
    if token:
        ticket = session.scalar(select(Ticket).where(Ticket.reply_token == token))
    if ticket is None and references:
        ticket_id = session.scalar(select(Message.ticket_id).where(Message.email_message_id.in_(references)).limit(1)) \
            or session.scalar(select(OutboxMessage.ticket_id).where(OutboxMessage.message_id.in_(references),
                                                                   OutboxMessage.ticket_id.is_not(None)).limit(1))
        ticket = session.get(Ticket, ticket_id) if ticket_id else None
    if ticket is None and parsed.from_address:
        ticket = _ticket_by_subject_number(session, parsed.subject, parsed.from_address)
    for _hop in range(5):  # a merged ticket's conversation goes on in the ticket it was merged into
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = session.get(Ticket, ticket.merged_into_id)
    return ticket


def _ticket_by_subject_number(session: Session, subject: str, sender: str) -> Ticket | None:
    found = _SUBJECT_NUMBER.search(subject or "")
    if not found:
        return None
    ticket = session.scalar(select(Ticket).where(Ticket.number == int(found.group(1) or found.group(2))))
    if ticket is None or ticket.customer_id is None:
        return None
    return ticket if _customer_has_address(session, ticket.customer_id, sender) else None


def _customer_has_address(session: Session, customer_id: int, address: str) -> bool:
    primary = session.scalar(select(Customer.email).where(Customer.id == customer_id))
    if primary and primary.strip().lower() == address:
        return True
    return session.scalar(select(CustomerEmail.id).where(
        CustomerEmail.customer_id == customer_id, func.lower(CustomerEmail.email) == address).limit(1)) is not None


def _customer_for(session: Session, address: str, name: str) -> Customer:
    """The customer with this e-mail (primary or further address), created when unknown."""
    customer = session.scalar(select(Customer).where(func.lower(Customer.email) == address).order_by(Customer.id).limit(1))
    if customer is None:
        customer = session.scalar(select(Customer).join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
                                  .where(func.lower(CustomerEmail.email) == address).order_by(Customer.id).limit(1))
    if customer is None:
        customer = Customer(name=(name or address.split("@")[0])[:200], email=address, preferred_channel="email")
        session.add(customer)
        session.flush()
    return customer


def _portal_user(session: Session, customer: Customer) -> User | None:
    """The customer's own active portal account: a ticket filed as them is exactly what they may do."""
    return session.scalar(select(User).where(User.customer_id == customer.id, User.role == "customer",
                                             User.active.is_(True)).order_by(User.id).limit(1))


def _new_tickets_last_hour(session: Session, sender: str, now: datetime) -> int:
    return session.scalar(select(func.count(InboundEmail.id)).where(
        InboundEmail.sender == sender, InboundEmail.created_ticket.is_(True),
        InboundEmail.received_at > now - timedelta(hours=1))) or 0


def _store_attachments(session: Session, ticket: Ticket, message: Message, parsed: ParsedEmail,
                       settings: InboundSettings, now: datetime) -> list[tuple[str, str]]:
    """Attachments and inline images under the portal's rules (size, type, content check); the
    ones refused are named in the message and stay in the original e-mail."""
    skipped = []
    for attachment in parsed.attachments:
        try:
            store_attachment(session, settings.attachments_dir, ticket, None, io.BytesIO(attachment.data),
                             attachment.filename, settings.attachment_max_bytes, now, message=message)
        except TooLarge:
            skipped.append((attachment.filename, _("trop volumineuse")))
        except UnsupportedType:
            skipped.append((attachment.filename, _("type non accepté")))
        except Invalid:
            skipped.append((attachment.filename, _("fichier vide ou sans nom")))
    return skipped
