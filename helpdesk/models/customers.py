"""The customer card: organizations, customers and their contacts, products owned, orders, interactions."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from helpdesk.models.users import User

CHANNELS = ("phone", "email", "portal", "api", "chat")
SEGMENTS = ("standard", "premium", "vip", "business")
LIFECYCLE_STAGES = ("prospect", "new", "active", "loyal", "at_risk", "churned")
TACTICAL_SEGMENTS = ("best", "high_potential", "new", "active", "inactive", "dissatisfied", "lost")


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    domain: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    segment: Mapped[Optional[str]] = mapped_column(String(32))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customers: Mapped[list["Customer"]] = relationship(back_populates="organization")


class Customer(db.Model):
    """A person the company serves (the "fiche client"), with derived satisfaction and value scores."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_organization_id_name", "organization_id", "name"),
        Index("ix_customers_customer_score_id", "customer_score", "id"),
        Index("ix_customers_last_contact_at_id", "last_contact_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[Optional[str]] = mapped_column(String(254), index=True)  # the primary e-mail
    organization_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(8), default="fr")
    preferred_channel: Mapped[Optional[str]] = mapped_column(String(16))
    segment: Mapped[str] = mapped_column(String(32), default="standard")
    lifecycle_stage: Mapped[str] = mapped_column(String(32), default="active")
    consent_email: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_surveys: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_marketing: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    notes: Mapped[Optional[str]] = mapped_column(Text)  # "what to know about this customer"
    external_ref: Mapped[Optional[str]] = mapped_column(String(64), unique=True)

    # Scores, derived from surveys and orders (recomputed on events and by `scores recompute`).
    csat_score: Mapped[Optional[float]] = mapped_column()
    nps_score: Mapped[Optional[int]] = mapped_column(Integer)
    nps_class: Mapped[Optional[str]] = mapped_column(String(16))  # promoter / passive / detractor
    rfm_recency: Mapped[Optional[int]] = mapped_column(Integer)
    rfm_frequency: Mapped[Optional[int]] = mapped_column(Integer)
    rfm_monetary: Mapped[Optional[int]] = mapped_column(Integer)
    customer_score: Mapped[Optional[int]] = mapped_column(Integer)
    score_explanation: Mapped[Optional[dict]] = mapped_column(JSON)
    tactical_segment: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    scores_updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    effort_score: Mapped[Optional[float]] = mapped_column()  # mean effort, 1 (easy) .. 7 (hard)
    # The RFM inputs behind the quintiles, over the RFM window.
    rfm_recency_days: Mapped[Optional[int]] = mapped_column(Integer)
    rfm_order_count: Mapped[Optional[int]] = mapped_column(Integer)
    rfm_amount: Mapped[Optional[Decimal]] = mapped_column(Numeric(14, 2))
    # Contact load: contacts in the last 90 days, share of tickets reopened, SLA breaches suffered.
    contacts_90d: Mapped[Optional[int]] = mapped_column(Integer)
    reopen_rate: Mapped[Optional[float]] = mapped_column()
    breaches_suffered: Mapped[Optional[int]] = mapped_column(Integer)

    last_contact_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Optional[Organization]] = relationship(back_populates="customers")
    phones: Mapped[list["CustomerPhone"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerPhone.id"
    )
    emails: Mapped[list["CustomerEmail"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerEmail.id"
    )
    products: Mapped[list["CustomerProduct"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )
    # Read-only, for the customer card: the service-recovery follow-ups still open, soonest due first.
    open_follow_ups: Mapped[list["FollowUp"]] = relationship(
        primaryjoin="and_(Customer.id == foreign(FollowUp.customer_id), FollowUp.state == 'open')",
        order_by="[FollowUp.due_at, FollowUp.id]", viewonly=True)

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.name}>"


CONSENTS = ("email", "sms", "surveys", "marketing")


class ConsentEvent(db.Model):
    """Each change of one of a customer's consents, with its date and where it was given or
    withdrawn: the proof a regulator asks for (the current value stays on Customer)."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_customer_id_recorded_at", "customer_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    consent: Mapped[str] = mapped_column(String(16))  # one of CONSENTS
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))  # portal, signup, agent, import, email
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # who changed it
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomerPhone(db.Model):
    """A customer's phone number, stored in E.164 so calls can be matched whatever their format."""

    __tablename__ = "customer_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(32), index=True)  # E.164
    label: Mapped[Optional[str]] = mapped_column(String(32))  # mobile, work, home

    customer: Mapped[Customer] = relationship(back_populates="phones")


class CustomerEmail(db.Model):
    """Further e-mail addresses of a customer (the primary one is on Customer.email)."""

    __tablename__ = "customer_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)

    customer: Mapped[Customer] = relationship(back_populates="emails")


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    warranty_months: Mapped[int] = mapped_column(Integer, default=24)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CustomerProduct(db.Model):
    """A product a customer owns, with its warranty or contract."""

    __tablename__ = "customer_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    serial: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    purchased_at: Mapped[Optional[date]] = mapped_column(Date)
    warranty_until: Mapped[Optional[date]] = mapped_column(Date)
    contract_until: Mapped[Optional[date]] = mapped_column(Date)
    plan: Mapped[Optional[str]] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, returned, retired

    customer: Mapped[Customer] = relationship(back_populates="products")
    product: Mapped[Product] = relationship()


class Order(db.Model):
    """A purchase imported from the sales system; feeds the RFM score."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_id_ordered_at", "customer_id", "ordered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    reference: Mapped[Optional[str]] = mapped_column(String(64), unique=True)


class Interaction(db.Model):
    """One contact with a customer on any channel: the customer's timeline."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_customer_id_occurred_at", "customer_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # call, email_in, email_out, portal_visit, survey, follow_up (a recovery call's outcome),
    # segment (the tactical segment changed: staff only)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[Optional[str]] = mapped_column(String(8))  # in / out
    summary: Mapped[Optional[str]] = mapped_column(String(500))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ticket_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    call_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("call_logs.id", ondelete="SET NULL"), index=True
    )
    data: Mapped[Optional[dict]] = mapped_column(JSON)

    agent: Mapped[Optional["User"]] = relationship()
