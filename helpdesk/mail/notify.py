"""The mails a ticket's life sends its customer: the acknowledgement of a new request, each public
agent reply, the resolution, the satisfaction survey's invitation. Called by the ticket service inside its transaction: each writes one
outbox row (sent after commit by deliver_pending), carrying the thread's headers and a Reply-To
with the ticket's reply token, so the customer's answer lands on the ticket.

Who gets them: the ticket's customer, at Customer.email. These are service mails about a request
the customer made, not marketing, so consent_email does not stop them; no address, no mail.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from email.utils import formataddr, parseaddr

from flask import current_app
from sqlalchemy import literal, select, union_all
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.mail import compose
from helpdesk.mail.addressing import reply_address
from helpdesk.mail.outbox import enqueue
from helpdesk.mail.threads import ThreadMail, reply_headers, thread_chain
from helpdesk.models import Message, OutboxMessage, Ticket, User

# A phone call is answered on the phone: the customer heard the ticket being opened. Every other
# way in (portal, API, e-mail, chat, a staff member typing in a request received otherwise) gets
# the acknowledgement, which carries the number and the address to write back to.
UNACKNOWLEDGED_CHANNELS = frozenset({"phone"})
TICKET_MAIL_KINDS = ("acknowledgement", "reply", "resolved")  # OutboxMessage.kind of the mails written here
SURVEY_KIND = "survey"  # the survey's own invitation (when a delay keeps it out of the resolution mail)
_UNWRITTEN = 2**62  # rows not inserted yet come after those that were, at the same instant
_PENDING_REPLIES = "helpdesk.mail.pending_replies"  # session.info: ticket id -> (row, message), this transaction
_PENDING_RESOLUTIONS = "helpdesk.mail.pending_resolutions"  # session.info: ticket id -> (row, TicketMail), idem


def acknowledgement_wanted(channel: str, address: str | None) -> bool:
    return bool(address) and channel not in UNACKNOWLEDGED_CHANNELS


def ticket_created(session: Session, ticket: Ticket, first_message: Message, now: datetime) -> OutboxMessage | None:
    """The acknowledgement, answering the customer's own mail when the ticket came by e-mail.
    No query: the ticket (flushed, numbered), its customer and first message are in hand."""
    customer = ticket.customer
    address = customer.email if customer is not None else None
    if not acknowledgement_wanted(ticket.channel, address):
        return None
    chain = thread_chain([ThreadMail(first_message.email_message_id, now)] if first_message.email_message_id else [])
    mail = _ticket_mail(ticket, body_html=first_message.body)
    return _enqueue(session, ticket, address, "acknowledgement", compose.compose("acknowledgement", mail), chain, now)


def agent_replied(session: Session, ticket: Ticket, message: Message, now: datetime) -> OutboxMessage | None:
    """A staff member's public reply, by mail, answering the thread's latest mail. Internal notes
    and customers' own messages send nothing."""
    if message.kind != "reply" or message.from_customer:
        return None
    customer = ticket.customer
    if customer is None or not customer.email:
        return None
    mail = _ticket_mail(ticket, body_html=message.body, author_name=_author_name(session, message))
    row = _enqueue(session, ticket, customer.email, "reply", compose.compose("agent_reply", mail),
                   _thread(session, ticket.id), now)
    session.info.setdefault(_PENDING_REPLIES, {})[ticket.id] = (row, message)
    return row


def ticket_resolved(session: Session, ticket: Ticket, now: datetime) -> OutboxMessage | None:
    """The resolution notice: answer it to reopen. A reply written in the same action (reply and
    resolve) is folded into it: one mail, not two; so is the satisfaction survey when it is due at
    once (add_survey)."""
    customer = ticket.customer
    if customer is None or not customer.email:
        return None
    pending = session.info.get(_PENDING_REPLIES, {}).pop(ticket.id, None)
    if pending is not None:
        row, message = pending  # written in this very transaction (forgotten at commit and rollback)
        mail = _ticket_mail(ticket, body_html=message.body, author_name=_author_name(session, message))
        composed = compose.compose("resolved", mail)
        row.kind, row.subject, row.body_text, row.body_html = "resolved", composed.subject[:300], composed.text, composed.html
    else:
        mail = _ticket_mail(ticket)
        row = _enqueue(session, ticket, customer.email, "resolved", compose.compose("resolved", mail),
                       _thread(session, ticket.id), now)
    session.info.setdefault(_PENDING_RESOLUTIONS, {})[ticket.id] = (row, mail)
    return row


def add_survey(session: Session, ticket: Ticket, survey: compose.SurveyLinks) -> OutboxMessage | None:
    """The ticket's resolution mail written in this transaction, rewritten to carry the survey's
    links; None when there is none (the customer has no address)."""
    pending = session.info.get(_PENDING_RESOLUTIONS, {}).get(ticket.id)
    if pending is None:
        return None
    row, mail = pending
    composed = compose.compose("resolved", replace(mail, survey=survey))
    row.subject, row.body_text, row.body_html = composed.subject[:300], composed.text, composed.html
    return row


def survey_invitation(session: Session, ticket: Ticket, to: str, composed: compose.ComposedMail,
                      now: datetime) -> OutboxMessage:
    """The survey's invitation (written by the surveys feature) on the ticket's thread: an answer to
    it lands on the ticket like any reply."""
    return _enqueue(session, ticket, to, SURVEY_KIND, composed, _thread(session, ticket.id), now)


# --- pieces ------------------------------------------------------------------------------------------


def site_url() -> str:
    """Where links in mails point (BASE_URL)."""
    return current_app.config["BASE_URL"].rstrip("/")


def _ticket_mail(ticket: Ticket, *, body_html: str | None = None, author_name: str | None = None) -> compose.TicketMail:
    customer = ticket.customer
    base_url = site_url()
    return compose.TicketMail(
        number=ticket.display_number, subject=ticket.subject, customer_name=customer.name if customer else "",
        language=compose.mail_language(customer.language if customer else None),
        portal_url=f"{base_url}/portal/requests/{ticket.id}", body_html=body_html, author_name=author_name,
    )


def _author_name(session: Session, message: Message) -> str | None:
    # The author is the acting user, already in the session: no query.
    author = session.get(User, message.author_id) if message.author_id else None
    return author.name if author is not None else None


def _enqueue(session: Session, ticket: Ticket, to: str, kind: str, composed: compose.ComposedMail,
             chain: list[str], now: datetime) -> OutboxMessage:
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    name, sender_address = parseaddr(sender)
    row = enqueue(session, to=to, subject=composed.subject, text=composed.text, html=composed.html, kind=kind,
                  now=now, sender=sender, ticket=ticket)
    headers = {
        "Reply-To": formataddr((name, reply_address(config.get("MAIL_REPLY_ADDRESS") or sender_address,
                                                    ticket.reply_token))),
        **reply_headers(chain),
        "Content-Language": composed.language,
        "X-Helpdesk-Ticket": ticket.display_number,
    }
    if kind != "reply":
        # Written by no one: out-of-office robots must not answer them (RFC 3834), and a loop cannot start.
        headers["Auto-Submitted"] = "auto-replied" if kind == "acknowledgement" else "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    row.headers = headers
    return row


def _thread(session: Session, ticket_id: int) -> list[str]:
    """The ticket's mails so far: the customer's (Message-IDs received) and ours (written, sent or
    not, this transaction's included). One query; no autoflush, so the ticket is written once."""
    received = select(Message.email_message_id.label("message_id"), Message.created_at.label("at"),
                      Message.id.label("row_id"), literal(False).label("ours")).where(
        Message.ticket_id == ticket_id, Message.kind == "reply", Message.email_message_id.is_not(None))
    sent = select(OutboxMessage.message_id, OutboxMessage.created_at, OutboxMessage.id, literal(True)).where(
        OutboxMessage.ticket_id == ticket_id, OutboxMessage.message_id.is_not(None))
    with session.no_autoflush:
        rows = session.execute(union_all(received, sent)).all()
    mails = [ThreadMail(r.message_id, r.at, r.row_id or 0, bool(r.ours)) for r in rows]
    mails += [ThreadMail(o.message_id, o.created_at, _UNWRITTEN, True) for o in session.new
              if isinstance(o, OutboxMessage) and o.ticket_id == ticket_id and o.message_id]
    return thread_chain(mails)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_pending_replies(session: Session) -> None:
    # A reply mail (or a survey) is folded into the resolution only within the transaction that wrote both.
    session.info.pop(_PENDING_REPLIES, None)
    session.info.pop(_PENDING_RESOLUTIONS, None)
