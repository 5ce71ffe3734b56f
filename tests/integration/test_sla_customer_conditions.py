"""SLA policies on the customer's scores: best customers and high scores get shorter targets."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.models import BusinessCalendar, Customer, Message, SLAPolicy, Ticket, TicketEvent
from helpdesk.sla.service import (
    refresh_sla,
    refresh_sla_for_customer,
    refresh_sla_for_customers,
    refresh_sla_for_policy,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture()
def session(db_session):
    return db_session


@pytest.fixture()
def office(session):
    calendar = BusinessCalendar(name="Bureau Paris", timezone="Europe/Paris",
                                hours={d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in WEEKDAYS},
                                holidays_country="FR", closed_days=[])
    session.add(calendar)
    session.flush()
    return calendar


def add_policy(session, name, calendar, rank, conditions, first_response_minutes, resolution_minutes=8 * 60):
    policy = SLAPolicy(name=name, rank=rank, calendar=calendar, conditions=conditions,
                       first_response_minutes=first_response_minutes, next_response_minutes=60,
                       resolution_minutes=resolution_minutes)
    session.add(policy)
    session.flush()
    return policy


def customer(session, name, **scores):
    row = Customer(name=name, segment="standard", **scores)
    session.add(row)
    session.flush()
    return row


def open_ticket(session, created_at, customer_id, **fields):
    ticket = Ticket(subject="La box ne synchronise plus", created_at=created_at, updated_at=created_at,
                    customer_id=customer_id, priority="normal", **fields)
    session.add(ticket)
    session.flush()
    ticket.number = 10000 + ticket.id
    session.add(Message(ticket_id=ticket.id, kind="reply", from_customer=True, body="<p>Bonjour</p>",
                        created_at=created_at))
    session.flush()
    return ticket


@pytest.fixture()
def policies(session, office):
    normal = add_policy(session, "Priorité normale", office, 30, {"priority": "normal"}, 4 * 60, 24 * 60)
    best = add_policy(session, "Meilleurs clients", office, 5, {"tactical_segment": ["best"]}, 30, 6 * 60)
    return normal, best


def test_a_best_customers_ticket_gets_the_shorter_policys_due_time(session, policies):
    normal, best = policies
    dupont = customer(session, "M. Dupont", tactical_segment="best", customer_score=88)
    martin = customer(session, "Mme Martin", tactical_segment="active", customer_score=55)
    monday_nine = paris(2026, 6, 8, 9, 0)
    vip_ticket = open_ticket(session, monday_nine, dupont.id)
    usual_ticket = open_ticket(session, monday_nine, martin.id)

    refresh_sla(session, vip_ticket, now=paris(2026, 6, 8, 9, 5))
    refresh_sla(session, usual_ticket, now=paris(2026, 6, 8, 9, 5))

    assert vip_ticket.sla_policy_id == best.id
    assert vip_ticket.first_response_due_at == paris(2026, 6, 8, 9, 30)
    assert vip_ticket.resolution_due_at == paris(2026, 6, 8, 16, 0)  # 6 business hours, lunch skipped
    assert usual_ticket.sla_policy_id == normal.id
    assert usual_ticket.first_response_due_at == paris(2026, 6, 8, 14, 0)


def test_a_ticket_created_over_the_api_for_a_best_customer_is_due_sooner(app, client, factory, auth):
    from helpdesk.extensions import db

    with app.app_context():
        calendar = BusinessCalendar(name="24/7", timezone="UTC", hours={d: [["00:00", "24:00"]] for d in
                                    (*WEEKDAYS, "sat", "sun")}, closed_days=[])
        db.session.add(calendar)
        db.session.flush()
        add_policy(db.session, "Priorité normale", calendar, 30, {"priority": "normal"}, 240)
        add_policy(db.session, "Score 80 et plus", calendar, 5, {"min_score": 80}, 30)
        db.session.commit()
    high = factory.customer("Mme Leroy", tactical_segment="best", customer_score=91)
    low = factory.customer("M. Petit", tactical_segment="active", customer_score=79)
    factory.user("agent", email="lea@example.com")
    headers = {"Authorization": f"Bearer {auth.token('lea@example.com')}"}

    def first_response_minutes(customer_id):
        ticket = client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x", "customer_id": customer_id,
                                                      "priority": "normal"}, headers=headers)
        assert ticket.status_code == 201, ticket.get_json()
        body = ticket.get_json()
        due = datetime.fromisoformat(body["sla"]["first_response"]["due_at"])
        return round((due - datetime.fromisoformat(body["created_at"])).total_seconds() / 60)

    assert first_response_minutes(high) == 30
    assert first_response_minutes(low) == 240  # 79 < 80


def test_a_new_best_customers_policy_takes_over_their_open_tickets(session, office):
    add_policy(session, "Priorité normale", office, 30, {"priority": "normal"}, 4 * 60)
    dupont = customer(session, "M. Dupont", tactical_segment="best")
    other = customer(session, "Mme Martin", tactical_segment="inactive")
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0), dupont.id)
    untouched = open_ticket(session, paris(2026, 6, 8, 9, 0), other.id)
    for t in (ticket, untouched):
        refresh_sla(session, t, now=paris(2026, 6, 8, 9, 5))
    session.commit()

    best = add_policy(session, "Meilleurs clients", office, 5, {"tactical_segment": "best"}, 30)
    assert refresh_sla_for_policy(session, best.id, now=paris(2026, 6, 8, 9, 6)) == 1  # only the best one's
    session.commit()
    assert ticket.sla_policy_id == best.id
    assert ticket.first_response_due_at == paris(2026, 6, 8, 9, 30)
    assert untouched.first_response_due_at == paris(2026, 6, 8, 14, 0)


def test_a_customer_becoming_best_moves_their_open_tickets_but_not_their_history(session, policies):
    normal, best = policies
    dupont = customer(session, "M. Dupont", tactical_segment="active", customer_score=70)
    ticket = open_ticket(session, paris(2026, 6, 8, 9, 0), dupont.id)
    done = open_ticket(session, paris(2026, 6, 8, 9, 0), dupont.id)
    session.add(TicketEvent(ticket_id=done.id, action="changed", field="status", old_value="new",
                            new_value="resolved", created_at=paris(2026, 6, 8, 9, 3)))
    done.status, done.resolved_at = "resolved", paris(2026, 6, 8, 9, 3)
    for t in (ticket, done):
        refresh_sla(session, t, now=paris(2026, 6, 8, 9, 5))
    session.commit()
    version = ticket.version
    assert ticket.sla_policy_id == done.sla_policy_id == normal.id

    # What a score recompute does: the customer's segment changes, then their open tickets follow.
    dupont.tactical_segment, dupont.customer_score = "best", 86
    assert refresh_sla_for_customer(session, dupont.id, now=paris(2026, 6, 8, 9, 10)) == 1
    session.commit()
    assert ticket.sla_policy_id == best.id
    assert ticket.first_response_due_at == paris(2026, 6, 8, 9, 30)
    assert ticket.version == version  # a background recompute never conflicts with an agent's save
    assert session.scalar(select(Ticket.sla_policy_id).where(Ticket.id == done.id)) == normal.id


def test_refreshing_customers_costs_nothing_when_no_policy_looks_at_customers(session, office):
    add_policy(session, "Priorité normale", office, 30, {"priority": "normal"}, 4 * 60)
    dupont = customer(session, "M. Dupont", tactical_segment="best")
    open_ticket(session, paris(2026, 6, 8, 9, 0), dupont.id)
    session.commit()
    assert refresh_sla_for_customers(session, [dupont.id], now=paris(2026, 6, 8, 9, 5)) == 0
    assert refresh_sla_for_customers(session, [], now=paris(2026, 6, 8, 9, 5)) == 0


@pytest.fixture()
def admin_h(factory, auth):
    factory.user("admin", email="root@example.com")
    return {"Authorization": f"Bearer {auth.token('root@example.com')}"}


def test_admin_creates_a_best_customers_policy_over_the_api(client, admin_h):
    response = client.post("/api/v1/sla-policies", json={
        "name": "Meilleurs clients", "rank": 5, "conditions": {"tactical_segment": ["best", "high_potential"],
                                                               "min_score": 75},
        "targets": {"first_response_minutes": 30, "resolution_minutes": 360},
    }, headers=admin_h)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["conditions"] == {"tactical_segment": ["best", "high_potential"], "min_score": 75}


@pytest.mark.parametrize("conditions, field", [
    ({"tactical_segment": "champions"}, "conditions.tactical_segment"),
    ({"tactical_segment": ["best", "vip"]}, "conditions.tactical_segment"),
    ({"min_score": 101}, "conditions.min_score"),
    ({"min_score": -1}, "conditions.min_score"),
    ({"min_score": "80"}, "conditions.min_score"),
    ({"min_score": True}, "conditions.min_score"),
    ({"min_score": [80]}, "conditions.min_score"),
    ({"score": 80}, "conditions.score"),
])
def test_bad_score_conditions_are_refused(client, admin_h, conditions, field):
    response = client.post("/api/v1/sla-policies", json={"name": "P", "conditions": conditions,
                                                         "targets": {"first_response_minutes": 30}}, headers=admin_h)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["details"]["fields"]) == {field}
