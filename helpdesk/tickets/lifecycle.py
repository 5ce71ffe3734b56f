"""Ticket lifecycle rules as plain functions: which status follows which, round-robin, macros."""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from helpdesk.models.tickets import DONE_STATUSES, PRIORITIES, STATUSES

if TYPE_CHECKING:
    from helpdesk.models import Ticket

CUSTOMER_SETTABLE = {"resolved", "closed", "open"}  # a customer may close or reopen their own ticket
REOPENING = {"resolved", "closed", "pending_customer"}
REOPEN_WINDOW_PASSED = "reopen_window_passed"


def transition_problem(old: str, new: str, *, staff: bool) -> str | None:
    """Why `old` → `new` is refused, as a code (not_a_choice, not_allowed, not_reopenable,
    no_way_back_to_new), or None. Staff move tickets freely except out of a merge."""
    if new not in STATUSES:
        return "not_a_choice"
    if new == old:
        return None
    if not staff:
        if new not in CUSTOMER_SETTABLE:
            return "not_allowed"
        if new == "open" and old not in ("resolved", "closed"):
            return "not_reopenable"
    if new == "new" and old != "new":
        return "no_way_back_to_new"
    return None


def reopen_deadline(ticket: Ticket, reopen_days: int) -> datetime | None:
    """Until when a customer may reopen a solved ticket (from the portal, the API, or by replying to
    it by e-mail: past it, a reply by e-mail opens a new ticket); None while it is open."""
    if ticket.status not in DONE_STATUSES:
        return None
    solved_at = ticket.resolved_at or ticket.closed_at or ticket.updated_at
    return solved_at + timedelta(days=reopen_days) if solved_at else None


def may_reopen(ticket: Ticket, now: datetime, reopen_days: int) -> bool:
    deadline = reopen_deadline(ticket, reopen_days)
    return deadline is not None and now <= deadline


def may_reply(ticket: Ticket, now: datetime, reopen_days: int) -> bool:
    """A reply on a solved request reopens it, so it follows the reopen window."""
    return ticket.status not in DONE_STATUSES or may_reopen(ticket, now, reopen_days)


def status_after_message(current: str, *, from_customer: bool, public: bool) -> str:
    """The status a ticket takes when a message lands on it.

    A customer writing on a resolved, closed or pending ticket reopens it; the first public agent
    reply on a new ticket opens it. Internal notes change nothing.
    """
    if not public:
        return current
    if from_customer:
        return "open" if current in REOPENING else current
    return "open" if current == "new" else current


def raised_priority(priority: str) -> str:
    index = PRIORITIES.index(priority)
    return PRIORITIES[min(index + 1, len(PRIORITIES) - 1)]


def next_round_robin(candidate_ids: Sequence[int], last_assigned_id: int | None) -> int | None:
    """The next agent after the last one given a ticket, wrapping around; None when nobody is available."""
    ordered = sorted(candidate_ids)
    if not ordered:
        return None
    if last_assigned_id is None:
        return ordered[0]
    for candidate in ordered:
        if candidate > last_assigned_id:
            return candidate
    return ordered[0]


def due_for_auto_close(status: str, resolved_at: datetime | None, now: datetime, after_days: int) -> bool:
    return status == "resolved" and resolved_at is not None and now - resolved_at >= timedelta(days=after_days)


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")
# What a canned response may say {{ like.this }}; filled by tickets.service.macro_values.
PLACEHOLDERS = ("customer.name", "ticket.number", "ticket.subject", "agent.name")


def unknown_placeholders(template: str) -> list[str]:
    """The {{ placeholders }} of a canned response that nothing would fill, in order of appearance."""
    found = []
    for name in _PLACEHOLDER.findall(template):
        if name not in PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def fill_placeholders(template: str, values: dict[str, str]) -> str:
    """Replace {{ customer.name }}-style placeholders; unknown ones are left visible for the agent to fix."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def event_values(actor_id: int | None, action: str, now: datetime, field_name: str | None = None,
                 old: Any = None, new: Any = None, data: dict | None = None) -> dict:
    """The columns of a TicketEvent (the ticket's history) but its ticket: values as text, cut to fit."""
    return {
        "actor_id": actor_id, "action": action, "field": field_name,
        "old_value": None if old is None else str(old)[:300], "new_value": None if new is None else str(new)[:300],
        "data": data, "created_at": now,
    }
