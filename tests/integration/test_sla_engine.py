"""SLA due times of tickets as agents see them: policies, calendars, pauses, replies and recomputes."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from helpdesk.models import BusinessCalendar, Customer, Message, SLAPolicy, SlaClock, Team, Ticket, TicketEvent
from helpdesk.sla.clock import TimelineEntry
from helpdesk.sla.service import (
    recompute_all,
    refresh_sla,
    refresh_sla_for_calendar,
    refresh_sla_for_policy,
    refresh_sla_for_team,
    ticket_timeline,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture()
def session(db_session):
    return db_session


def office(session, **fields):
    calendar = BusinessCalendar(
        name=fields.pop("name", "Bureau Paris"),
        timezone="Europe/Paris",
        hours={d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in WEEKDAYS},
        holidays_country="FR",
        closed_days=[],
        **fields,
    )
    session.add(calendar)
    session.flush()
    return calendar


def add_policy(session, name, calendar=None, rank=100, conditions=None, **fields):
    fields.setdefault("first_response_minutes", 60)
    fields.setdefault("next_response_minutes", 60)
    fields.setdefault("resolution_minutes", 8 * 60)
    policy = SLAPolicy(name=name, rank=rank, calendar=calendar, conditions=conditions or {}, **fields)
    session.add(policy)
    session.flush()
    return policy


def open_ticket(session, created_at, **fields):
    ticket = Ticket(subject="La box ne synchronise plus", created_at=created_at, updated_at=created_at, **fields)
    session.add(ticket)
    session.flush()
    ticket.number = 10000 + ticket.id
    session.add(Message(ticket_id=ticket.id, kind="reply", from_customer=True, body="<p>Bonjour</p>",
                        created_at=created_at))
    session.flush()
    return ticket


def reply(session, ticket, at, from_customer=False, kind="reply"):
    session.add(Message(ticket_id=ticket.id, kind=kind, from_customer=from_customer, body="<p>…</p>", created_at=at))


def set_status(session, ticket, at, new_status):
    session.add(TicketEvent(ticket_id=ticket.id, action="changed", field="status", old_value=ticket.status,
                            new_value=new_status, created_at=at))
    ticket.status = new_status
    if new_status == "resolved":
        ticket.resolved_at = at


def clock(session, ticket, metric):
    return session.scalar(select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.metric == metric))


# --- due times an agent sees ----------------------------------------------------------------------


def test_urgent_ticket_opened_friday_evening_before_easter_is_due_tuesday_morning(session):
    calendar = office(session)
    add_policy(session, "Standard", calendar, rank=100)
    urgent = add_policy(session, "Urgent", calendar, rank=10, conditions={"priority": "urgent"})
    ticket = open_ticket(session, paris(2026, 4, 3, 17, 30), priority="urgent")

    refresh_sla(session, ticket, now=paris(2026, 4, 3, 17, 45))

    # 30 min on Friday; Saturday, Sunday and Easter Monday closed; 30 min on Tuesday.
    assert ticket.sla_policy_id == urgent.id
    assert ticket.first_response_due_at == paris(2026, 4, 7, 9, 30)
    assert ticket.resolution_due_at == paris(2026, 4, 7, 17, 30)  # 8 business hours
    assert ticket.sla_due_at == paris(2026, 4, 7, 9, 30)
    assert ticket.sla_warn_at == paris(2026, 4, 7, 9, 18)  # 80 % of an hour
    assert ticket.sla_state == "running"
    assert ticket.next_response_due_at is None
    first = clock(session, ticket, "first_response")
    assert (first.state, first.target_seconds, first.elapsed_seconds) == ("running", 3600, 15 * 60)
    assert clock(session, ticket, "next_response").state == "met"  # no cycle yet


def test_waiting_on_the_customer_moves_due_times_later(session):
    add_policy(session, "Standard", office(session))
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    set_status(session, ticket, paris(2026, 6, 8, 9, 30), "pending_customer")

    refresh_sla(session, ticket, now=paris(2026, 6, 8, 10, 0))
    assert ticket.sla_state == "paused"
    assert ticket.first_response_due_at is None and ticket.sla_due_at is None  # nobody knows when it resumes

    set_status(session, ticket, paris(2026, 6, 8, 10, 30), "open")
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 10, 45))
    assert ticket.first_response_due_at == paris(2026, 6, 8, 11, 0)  # 10:00 without the pause
    assert ticket.resolution_due_at == paris(2026, 6, 9, 10, 0)  # Monday 18:00, plus the hour paused
    assert ticket.sla_state == "running"


def test_agent_reply_stops_first_response_and_the_ticket_is_then_due_for_resolution(session):
    add_policy(session, "Standard", office(session))
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    reply(session, ticket, paris(2026, 6, 8, 9, 20))
    reply(session, ticket, paris(2026, 6, 8, 9, 10), kind="note")  # internal notes answer nobody

    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 30))

    first = clock(session, ticket, "first_response")
    assert (first.state, first.stopped_at, first.elapsed_seconds) == ("met", paris(2026, 6, 8, 9, 20), 20 * 60)
    assert ticket.first_response_due_at is None
    assert ticket.sla_due_at == ticket.resolution_due_at == paris(2026, 6, 8, 18, 0)


def test_customer_writing_again_starts_a_next_response_cycle_that_can_be_warned_again(session):
    add_policy(session, "Standard", office(session))
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    reply(session, ticket, paris(2026, 6, 8, 9, 20))
    reply(session, ticket, paris(2026, 6, 8, 10, 0), from_customer=True)
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 10, 55))

    assert ticket.next_response_due_at == paris(2026, 6, 8, 11, 0)
    assert ticket.sla_due_at == paris(2026, 6, 8, 11, 0)
    cycle = clock(session, ticket, "next_response")
    cycle.warned_at = paris(2026, 6, 8, 10, 48)  # as the sweep claims it
    cycle.state = "warning"

    refresh_sla(session, ticket, now=paris(2026, 6, 8, 10, 56))  # same cycle: the warning stays
    assert (cycle.state, cycle.warned_at) == ("warning", paris(2026, 6, 8, 10, 48))
    assert ticket.sla_state == "warning"

    reply(session, ticket, paris(2026, 6, 8, 10, 58))
    reply(session, ticket, paris(2026, 6, 8, 14, 0), from_customer=True)
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 14, 5))
    assert cycle.started_at == paris(2026, 6, 8, 14, 0)
    assert (cycle.state, cycle.warned_at) == ("running", None)  # a new promise, announced afresh
    assert ticket.next_response_due_at == paris(2026, 6, 8, 15, 0)


def test_overdue_clock_stays_running_until_the_sweep_announces_it(session):
    add_policy(session, "Standard", office(session))
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 11, 0))
    assert clock(session, ticket, "first_response").state == "running"
    assert ticket.sla_due_at == paris(2026, 6, 8, 10, 0)  # overdue tickets sort first in the queue
    assert ticket.sla_warn_at == paris(2026, 6, 8, 9, 48)  # not announced yet


def test_resolving_stops_every_clock(session):
    add_policy(session, "Standard", office(session))
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    reply(session, ticket, paris(2026, 6, 8, 11, 0))  # 1 h late
    set_status(session, ticket, paris(2026, 6, 8, 11, 0), "resolved")
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 12, 0))
    assert ticket.sla_state == "breached"  # the first response was late, for good
    assert ticket.sla_due_at is None and ticket.sla_warn_at is None
    assert clock(session, ticket, "resolution").state == "met"


def test_policy_is_chosen_by_segment_team_and_type(session):
    calendar = office(session)
    hotline = Team(name="Hotline")
    session.add(hotline)
    session.flush()
    add_policy(session, "Standard", calendar, rank=100)
    vip = add_policy(session, "VIP", calendar, rank=20, conditions={"segment": "vip"})
    hotline_incidents = add_policy(session, "Hotline incidents", calendar, rank=10,
                                   conditions={"team": "Hotline", "type": "incident"})
    customer = Customer(name="Mme Martin", segment="vip")
    session.add(customer)
    session.flush()

    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0), customer_id=customer.id, team_id=hotline.id, type="question")
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 5))
    assert ticket.sla_policy_id == vip.id

    ticket.type = "incident"
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 6))
    assert ticket.sla_policy_id == hotline_incidents.id


def test_no_policy_means_no_sla(session):
    add_policy(session, "Urgent only", office(session), conditions={"priority": "urgent"})
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0), priority="urgent")
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 5))
    assert len(ticket.sla_clocks) == 3

    ticket.priority = "low"
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 6))
    session.flush()
    assert ticket.sla_state is None and ticket.sla_policy_id is None and ticket.sla_due_at is None
    assert session.scalar(select(func.count()).select_from(SlaClock)) == 0


def test_policy_without_calendar_uses_the_team_calendar_else_runs_round_the_clock(session):
    team = Team(name="Back office", calendar=office(session))
    session.add(team)
    add_policy(session, "Everyone", None)
    in_team = open_ticket(session, paris(2026, 6, 12, 17, 30), team=team)  # a Friday
    no_team = open_ticket(session, paris(2026, 6, 12, 17, 30))
    refresh_sla(session, in_team, now=paris(2026, 6, 12, 17, 40))
    refresh_sla(session, no_team, now=paris(2026, 6, 12, 17, 40))
    assert in_team.first_response_due_at == paris(2026, 6, 15, 9, 30)
    assert no_team.first_response_due_at == paris(2026, 6, 12, 18, 30)


def test_refresh_does_not_commit(app, session):
    add_policy(session, "Standard", office(session))
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 5))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SlaClock)) == 0


# --- the timeline contract ------------------------------------------------------------------------


def test_timeline_reads_public_messages_and_status_changes(session):
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    reply(session, ticket, paris(2026, 6, 8, 9, 20))
    reply(session, ticket, paris(2026, 6, 8, 9, 25), kind="note")
    session.add(TicketEvent(ticket_id=ticket.id, action="changed", field="priority", old_value="normal",
                            new_value="high", created_at=paris(2026, 6, 8, 9, 26)))
    set_status(session, ticket, paris(2026, 6, 8, 9, 30), "pending_customer")
    session.flush()
    session.expire(ticket, ["messages", "events"])

    assert ticket_timeline(ticket) == [
        TimelineEntry(paris(2026, 6, 8, 9, 0), "created"),
        TimelineEntry(paris(2026, 6, 8, 9, 0), "customer_message"),
        TimelineEntry(paris(2026, 6, 8, 9, 20), "agent_reply"),
        TimelineEntry(paris(2026, 6, 8, 9, 30), "status", "pending_customer"),
    ]


# --- admins change policies and calendars -----------------------------------------------------------


def test_changing_policy_targets_recomputes_its_open_tickets(session):
    calendar = office(session)
    policy = add_policy(session, "Standard", calendar)
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    done = open_ticket(session, paris(2026, 6, 8, 9, 0))
    set_status(session, done, paris(2026, 6, 8, 9, 30), "resolved")
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 5))
    refresh_sla(session, done, now=paris(2026, 6, 8, 9, 35))
    session.commit()
    version = ticket.version

    policy.first_response_minutes = 120
    assert refresh_sla_for_policy(session, policy.id, now=paris(2026, 6, 8, 9, 40)) == 1  # the open one
    session.commit()

    assert ticket.first_response_due_at == paris(2026, 6, 8, 11, 0)
    assert clock(session, ticket, "first_response").target_seconds == 7200
    assert clock(session, done, "first_response").target_seconds == 3600  # history is not rewritten
    assert ticket.version == version  # a background recompute never conflicts with an agent's save


def test_a_new_policy_takes_over_the_tickets_it_matches(session):
    calendar = office(session)
    add_policy(session, "Standard", calendar)
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0), priority="urgent")
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 9, 5))
    session.commit()

    urgent = add_policy(session, "Urgent", calendar, rank=1, conditions={"priority": "urgent"},
                        first_response_minutes=15)
    refresh_sla_for_policy(session, urgent.id, now=paris(2026, 6, 8, 9, 6))
    session.commit()
    assert ticket.sla_policy_id == urgent.id
    assert ticket.first_response_due_at == paris(2026, 6, 8, 9, 15)

    urgent.active = False
    refresh_sla_for_policy(session, urgent.id, now=paris(2026, 6, 8, 9, 7))
    session.commit()
    assert ticket.first_response_due_at == paris(2026, 6, 8, 10, 0)


def test_changing_the_calendar_recomputes_open_tickets(session):
    calendar = office(session)
    add_policy(session, "Urgent", calendar, conditions={"priority": "urgent"})
    ticket = open_ticket(session, paris(2026, 4, 3, 17, 30), priority="urgent")
    refresh_sla(session, ticket, now=paris(2026, 4, 3, 17, 45))
    session.commit()
    assert ticket.first_response_due_at == paris(2026, 4, 7, 9, 30)

    calendar.closed_days = ["2026-04-07"]  # the office closes on Tuesday too
    refresh_sla_for_calendar(session, calendar.id, now=paris(2026, 4, 3, 17, 50))
    session.commit()
    assert ticket.first_response_due_at == paris(2026, 4, 8, 9, 30)


def test_changing_a_team_calendar_recomputes_its_tickets(session):
    team = Team(name="Back office")
    session.add(team)
    add_policy(session, "Everyone", None)
    ticket = open_ticket(session, paris(2026, 6, 12, 17, 30), team=team)
    refresh_sla(session, ticket, now=paris(2026, 6, 12, 17, 40))
    session.commit()
    assert ticket.first_response_due_at == paris(2026, 6, 12, 18, 30)

    team.calendar = office(session)
    refresh_sla_for_team(session, team.id, now=paris(2026, 6, 12, 17, 41))
    session.commit()
    assert ticket.first_response_due_at == paris(2026, 6, 15, 9, 30)


def test_recompute_all_fills_in_seeded_tickets(session):
    calendar = office(session)
    add_policy(session, "Standard", calendar)
    created = paris(2026, 6, 8, 9, 0)
    # What a seed or an import does: bulk rows, no status events, SLA columns left NULL.
    rows = [
        {"subject": f"Ticket {i}", "number": 20000 + i, "status": "open", "created_at": created, "updated_at": created}
        for i in range(30)
    ]
    rows.append({"subject": "Old", "number": 20100, "status": "resolved", "created_at": created, "updated_at": created,
                 "resolved_at": paris(2026, 6, 8, 9, 30)})
    session.execute(insert(Ticket), rows)
    session.commit()

    assert recompute_all(session, now=paris(2026, 6, 8, 9, 45), batch=7) == 31
    assert session.scalar(select(func.count()).select_from(SlaClock)) == 31 * 3
    states = dict(session.execute(select(Ticket.number, Ticket.sla_state)).all())
    assert states[20000] == "running" and states[20100] == "met"
    due = session.scalar(select(Ticket.first_response_due_at).where(Ticket.number == 20000))
    assert due == paris(2026, 6, 8, 10, 0)
    # A second run finds the closed one computed already.
    assert recompute_all(session, now=paris(2026, 6, 8, 9, 50)) == 30


def test_background_recompute_also_starts_a_fresh_next_response_cycle(session):
    add_policy(session, "Standard", office(session))
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0))
    reply(session, ticket, paris(2026, 6, 8, 9, 20))
    reply(session, ticket, paris(2026, 6, 8, 10, 0), from_customer=True)
    refresh_sla(session, ticket, now=paris(2026, 6, 8, 10, 50))
    cycle = clock(session, ticket, "next_response")
    cycle.warned_at, cycle.state = paris(2026, 6, 8, 10, 48), "warning"
    session.commit()

    recompute_all(session, now=paris(2026, 6, 8, 10, 55))  # same cycle: kept
    assert (cycle.state, cycle.warned_at) == ("warning", paris(2026, 6, 8, 10, 48))

    reply(session, ticket, paris(2026, 6, 8, 10, 58))
    reply(session, ticket, paris(2026, 6, 8, 14, 0), from_customer=True)
    session.commit()
    recompute_all(session, now=paris(2026, 6, 8, 14, 5))
    assert (cycle.started_at, cycle.state, cycle.warned_at) == (paris(2026, 6, 8, 14, 0), "running", None)
    assert ticket.next_response_due_at == paris(2026, 6, 8, 15, 0)
