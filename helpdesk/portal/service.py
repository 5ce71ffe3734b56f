"""The portal's rules: a customer's products and their cover, the SLA their contract gives them,
upload checks before anything is stored, the reopen window, and the "my requests" list."""
from __future__ import annotations

import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.errors import DomainError, Invalid
from helpdesk.models import Attachment, Customer, CustomerProduct, Message, Ticket, User
from helpdesk.models.tickets import DONE_STATUSES, OPEN_STATUSES
from helpdesk.permissions import may, scope_tickets
from helpdesk.sla.policies import ALWAYS_OPEN
from helpdesk.sla.service import load_sla_context, plan_new_ticket
from helpdesk.tickets import service as tickets
from helpdesk.tickets.lifecycle import REOPEN_WINDOW_PASSED, may_reopen, may_reply, reopen_deadline  # noqa: F401
from helpdesk.tickets.attachments import ALLOWED_TYPES, UnsupportedType, content_type_for, store_attachment

# Extensions worth naming on the page; only those the attachment checker accepts are shown.
_CANDIDATE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".txt", ".csv", ".zip", ".json", ".xml",
                         ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".mp3", ".wav", ".mp4")
ACCEPTED_EXTENSIONS = tuple(e for e in _CANDIDATE_EXTENSIONS if mimetypes.guess_type("f" + e)[0] in ALLOWED_TYPES)
PAGE_SIZE = 20
STATUS_FILTERS = {"open": OPEN_STATUSES, "done": DONE_STATUSES}


# --- products and their cover ------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """What covers a product the customer owns, on `today`: the warranty and/or a contract."""

    warranty_until: date | None
    warranty_active: bool
    contract_name: str | None
    contract_until: date | None
    contract_active: bool


def coverage(owned: CustomerProduct, today: date) -> Coverage:
    return Coverage(
        warranty_until=owned.warranty_until,
        warranty_active=owned.warranty_until is not None and owned.warranty_until >= today,
        contract_name=owned.plan or None,
        contract_until=owned.contract_until,
        contract_active=owned.contract_until is None or owned.contract_until >= today,
    )


def owned_products(session: Session, customer_id: int | None) -> list[CustomerProduct]:
    if customer_id is None:
        return []
    return list(session.scalars(
        select(CustomerProduct).where(CustomerProduct.customer_id == customer_id)
        .options(selectinload(CustomerProduct.product))
        .order_by(CustomerProduct.purchased_at.desc(), CustomerProduct.id.desc())
    ))


# --- the SLA a customer's contract gives them -------------------------------------------------------


@dataclass(frozen=True)
class SlaTier:
    """A policy's promises in business minutes; `business_hours` False when its clock never stops."""

    policy_name: str
    first_response_minutes: int | None
    resolution_minutes: int | None
    business_hours: bool


def _tier(ctx, policy_id: int | None, team_id: int | None) -> SlaTier | None:
    policy = ctx.policies_by_id.get(policy_id) if policy_id is not None else None
    if policy is None:
        return None
    return SlaTier(policy.name, policy.targets.first_response_minutes, policy.targets.resolution_minutes,
                   ctx.hours_for(policy, team_id) is not ALWAYS_OPEN)


def customer_sla_tier(session: Session, customer: Customer | None, now: datetime) -> SlaTier | None:
    """The SLA a new normal-priority request of `customer` would get, planned by the same code that
    plans a real new ticket (on a ticket object that is never added to the session)."""
    ctx = load_sla_context(session)
    prospect = Ticket(customer=customer, status="new", priority="normal", type="question", created_at=now,
                      updated_at=now, sla_clocks=[])
    plan_new_ticket(session, prospect, now, ctx)
    return _tier(ctx, prospect.sla_policy_id, None)


def ticket_sla_tier(session: Session, ticket: Ticket) -> SlaTier | None:
    """The SLA the ticket itself runs under."""
    return _tier(load_sla_context(session), ticket.sla_policy_id, ticket.team_id)


# --- uploads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadProblem:
    """Why a file is refused: `too_many`, `too_large`, `type` or `empty` (filename None for `too_many`)."""

    reason: str
    filename: str | None = None


def chosen_files(uploads: Sequence[Any] | None) -> list[Any]:
    """The file inputs that carry a file (an empty input still sends a nameless part)."""
    return [u for u in uploads or () if u is not None and getattr(u, "filename", None)]


def upload_problems(uploads: Sequence[Any], max_count: int, max_bytes: int) -> list[UploadProblem]:
    """Check every file (count, size, type and content) before anything is written, so a refused
    request stores nothing. Each stream is rewound for `store_attachment`."""
    problems = []
    if len(uploads) > max_count:
        problems.append(UploadProblem("too_many"))
    for upload in uploads:
        name = os.path.basename(upload.filename.replace("\\", "/")).strip()
        stream: BinaryIO = upload.stream
        head = stream.read(16)
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if size == 0:
            problems.append(UploadProblem("empty", name))
        elif size > max_bytes:
            problems.append(UploadProblem("too_large", name))
        else:
            try:
                content_type_for(name, head)
            except UnsupportedType:
                problems.append(UploadProblem("type", name))
    return problems


def _store_all(session: Session, root: Path, ticket: Ticket, actor: User, message: Message, uploads: Sequence[Any],
               max_bytes: int, now: datetime) -> list[Attachment]:
    return [store_attachment(session, root, ticket, actor, upload.stream, upload.filename, max_bytes, now,
                             message=message) for upload in uploads]


class UploadsRefused(DomainError):
    """Some files cannot be taken; `problems` says which and why."""

    status = 400
    code = "attachments_refused"

    def __init__(self, problems: list[UploadProblem]):
        super().__init__("Some files were refused.", {"fields": {"attachments": [p.reason for p in problems]}})
        self.problems = problems


@dataclass(frozen=True)
class UploadLimits:
    max_count: int
    max_bytes: int
    root: Path


def submit_request(session: Session, actor: User, data: dict, uploads: Sequence[Any], limits: UploadLimits,
                   now: datetime) -> Ticket:
    """A customer's new request with its files on the first message. Nothing is added when a file is
    refused or a field is invalid (the caller rolls back and commits)."""
    problems = upload_problems(uploads, limits.max_count, limits.max_bytes)
    if problems:
        raise UploadsRefused(problems)
    ticket = tickets.create_ticket(session, actor, data, now, channel="portal")
    _store_all(session, limits.root, ticket, actor, ticket.messages[0], uploads, limits.max_bytes, now)
    return ticket


def reply_to_request(session: Session, actor: User, ticket: Ticket, body: str, uploads: Sequence[Any],
                     limits: UploadLimits, reopen_days: int, now: datetime) -> Message:
    """A customer's reply with files. On a solved request past the reopen window it is refused:
    the customer opens a new request instead."""
    if not may_reply(ticket, now, reopen_days):
        raise Invalid({"body": REOPEN_WINDOW_PASSED}, code=REOPEN_WINDOW_PASSED)
    problems = upload_problems(uploads, limits.max_count, limits.max_bytes)
    if problems:
        raise UploadsRefused(problems)
    message = tickets.add_message(session, actor, ticket.id, {"body": body}, now, channel="portal")
    _store_all(session, limits.root, ticket, actor, message, uploads, limits.max_bytes, now)
    return message


# --- close and reopen ------------------------------------------------------------------------------


def change_request_status(session: Session, actor: User, ticket: Ticket, wanted: str, reopen_days: int,
                          now: datetime) -> Ticket:
    """"My problem is solved" (closed) or "reopen" (within the window)."""
    if wanted not in ("closed", "open"):
        raise Invalid({"status": "not_a_choice"}, "The status must be closed or open.")
    if wanted == "open" and not may_reopen(ticket, now, reopen_days):
        raise Invalid({"status": REOPEN_WINDOW_PASSED}, code=REOPEN_WINDOW_PASSED)
    return tickets.update_ticket(session, actor, ticket.id, {"status": wanted}, now, expected_version=None)


# --- my requests -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilters:
    scope: str = "mine"  # mine, or organization (org admins)
    q: str | None = None
    status: str | None = None  # open, done
    product_id: int | None = None
    before_id: int | None = None  # keyset: the page after this ticket


def parse_request_filters(args, user: User) -> RequestFilters:
    """Filters from the query string; a value that makes no sense is ignored (it is a search form)."""
    scope = "organization" if args.get("scope") == "organization" and may(user, "portal.organization.view") else "mine"
    q = (args.get("q") or "").strip()[:200] or None
    status = args.get("status") if args.get("status") in STATUS_FILTERS else None
    product = args.get("product") or ""
    before = args.get("before") or ""
    return RequestFilters(scope=scope, q=q, status=status, product_id=int(product) if product.isdigit() else None,
                          before_id=int(before) if before.isdigit() else None)


@dataclass(frozen=True)
class RequestPage:
    items: list[Ticket]
    next_before_id: int | None


def request_page(session: Session, user: User, f: RequestFilters, limit: int = PAGE_SIZE) -> RequestPage:
    """One page of the customer's requests (or their organization's), newest first, keyset-paginated
    on the primary key; a fixed number of statements whatever the page holds."""
    stmt = scope_tickets(user, select(Ticket))
    if f.scope == "mine":
        mine = [Ticket.requester_id == user.id]
        if user.customer_id is not None:
            mine.append(Ticket.customer_id == user.customer_id)
        stmt = stmt.where(or_(*mine))
    if f.status:
        stmt = stmt.where(Ticket.status.in_(STATUS_FILTERS[f.status]))
    if f.product_id is not None:
        stmt = stmt.where(Ticket.product_id == f.product_id)
    if f.q:
        number = f.q.lstrip("#")
        if number.isdigit():
            stmt = stmt.where(or_(Ticket.number == int(number), Ticket.id == int(number)))
        elif f.q.strip("#"):
            stmt = stmt.where(func.lower(Ticket.subject).contains(f.q.lower(), autoescape=True))
        else:
            stmt = stmt.where(false())
    if f.before_id is not None:
        stmt = stmt.where(Ticket.id < f.before_id)
    rows = list(session.scalars(
        stmt.order_by(Ticket.id.desc()).limit(limit + 1)
        .options(selectinload(Ticket.requester), selectinload(Ticket.customer),
                 selectinload(Ticket.product).selectinload(CustomerProduct.product))
    ))
    more = len(rows) > limit
    rows = rows[:limit]
    return RequestPage(rows, rows[-1].id if more and rows else None)
