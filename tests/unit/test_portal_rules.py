"""The portal's pure rules: a product's cover, the reopen window, who may download a file, who sees
their organization's requests."""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from helpdesk.permissions import may
from helpdesk.portal.service import coverage, may_reopen, may_reply, reopen_deadline

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.utc)
TODAY = NOW.date()


def _owned(**fields):
    values = {"warranty_until": None, "contract_until": None, "plan": None}
    values.update(fields)
    return SimpleNamespace(**values)


def test_a_warranty_running_until_a_day_is_active_that_day_and_expired_after():
    assert coverage(_owned(warranty_until=TODAY), TODAY).warranty_active
    assert not coverage(_owned(warranty_until=TODAY - timedelta(days=1)), TODAY).warranty_active


def test_a_contract_without_an_end_is_in_force():
    cover = coverage(_owned(plan="Sérénité"), TODAY)
    assert (cover.contract_name, cover.contract_active, cover.warranty_until) == ("Sérénité", True, None)
    assert not coverage(_owned(plan="Sérénité", contract_until=date(2026, 1, 1)), TODAY).contract_active


def _ticket(status, resolved_days_ago=None):
    resolved = NOW - timedelta(days=resolved_days_ago) if resolved_days_ago is not None else None
    return SimpleNamespace(status=status, resolved_at=resolved, closed_at=resolved, updated_at=NOW)


def test_a_solved_request_can_be_reopened_within_the_window_only():
    assert reopen_deadline(_ticket("open"), 14) is None
    assert may_reopen(_ticket("closed", 14), NOW, 14)
    assert not may_reopen(_ticket("closed", 15), NOW, 14)
    assert may_reopen(_ticket("resolved", 0), NOW, 14)
    assert not may_reopen(_ticket("open"), NOW, 14)


def test_replying_follows_the_window_once_solved():
    assert may_reply(_ticket("pending_customer"), NOW, 14)
    assert may_reply(_ticket("resolved", 3), NOW, 14)
    assert not may_reply(_ticket("closed", 30), NOW, 14)


def _customer_user(user_id=1, customer_id=10, org_id=None, org_admin=False):
    customer = SimpleNamespace(id=customer_id, organization_id=org_id)
    return SimpleNamespace(id=user_id, role="customer", active=True, is_authenticated=True, customer=customer,
                           customer_id=customer_id, is_org_admin=org_admin)


def _attachment(kind, customer_id=10, org_id=None):
    ticket = SimpleNamespace(customer_id=customer_id, requester_id=None,
                             customer=SimpleNamespace(id=customer_id, organization_id=org_id))
    message = None if kind is None else SimpleNamespace(kind=kind, ticket=ticket)
    return SimpleNamespace(message=message)


def test_customers_download_files_of_public_replies_on_their_tickets_only():
    alice = _customer_user()
    assert may(alice, "attachment.download", _attachment("reply"))
    assert not may(alice, "attachment.download", _attachment("note"))
    assert not may(alice, "attachment.download", _attachment(None))
    assert not may(alice, "attachment.download", _attachment("reply", customer_id=99))
    agent = SimpleNamespace(id=5, role="agent", active=True, is_authenticated=True)
    assert may(agent, "attachment.download", _attachment("note"))


def test_an_org_admin_follows_the_organizations_requests_and_a_colleague_does_not():
    assert may(_customer_user(org_id=3, org_admin=True), "portal.organization.view")
    assert not may(_customer_user(org_id=3), "portal.organization.view")
    assert not may(_customer_user(org_admin=True), "portal.organization.view")  # admin of no organization
    admin = _customer_user(org_id=3, org_admin=True)
    assert may(admin, "attachment.download", _attachment("reply", customer_id=42, org_id=3))
