"""Contact load: how much the customer had to come back to us, and how often we let them down.

Contract (everything after `now` is ignored; merged duplicate tickets do not count):
- contacts: tickets created in the last `contact_window_days`, plus the inbound calls and e-mails
  of that window that are attached to no ticket (a ticket counts once, whatever it took to open it).
- reopen rate: of the tickets created in the last `friction_window_days` that were ever resolved
  (resolved now, or reopened after a resolution), the share reopened at least once. None when
  none was resolved.
- breaches: SLA clocks breached on the tickets created in the friction window.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class TicketFact:
    created_at: datetime
    resolved: bool  # resolved or closed now (resolved_at set)
    reopened: bool  # went from resolved/closed back to an open status at least once
    breaches: int = 0  # SLA clocks of this ticket that breached
    merged: bool = False


@dataclass(frozen=True)
class ContactLoad:
    contacts: int = 0
    tickets_resolved: int = 0  # ever resolved, in the friction window
    tickets_reopened: int = 0
    breaches: int = 0

    @property
    def reopen_rate(self) -> float | None:
        return self.tickets_reopened / self.tickets_resolved if self.tickets_resolved else None


def contact_load(tickets: Iterable[TicketFact], loose_contacts: Iterable[datetime], now: datetime, *,
                 contact_window_days: int, friction_window_days: int) -> ContactLoad:
    """`loose_contacts`: when the inbound calls and e-mails attached to no ticket happened."""
    contact_since = now - timedelta(days=contact_window_days)
    friction_since = now - timedelta(days=friction_window_days)
    contacts = sum(1 for at in loose_contacts if contact_since <= at <= now)
    resolved = reopened = breaches = 0
    for ticket in tickets:
        if ticket.merged or ticket.created_at > now:
            continue
        if ticket.created_at >= contact_since:
            contacts += 1
        if ticket.created_at >= friction_since:
            resolved += ticket.resolved or ticket.reopened
            reopened += ticket.reopened
            breaches += ticket.breaches
    return ContactLoad(contacts, resolved, reopened, breaches)
