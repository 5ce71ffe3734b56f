"""Ticket lifecycle rules, without an app."""
from datetime import datetime, timedelta, timezone

import pytest

from helpdesk.tickets.lifecycle import (
    due_for_auto_close,
    fill_placeholders,
    next_round_robin,
    raised_priority,
    status_after_message,
    transition_problem,
)


def test_customer_reply_reopens_resolved_and_pending_tickets():
    for status in ("resolved", "closed", "pending_customer"):
        assert status_after_message(status, from_customer=True, public=True) == "open"
    assert status_after_message("pending_third_party", from_customer=True, public=True) == "pending_third_party"


def test_first_agent_reply_opens_a_new_ticket_but_a_note_does_not():
    assert status_after_message("new", from_customer=False, public=True) == "open"
    assert status_after_message("new", from_customer=False, public=False) == "new"
    assert status_after_message("pending_customer", from_customer=False, public=True) == "pending_customer"


def test_customers_may_only_close_or_reopen():
    assert transition_problem("open", "closed", staff=False) is None
    assert transition_problem("resolved", "open", staff=False) is None
    assert transition_problem("open", "pending_third_party", staff=False)
    assert transition_problem("pending_customer", "open", staff=False)


def test_staff_transitions():
    assert transition_problem("new", "pending_customer", staff=True) is None
    assert transition_problem("closed", "open", staff=True) is None
    assert transition_problem("open", "new", staff=True)
    assert transition_problem("open", "archived", staff=True)


def test_priority_raises_and_stops_at_urgent():
    assert raised_priority("low") == "normal"
    assert raised_priority("high") == "urgent"
    assert raised_priority("urgent") == "urgent"


def test_round_robin_wraps_and_skips_nobody_available():
    assert next_round_robin([5, 3, 9], None) == 3
    assert next_round_robin([5, 3, 9], 5) == 9
    assert next_round_robin([5, 3, 9], 9) == 3
    assert next_round_robin([5, 3, 9], 4) == 5  # the last one left the team
    assert next_round_robin([], 4) is None


def test_auto_close_after_n_days():
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    assert due_for_auto_close("resolved", now - timedelta(days=7), now, 7)
    assert not due_for_auto_close("resolved", now - timedelta(days=6, hours=23), now, 7)
    assert not due_for_auto_close("open", now - timedelta(days=30), now, 7)


def test_placeholders():
    text = fill_placeholders("Bonjour {{ customer.name }}, ticket {{ticket.number}} {{ agent.signature }}",
                             {"customer.name": "Mme Durand", "ticket.number": "#10023"})
    assert text == "Bonjour Mme Durand, ticket #10023 {{ agent.signature }}"


def test_unknown_placeholders_are_named_once_each_in_order():
    from helpdesk.tickets.lifecycle import unknown_placeholders

    body = "{{ customer.nom }} {{ ticket.number }} {{agent.signature}} {{ customer.nom }}"
    assert unknown_placeholders(body) == ["customer.nom", "agent.signature"]
    assert unknown_placeholders("Bonjour {{ customer.name }}, {{ agent.name }}") == []
