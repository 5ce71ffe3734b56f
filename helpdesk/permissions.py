"""The one place that answers "may this user do this to this object?", and scopes queries to match.

Decisions are plain functions of (user, action, object) so they can be unit-tested without Flask.
A customer only ever reaches their own data, or their organization's when they are its org admin.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, or_, select

from helpdesk.errors import Forbidden, NotFound

STAFF = frozenset({"agent", "lead", "admin"})


class _SystemActor:
    """Trusted server-side code acting on no user's behalf (the CTI webhook, authenticated by its
    secret; the SLA sweep). It reads as staff; it is never a logged-in user."""

    id = None
    role = "agent"
    active = True
    is_authenticated = True
    is_staff = True
    customer = None
    customer_id = None
    is_org_admin = False
    teams: list = []
    name = "system"


SYSTEM = _SystemActor()

# A bearer token may be scoped to a role below its owner's ("an agent-level token for the PBX
# bridge"): the token then acts with that role. auth.service.user_for_token sets `token_role` on the
# User it returns; a browser session never has one.
ROLE_RANK = {"customer": 0, "agent": 1, "lead": 2, "admin": 3}


def acting_role(user: Any) -> str | None:
    """The role `user` acts with: their own, or their token's scope when that is lower."""
    role = getattr(user, "role", None)
    cap = getattr(user, "token_role", None)
    if cap in ROLE_RANK and role in ROLE_RANK and ROLE_RANK[cap] < ROLE_RANK[role]:
        return cap
    return role

# action -> roles allowed, for actions that do not depend on the object.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "console.view": STAFF,
    "lead.view": frozenset({"lead", "admin"}),
    "admin.view": frozenset({"admin"}),
    "portal.view": frozenset({"customer"}),
    "customer.create": STAFF,
    "customer.list": STAFF,
    # Scores, tactical segment, RFM and the score's explanation: how staff weigh a customer.
    "customer.scores.view": STAFF,
    # Timeline entries about how staff treat the customer (see STAFF_ONLY_INTERACTIONS).
    "customer.timeline.internal.view": STAFF,
    "ticket.create": STAFF | {"customer"},
    "ticket.list": STAFF | {"customer"},
    "user.manage": frozenset({"admin"}),
    "team.manage": frozenset({"admin"}),
    "sla.manage": frozenset({"admin"}),
    "calendar.manage": frozenset({"admin"}),
    "kb.author": STAFF,
    "reports.view": frozenset({"lead", "admin"}),
    "macro.manage": frozenset({"lead", "admin"}),
    "survey.manage": frozenset({"admin"}),
    # Mail that did not go through: failed outgoing (resend), quarantined incoming (re-process).
    "mail.manage": frozenset({"admin"}),
    # The product catalogue: staff read it (to register a customer's product); admins change it.
    "product.list": STAFF,
    "admin.products": frozenset({"admin"}),
    # The tags tickets and articles share: admins rename, merge and delete them.
    "admin.tags": frozenset({"admin"}),
    # The audit log of admin changes.
    "audit.view": frozenset({"admin"}),
    # Integrations: API tokens of anyone on the staff, the telephony secret, the mail server's status.
    "admin.integrations": frozenset({"admin"}),
    # Service recovery: staff see follow-ups (the card shows them); team leads close them.
    "follow_up.view": STAFF,
    "follow_up.list": STAFF,
    "follow_up.close": frozenset({"lead", "admin"}),
    # Promises to a customer ("I'll call you back Thursday morning") are made and withdrawn by staff;
    # customers see only what is still promised to them, never who broke what.
    "promise.make": STAFF,
    "promise.cancel": STAFF,
    "promise.internal.view": STAFF,
}


# Interactions on a customer's timeline that only staff see: tactical segment changes, the
# outcomes of recovery follow-ups, and promises made, kept, broken or cancelled (the portal shows a
# customer what is still promised on the ticket itself).
STAFF_ONLY_INTERACTIONS = frozenset({"segment", "follow_up", "promise"})


def hidden_interaction_kinds(user: Any) -> frozenset[str]:
    """Interaction kinds to leave out of the timeline `user` reads."""
    return frozenset() if may(user, "customer.timeline.internal.view") else STAFF_ONLY_INTERACTIONS


def _is_staff(user: Any) -> bool:
    return acting_role(user) in STAFF and bool(getattr(user, "active", False))


def _customer_scope(user: Any) -> tuple[int | None, int | None]:
    """(customer id, organization id when org admin) a customer user may see."""
    customer = getattr(user, "customer", None)
    if customer is None:
        return getattr(user, "customer_id", None), None
    org_id = customer.organization_id if getattr(user, "is_org_admin", False) else None
    return customer.id, org_id


def may(user: Any, action: str, obj: Any = None) -> bool:
    """True when `user` may perform `action` (on `obj`, when the action concerns one)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return False
    role = acting_role(user)
    if action in ROLE_ACTIONS:
        return role in ROLE_ACTIONS[action]
    if action in {"ticket.view", "ticket.reply", "ticket.close", "ticket.reopen", "attachment.view"}:
        if role in STAFF:
            return True
        return _customer_owns_ticket(user, obj)
    if action == "portal.organization.view":
        # An org admin follows every request of their organization in the portal.
        customer = getattr(user, "customer", None)
        return (role == "customer" and bool(getattr(user, "is_org_admin", False)) and customer is not None
                and customer.organization_id is not None)
    if action == "attachment.download":
        # obj: the Attachment. Customers get the files of public replies on their tickets only,
        # never those of internal notes (nor loose files not on a message).
        if role in STAFF:
            return True
        message = getattr(obj, "message", None)
        return message is not None and message.kind == "reply" and _customer_owns_ticket(user, message.ticket)
    if action in {"ticket.update", "ticket.note", "ticket.assign", "ticket.merge", "ticket.internal.view"}:
        return role in STAFF
    if action in {"customer.view", "customer.update"}:
        if role in STAFF:
            return True
        customer_id, _ = _customer_scope(user)
        return action == "customer.view" and obj is not None and obj.id == customer_id
    if action == "macro.use":
        # A team's canned responses are for its members (leads and admins use them all).
        if role not in STAFF:
            return False
        if obj is None or obj.team_id is None or role in ("lead", "admin"):
            return True
        return any(team.id == obj.team_id for team in getattr(user, "teams", ()))
    if action == "article.view":
        if role in STAFF:
            return True
        return obj is not None and obj.status == "published" and obj.visibility == "public"
    return False


def _customer_owns_ticket(user: Any, ticket: Any) -> bool:
    if ticket is None:
        return False
    customer_id, org_id = _customer_scope(user)
    if customer_id is not None and ticket.customer_id == customer_id:
        return True
    if getattr(ticket, "requester_id", None) == user.id:
        return True
    if org_id is not None and ticket.customer is not None and ticket.customer.organization_id == org_id:
        return True
    return False


def require(user: Any, action: str, obj: Any = None, *, hide: bool = False) -> None:
    """Raise Forbidden (or NotFound when `hide`, so existence is not revealed) unless allowed."""
    if not may(user, action, obj):
        if hide:
            raise NotFound()
        raise Forbidden()


def scope_tickets(user: Any, stmt: Select) -> Select:
    """Restrict a ticket query to what `user` may see."""
    from helpdesk.models import Customer, Ticket

    if _is_staff(user):
        return stmt
    if getattr(user, "role", None) != "customer":
        return stmt.where(false())
    customer_id, org_id = _customer_scope(user)
    conditions = [Ticket.requester_id == user.id]
    if customer_id is not None:
        conditions.append(Ticket.customer_id == customer_id)
    if org_id is not None:
        conditions.append(
            Ticket.customer_id.in_(select(Customer.id).where(Customer.organization_id == org_id))
        )
    return stmt.where(or_(*conditions))


def scope_customers(user: Any, stmt: Select) -> Select:
    from helpdesk.models import Customer

    if _is_staff(user):
        return stmt
    customer_id, _ = _customer_scope(user)
    if getattr(user, "role", None) != "customer" or customer_id is None:
        return stmt.where(false())
    return stmt.where(Customer.id == customer_id)


# --- knowledge base (search visibility) -------------------------------------------------------


def article_audiences(user: Any) -> tuple[str, ...]:
    """Visibilities of published articles `user` may read: staff all, anyone else (visitors too) public."""
    return ("public", "internal") if _is_staff(user) else ("public",)


def scope_articles(user: Any, stmt: Select) -> Select:
    """Restrict an article query to the published articles `user` may read."""
    from knowledge_base.models import Article

    return stmt.where(Article.status == "published", Article.visibility.in_(article_audiences(user)))


def customer_scope(user: Any) -> tuple[int | None, int | None]:
    """(customer id, organization id when org admin) whose tickets a customer user may see."""
    if getattr(user, "role", None) != "customer" or not getattr(user, "is_authenticated", False):
        return None, None
    return _customer_scope(user)

