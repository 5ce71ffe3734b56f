"""Permission decisions as plain functions, without an app or a database."""
from types import SimpleNamespace as NS

import pytest

from helpdesk.permissions import may


def user(role, customer=None, org_admin=False, active=True, id=1):
    return NS(id=id, role=role, active=active, is_authenticated=True, customer=customer,
              customer_id=customer.id if customer else None, is_org_admin=org_admin)


alice = NS(id=10, organization_id=7)
bob = NS(id=11, organization_id=7)
carol = NS(id=12, organization_id=None)


def ticket(customer, requester_id=None):
    return NS(customer_id=customer.id, customer=customer, requester_id=requester_id)


@pytest.mark.parametrize("role", ["agent", "lead", "admin"])
def test_staff_see_every_ticket(role):
    assert may(user(role), "ticket.view", ticket(carol))


def test_customer_sees_own_ticket_only():
    me = user("customer", alice)
    assert may(me, "ticket.view", ticket(alice))
    assert not may(me, "ticket.view", ticket(bob))
    assert not may(me, "ticket.view", ticket(carol))


def test_org_admin_sees_colleagues_tickets():
    boss = user("customer", alice, org_admin=True)
    assert may(boss, "ticket.view", ticket(bob))
    assert not may(boss, "ticket.view", ticket(carol))


def test_customer_never_sees_internal_notes_even_on_own_ticket():
    assert not may(user("customer", alice), "ticket.internal.view", ticket(alice))


def test_inactive_or_anonymous_users_may_nothing():
    assert not may(user("admin", active=False), "admin.view")
    assert not may(None, "ticket.view", ticket(alice))
    assert not may(NS(is_authenticated=False, active=True, role="admin"), "admin.view")


@pytest.mark.parametrize("role, action, allowed", [
    ("agent", "console.view", True), ("customer", "console.view", False),
    ("agent", "lead.view", False), ("lead", "lead.view", True),
    ("lead", "admin.view", False), ("admin", "admin.view", True),
    ("customer", "portal.view", True), ("agent", "portal.view", False),
    ("agent", "user.manage", False), ("admin", "user.manage", True),
])
def test_role_pages(role, action, allowed):
    assert may(user(role), action) is allowed


def test_unknown_action_is_denied():
    assert not may(user("admin"), "launch.rockets")


def test_customer_sees_own_card_only():
    me = user("customer", alice)
    assert may(me, "customer.view", alice)
    assert not may(me, "customer.view", bob)
    assert not may(me, "customer.update", alice)


def test_team_canned_responses_are_for_the_team_leads_and_admins_use_them_all():
    billing, network = NS(id=1), NS(id=2)
    team_macro, everyones = NS(team_id=1), NS(team_id=None)
    member = NS(**vars(user("agent")), teams=[billing])
    outsider = NS(**vars(user("agent")), teams=[network])
    assert may(member, "macro.use", team_macro) and may(member, "macro.use", everyones)
    assert not may(outsider, "macro.use", team_macro) and may(outsider, "macro.use", everyones)
    assert may(NS(**vars(user("lead")), teams=[]), "macro.use", team_macro)
    assert not may(user("customer"), "macro.use", everyones)
    assert may(user("lead"), "macro.manage") and may(user("admin"), "macro.manage")
    assert not may(user("agent"), "macro.manage")


@pytest.mark.parametrize("action", ["customer.scores.view", "follow_up.view", "customer.timeline.internal.view",
                                    "promise.make", "promise.cancel", "promise.internal.view"])
def test_scores_follow_ups_and_internal_timeline_are_for_staff(action):
    assert all(may(user(role), action) for role in ("agent", "lead", "admin"))
    assert not may(user("customer", alice), action, alice)


def test_customer_timeline_hides_segment_changes_follow_up_outcomes_and_promises():
    from helpdesk.permissions import hidden_interaction_kinds

    assert hidden_interaction_kinds(user("customer", alice)) == {"segment", "follow_up", "promise"}
    assert hidden_interaction_kinds(user("agent")) == frozenset()
