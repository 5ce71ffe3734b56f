"""Pages word the services' error codes: rewording every English message of the services changes
nothing an agent sees, and the limits an error carries are said."""
import html
import re

import pytest

from helpdesk import errors


@pytest.fixture()
def desk(app, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Team

    with app.app_context():
        team = Team(name="Facturation")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    agent = factory.user("agent", email="agent@example.com", name="Agnès Agent", team_ids=[team_id])
    customer = factory.customer(name="Mme Durand", email="durand@example.com")
    ticket = factory.ticket(customer_id=customer, subject="Double prélèvement", team_id=team_id, assignee_id=agent)
    auth.login("agent@example.com")
    return {"agent": agent, "ticket": ticket, "team_id": team_id}


def _refusals(page: str) -> list[str]:
    """What the page says is wrong: the field errors and the flashed errors."""
    text = html.unescape(page)
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', text) + re.findall(r'class="flash flash-error"[^>]*>\s*([^<]+?)\s*<', text)


def _what_an_agent_sees(client, desk) -> dict[str, list[str]]:
    ticket = desk["ticket"]
    page = client.get(f"/console/tickets/{ticket}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    form = {"version": version, "status": "open", "priority": "high", "type": "question", "team": str(desk["team_id"]),
            "assignee_id": str(desk["agent"]), "tags": ", ".join(f"etiquette-{n}" for n in range(21))}
    tags = client.post(f"/console/tickets/{ticket}/fields", data=form)
    assert tags.status_code == 400
    queue = client.get("/console?status=archived")
    merge = client.post(f"/console/tickets/{ticket}/merge", data={"into": str(ticket)}, follow_redirects=True)
    return {"tags": _refusals(tags.get_data(as_text=True)), "queue": _refusals(queue.get_data(as_text=True)),
            "merge": _refusals(merge.get_data(as_text=True))}


def test_a_reworded_service_message_changes_nothing_on_the_pages(client, desk, monkeypatch):
    before = _what_an_agent_sees(client, desk)
    assert before["tags"] == ["Au plus 20 étiquettes de 64 caractères chacune."]
    assert any("Statut : Valeur non proposée." in text for text in before["queue"])
    assert any("Ticket visé : Choisissez un autre ticket que celui-ci." in text for text in before["merge"])

    original = errors.DomainError.__init__

    def reworded(self, message="", details=None, code=None):
        original(self, "Entirely different words: at most 3 tags, must be one of x", details, code)

    monkeypatch.setattr(errors.DomainError, "__init__", reworded)
    after = _what_an_agent_sees(client, desk)
    assert after == before
    assert not any("Entirely different" in text for texts in after.values() for text in texts)


def test_the_api_keeps_its_shape_with_codes_and_limits(client, desk, auth):
    token = auth.token("agent@example.com")
    response = client.post("/api/v1/tickets", json={"subject": "x" * 301, "body": "", "tags": "facture"},
                           headers={"Authorization": f"Bearer {token}"})
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["code"] == "validation_error" and error["message"]
    assert error["details"]["fields"] == {"subject": "too_long", "body": "required", "tags": "must_be_list"}
    assert error["details"]["limits"] == {"subject": {"max_length": 300}}
