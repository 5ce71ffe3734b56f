"""The lead dashboard as a lead uses it: what is at risk and breached, the backlog by age, the agents'
load, SLA alerts acknowledged once for everyone, one-click reassignment."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from config import TestingConfig
from helpdesk.models import AlertAcknowledgement, CallLog, Team, Ticket, TicketEvent, utcnow
from tests.conftest import PASSWORD


@pytest.fixture()
def floor(app, factory):
    """A team, two agents, a lead, and open tickets at known SLA states and ages."""
    from helpdesk.extensions import db

    with app.app_context():
        team = Team(name="Support")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    ids = {
        "team": team_id,
        "alice": factory.user("agent", email="alice@example.com", name="Alice", team_ids=[team_id], availability="available"),
        "bob": factory.user("agent", email="bob@example.com", name="Bob", team_ids=[team_id], availability="away"),
        "lead": factory.user("lead", email="lead@example.com", name="Lou Lead", team_ids=[team_id]),
    }
    now = utcnow()
    specs = {  # name: (created days ago, sla_state, due in hours, assignee)
        "soon": (0.5, "running", 2, "alice"),
        "later": (2, "running", 48, "alice"),
        "warned": (5, "warning", 30, "bob"),
        "late": (10, "breached", -3, None),
    }
    with app.app_context():
        for name, (age, state, due, who) in specs.items():
            created = now - timedelta(days=age)
            ticket = Ticket(subject=f"Ticket {name}", status="open", team_id=team_id, created_at=created, updated_at=created,
                            sla_state=state, sla_due_at=now + timedelta(hours=due),
                            assignee_id=ids[who] if who else None)
            db.session.add(ticket)
            db.session.flush()
            ticket.number = 10000 + ticket.id
            ids[name] = ticket.id
        db.session.add(CallLog(call_id="c-1", direction="in", state="answered", agent_id=ids["bob"], started_at=now,
                               answered_at=now))
        db.session.commit()
    return ids


def section(page: str, panel_id: str) -> str:
    return re.search(rf'<section class="card" id="{panel_id}".*?</section>', page, re.S).group(0)


def test_at_risk_and_breached_panels_list_what_needs_attention_soonest_first(client, floor, auth):
    auth.login("lead@example.com")
    page = client.get("/lead").get_data(as_text=True)
    at_risk = section(page, "at-risk")
    assert "Ticket soon" in at_risk and "Ticket warned" in at_risk
    assert "Ticket later" not in at_risk and "Ticket late" not in at_risk
    assert at_risk.index("Ticket soon") < at_risk.index("Ticket warned")  # due soonest first
    breached = section(page, "breached")
    assert "Ticket late" in breached and "Ticket soon" not in breached


def test_breached_panel_lists_the_longest_overdue_first_and_paused_ones_last(app, client, floor, auth):
    """A breached ticket waiting for the customer has no due time (its clocks are paused): it comes
    after those still overdue, whatever the database's place for NULLs."""
    from helpdesk.extensions import db

    now = utcnow()
    with app.app_context():
        for subject, status, due in (("Paused breach", "pending_customer", None),
                                     ("Recent breach", "open", now - timedelta(hours=1)),
                                     ("Oldest breach", "open", now - timedelta(days=3))):
            ticket = Ticket(subject=subject, status=status, team_id=floor["team"], created_at=now - timedelta(days=4),
                            updated_at=now, sla_state="breached", sla_due_at=due)
            db.session.add(ticket)
        db.session.commit()
    auth.login("lead@example.com")
    panel = section(client.get("/lead").get_data(as_text=True), "breached")
    order = [panel.index(s) for s in ("Oldest breach", "Ticket late", "Recent breach", "Paused breach")]
    assert order == sorted(order)


def test_backlog_counts_open_tickets_by_team_and_age(app, client, floor, auth):
    from helpdesk.lead.service import backlog

    with app.app_context():
        from helpdesk.extensions import db

        [row] = [b for b in backlog(db.session, utcnow()) if b.team == "Support"]
    assert (row.open, row.unassigned, row.breached, row.at_risk) == (4, 1, 1, 1)
    assert row.by_age == {"lt1": 1, "d1_3": 1, "d3_7": 1, "gt7": 1}
    auth.login("lead@example.com")
    panel = section(client.get("/lead").get_data(as_text=True), "backlog")
    assert "Support" in panel and "moins d'1 jour" in panel and "plus de 7 jours" in panel


def test_agents_panel_shows_availability_load_and_calls(client, floor, auth):
    auth.login("lead@example.com")
    panel = section(client.get("/lead").get_data(as_text=True), "agents")
    alice = re.search(rf'<tr data-agent-id="{floor["alice"]}">.*?</tr>', panel, re.S).group(0)
    bob = re.search(rf'<tr data-agent-id="{floor["bob"]}">.*?</tr>', panel, re.S).group(0)
    assert "Disponible" in alice and '<td class="num">2</td>' in alice
    assert "En appel" in bob and "Absent" in bob  # on a call though marked away


def _breach_event(app, ticket_id):
    from helpdesk.extensions import db

    with app.app_context():
        event = TicketEvent(ticket_id=ticket_id, action="sla_breached", field="resolution", created_at=utcnow())
        db.session.add(event)
        db.session.commit()
        return event.id


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


def _protected_lead(app):
    from helpdesk import create_app

    keys = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")
    browser = create_app(ProtectedConfig, **{k: app.config[k] for k in keys}).test_client()
    login = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    browser.post("/login", data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": token})
    return browser


def test_an_alert_acknowledged_by_one_lead_leaves_every_leads_list(app, client, floor, auth, factory):
    event_id = _breach_event(app, floor["late"])
    browser = _protected_lead(app)
    page = browser.get("/lead").get_data(as_text=True)
    assert f'data-alert-id="{event_id}"' in section(page, "alerts")
    assert browser.post("/lead/alerts/acknowledge", data={"event_id": event_id}).status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert browser.post("/lead/alerts/acknowledge", data={"event_id": event_id, "csrf_token": token}).status_code == 302
    factory.user("lead", email="lead2@example.com")
    auth.login("lead2@example.com")
    assert f'data-alert-id="{event_id}"' not in section(client.get("/lead").get_data(as_text=True), "alerts")
    with app.app_context():
        from helpdesk.extensions import db

        ack = db.session.get(AlertAcknowledgement, event_id)
        assert ack.user_id == floor["lead"]


def test_one_click_reassignment_refuses_a_stale_version(app, client, floor, auth):
    from helpdesk.extensions import db

    auth.login("lead@example.com")
    with app.app_context():
        version = db.session.get(Ticket, floor["late"]).version
    done = client.post(f"/lead/tickets/{floor['late']}/assign", data={"assignee_id": floor["alice"], "version": version})
    assert done.status_code == 302
    stale = client.post(f"/lead/tickets/{floor['late']}/assign", data={"assignee_id": floor["bob"], "version": version},
                        follow_redirects=True)
    assert "changé" in stale.get_data(as_text=True) or "changed" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Ticket, floor["late"]).assignee_id == floor["alice"]


def test_agents_and_customers_stay_out_of_the_dashboard(client, floor, auth, factory):
    factory.user("customer", email="cust@example.com")
    for email in ("alice@example.com", "cust@example.com"):
        auth.login(email)
        assert client.get("/lead/panels").status_code == 403
        assert client.post(f"/lead/tickets/{floor['late']}/assign", data={"assignee_id": floor["alice"]}).status_code == 403
        assert client.post("/lead/alerts/acknowledge", data={"event_id": 1}).status_code == 403
        auth.logout()


def test_the_panels_cost_the_same_statements_whatever_the_backlog(app, client, floor, auth):
    from helpdesk.extensions import db
    from tests.conftest import counted_get

    auth.login("lead@example.com")
    client.get("/lead/panels")
    small, _ = counted_get(app, client, "/lead/panels")
    with app.app_context():
        now = utcnow()
        for i in range(40):
            ticket = Ticket(subject=f"Encore {i}", status="open", team_id=floor["team"], created_at=now, updated_at=now,
                            sla_state="warning", sla_due_at=now + timedelta(hours=1), assignee_id=floor["bob"])
            db.session.add(ticket)
        db.session.commit()
    big, _ = counted_get(app, client, "/lead/panels")
    assert big == small


def test_a_long_at_risk_list_shows_the_soonest_due_and_counts_them_all(app, floor):
    """Past the panel's rows, the list keeps the soonest due, in order, and the count is of them all."""
    from helpdesk.extensions import db
    from helpdesk.lead.service import PANEL_ROWS, at_risk

    now = utcnow()
    with app.app_context():
        for i in range(PANEL_ROWS + 5):  # due from 3 h 56 down to 1 h 56, added latest due first
            db.session.add(Ticket(subject=f"Due {i}", status="open", team_id=floor["team"], created_at=now,
                                  updated_at=now, sla_state="running", sla_due_at=now + timedelta(minutes=236 - 5 * i)))
        db.session.commit()
        shown = at_risk(db.session, now)
        assert shown.total == PANEL_ROWS + 5 + 2  # with the fixture's "soon" and "warned"
        # The fixture's "soon" is due in 2 h, after "Due 24" (1 h 56); "warned" (30 h) and the latest
        # "Due" ones are past the panel's rows.
        assert [t.subject for t in shown.items] == (
            ["Due 24", "Ticket soon"] + [f"Due {i}" for i in range(23, 23 - PANEL_ROWS + 2, -1)])


def test_the_alert_list_keeps_the_newest_unacknowledged_alerts_of_the_day(app, floor):
    """A sweep breaches many clocks at one instant: the list shows the newest 50 SLA alerts of the last
    24 hours (ties newest id first), never other events, older alerts or acknowledged ones."""
    from helpdesk.extensions import db
    from helpdesk.lead.service import alerts

    now = utcnow()
    with app.app_context():
        sweep = now - timedelta(minutes=5)
        rows = [TicketEvent(ticket_id=floor["late"], action="sla_breached", field="resolution", created_at=sweep)
                for _ in range(60)]
        rows += [TicketEvent(ticket_id=floor["soon"], action="changed", field="status", created_at=now),
                 TicketEvent(ticket_id=floor["warned"], action="sla_warning", field="resolution",
                             created_at=now - timedelta(minutes=1)),
                 TicketEvent(ticket_id=floor["warned"], action="sla_warning", field="resolution",
                             created_at=now - timedelta(hours=25))]
        db.session.add_all(rows)
        db.session.flush()
        breaches = sorted((e.id for e in rows[:60]), reverse=True)
        db.session.add(AlertAcknowledgement(event_id=breaches[0], user_id=floor["lead"], acknowledged_at=now))
        db.session.commit()
        listed = alerts(db.session, now)
        assert [a.kind for a in listed[:1]] == ["sla_warning"]  # the newest alert; the status change is no alert
        assert [a.event_id for a in listed[1:]] == breaches[1:50]  # the acknowledged one left out, ties by id
        assert all(a.at >= now - timedelta(hours=24) for a in listed)
        everything = alerts(db.session, now, include_acknowledged=True, limit=100)
        assert len(everything) == 61 and breaches[0] in {a.event_id for a in everything}
