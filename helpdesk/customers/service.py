"""Customer rules: creating, changing and finding customers, their products and orders."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from helpdesk.auth.service import normalise_email
from helpdesk.customers.orders import parse_order
from helpdesk.customers.phones import normalise_phone
from helpdesk.errors import Conflict, FieldErrors, Invalid, NotFound
from helpdesk.extensions import db
from helpdesk.models import Customer, CustomerEmail, CustomerPhone, CustomerProduct, Order, Organization, Product, utcnow
from helpdesk.models.customers import CHANNELS, LIFECYCLE_STAGES, SEGMENTS
from helpdesk.models.tickets import OPEN_STATUSES
from helpdesk.permissions import require, scope_customers
from helpdesk.scores.service import update_customer_scores


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
            raise Invalid({"phone": "not_a_phone"}, "This is not a phone number.")
        stmt = stmt.where(Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.number == number)))
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Customer.name).like(like), func.lower(Customer.email).like(like)))
    stmt = stmt.options(selectinload(Customer.phones), selectinload(Customer.organization))
    return list(db.session.scalars(stmt.order_by(Customer.name, Customer.id).limit(limit)))


MAX_NAME = 200
MAX_NOTES = 4000
MAX_PRODUCT_TEXT = 100

CUSTOMER_FIELDS = ("name", "email", "phone", "phones", "organization", "language", "preferred_channel", "segment",
                   "lifecycle_stage", "notes", "consent_email", "consent_sms", "consent_surveys")


def _customer_values(data: dict, region: str, *, partial: bool) -> dict:
    """Checked values for the fields present in `data` (all required ones when not partial)."""
    errors = FieldErrors()
    values: dict = {}
    unknown = set(data) - set(CUSTOMER_FIELDS)
    for name in unknown:
        errors[name] = "unknown_field"
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            errors["name"] = "required"
        elif len(name) > MAX_NAME:
            errors.add("name", "too_long", max_length=MAX_NAME)
        else:
            values["name"] = name.strip()
    if "email" in data:
        values["email"] = None
        if data["email"] not in (None, ""):
            try:
                values["email"] = normalise_email(str(data["email"]))
            except Invalid as error:
                errors.update(error.fields)
    if "phone" in data or "phones" in data:
        raw_phones = []
        if data.get("phone") not in (None, ""):
            raw_phones.append(("phone", data["phone"]))
        if data.get("phones") is not None:
            if not isinstance(data["phones"], list):
                errors["phones"] = "must_be_list"
            else:
                raw_phones.extend(("phones", p) for p in data["phones"])
        numbers: list[str] = []
        for field_name, raw in raw_phones:
            number = normalise_phone(raw, region) if isinstance(raw, str) else None
            if number is None:
                errors[field_name] = "not_a_phone"
            elif number not in numbers:
                numbers.append(number)
        values["phones"] = numbers
    if "language" in data or not partial:
        language = data.get("language") or "fr"
        if language not in ("fr", "en"):
            errors.add("language", "not_a_choice", choices=["fr", "en"])
        values["language"] = language
    if "preferred_channel" in data:
        channel = data["preferred_channel"]
        if channel is not None and channel not in CHANNELS:
            errors.add("preferred_channel", "not_a_choice", choices=list(CHANNELS))
        values["preferred_channel"] = channel
    if "segment" in data or not partial:
        segment = data.get("segment") or "standard"
        if segment not in SEGMENTS:
            errors.add("segment", "not_a_choice", choices=list(SEGMENTS))
        values["segment"] = segment
    if "lifecycle_stage" in data:
        if data["lifecycle_stage"] not in LIFECYCLE_STAGES:
            errors.add("lifecycle_stage", "not_a_choice", choices=list(LIFECYCLE_STAGES))
        values["lifecycle_stage"] = data["lifecycle_stage"]
    if "notes" in data:
        notes = data["notes"]
        if notes is not None and not isinstance(notes, str):
            errors["notes"] = "not_text"
        elif notes is not None and len(notes) > MAX_NOTES:
            errors.add("notes", "too_long", max_length=MAX_NOTES)
        values["notes"] = notes
    for flag in ("consent_email", "consent_sms", "consent_surveys"):
        if flag in data:
            if not isinstance(data[flag], bool):
                errors[flag] = "not_true_or_false"
            values[flag] = data[flag]
    if "organization" in data:
        org_name = data["organization"]
        values["organization"] = None
        if org_name is not None:
            if not isinstance(org_name, str) or not org_name.strip():
                errors["organization"] = "required"
            else:
                organization = db.session.scalar(select(Organization).where(Organization.name == org_name.strip()))
                values["organization"] = organization or Organization(name=org_name.strip())
    if errors:
        raise Invalid(errors)
    return values


def create_customer(data: dict, region: str) -> Customer:
    """A new customer from API/form data; every bad field is reported at once."""
    values = _customer_values(data, region, partial=False)
    numbers = values.pop("phones", [])
    customer = Customer(**values, phones=[CustomerPhone(number=n) for n in numbers])
    db.session.add(customer)
    return customer


def update_customer(customer: Customer, data: dict, region: str) -> Customer:
    """A partial update; phones, when given, replace the customer's numbers."""
    values = _customer_values(data, region, partial=True)
    numbers = values.pop("phones", None)
    for key, value in values.items():
        setattr(customer, key, value)
    if numbers is not None:
        existing = {p.number: p for p in customer.phones}
        customer.phones = [existing.get(n) or CustomerPhone(number=n) for n in numbers]
    return customer


def _date(value, name: str, errors: dict):
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        errors[name] = "bad_date"
        return None


def add_product(customer: Customer, data: dict) -> CustomerProduct:
    errors = FieldErrors()
    sku = data.get("sku")
    product = db.session.scalar(select(Product).where(Product.sku == sku)) if isinstance(sku, str) else None
    if product is None:
        errors["sku"] = "unknown_product"
    purchased = _date(data.get("purchased_at"), "purchased_at", errors)
    warranty = _date(data.get("warranty_until"), "warranty_until", errors)
    contract = _date(data.get("contract_until"), "contract_until", errors)
    for name in ("serial", "plan"):
        if data.get(name) is not None and not isinstance(data[name], str):
            errors[name] = "not_text"
        elif data.get(name) is not None and len(data[name]) > MAX_PRODUCT_TEXT:
            errors.add(name, "too_long", max_length=MAX_PRODUCT_TEXT)
    if errors:
        raise Invalid(errors)
    if warranty is None and purchased is not None and product.warranty_months:
        from helpdesk.customers.rules import add_months

        warranty = add_months(purchased, product.warranty_months)
    owned = CustomerProduct(customer=customer, product=product, serial=data.get("serial"), purchased_at=purchased,
                            warranty_until=warranty, contract_until=contract, plan=data.get("plan"))
    db.session.add(owned)
    return owned


def add_order(customer: Customer, data: dict, now: datetime | None = None) -> Order:
    """One order from the API, checked like an imported line (`parse_order`); a reference already
    imported is a Conflict (the same order posted twice stays one order). Updates the customer's
    scores; flushes, the caller commits."""
    fields = parse_order(data)
    if fields.reference and db.session.scalar(select(Order.id).where(Order.reference == fields.reference)):
        raise _duplicate_order()
    order = Order(customer_id=customer.id, amount=fields.amount, currency=fields.currency,
                  ordered_at=fields.ordered_at, reference=fields.reference)
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError:  # the same reference posted twice at once: the unique index let one through
        db.session.rollback()
        raise _duplicate_order()
    update_customer_scores(db.session, customer.id, now or utcnow())
    return order


def _duplicate_order() -> Conflict:
    return Conflict("An order with this reference already exists.", {"fields": {"reference": "duplicate"}},
                    code="duplicate")
