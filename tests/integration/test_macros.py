"""Canned responses managed by a lead (/lead/macros) and used by agents from the ticket page."""
import html
import re

import pytest
from sqlalchemy import func, select


@pytest.fixture()
def teams(app, factory):
    from helpdesk.extensions import db
    from helpdesk.models import Team

    with app.app_context():
        billing, network = Team(name="Facturation"), Team(name="Réseau")
        db.session.add_all([billing, network])
        db.session.commit()
        ids = {"billing": billing.id, "network": network.id}
    factory.user("lead", email="lead@example.com", name="Léa Lead")
    factory.user("agent", email="billing@example.com", name="Bill Agent", team_ids=[ids["billing"]])
    factory.user("agent", email="network@example.com", name="Nora Agent", team_ids=[ids["network"]])
    return ids


def macros(app):
    from helpdesk.extensions import db
    from helpdesk.models import CannedResponse

    with app.app_context():
        return {m.title: (m.team_id, m.set_status, m.set_priority, m.body)
                for m in db.session.scalars(select(CannedResponse))}


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_lead_writes_a_team_macro_that_only_that_team_gets(app, client, auth, factory, teams):
    auth.login("lead@example.com")
    assert "Réponses types" in page(client.get("/lead"))
    response = client.post("/lead/macros/new", data={
        "title": "Remboursement validé", "language": "fr", "team_id": teams["billing"], "set_status": "resolved",
        "set_priority": "", "body": "Bonjour {{ customer.name }}, le remboursement du ticket {{ ticket.number }} est validé.",
    })
    assert response.status_code == 302
    assert macros(app) == {"Remboursement validé": (teams["billing"], "resolved", None,
                           "Bonjour {{ customer.name }}, le remboursement du ticket {{ ticket.number }} est validé.")}
    listing = page(client.get("/lead/macros"))
    assert "Remboursement validé" in listing and "Facturation" in listing
    auth.logout()

    customer = factory.customer(name="M. Petit")
    ticket = factory.ticket(customer_id=customer, subject="Remboursement en attente", team_id=teams["billing"])
    auth.login("network@example.com")  # another team: not offered, and refused if posted anyway
    assert "Remboursement validé" not in page(client.get(f"/console/tickets/{ticket}"))
    macro_id = _macro_id(app, "Remboursement validé")
    refused = client.post(f"/console/tickets/{ticket}/macro", data={"macro_id": macro_id, "version": 1},
                          follow_redirects=True)
    assert "Réponse type non appliquée" in page(refused)
    assert "le remboursement du ticket" not in page(refused)
    auth.logout()

    auth.login("billing@example.com")
    ticket_page = page(client.get(f"/console/tickets/{ticket}"))
    assert "Remboursement validé" in ticket_page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', ticket_page).group(1)
    client.post(f"/console/tickets/{ticket}/macro", data={"macro_id": macro_id, "version": version})
    after = page(client.get(f"/console/tickets/{ticket}"))
    assert re.search(r"Bonjour M\. Petit, le remboursement du ticket #\d+ est validé\.", after)
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    with app.app_context():
        assert db.session.get(Ticket, ticket).status == "resolved"


def test_bad_input_is_explained_in_the_form_and_nothing_is_saved(app, client, auth, teams):
    auth.login("lead@example.com")
    client.post("/lead/macros/new", data={"title": "Accusé de réception", "language": "fr", "team_id": 0,
                                          "body": "Bien reçu, {{ agent.name }}."})
    before = macros(app)

    typo = client.post("/lead/macros/new", data={"title": "Relance", "language": "fr", "team_id": 0,
                                                 "body": "Bonjour {{ customer.nom }}, avez-vous pu tester ?"})
    assert typo.status_code == 400
    assert "Champ inconnu : {{ customer.nom }}" in page(typo) and "{{ customer.name }}" in page(typo)

    duplicate = client.post("/lead/macros/new", data={"title": "accusé de réception", "language": "fr", "team_id": 0,
                                                      "body": "Autre texte"})
    assert duplicate.status_code == 400
    assert "Une autre réponse type porte déjà ce titre." in page(duplicate)

    empty = client.post("/lead/macros/new", data={"title": "", "language": "fr", "team_id": 0, "body": ""})
    assert empty.status_code == 400
    assert macros(app) == before


def test_edit_and_delete(app, client, auth, teams):
    auth.login("lead@example.com")
    client.post("/lead/macros/new", data={"title": "Escalade N2", "language": "fr", "team_id": 0, "body": "Transmis."})
    macro_id = _macro_id(app, "Escalade N2")
    form = page(client.get(f"/lead/macros/{macro_id}"))
    assert "Transmis." in form
    client.post(f"/lead/macros/{macro_id}", data={"title": "Escalade niveau 2", "language": "fr", "team_id": teams["network"],
                                                   "set_priority": "high", "body": "Transmis au niveau 2."})
    assert macros(app) == {"Escalade niveau 2": (teams["network"], None, "high", "Transmis au niveau 2.")}
    client.post(f"/lead/macros/{macro_id}/delete")
    assert macros(app) == {}
    from helpdesk.extensions import db
    from helpdesk.models import AuditEvent

    with app.app_context():  # each change in the audit log, with its fields
        log = [(e.action, e.changes) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "canned_response").order_by(AuditEvent.id))]
    assert [action for action, _ in log] == ["created", "updated", "deleted"]
    assert log[1][1]["title"] == ["Escalade N2", "Escalade niveau 2"] and log[1][1]["set_priority"] == [None, "high"]


def test_agents_and_customers_cannot_manage_macros(app, client, auth, factory, teams):
    factory.user("customer", email="client@example.com")
    for email in ("billing@example.com", "client@example.com"):
        auth.login(email)
        assert client.get("/lead/macros").status_code == 403
        assert client.post("/lead/macros/new",
                           data={"title": "x", "body": "y", "language": "fr", "team_id": 0}).status_code == 403
        auth.logout()
    assert macros(app) == {}


def _macro_id(app, title):
    from helpdesk.extensions import db
    from helpdesk.models import CannedResponse

    with app.app_context():
        return db.session.scalar(select(CannedResponse.id).where(func.lower(CannedResponse.title) == title.lower()))
