"""An unhappy survey answer reaches the leads live (`survey:negative`), and no one else."""
import re


def test_a_low_score_reaches_the_leads_only(app, client, factory, auth, connect):
    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage, Team

    with app.app_context():
        team = Team(name="Support")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    factory.user("agent", email="agent@example.com", team_ids=[team_id])
    factory.user("lead", email="lead@example.com", team_ids=[team_id])
    customer_id = factory.customer("Léa Martin", email="lea@example.com")
    agent_token, lead_token = auth.token("agent@example.com"), auth.token("lead@example.com")
    agent, lead = connect(agent_token), connect(lead_token)
    headers = {"Authorization": f"Bearer {agent_token}"}
    ticket = client.post("/api/v1/tickets", json={"subject": "Box", "body": "Panne", "customer_id": customer_id, "team": team_id},
                         headers=headers).get_json()
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": ticket["version"], "status": "resolved"}, headers=headers)
    with app.app_context():  # the survey came with the resolution mail
        body = db.session.scalars(db.select(OutboxMessage.body_text).where(OutboxMessage.kind == "resolved")).first()
    token = re.search(r"/survey/([A-Za-z0-9_\-]+)\?csat=1", body).group(1)
    assert client.post(f"/survey/{token}", data={"csat": "1", "comment": "Jamais rappelée"}).status_code == 200
    event = lead.wait_for("survey:negative")
    assert event["customer_id"] == customer_id and event["ticket_id"] == ticket["id"]
    assert event["csat"] == 1 and event["reasons"] == ["csat"] and event["comment"] == "Jamais rappelée"
    assert agent.received("survey:negative", within=0.5) == []
