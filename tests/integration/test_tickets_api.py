"""Tickets driven through their life over the API, as an agent and a customer would."""
import io

import pytest

from tests.conftest import PASSWORD


@pytest.fixture()
def people(app, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import BusinessCalendar, SLAPolicy, Team, User

    with app.app_context():
        hours = {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
        calendar = BusinessCalendar(name="Paris", timezone="Europe/Paris", hours=hours, holidays_country="FR")
        team = Team(name="Support Niveau 1", calendar=calendar)
        policy = SLAPolicy(name="Standard", rank=100, calendar=calendar, conditions={},
                           first_response_minutes=60, next_response_minutes=120, resolution_minutes=960)
        db.session.add_all([calendar, team, policy])
        db.session.commit()
        team_id = team.id
    agent = factory.user("agent", email="agent@example.com", name="Agnès Agent", team_ids=[team_id])
    other_agent = factory.user("agent", email="agent2@example.com", name="Bruno Agent", team_ids=[team_id])
    customer_user = factory.user("customer", email="alice@example.com", name="Alice Martin")
    factory.user("customer", email="bob@example.com", name="Bob Durand")
    with app.app_context():
        customer_id = db.session.get(User, customer_user).customer_id
    return {
        "team_id": team_id, "agent": agent, "other_agent": other_agent, "customer_id": customer_id,
        "agent_h": {"Authorization": f"Bearer {auth.token('agent@example.com')}"},
        "agent2_h": {"Authorization": f"Bearer {auth.token('agent2@example.com')}"},
        "alice_h": {"Authorization": f"Bearer {auth.token('alice@example.com')}"},
        "bob_h": {"Authorization": f"Bearer {auth.token('bob@example.com')}"},
    }


def _create(client, people, **extra):
    body = {"subject": "Box coupée depuis ce matin", "body": "Plus de connexion **du tout**.",
            "customer_id": people["customer_id"], "team": "Support Niveau 1", "priority": "high", "tags": ["Box", "fibre"]}
    body.update(extra)
    response = client.post("/api/v1/tickets", json=body, headers=people["agent_h"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_agent_creates_a_ticket(client, people):
    ticket = _create(client, people)
    assert ticket["number"] == 10000 + ticket["id"]
    assert ticket["status"] == "new"
    assert ticket["priority"] == "high"
    assert ticket["team"] == "Support Niveau 1"
    assert ticket["tags"] == ["box", "fibre"]
    assert ticket["messages"][0]["body"] == "<p>Plus de connexion <strong>du tout</strong>.</p>"
    assert set(ticket["sla"]) == {"first_response", "next_response", "resolution"}
    listed = client.get("/api/v1/tickets", headers=people["agent_h"]).get_json()["items"]
    assert [t["id"] for t in listed] == [ticket["id"]]


def test_a_new_ticket_is_the_customers_last_contact_even_when_it_brings_new_tags(app, client, people):
    from helpdesk.extensions import db
    from helpdesk.models import Customer

    ticket = _create(client, people, tags=["toute-nouvelle-etiquette"])
    with app.app_context():
        customer = db.session.get(Customer, people["customer_id"])
        assert customer.last_contact_at is not None
        assert customer.last_contact_at.isoformat() == ticket["created_at"]


def test_customer_creates_for_themselves_only(client, people):
    response = client.post("/api/v1/tickets", json={"subject": "Facture", "body": "Montant faux", "priority": "urgent",
                                                    "customer_id": 999}, headers=people["alice_h"])
    assert response.status_code == 201
    ticket = response.get_json()
    assert ticket["customer_id"] == people["customer_id"]
    assert ticket["priority"] == "normal"  # customers do not choose the priority
    assert ticket["channel"] == "portal"
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=people["bob_h"]).status_code == 404


def test_invalid_ticket_names_every_bad_field_and_stores_nothing(app, client, people):
    from helpdesk.extensions import db
    from helpdesk.models import Tag, Ticket

    response = client.post("/api/v1/tickets", json={"subject": "", "priority": "asap", "team": "Nope", "tags": "x"},
                           headers=people["agent_h"])
    assert response.status_code == 400
    assert set(response.get_json()["error"]["details"]["fields"]) == {"subject", "body", "priority", "team", "tags"}
    with app.app_context():
        assert db.session.query(Ticket).count() == 0 and db.session.query(Tag).count() == 0


def test_agent_reply_opens_and_customer_reply_reopens(client, people):
    ticket = _create(client, people)
    tid = ticket["id"]
    r = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Nous regardons."}, headers=people["agent_h"])
    assert r.status_code == 201
    state = client.get(f"/api/v1/tickets/{tid}", headers=people["agent_h"]).get_json()
    assert state["status"] == "open"
    assert state["sla"]["first_response"]["state"] in ("met", "breached")
    r = client.patch(f"/api/v1/tickets/{tid}", json={"version": state["version"], "status": "resolved"}, headers=people["agent_h"])
    assert r.status_code == 200 and r.get_json()["status"] == "resolved"
    client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Ça recommence !"}, headers=people["alice_h"])
    assert client.get(f"/api/v1/tickets/{tid}", headers=people["agent_h"]).get_json()["status"] == "open"


def test_past_the_reopen_window_a_customer_can_neither_reply_nor_reopen_over_the_api(app, client, people):
    from datetime import timedelta

    from helpdesk.extensions import db
    from helpdesk.models import Ticket, utcnow

    tid = _create(client, people)["id"]
    version = client.get(f"/api/v1/tickets/{tid}", headers=people["agent_h"]).get_json()["version"]
    client.patch(f"/api/v1/tickets/{tid}", json={"version": version, "status": "resolved"}, headers=people["agent_h"])
    with app.app_context():
        db.session.get(Ticket, tid).resolved_at = utcnow() - timedelta(days=app.config["PORTAL_REOPEN_DAYS"] + 1)
        db.session.commit()
    state = client.get(f"/api/v1/tickets/{tid}", headers=people["alice_h"]).get_json()
    reply = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Ça recommence"}, headers=people["alice_h"])
    reopen = client.patch(f"/api/v1/tickets/{tid}", json={"version": state["version"], "status": "open"},
                          headers=people["alice_h"])
    for refused in (reply, reopen):
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "reopen_window_passed"
    after = client.get(f"/api/v1/tickets/{tid}", headers=people["agent_h"]).get_json()
    assert after["status"] == "resolved" and after["version"] == state["version"]
    assert "Ça recommence" not in client.get(f"/api/v1/tickets/{tid}", headers=people["agent_h"]).get_data(as_text=True)
    # Staff still reopen it.
    assert client.patch(f"/api/v1/tickets/{tid}", json={"version": after["version"], "status": "open"},
                        headers=people["agent_h"]).status_code == 200


def test_internal_notes_stay_internal(client, people):
    tid = _create(client, people)["id"]
    r = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Client déjà relancé 3 fois", "internal": True}, headers=people["agent_h"])
    assert r.status_code == 201 and r.get_json()["internal"] is True
    seen_by_customer = client.get(f"/api/v1/tickets/{tid}", headers=people["alice_h"]).get_data(as_text=True)
    assert "relancé" not in seen_by_customer
    refused = client.post(f"/api/v1/tickets/{tid}/messages", json={"body": "psst", "internal": True}, headers=people["alice_h"])
    assert refused.status_code == 400
    assert "internal" in refused.get_json()["error"]["details"]["fields"]


def test_stale_version_is_a_conflict_and_changes_nothing(client, people):
    ticket = _create(client, people)
    tid, version = ticket["id"], ticket["version"]
    first = client.patch(f"/api/v1/tickets/{tid}", json={"version": version, "priority": "urgent"}, headers=people["agent_h"])
    assert first.status_code == 200
    second = client.patch(f"/api/v1/tickets/{tid}", json={"version": version, "priority": "low"}, headers=people["agent2_h"])
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "conflict"
    assert client.get(f"/api/v1/tickets/{tid}", headers=people["agent_h"]).get_json()["priority"] == "urgent"


def test_patch_requires_version(client, people):
    tid = _create(client, people)["id"]
    r = client.patch(f"/api/v1/tickets/{tid}", json={"priority": "low"}, headers=people["agent_h"])
    assert r.status_code == 400 and "version" in r.get_json()["error"]["details"]["fields"]


def test_every_change_is_in_the_history(client, people):
    ticket = _create(client, people)
    tid = ticket["id"]
    client.patch(f"/api/v1/tickets/{tid}", json={"version": ticket["version"], "priority": "urgent", "assignee_id": people["agent"]},
                 headers=people["agent_h"])
    history = client.get(f"/api/v1/tickets/{tid}/history", headers=people["agent_h"]).get_json()["items"]
    changes = {(e["field"], e["old"], e["new"]) for e in history if e["action"] == "changed"}
    assert ("priority", "high", "urgent") in changes
    assert ("assignee", None, "Agnès Agent") in changes
    assert all(e["actor"]["name"] == "Agnès Agent" for e in history)
    assert client.get(f"/api/v1/tickets/{tid}/history", headers=people["alice_h"]).status_code == 403


def test_customer_may_close_but_not_reprioritise(client, people):
    ticket = _create(client, people)
    r = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": ticket["version"], "priority": "urgent"}, headers=people["alice_h"])
    assert r.status_code == 400
    r = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": ticket["version"], "status": "closed"}, headers=people["alice_h"])
    assert r.status_code == 200 and r.get_json()["status"] == "closed"


def test_merge_moves_the_conversation(client, people):
    a = _create(client, people, subject="Box coupée")
    b = _create(client, people, subject="Toujours pas de connexion", body="Je relance.")
    r = client.post(f"/api/v1/tickets/{b['id']}/merge", json={"into_id": a["id"]}, headers=people["agent_h"])
    assert r.status_code == 200
    survivor = r.get_json()
    assert [m["body"] for m in survivor["messages"]] == ["<p>Plus de connexion <strong>du tout</strong>.</p>", "<p>Je relance.</p>"]
    merged = client.get(f"/api/v1/tickets/{b['id']}", headers=people["agent_h"]).get_json()
    assert merged["status"] == "closed" and merged["merged_into_id"] == a["id"]
    again = client.post(f"/api/v1/tickets/{b['id']}/merge", json={"into_id": a["id"]}, headers=people["agent_h"])
    assert again.status_code == 400


def test_link_related_tickets(client, people):
    a, b = _create(client, people), _create(client, people)
    r = client.post(f"/api/v1/tickets/{a['id']}/links", json={"related_id": b["id"]}, headers=people["agent_h"])
    assert r.status_code == 201 and r.get_json()["related_ids"] == [b["id"]]
    assert client.post(f"/api/v1/tickets/{b['id']}/links", json={"related_id": a["id"]}, headers=people["agent_h"]).status_code == 409


def test_round_robin_skips_agents_who_are_away(app, client, people, factory):
    from helpdesk.extensions import db
    from helpdesk.models import Team, User

    away = factory.user("agent", email="away@example.com", team_ids=[people["team_id"]])
    with app.app_context():
        db.session.get(Team, people["team_id"]).auto_assign = True
        for uid, state in ((people["agent"], "available"), (people["other_agent"], "available"), (away, "away")):
            db.session.get(User, uid).availability = state
        db.session.commit()
    assignees = [_create(client, people)["assignee_id"] for _ in range(4)]
    assert assignees == [people["agent"], people["other_agent"], people["agent"], people["other_agent"]]


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_attachments_are_served_only_to_those_who_see_the_ticket(client, people):
    tid = _create(client, people)["id"]
    r = client.post(f"/api/v1/tickets/{tid}/attachments", data={"file": (io.BytesIO(PNG), "capture.png")},
                    headers=people["alice_h"], content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    attachment = r.get_json()
    assert attachment["content_type"] == "image/png" and attachment["size"] == len(PNG)
    assert client.get(attachment["url"], headers=people["alice_h"]).data == PNG
    assert client.get(attachment["url"], headers=people["agent_h"]).status_code == 200
    assert client.get(attachment["url"], headers=people["bob_h"]).status_code == 404


@pytest.mark.parametrize("filename, content, status", [
    ("virus.exe", b"MZ\x90\x00", 415),
    ("fake.png", b"MZ\x90\x00 not a png", 415),
    ("empty.txt", b"", 400),
])
def test_refused_attachments(app, client, people, filename, content, status):
    from helpdesk.extensions import db
    from helpdesk.models import Attachment

    tid = _create(client, people)["id"]
    r = client.post(f"/api/v1/tickets/{tid}/attachments", data={"file": (io.BytesIO(content), filename)},
                    headers=people["agent_h"], content_type="multipart/form-data")
    assert r.status_code == status
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_too_large_attachment_is_413(app, client, people):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    tid = _create(client, people)["id"]
    r = client.post(f"/api/v1/tickets/{tid}/attachments", data={"file": (io.BytesIO(b"a" * 2048), "log.txt")},
                    headers=people["agent_h"], content_type="multipart/form-data")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "payload_too_large"


def test_list_filters_and_keyset_pages(client, people):
    ids = [_create(client, people, priority=p)["id"] for p in ("low", "urgent", "normal", "urgent", "high")]
    urgent = client.get("/api/v1/tickets?priority=urgent", headers=people["agent_h"]).get_json()["items"]
    assert sorted(t["id"] for t in urgent) == sorted([ids[1], ids[3]])
    seen, cursor = [], None
    while True:
        url = "/api/v1/tickets?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=people["agent_h"]).get_json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids, reverse=True)
    assert client.get("/api/v1/tickets?assignee=none", headers=people["agent_h"]).status_code == 200
    bad = client.get("/api/v1/tickets?status=lost&sla=late", headers=people["agent_h"])
    assert bad.status_code == 400 and set(bad.get_json()["error"]["details"]["fields"]) == {"status", "sla"}
    assert client.get("/api/v1/tickets?cursor=garbage", headers=people["agent_h"]).status_code == 400


def test_resolved_tickets_close_themselves_after_the_delay(app, client, people, runner):
    from datetime import timedelta

    from helpdesk.extensions import db
    from helpdesk.models import Ticket, TicketEvent, utcnow

    old, recent = _create(client, people), _create(client, people)
    with app.app_context():
        for tid, days in ((old["id"], 8), (recent["id"], 2)):
            ticket = db.session.get(Ticket, tid)
            ticket.status, ticket.resolved_at = "resolved", utcnow() - timedelta(days=days)
        db.session.commit()
    result = runner.invoke(args=["tickets", "auto-close"])
    assert "closed 1 resolved tickets" in result.output
    with app.app_context():
        assert db.session.get(Ticket, old["id"]).status == "closed"
        assert db.session.get(Ticket, recent["id"]).status == "resolved"
        closing = db.session.query(TicketEvent).filter_by(ticket_id=old["id"], field="status", new_value="closed").one()
        assert closing.actor_id is None  # done by the system


def test_sla_sorted_pages_walk_deadlines_then_the_rest(app, client, people):
    from datetime import timedelta

    from helpdesk.extensions import db
    from helpdesk.models import Ticket, utcnow

    ids = [_create(client, people, subject=f"T{i}")["id"] for i in range(7)]
    base = utcnow()
    dues = {ids[0]: 5, ids[1]: None, ids[2]: 1, ids[3]: None, ids[4]: 1, ids[5]: 3, ids[6]: None}
    with app.app_context():
        for tid, hours in dues.items():
            db.session.get(Ticket, tid).sla_due_at = base + timedelta(hours=hours) if hours is not None else None
        db.session.commit()
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/tickets?sort=sla&limit=2" + (f"&cursor={cursor}" if cursor else ""), headers=people["agent_h"]).get_json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [ids[2], ids[4], ids[5], ids[0], ids[1], ids[3], ids[6]]
