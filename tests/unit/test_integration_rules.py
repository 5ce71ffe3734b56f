"""Integration rules as plain functions, without an app: a token's role scope, the checks on a new
token, the telephony secret's rotation (only a hash kept, the old secret and CTI_TOKEN refused), the
bridge instructions, and the SMTP check of an unconfigured or silent server."""
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from helpdesk.auth.api_tokens import check_request
from helpdesk.auth.security import role_scope, scope_role
from helpdesk.cti import secret as telephony
from helpdesk.errors import Invalid, Unauthorized
from helpdesk.mail.outbox import MailSettings
from helpdesk.mail.reachability import check_smtp
from helpdesk.permissions import acting_role, may

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)
ZONE = "Europe/Paris"


def person(role, token_role=None, id=1):
    return NS(id=id, role=role, active=True, is_authenticated=True, customer=None, customer_id=None,
              is_org_admin=False, teams=[], name="Ada", token_role=token_role)


# --- role scope ---------------------------------------------------------------------------------------


def test_a_token_with_every_scope_acts_with_its_owners_role_and_a_scoped_one_at_most_with_its_role():
    assert scope_role("*") is None and scope_role(None) is None
    assert scope_role(role_scope("agent")) == "agent" and scope_role("role:lead") == "lead"
    assert scope_role("tickets:write") == "agent"  # a scope this version does not know grants the least


def test_an_admin_acting_through_an_agent_token_administers_nothing():
    admin = person("admin")
    through_token = person("admin", token_role="agent")
    assert may(admin, "admin.integrations") and may(admin, "user.manage")
    assert acting_role(through_token) == "agent"
    for action in ("admin.view", "admin.integrations", "user.manage", "audit.view", "lead.view", "reports.view"):
        assert not may(through_token, action), action
    assert may(through_token, "console.view") and may(through_token, "ticket.update")


def test_a_scope_never_raises_a_role():
    assert acting_role(person("agent", token_role="admin")) == "agent"
    assert not may(person("agent", token_role="admin"), "admin.view")


# --- a new token's fields -----------------------------------------------------------------------------


def test_a_good_request_expires_at_the_end_of_the_chosen_day_in_the_desks_time_zone():
    owner = person("lead")
    wanted = check_request({"name": " Pont CRM ", "scope": "lead", "expires_on": "2026-04-01"}, owner, NOW, ZONE)
    assert wanted.name == "Pont CRM" and wanted.scope == "lead" and wanted.owner is owner
    assert wanted.expires_at == datetime(2026, 4, 1, 22, 0, tzinfo=timezone.utc)  # midnight in Paris (summer time)


@pytest.mark.parametrize("data, owner, expected", [
    ({"name": "", "scope": "agent", "expires_on": "2026-04-01"}, person("admin"), {"name": "required"}),
    ({"name": "x" * 121, "scope": "agent", "expires_on": "2026-04-01"}, person("admin"), {"name": "too_long"}),
    ({"name": "CRM", "scope": "superuser", "expires_on": "2026-04-01"}, person("admin"), {"scope": "not_a_choice"}),
    ({"name": "CRM", "scope": "customer", "expires_on": "2026-04-01"}, person("admin"), {"scope": "not_a_choice"}),
    ({"name": "CRM", "scope": "admin", "expires_on": "2026-04-01"}, person("agent"), {"scope": "above_owner_role"}),
    ({"name": "CRM", "scope": "agent", "expires_on": "2026-03-10"}, person("agent"), {"expires_on": "not_in_future"}),
    ({"name": "CRM", "scope": "agent", "expires_on": "2026-03-01"}, person("agent"), {"expires_on": "not_in_future"}),
    ({"name": "CRM", "scope": "agent", "expires_on": "2029-01-01"}, person("agent"), {"expires_on": "out_of_range"}),
    ({"name": "CRM", "scope": "agent", "expires_on": "le 1er avril"}, person("agent"), {"expires_on": "bad_date"}),
    ({"name": "CRM", "scope": "agent", "expires_on": "2026-04-01"}, None, {"owner_id": "unknown_user"}),
])
def test_each_bad_field_is_named_by_a_code(data, owner, expected):
    with pytest.raises(Invalid) as refused:
        check_request(data, owner, NOW, ZONE)
    assert refused.value.fields == expected


# --- the telephony secret ------------------------------------------------------------------------------


class FakeSession:
    """Just what settings and audit use: get, add, flush."""

    def __init__(self):
        self.rows = {}
        self.added = []

    def get(self, model, key):
        return self.rows.get((model.__name__, key))

    def add(self, row):
        self.added.append(row)
        if type(row).__name__ == "Setting":
            self.rows[("Setting", row.key)] = row

    def flush(self):
        pass


def test_before_any_rotation_the_configured_token_is_the_secret():
    session = FakeSession()
    assert telephony.status(session, "from-config").source == "config"
    telephony.check(session, "from-config", "from-config")
    with pytest.raises(Unauthorized) as wrong:
        telephony.check(session, "guess", "from-config")
    assert wrong.value.code == "invalid_cti_token"
    with pytest.raises(Unauthorized) as closed:
        telephony.check(session, "anything", None)
    assert closed.value.code == "cti_not_configured"


def test_a_rotation_keeps_only_a_hash_and_retires_the_old_secret_and_the_configured_one():
    session = FakeSession()
    admin = person("admin")
    first = telephony.rotate(session, admin, NOW)
    second = telephony.rotate(session, admin, NOW + timedelta(minutes=5))
    assert first != second and len(second) >= 40
    telephony.check(session, second, "from-config")
    for old in (first, "from-config", "", None):
        with pytest.raises(Unauthorized):
            telephony.check(session, old, "from-config")
    state = telephony.status(session, "from-config")
    assert state.source == "browser" and state.config_token_set and state.rotated_at == NOW + timedelta(minutes=5)
    stored = repr(session.rows[("Setting", telephony.KEY)].value)
    audits = [row for row in session.added if type(row).__name__ == "AuditEvent"]
    assert [(a.action, a.object_type) for a in audits] == [("rotated", "telephony_secret")] * 2
    for secret in (first, second):
        assert secret not in stored and all(secret not in repr(a.changes) for a in audits)


def test_only_an_admin_rotates():
    from helpdesk.errors import Forbidden

    with pytest.raises(Forbidden):
        telephony.rotate(FakeSession(), person("lead"), NOW)


def test_the_bridge_instructions_name_both_endpoints_under_the_base_url():
    bridge = telephony.instructions("https://support.example.com/", "s3cret")
    assert bridge.native_url == "https://support.example.com/api/v1/cti/events"
    assert bridge.native_header == "X-CTI-Token: s3cret"
    assert '"call_id"' in bridge.native_body and '"direction": "in"' in bridge.native_body
    assert bridge.compat_url == "https://support.example.com/api/v1/cti/s3cret"
    assert "callId=" in bridge.compat_fields and "user[]=" in bridge.compat_fields


# --- SMTP ----------------------------------------------------------------------------------------------


def mail_settings(server, port):
    return MailSettings(server, port, False, None, None, "support@example.com", Path("/tmp/outbox"))


def test_no_smtp_server_configured_is_said_so_without_a_connection():
    status = check_smtp(mail_settings(None, 25))
    assert not status.configured and not status.reachable


def test_a_port_nothing_listens_on_is_unreachable():
    from tests.net import free_port

    status = check_smtp(mail_settings("127.0.0.1", free_port()), timeout=1)
    assert status.configured and not status.reachable and "ConnectionRefusedError" in status.problem
