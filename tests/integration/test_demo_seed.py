"""`flask demo seed`: realistic demo data, created once (idempotent), deterministic, consistent."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select

SMALL = ["--customers", "40", "--tickets", "150", "--articles", "10"]
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _seed(runner, *sizes):
    result = runner.invoke(args=["demo", "seed", *sizes, "--quiet"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def _row_counts(app) -> dict[str, int]:
    from helpdesk.extensions import db

    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_seed_creates_consistent_demo_data_and_a_second_run_changes_nothing(app, runner):
    from helpdesk.auth.service import authenticate
    from helpdesk.customers.phones import normalise_phone
    from helpdesk.demo.seed import DEMO_LOGINS
    from helpdesk.extensions import db
    from helpdesk.models import (
        Customer,
        CustomerPhone,
        CustomerProduct,
        Message,
        SlaClock,
        Team,
        Ticket,
        TicketEvent,
        User,
        utcnow,
    )
    from knowledge_base.models import Article, ArticleVersion

    result = _seed(runner, *SMALL)
    assert DEMO_LOGINS["password"] in result.output
    for _role, email in DEMO_LOGINS["accounts"]:
        assert email in result.output

    counts = _row_counts(app)
    assert counts["customers"] == 40
    assert counts["tickets"] == 150
    assert counts["articles"] == 10
    assert counts["article_versions"] == 10
    assert counts["teams"] == 3 and counts["sla_policies"] >= 5 and counts["business_calendars"] == 3
    assert counts["sla_clocks"] == 3 * counts["tickets"]  # the command computes every ticket's SLA clocks
    for table in ("messages", "ticket_events", "ticket_tags", "customer_phones", "customer_products", "orders",
                  "interactions", "organizations", "products", "tags", "team_members", "article_categories"):
        assert counts[table] > 0, table

    with app.app_context():
        session = db.session
        now = utcnow()
        # Every printed login works with the printed password, with the role it claims.
        for role, email in DEMO_LOGINS["accounts"]:
            user = authenticate(email, DEMO_LOGINS["password"], now)
            assert user is not None, email
            assert user.role == ("customer" if role == "org admin" else role)
            if user.role == "customer":
                assert user.customer is not None and user.customer.email == user.email
            if role == "org admin":
                assert user.is_org_admin and user.customer.organization_id is not None
        session.rollback()  # authenticate() stamped last_login_at; keep the data as seeded

        assert all(team.default_sla_policy_id and team.calendar_id for team in session.scalars(select(Team)))
        agents = session.scalar(select(func.count()).select_from(User).where(User.role == "agent"))
        assert agents >= 8
        portal = list(session.scalars(select(User).where(User.role == "customer")))
        assert portal and all(u.customer_id and u.customer.email == u.email for u in portal)

        numbers = list(session.scalars(select(CustomerPhone.number)))
        assert numbers and all(E164.match(n) and normalise_phone(n) == n for n in numbers)
        for cp in session.scalars(select(CustomerProduct)):
            assert cp.purchased_at <= now.date()
            assert cp.warranty_until is None or cp.warranty_until > cp.purchased_at

        tickets = list(session.scalars(select(Ticket).order_by(Ticket.number)))
        assert [t.number for t in tickets] == list(range(10001, 10151))
        messages = {}
        for m in session.scalars(select(Message).order_by(Message.ticket_id, Message.created_at, Message.id)):
            messages.setdefault(m.ticket_id, []).append(m)
        events = {}
        for e in session.scalars(select(TicketEvent).order_by(TicketEvent.ticket_id, TicketEvent.created_at)):
            events.setdefault(e.ticket_id, []).append(e)
        products = dict(session.execute(select(CustomerProduct.id, CustomerProduct.customer_id)).all())
        statuses = set()
        for t in tickets:
            statuses.add(t.status)
            assert now - timedelta(days=366) < t.created_at < now
            assert t.version == 1
            assert t.sla_state is not None  # SLA computed after the bulk insert
            times = [t.created_at, t.first_response_at, t.resolved_at, t.closed_at]
            present = [x for x in times if x is not None]
            assert present == sorted(present) and len(set(present)) == len(present), t.number
            assert max(present) <= t.updated_at <= now
            if t.status == "new":
                assert t.first_response_at is None and t.resolved_at is None
            else:
                assert t.first_response_at is not None and t.assignee_id is not None
            assert (t.resolved_at is not None) == (t.status in ("resolved", "closed")), t.number
            assert (t.closed_at is not None) == (t.status == "closed"), t.number
            if t.product_id is not None:
                assert products[t.product_id] == t.customer_id
            conversation = messages[t.id]
            assert 1 <= len(conversation) <= 5
            first = conversation[0]
            assert first.from_customer and first.kind == "reply" and first.created_at == t.created_at
            assert first.body.startswith("<p>") and first.body_source
            assert all(t.created_at <= m.created_at <= t.updated_at for m in conversation)
            assert all(m.kind in ("reply", "note") for m in conversation)
            assert not any(m.from_customer and m.kind == "note" for m in conversation)
            replies = [m for m in conversation if m.kind == "reply" and not m.from_customer]
            assert (replies[0].created_at if replies else None) == t.first_response_at
            assert events[t.id][0].action == "created" and events[t.id][0].created_at == t.created_at
        assert {"closed", "resolved"} <= statuses or "closed" in statuses
        assert session.scalar(select(func.count()).select_from(SlaClock)) == 3 * len(tickets)

        articles = list(session.scalars(select(Article)))
        assert len({a.slug for a in articles}) == 10
        assert all(a.body and a.body_html and "<script" not in a.body_html for a in articles)
        assert any(a.status == "published" and a.visibility == "public" for a in articles)
        assert session.scalar(select(func.count()).select_from(ArticleVersion)) == 10
        english = [a for a in articles if a.language == "en"]
        assert english and all(
            session.get(Article, a.translation_group_id).language == "fr" for a in english
        )
        assert session.scalar(select(func.count()).select_from(Customer)
                              .where(Customer.external_ref.like("DEMO-C%"))) == 40

        # The lead dashboard has a deflection rate to show: some requests given up, some sent anyway.
        from knowledge_base.service import deflection_stats

        now = utcnow()
        stats = deflection_stats(session, now - timedelta(days=30), now)
        assert stats.deflected > 0 and stats.submitted > 0 and stats.articles_viewed >= stats.attempts

    _seed(runner, *SMALL)
    assert _row_counts(app) == counts


def test_larger_sizes_add_exactly_the_difference(app, runner, factory):
    _seed(runner, *SMALL)
    before = _row_counts(app)
    _seed(runner, "--customers", "60", "--tickets", "200", "--articles", "15")
    after = _row_counts(app)
    assert after["customers"] - before["customers"] == 20
    assert after["tickets"] - before["tickets"] == 50
    assert after["articles"] - before["articles"] == 5
    assert after["article_versions"] - before["article_versions"] == 5
    for table in ("teams", "sla_policies", "business_calendars", "products", "organizations", "tags"):
        assert after[table] == before[table], table
    assert all(after[table] >= before[table] for table in before)
    _seed(runner, "--customers", "60", "--tickets", "200", "--articles", "15")
    assert _row_counts(app) == after
    # Explicit ids were used: the application's own inserts must still get fresh ids (PostgreSQL sequences).
    customer_id = factory.customer()
    assert customer_id > 60
    assert factory.ticket(customer_id=customer_id) > 200
    factory.user(role="customer")


def test_same_seed_same_tickets(app):
    """Deleted demo tickets come back identical: ticket n depends on the seed and `now`, not on the batch."""
    from helpdesk.demo.seed import seed_demo
    from helpdesk.extensions import db
    from helpdesk.models import Interaction, Message, Ticket

    now = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.utc)

    def snapshot():
        tickets = db.session.execute(
            select(Ticket.number, Ticket.subject, Ticket.status, Ticket.priority, Ticket.channel, Ticket.customer_id,
                   Ticket.assignee_id, Ticket.created_at, Ticket.closed_at)
            .where(Ticket.number > 10020).order_by(Ticket.number)).all()
        bodies = db.session.execute(
            select(Ticket.number, Message.body_source, Message.created_at).join(Message, Message.ticket_id == Ticket.id)
            .where(Ticket.number > 10020).order_by(Ticket.number, Message.created_at, Message.id)).all()
        return tickets, bodies

    with app.app_context():
        seed_demo(customers=30, tickets=40, articles=0, seed=7, progress=False, now=now)
        first = snapshot()
        doomed = select(Ticket.id).where(Ticket.number > 10020).scalar_subquery()
        db.session.execute(delete(Interaction).where(Interaction.ticket_id.in_(doomed)))
        db.session.execute(delete(Ticket).where(Ticket.number > 10020))
        db.session.commit()
        report = seed_demo(customers=30, tickets=40, articles=0, seed=7, progress=False, now=now)
        assert report.created["tickets"] == 20 and report.existing["tickets"] == 20
        assert snapshot() == first
        assert "tickets" in report.summary()
