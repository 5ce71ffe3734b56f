"""Customer rules: creating and finding customers, and the customer card."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from helpdesk.auth.service import normalise_email
from helpdesk.customers.phones import normalise_phone
from helpdesk.errors import Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Customer, CustomerEmail, CustomerPhone, CustomerProduct, Organization, Ticket
from helpdesk.models.customers import CHANNELS, SEGMENTS
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.permissions import require, scope_customers


def get_customer(user, customer_id: int) -> Customer:
    """The customer, if `user` may see it; otherwise NotFound (existence is not revealed)."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    require(user, "customer.view", customer, hide=True)
    return customer


def search_customers(user, *, q: str | None, email: str | None, phone: str | None, region: str, limit: int) -> list[Customer]:
    stmt = scope_customers(user, select(Customer))
    if email:
        address = email.strip().lower()
        stmt = stmt.where(
            or_(func.lower(Customer.email) == address, Customer.emails.any(func.lower(CustomerEmail.email) == address))
        )
    if phone:
        number = normalise_phone(phone, region)
        if number is None:
            raise Invalid({"phone": "not a phone number"})
        stmt = stmt.where(Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.number == number)))
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Customer.name).like(like), func.lower(Customer.email).like(like)))
    stmt = stmt.options(selectinload(Customer.phones), selectinload(Customer.organization))
    return list(db.session.scalars(stmt.order_by(Customer.name, Customer.id).limit(limit)))


def create_customer(data: dict, region: str) -> Customer:
    """A new customer from API/form data; every bad field is reported at once."""
    errors: dict[str, str] = {}
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "is required"
    elif len(name) > 200:
        errors["name"] = "at most 200 characters"
    email = None
    if data.get("email") not in (None, ""):
        try:
            email = normalise_email(str(data["email"]))
        except Invalid as error:
            errors.update(error.fields)
    raw_phones = []
    if data.get("phone") not in (None, ""):
        raw_phones.append(data["phone"])
    if data.get("phones") is not None:
        if not isinstance(data["phones"], list):
            errors["phones"] = "must be a list of phone numbers"
        else:
            raw_phones.extend(data["phones"])
    numbers: list[str] = []
    for raw in raw_phones:
        number = normalise_phone(raw, region) if isinstance(raw, str) else None
        if number is None:
            errors["phone" if "phone" in data and raw == data.get("phone") else "phones"] = f"not a phone number: {raw!r}"
        elif number not in numbers:
            numbers.append(number)
    language = data.get("language") or "fr"
    if language not in ("fr", "en"):
        errors["language"] = "must be fr or en"
    channel = data.get("preferred_channel")
    if channel is not None and channel not in CHANNELS:
        errors["preferred_channel"] = f"must be one of {', '.join(CHANNELS)}"
    segment = data.get("segment") or "standard"
    if segment not in SEGMENTS:
        errors["segment"] = f"must be one of {', '.join(SEGMENTS)}"
    organization = None
    org_name = data.get("organization")
    if org_name is not None:
        if not isinstance(org_name, str) or not org_name.strip():
            errors["organization"] = "must be an organization name"
        else:
            organization = db.session.scalar(select(Organization).where(Organization.name == org_name.strip()))
            if organization is None:
                organization = Organization(name=org_name.strip())
    if errors:
        raise Invalid(errors)
    customer = Customer(
        name=name.strip(),
        email=email,
        language=language,
        preferred_channel=channel,
        segment=segment,
        organization=organization,
        phones=[CustomerPhone(number=n) for n in numbers],
    )
    db.session.add(customer)
    return customer


@dataclass(frozen=True)
class CustomerCard:
    customer: Customer
    products: list[CustomerProduct]
    open_tickets: list[Ticket]
    recent_tickets: list[Ticket]
    tickets_total: int
    tickets_open: int


def customer_card(user, customer_id: int, recent: int = 10) -> CustomerCard:
    """Everything an agent needs about a customer, in a fixed number of queries."""
    customer = get_customer(user, customer_id)
    products = list(
        db.session.scalars(
            select(CustomerProduct)
            .where(CustomerProduct.customer_id == customer.id)
            .options(selectinload(CustomerProduct.product))
            .order_by(CustomerProduct.purchased_at.desc())
        )
    )
    open_tickets = list(
        db.session.scalars(
            select(Ticket)
            .where(Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.created_at.desc())
        )
    )
    recent_tickets = list(
        db.session.scalars(
            select(Ticket).where(Ticket.customer_id == customer.id).order_by(Ticket.created_at.desc()).limit(recent)
        )
    )
    total = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer.id))
    return CustomerCard(customer, products, open_tickets, recent_tickets, total or 0, len(open_tickets))
