"""In a real browser, a lead's day: a ticket counting down at risk, its breach arriving live (toast
and panels redrawn without a reload), a reassignment in one click."""
from datetime import timedelta

from tests.conftest import PASSWORD


def test_a_breach_arrives_live_and_the_lead_reassigns_in_one_click(app, live_server, page, factory, client, auth):
    from helpdesk.extensions import db
    from helpdesk.models import SLAPolicy, Team, Ticket, utcnow
    from helpdesk.sla.sweep import sweep

    with app.app_context():
        db.session.add(SLAPolicy(name="Tout", rank=1, conditions={}, first_response_minutes=60, resolution_minutes=600))
        team = Team(name="Support")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    factory.user("agent", email="ana@example.com", name="Ana Agent", team_ids=[team_id])
    factory.user("agent", email="bob@example.com", name="Bob Agent", team_ids=[team_id])
    factory.user("lead", email="lea@example.com", name="Léa Lead", team_ids=[team_id])
    headers = {"Authorization": f"Bearer {auth.token('ana@example.com')}"}
    ticket = client.post("/api/v1/tickets", json={"subject": "Fibre coupée", "body": "x", "team": "Support"},
                         headers=headers).get_json()

    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("lea@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/lead")
    page.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")
    at_risk = page.locator("#at-risk")
    assert "Fibre coupée" in at_risk.inner_text()  # due within the hour
    assert "dans" in at_risk.locator("time[data-countdown]").first.inner_text()  # counting down

    with app.app_context():
        sweep(db.session, utcnow() + timedelta(hours=2))  # the first response is now late
    page.locator(".toast").get_by_text(f"SLA dépassé : ticket #{ticket['number']}").wait_for()
    page.locator("#breached").get_by_text("Fibre coupée").wait_for()  # redrawn without a reload
    page.locator("#alerts").get_by_text("Fibre coupée").wait_for()

    row = page.locator(f"#breached tr[data-ticket-id='{ticket['id']}']")
    row.get_by_role("combobox").select_option(label="Bob Agent")
    row.get_by_role("button", name="Réassigner").click()
    page.get_by_text("Ticket réassigné.").wait_for()
    with app.app_context():
        assert db.session.get(Ticket, ticket["id"]).assignee.name == "Bob Agent"
