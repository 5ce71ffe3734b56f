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
    from helpdesk.models import InboundEmail, Interaction, Message, Ticket

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
        db.session.execute(delete(InboundEmail).where(InboundEmail.ticket_id.in_(doomed)))
        db.session.execute(delete(Ticket).where(Ticket.number > 10020))
        db.session.commit()
        report = seed_demo(customers=30, tickets=40, articles=0, seed=7, progress=False, now=now)
        assert report.created["tickets"] == 20 and report.existing["tickets"] == 20
        assert snapshot() == first
        assert "tickets" in report.summary()


def test_satisfaction_surveys_answers_and_follow_ups_as_the_app_would_have_made_them(app):
    """Resolved tickets got their survey an hour later (throttled per customer), some were answered,
    each answer shows on the timeline and in the ticket's history, and the bad ones have their
    follow-up: still to do, overdue, or closed with an outcome the lead wrote down."""
    from helpdesk.demo import data as D
    from helpdesk.demo.seed import seed_demo
    from helpdesk.extensions import db
    from helpdesk.models import Customer, FollowUp, Interaction, SurveyInvitation, SurveyResponse, Ticket, TicketEvent
    from helpdesk.models.surveys import FOLLOW_UP_OUTCOMES
    from helpdesk.surveys.rules import Answer, recovery_reasons

    now = datetime(2026, 6, 17, 15, 0, tzinfo=timezone.utc)  # a Wednesday afternoon
    with app.app_context():
        session = db.session
        report = seed_demo(customers=80, tickets=600, articles=0, seed=11, progress=False, now=now)
        assert report.created["survey_responses"] > 0 and "survey_responses" in report.summary()

        tickets = {t.id: t for t in session.scalars(select(Ticket))}
        customers = {c.id: c for c in session.scalars(select(Customer))}
        invitations = list(session.scalars(select(SurveyInvitation).order_by(SurveyInvitation.customer_id,
                                                                             SurveyInvitation.send_at)))
        surveyable = [t for t in tickets.values() if t.status in ("resolved", "closed")
                      and customers[t.customer_id].consent_surveys]
        assert 0.4 <= len(invitations) / len(surveyable) <= 0.7
        last_sent, last_nps = {}, {}
        for invitation in invitations:
            ticket = tickets[invitation.ticket_id]
            assert ticket in surveyable and invitation.customer_id == ticket.customer_id
            assert invitation.send_at == ticket.resolved_at  # no delay by default: with the resolution mail
            previous = last_sent.get(invitation.customer_id)
            assert previous is None or invitation.send_at - previous >= timedelta(days=7)
            last_sent[invitation.customer_id] = invitation.send_at
            if invitation.include_nps:
                previous = last_nps.get(invitation.customer_id)
                assert previous is None or invitation.sent_at - previous >= timedelta(days=90)
                last_nps[invitation.customer_id] = invitation.sent_at
            if invitation.state == "scheduled":
                assert invitation.send_at > now and invitation.token_hash is None
            else:
                assert invitation.sent_at == invitation.send_at <= now and len(invitation.token_hash) == 64
                assert invitation.expires_at == invitation.sent_at + timedelta(days=14)
            assert (invitation.state == "answered") == (invitation.used_at is not None)
        answered = [i for i in invitations if i.state == "answered"]
        assert 0.3 <= len(answered) / len([i for i in invitations if i.sent_at]) <= 0.5

        responses = list(session.scalars(select(SurveyResponse)))
        assert len(responses) == len(answered)
        csat = [r.csat for r in responses]
        assert set(csat) >= {1, 2, 4, 5} or set(csat) >= {2, 3, 4, 5}
        assert sum(c >= 4 for c in csat) > len(csat) / 2 > sum(c <= 2 for c in csat)
        nps = [r.nps for r in responses if r.nps is not None]
        assert sum(n >= 9 for n in nps) > sum(n <= 6 for n in nps) > 0
        assert {r.channel for r in responses} <= {"email", "portal"}
        assert any(r.comment for r in responses)
        def written_from(pools):  # the comment is one of these texts, an agent's first name filled in
            patterns = [re.escape(t).replace(re.escape("{agent}"), ".+") for pool in pools.values() for t in pool]
            return re.compile("|".join(f"(?:{p})" for p in patterns)).fullmatch

        in_english, in_french = written_from(D.SURVEY_COMMENTS_EN), written_from(D.SURVEY_COMMENTS)
        for r in responses:
            if r.comment:
                assert (in_english if customers[r.customer_id].language == "en" else in_french)(r.comment), r.comment

        interactions = {}
        for interaction in session.scalars(select(Interaction).where(Interaction.kind.in_(("survey", "follow_up")))):
            interactions.setdefault(interaction.kind, []).append(interaction)
        timeline = {i.data["response_id"]: i for i in interactions["survey"]}
        history = {e.data["response_id"]: e for e in session.scalars(
            select(TicketEvent).where(TicketEvent.action == "survey_answered"))}
        assert len(timeline) == len(history) == len(responses)
        follow_ups = {f.response_id: f for f in session.scalars(select(FollowUp))}
        for response in responses:
            ticket = tickets[response.ticket_id]
            invitation = response.invitation
            assert response.created_at == invitation.used_at and response.customer_id == ticket.customer_id
            assert (response.agent_id, response.team_id) == (ticket.assignee_id, ticket.team_id)
            entry, event = timeline[response.id], history[response.id]
            assert (entry.customer_id, entry.ticket_id, entry.channel, entry.direction, entry.occurred_at) == (
                response.customer_id, ticket.id, response.channel, "in", response.created_at)
            assert entry.summary.startswith(f"CSAT {response.csat}/5")
            figures = {"csat": response.csat, "effort": response.effort, "nps": response.nps,
                       "response_id": response.id}
            assert entry.data == event.data == figures
            assert event.ticket_id == ticket.id and event.actor_id is None and event.created_at == response.created_at
            reasons = recovery_reasons(Answer(response.csat, response.effort, response.nps, response.comment))
            assert (follow_ups[response.id].reasons if response.id in follow_ups else []) == reasons

        # The lead has follow-ups to do, some late, and closed the others with an outcome and a note.
        states = {"to do": 0, "overdue": 0, "closed": 0}
        closing = {i.data["follow_up_id"]: i for i in interactions["follow_up"]}
        for follow_up in follow_ups.values():
            assert follow_up.created_at < follow_up.due_at
            if follow_up.state == "open":
                states["overdue" if follow_up.overdue_at else "to do"] += 1
                assert (follow_up.due_at <= now) == (follow_up.overdue_at is not None)
                assert follow_up.id not in closing
            else:
                states["closed"] += 1
                assert follow_up.outcome in FOLLOW_UP_OUTCOMES and follow_up.note
                assert follow_up.created_at < follow_up.closed_at < now and follow_up.closed_by.role == "lead"
                entry = closing[follow_up.id]
                assert entry.channel == ("phone" if follow_up.outcome == "called_back" else "system")
                assert (entry.occurred_at, entry.agent_id, entry.direction) == (
                    follow_up.closed_at, follow_up.closed_by_id, "out")
                assert entry.summary.endswith(f" — {follow_up.note}") and entry.data["outcome"] == follow_up.outcome
        assert all(states.values()), states
        assert len({f.outcome for f in follow_ups.values() if f.outcome}) >= 3

        counts = _row_counts(app)
        again = seed_demo(customers=80, tickets=600, articles=0, seed=11, progress=False, now=now + timedelta(hours=2))
        assert again.created["survey_invitations"] == again.created["survey_responses"] == 0
        assert _row_counts(app) == counts


def test_the_demo_customers_e_mails_have_their_original(app, runner, client, auth):
    from helpdesk.demo.seed import DEMO_LOGINS
    from helpdesk.extensions import db
    from helpdesk.models import InboundEmail, Message

    _seed(runner, *SMALL)
    with app.app_context():
        emailed = db.session.execute(
            select(Message.id, Message.body_source).where(Message.channel == "email", Message.from_customer.is_(True))
            .order_by(Message.id)).all()
        assert emailed
        assert db.session.scalar(select(func.count()).select_from(InboundEmail)) == db.session.scalar(
            select(func.count(Message.id)).where(Message.channel == "email", Message.from_customer.is_(True),
                                                 Message.email_message_id.is_not(None)))
    message_id, body = emailed[0]
    agent = next(email for role, email in DEMO_LOGINS["accounts"] if role == "agent")
    auth.login(agent, DEMO_LOGINS["password"])
    page = client.get(f"/console/mail/messages/{message_id}/original")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert body.split("\n")[0][:40] in text and "-- " in text  # the signature the ticket leaves out
