"""Customer scores from the database: a small customer base whose RFM, score and segment are
worked out by hand, computed in full (`recompute_all`, `flask scores recompute`) and one customer
at a time after an event (`update_customer_scores`)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)

# name: (segment, RFM code, score, contacts in 90 days, reopen rate, breaches) — worked out by hand:
# RFM over Alice (3 d, 3 orders, 1500), Bruno (100 d, 1, 50), Chloé (2 d, 1, 1000), Emma (200 d, 1, 80):
# cuts R 2/3/100/200, F 1/1/1/3, M 50/80/1000/1500. Score = 50 + value (±20) + satisfaction (±15)
# + tenure (0..5) + friction (−10..0).
EXPECTED = {
    "Alice": ("best", "4-4-4", 50 + 10 + 14 + 5 + 0, 1, 0.0, 0),
    "Bruno": ("dissatisfied", "3-1-1", 50 - 13 - 10 + 3 - 10, 3, 1.0, 1),
    "Chloé": ("new", "5-1-3", 50 + 0 + 0 + 0 + 0, 0, None, 0),
    "David": ("lost", None, 50 + 0 + 0 + 5 + 0, 0, None, 0),
    "Emma": ("inactive", "2-1-2", 50 - 13 + 0 + 3 + 0, 0, None, 0),
    "Farid": ("active", None, 50 + 0 + 0 + 2 + 0, 1, 0.0, 0),
}


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture()
def customers(app, factory) -> dict[str, int]:
    from helpdesk.extensions import db
    from helpdesk.models import Interaction, Order, SlaClock, SurveyResponse, TicketEvent

    ids = {
        "Alice": factory.customer("Alice", created_at=ago(800)),
        "Bruno": factory.customer("Bruno", created_at=ago(500)),
        "Chloé": factory.customer("Chloé", created_at=ago(30)),
        "David": factory.customer("David", created_at=ago(700)),
        "Emma": factory.customer("Emma", created_at=ago(400)),
        "Farid": factory.customer("Farid", created_at=ago(300)),
    }
    orders = {"Alice": [(3, "700"), (20, "500"), (60, "300")], "Bruno": [(100, "50")], "Chloé": [(2, "1000")],
              "David": [(400, "900")], "Emma": [(200, "80")]}
    resolved = {"status": "resolved"}
    alice_ticket = factory.ticket(ids["Alice"], created_at=ago(10), resolved_at=ago(9), **resolved)
    bruno_reopened = factory.ticket(ids["Bruno"], created_at=ago(30), resolved_at=ago(20), **resolved)
    factory.ticket(ids["Bruno"], created_at=ago(15), status="open")
    factory.ticket(ids["Farid"], created_at=ago(40), resolved_at=ago(39), **resolved)
    with app.app_context():
        session = db.session
        for name, rows in orders.items():
            for n, (days, amount) in enumerate(rows):
                session.add(Order(customer_id=ids[name], ordered_at=ago(days), amount=Decimal(amount),
                                  reference=f"{name}-{n}"))
        for old, new, days in (("open", "resolved", 28), ("resolved", "open", 25), ("open", "resolved", 20)):
            session.add(TicketEvent(ticket_id=bruno_reopened, action="changed", field="status", old_value=old,
                                    new_value=new, created_at=ago(days)))
        session.add(SlaClock(ticket_id=bruno_reopened, metric="resolution", state="breached", breached_at=ago(27)))
        session.add(SlaClock(ticket_id=alice_ticket, metric="resolution", state="met"))
        session.add(Interaction(customer_id=ids["Bruno"], kind="call", channel="phone", direction="in",
                                occurred_at=ago(7)))
        session.add(SurveyResponse(customer_id=ids["Alice"], ticket_id=alice_ticket, csat=5, nps=10, effort=2,
                                   created_at=ago(9)))
        session.add(SurveyResponse(customer_id=ids["Bruno"], csat=2, nps=3, created_at=ago(5)))
        session.commit()
    return ids


def _scores(session, ids: dict[str, int]) -> dict[str, tuple]:
    from helpdesk.models import Customer

    found = {}
    for name, customer_id in ids.items():
        c = session.get(Customer, customer_id)
        session.refresh(c)
        code = f"{c.rfm_recency}-{c.rfm_frequency}-{c.rfm_monetary}" if c.rfm_recency is not None else None
        found[name] = (c.tactical_segment, code, c.customer_score, c.contacts_90d, c.reopen_rate, c.breaches_suffered)
    return found


def test_full_recompute_matches_the_figures_worked_out_by_hand(app, customers):
    from helpdesk.extensions import db
    from helpdesk.models import Customer
    from helpdesk.scores.service import recompute_all, stored_boundaries

    with app.app_context():
        assert recompute_all(db.session, NOW) == 6
        assert _scores(db.session, customers) == EXPECTED
        stored = stored_boundaries(db.session)
        assert stored.computed_at == NOW and stored.window_days == 365
        assert (stored.bounds.recency, stored.bounds.frequency, stored.bounds.monetary) == (
            (2, 3, 100, 200), (1, 1, 1, 3), (50, 80, 1000, 1500))

        alice = db.session.get(Customer, customers["Alice"])
        assert (alice.rfm_recency_days, alice.rfm_order_count, alice.rfm_amount) == (3, 3, Decimal("1500.00"))
        assert (alice.csat_score, alice.nps_score, alice.nps_class, alice.effort_score) == (5.0, 10, "promoter", 2.0)
        assert alice.scores_updated_at == NOW
        explanation = alice.score_explanation
        assert explanation["score"] == 79 == sum(p["points"] for p in explanation["parts"])
        assert [p["part"] for p in explanation["parts"]] == ["base", "value", "satisfaction", "tenure", "friction"]
        assert explanation["parts"][1]["text"] == {
            "fr": "+10 achats récents, fréquents et importants (RFM 4-4-4)",
            "en": "+10 recent, frequent, large purchases (RFM 4-4-4)"}

        bruno = db.session.get(Customer, customers["Bruno"])
        assert (bruno.nps_class, bruno.csat_score) == ("detractor", 2.0)
        friction = bruno.score_explanation["parts"][4]["text"]["fr"]
        assert friction == "\u221210 trois contacts en 90 jours, un délai dépassé et 100 % de tickets rouverts"

        david = db.session.get(Customer, customers["David"])  # ordered 400 days ago only: no RFM
        assert (david.rfm_recency, david.rfm_amount, david.rfm_order_count) == (None, None, None)
        assert david.score_explanation["parts"][1]["text"]["en"] == "0 no purchase in 365 days"


def test_one_customer_updated_alone_gets_the_same_figures(app, customers):
    from helpdesk.extensions import db
    from helpdesk.scores.service import stored_boundaries, update_customer_scores

    with app.app_context():
        # No boundaries are stored yet: the first update computes them over every customer first.
        for customer_id in customers.values():
            update_customer_scores(db.session, customer_id, NOW)
        db.session.commit()
        assert _scores(db.session, customers) == EXPECTED
        assert stored_boundaries(db.session).bounds.customers == 4


def test_a_segment_change_appears_on_the_customers_timeline(app, customers):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, Interaction, SurveyResponse
    from helpdesk.scores.service import recompute_all, update_customer_scores

    with app.app_context():
        recompute_all(db.session, NOW)
        assert db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.kind == "segment")) == 0
        # Alice, a best customer, answers a survey badly.
        db.session.add(SurveyResponse(customer_id=customers["Alice"], csat=1, nps=2, created_at=NOW))
        update_customer_scores(db.session, customers["Alice"], NOW + timedelta(minutes=1))
        db.session.commit()
        alice = db.session.get(Customer, customers["Alice"])
        assert (alice.tactical_segment, alice.nps_class) == ("dissatisfied", "detractor")
        change = db.session.scalars(select(Interaction).where(Interaction.kind == "segment")).one()
        assert (change.customer_id, change.channel, change.direction, change.summary, change.data) == (
            customers["Alice"], "system", None, "best \u2192 dissatisfied", {"old": "best", "new": "dissatisfied"})

        # A full recompute finding the same segments records nothing more.
        recompute_all(db.session, NOW + timedelta(minutes=2))
        assert db.session.scalar(select(func.count()).select_from(Interaction).where(Interaction.kind == "segment")) == 1


def test_the_full_recompute_records_segment_changes_too(app, customers):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, Interaction
    from helpdesk.scores.service import recompute_all

    with app.app_context():
        recompute_all(db.session, NOW)
        recompute_all(db.session, NOW + timedelta(days=70))  # Chloé has been a customer for 100 days now
        assert db.session.get(Customer, customers["Chloé"]).tactical_segment != "new"
        summaries = db.session.scalars(select(Interaction.summary).where(
            Interaction.kind == "segment", Interaction.customer_id == customers["Chloé"])).all()
        assert len(summaries) == 1 and summaries[0].startswith("new \u2192 ")


def test_scores_recompute_command(app, runner, customers):
    from helpdesk.extensions import db
    from helpdesk.models import Customer

    result = runner.invoke(args=["scores", "recompute", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "scores recomputed for 6 customer(s)" in result.output
    with app.app_context():
        segments = dict(db.session.execute(select(Customer.name, Customer.tactical_segment)).all())
        # Computed at the real now rather than NOW: the segments may differ, but every customer has one.
        assert set(segments) == set(EXPECTED) and all(segments.values())


def test_an_order_added_over_the_api_updates_the_customers_scores(app, client, factory, auth, customers):
    from helpdesk.extensions import db
    from helpdesk.models import Customer

    factory.user("agent", email="a@example.com")
    headers = {"Authorization": f"Bearer {auth.token('a@example.com')}"}
    farid = customers["Farid"]
    today = datetime.now(timezone.utc).date().isoformat()
    response = client.post(f"/api/v1/customers/{farid}/orders", json={"reference": "F-1", "amount": "49,90",
                                                                        "ordered_at": today}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["amount"] == "49.90" and response.get_json()["ordered_at"].startswith(today + "T00:00")
    with app.app_context():
        customer = db.session.get(Customer, farid)
        assert (customer.rfm_order_count, customer.rfm_amount, customer.rfm_recency_days) == (1, Decimal("49.90"), 0)
        assert customer.customer_score is not None and customer.tactical_segment is not None
    again = client.post(f"/api/v1/customers/{farid}/orders", json={"reference": "F-1", "amount": "49.90",
                                                                     "ordered_at": today}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
    bad = client.post(f"/api/v1/customers/{farid}/orders", json={"reference": "F-2", "amount": "-3",
                                                                   "ordered_at": "2026-03-01T10:00:00"}, headers=headers)
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"amount", "ordered_at"}


def test_the_nightly_recompute_runs_once_a_day_whoever_asks(app, customers):
    from helpdesk.extensions import db
    from helpdesk.models import Customer
    from helpdesk.scores.service import recompute_if_due

    with app.app_context():
        assert recompute_if_due(db.session, NOW) is True  # never ran: due at once
        assert db.session.get(Customer, customers["Alice"]).scores_updated_at == NOW
        assert recompute_if_due(db.session, NOW + timedelta(hours=23)) is False
        assert recompute_if_due(db.session, NOW + timedelta(hours=24, minutes=1)) is True
        assert recompute_if_due(db.session, NOW + timedelta(hours=24, minutes=2)) is False
        db.session.expire_all()
        assert db.session.get(Customer, customers["Alice"]).scores_updated_at == NOW + timedelta(hours=24, minutes=1)


def test_two_workers_asking_at_once_run_it_once(app, customers):
    import threading

    from helpdesk.extensions import db
    from helpdesk.scores.service import recompute_if_due

    results: list[bool] = []
    start = threading.Barrier(2)

    def worker():
        with app.app_context():
            start.wait()
            results.append(recompute_if_due(db.session, NOW))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False, True]


def test_open_tickets_follow_a_customer_who_becomes_a_best_customer(app, customers, factory):
    from helpdesk.extensions import db
    from helpdesk.models import SLAPolicy, Ticket
    from helpdesk.scores.service import recompute_all
    from helpdesk.sla.service import recompute_all as recompute_sla

    with app.app_context():
        standard = SLAPolicy(name="Standard", rank=100, conditions={}, first_response_minutes=240)
        best = SLAPolicy(name="Meilleurs clients", rank=5, conditions={"tactical_segment": ["best"]},
                         first_response_minutes=30)
        db.session.add_all([standard, best])
        db.session.commit()
        standard_id, best_id = standard.id, best.id
    alices = factory.ticket(customers["Alice"], created_at=NOW - timedelta(hours=1), status="open")
    with app.app_context():
        recompute_sla(db.session, NOW)  # the open tickets are on the standard policy, nobody is scored yet
        assert db.session.get(Ticket, alices).sla_policy_id == standard_id
        recompute_all(db.session, NOW)
        ticket = db.session.get(Ticket, alices)
        assert ticket.sla_policy_id == best_id
        assert ticket.first_response_due_at == NOW - timedelta(hours=1) + timedelta(minutes=30)
        brunos_open = db.session.scalar(select(Ticket).where(Ticket.customer_id == customers["Bruno"],
                                                             Ticket.status == "open"))
        assert brunos_open.sla_policy_id == standard_id


def test_resolving_and_reopening_a_ticket_updates_the_customers_contact_load(app, client, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, SLAPolicy, User

    with app.app_context():
        db.session.add_all([
            SLAPolicy(name="Standard", rank=100, conditions={}, first_response_minutes=240, resolution_minutes=960),
            SLAPolicy(name="Meilleurs clients", rank=5, conditions={"tactical_segment": ["best"], "min_score": 80},
                      first_response_minutes=30),
        ])
        db.session.commit()
    factory.user("agent", email="agent@example.com")
    alice = factory.user("customer", email="alice@example.com", name="Alice Martin")
    with app.app_context():
        customer_id = db.session.get(User, alice).customer_id
    agent_h = {"Authorization": f"Bearer {auth.token('agent@example.com')}"}
    alice_h = {"Authorization": f"Bearer {auth.token('alice@example.com')}"}
    created = client.post("/api/v1/tickets", json={"subject": "Box coupée", "body": "Plus de connexion.",
                                                   "customer_id": customer_id}, headers=agent_h).get_json()
    tid = created["id"]
    assert client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Nous regardons."}, headers=agent_h).status_code == 201
    version = client.get(f"/api/v1/tickets/{tid}", headers=agent_h).get_json()["version"]
    resolved = client.patch(f"/api/v1/tickets/{tid}", json={"version": version, "status": "resolved"}, headers=agent_h)
    assert resolved.status_code == 200
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert (customer.contacts_90d, customer.reopen_rate, customer.tactical_segment) == (1, 0.0, "new")
    assert client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Ça recommence !"}, headers=alice_h).status_code == 201
    assert client.get(f"/api/v1/tickets/{tid}", headers=agent_h).get_json()["status"] == "open"
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert customer.reopen_rate == 1.0
        assert "100 % de tickets rouverts" in customer.score_explanation["parts"][4]["text"]["fr"]
