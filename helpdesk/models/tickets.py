"""Tickets, their conversation (messages, attachments), audit trail, tags, links and canned responses."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from helpdesk.models.customers import Customer, CustomerProduct
    from helpdesk.models.sla import SLAPolicy, SlaClock
    from helpdesk.models.users import Team, User

STATUSES = ("new", "open", "pending_customer", "pending_third_party", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending_customer", "pending_third_party")
DONE_STATUSES = ("resolved", "closed")
# The open-ticket condition written out as SQL, shared by the partial indexes and the queue queries:
# a planner uses a partial index only when the query states the very same constants.
OPEN_PREDICATE = "status IN ('new', 'open', 'pending_customer', 'pending_third_party')"
OPEN_TICKETS = text("tickets." + OPEN_PREDICATE)  # the condition for queries (bound values would hide it)


# The SLA alerts a lead sees (warnings and breaches), a small share of all ticket events.
ALERT_ACTIONS = ("sla_warning", "sla_breached")
ALERT_PREDICATE = "action IN (" + ", ".join(f"'{action}'" for action in ALERT_ACTIONS) + ")"
ALERT_EVENTS = text("ticket_events." + ALERT_PREDICATE)  # as OPEN_TICKETS: the partial index's own words


def _open_index(name: str, *columns: str) -> Index:
    return Index(name, *columns, sqlite_where=text(OPEN_PREDICATE), postgresql_where=text(OPEN_PREDICATE))
PRIORITIES = ("low", "normal", "high", "urgent")
TYPES = ("incident", "question", "request", "complaint")
MESSAGE_KINDS = ("reply", "note", "event")

ticket_tags = Table(
    "ticket_tags",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class TicketTag(db.Model):
    """A row of ticket_tags, mapped for reading only (tags are written through Ticket.tags).

    The ticket page loads a ticket's tags through these rows in flat LEFT JOINs, which SQLite plans
    as index lookups; the nested join that a `secondary` relationship is loaded with, SQLite
    materialises whole first (every tagged ticket: 86 ms of the page at 100k tickets)."""

    __table__ = ticket_tags

    tag: Mapped[Tag] = relationship(viewonly=True)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        # The console's queue views read open tickets in SLA order straight from these (no sort).
        Index("ix_tickets_status_sla_due_at", "status", "sla_due_at", "id"),
        _open_index("ix_tickets_open_sla_due_at", "sla_due_at", "id"),
        _open_index("ix_tickets_open_sla_state", "sla_state", "sla_due_at", "id"),
        # The queue views read these in order; the lead's backlog and agents panels count from them alone.
        _open_index("ix_tickets_open_team_id", "team_id", "sla_due_at", "id", "assignee_id", "sla_state", "created_at"),
        _open_index("ix_tickets_open_assignee_id", "assignee_id", "sla_due_at", "id", "sla_state"),
        Index("ix_tickets_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_tickets_created_at", "created_at"),
        # The reports: the tickets resolved in a period, per day and channel, from the index alone.
        Index("ix_tickets_resolved_at_created_at_channel", "resolved_at", "created_at", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[Optional[int]] = mapped_column(Integer, unique=True)  # human number, #10023
    subject: Mapped[str] = mapped_column(String(300))
    customer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    requester_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16), default="portal")
    status: Mapped[str] = mapped_column(String(24), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    type: Mapped[str] = mapped_column(String(16), default="question")
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    product_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("customer_products.id", ondelete="SET NULL"), index=True
    )
    sla_policy_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL"), index=True
    )
    merged_into_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )

    # The secret an e-mail reply carries (in its reply address and our Message-IDs) to land on this
    # ticket: a forged From alone cannot post here. Made when the first e-mail about it goes out.
    reply_token: Mapped[Optional[str]] = mapped_column(String(32), unique=True, index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_customer_message_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_agent_reply_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    # Denormalised SLA due times (details on SlaClock rows) so "what breaches next" is one
    # indexed query; sla_due_at is the earliest running deadline, null when nothing runs.
    first_response_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    next_response_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sla_warn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    sla_state: Mapped[Optional[str]] = mapped_column(String(16), index=True)

    # Kept by the ticket service, for first-contact resolution and friction figures without
    # reading messages and events: public agent replies, reopenings (resolved/closed -> open),
    # and the earlier ticket this one repeats (same customer and product soon after it was resolved).
    agent_replies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopened_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    repeat_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)

    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Optional["Customer"]] = relationship()
    requester: Mapped[Optional["User"]] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[Optional["User"]] = relationship(foreign_keys=[assignee_id])
    team: Mapped[Optional["Team"]] = relationship()
    product: Mapped[Optional["CustomerProduct"]] = relationship()
    sla_policy: Mapped[Optional["SLAPolicy"]] = relationship()
    merged_into: Mapped[Optional["Ticket"]] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    tags: Mapped[list[Tag]] = relationship(secondary=ticket_tags, order_by=Tag.name)
    messages: Mapped[list["Message"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="Message.created_at, Message.id"
    )
    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id"
    )
    sla_clocks: Mapped[list["SlaClock"]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan"
    )
    # Read-only views for the ticket page (a few of each, loaded in flat joins, see TicketTag): its
    # tags' rows, its promises, soonest due first, and its links, a link being stored once (smaller
    # id first) so seen from both sides.
    tag_rows: Mapped[list[TicketTag]] = relationship(viewonly=True)
    promises: Mapped[list["Promise"]] = relationship(viewonly=True, order_by="[Promise.due_at, Promise.id]")
    links_to: Mapped[list["TicketLink"]] = relationship(foreign_keys="TicketLink.ticket_id", viewonly=True)
    links_from: Mapped[list["TicketLink"]] = relationship(foreign_keys="TicketLink.related_ticket_id",
                                                          viewonly=True)

    @property
    def related(self) -> list["Ticket"]:
        """The linked tickets, by id (load links_to and links_from with their tickets)."""
        linked = [link.related_ticket for link in self.links_to] + [link.ticket for link in self.links_from]
        return sorted({t.id: t for t in linked}.values(), key=lambda t: t.id)

    @property
    def display_number(self) -> str:
        return f"#{self.number}" if self.number else f"#{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Ticket {self.display_number} {self.status}>"


class Message(db.Model):
    """One entry of a ticket's conversation: a public reply, an internal note, or a system event."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket_id_created_at", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The customer who wrote it when no user account did (e-mail, phone).
    author_customer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(8), default="reply")
    from_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    body_source: Mapped[Optional[str]] = mapped_column(Text)  # what was typed (Markdown)
    channel: Mapped[str] = mapped_column(String(16), default="portal")
    email_message_id: Mapped[Optional[str]] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[Optional["User"]] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )

    @property
    def internal(self) -> bool:
        return self.kind != "reply"


class Attachment(db.Model):
    """A file on a message, stored on disk by content hash (shared when identical)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[Optional[Message]] = relationship(back_populates="attachments")


class TicketEvent(db.Model):
    """The audit trail: who changed which field of a ticket, from what to what, and when."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket_id_created_at", "ticket_id", "created_at"),
        # The lead dashboard's alert list, newest first: the SLA warnings and breaches alone, in
        # (created_at, id) order, so that a sweep's thousands of breaches at one instant are read
        # in order, not sorted, and the other events do not write to it.
        Index("ix_ticket_events_alerts", "created_at", "id",
              sqlite_where=text(ALERT_PREDICATE), postgresql_where=text(ALERT_PREDICATE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # created, changed, merged, sla_warning, ...
    field: Mapped[Optional[str]] = mapped_column(String(32))
    old_value: Mapped[Optional[str]] = mapped_column(String(300))
    new_value: Mapped[Optional[str]] = mapped_column(String(300))
    data: Mapped[Optional[dict]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[Optional["User"]] = relationship()


class TicketLink(db.Model):
    """Two related tickets (stored once, smaller id first)."""

    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("ticket_id", "related_ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    related_ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id], viewonly=True)
    related_ticket: Mapped[Ticket] = relationship(foreign_keys=[related_ticket_id], viewonly=True)


class CannedResponse(db.Model):
    """A macro: a reply with placeholders that may also set the ticket's status or priority."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="fr")
    set_status: Mapped[Optional[str]] = mapped_column(String(24))
    set_priority: Mapped[Optional[str]] = mapped_column(String(16))
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Optional["Team"]] = relationship()
