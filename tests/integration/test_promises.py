"""Promises to customers ("I'll call you back Thursday morning"): made over the API, the ticket page and
the call wrap-up; kept by a reply or a call before the deadline; warned and broken once by the sweep;
on the customer's timeline and in the queue."""
import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from helpdesk.models import Interaction, Promise, Ticket, TicketEvent, utcnow
from tests.conftest import PASSWORD, counted_get

CTI = {"X-CTI-Token": "test-cti-token"}


@pytest.fixture()
def desk(app, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import CustomerPhone, Team, User

    with app.app_context():
        team = Team(name="Hotline")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    agent = factory.user("agent", email="agent@example.com", name="Agnès Agent", team_ids=[team_id])
    colleague = factory.user("agent", email="colleague@example.com", name="Paul Collègue", team_ids=[team_id])
    lead = factory.user("lead", email="lead@example.com", name="Léa Lead", team_ids=[team_id])
    factory.user("customer", email="lea@example.com", name="Léa Martin")
    factory.user("customer", email="other@example.com", name="Autre Client")
    with app.app_context():
        customer = db.session.scalar(select(User.customer_id).where(User.email == "lea@example.com"))
        other = db.session.scalar(select(User.customer_id).where(User.email == "other@example.com"))
        db.session.add(CustomerPhone(customer_id=customer, number="+33612345678"))
        db.session.commit()
    ticket = factory.ticket(customer_id=customer, subject="Box coupée", team_id=team_id, assignee_id=agent)
    others = factory.ticket(customer_id=other, subject="Facture", team_id=team_id)
    return type("Desk", (), dict(
        team_id=team_id, agent=agent, colleague=colleague, lead=lead, customer=customer, other=other,
        ticket=ticket, others_ticket=others,
        agent_h={"Authorization": f"Bearer {auth.token('agent@example.com')}"},
        customer_h={"Authorization": f"Bearer {auth.token('lea@example.com')}"},
    ))


def _in(hours: float = 2, minutes: float = 0) -> str:
    return (utcnow() + timedelta(hours=hours, minutes=minutes)).isoformat()


def _promise(client, desk, what="rappeler jeudi matin", due_at=None, headers=None, ticket=None, **extra):
    return client.post(f"/api/v1/tickets/{ticket or desk.ticket}/promises",
                       json={"what": what, "due_at": due_at or _in(2), **extra}, headers=headers or desk.agent_h)


def _made_in_the_past(app, desk, *, hours_ago: float, due_after: float, count: int = 1, ticket=None) -> list[int]:
    """Promises made `hours_ago` and due `due_after` hours after that (so possibly already due)."""
    from helpdesk.extensions import db
    from helpdesk.models import User
    from helpdesk.promises.service import make_promise

    with app.app_context():
        agent = db.session.get(User, desk.agent)
        made = utcnow() - timedelta(hours=hours_ago)
        ids = [make_promise(db.session, agent, ticket or desk.ticket,
                            {"what": f"rappeler {i}", "due_at": made + timedelta(hours=due_after)}, made).id
               for i in range(count)]
        db.session.commit()
        return ids


def _state(app, promise_id):
    from helpdesk.extensions import db

    with app.app_context():
        return db.session.get(Promise, promise_id).state


def _timeline(app, customer_id):
    from helpdesk.extensions import db

    with app.app_context():
        return db.session.scalars(select(Interaction.summary).where(Interaction.customer_id == customer_id,
                                                                    Interaction.kind == "promise")
                                  .order_by(Interaction.id)).all()


def _events(app, action):
    from helpdesk.extensions import db

    with app.app_context():
        return db.session.scalars(select(TicketEvent.data).where(TicketEvent.action == action).order_by(TicketEvent.id)).all()


@pytest.fixture()
def live(monkeypatch):
    """Live events as they leave after commit."""
    sent = []
    monkeypatch.setattr("helpdesk.realtime.events.emit_now", sent.append)
    return sent


# --- over the API -------------------------------------------------------------------------------------------


def test_agent_promises_a_call_back_and_the_ticket_shows_it(client, desk):
    due = _in(hours=26)
    response = _promise(client, desk, due_at=due)
    assert response.status_code == 201, response.get_json()
    promise = response.get_json()
    assert promise["what"] == "rappeler jeudi matin" and promise["state"] == "pending"
    assert promise["owner_id"] == desk.agent and promise["ticket_id"] == desk.ticket and promise["customer_id"] == desk.customer
    assert datetime.fromisoformat(promise["due_at"]) == datetime.fromisoformat(due)
    assert datetime.fromisoformat(promise["warn_at"]) == datetime.fromisoformat(due) - timedelta(hours=1)
    assert {"id", "created_at"} <= set(promise)

    ticket = client.get(f"/api/v1/tickets/{desk.ticket}", headers=desk.agent_h).get_json()
    assert [p["id"] for p in ticket["promises"]] == [promise["id"]]
    assert ticket["promises"][0]["owner_id"] == desk.agent


def test_a_promise_can_be_made_for_a_colleague(client, desk):
    response = _promise(client, desk, owner_id=desk.colleague)
    assert response.status_code == 201 and response.get_json()["owner_id"] == desk.colleague
    assert _promise(client, desk, owner_id=999).get_json()["error"]["details"]["fields"]["owner_id"] == "unknown_user"


def test_bad_promises_are_a_400_naming_each_field(client, desk):
    response = _promise(client, desk, what="", due_at="2020-01-01T10:00:00+00:00")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and set(error["details"]["fields"]) == {"what", "due_at"}
    naive = _promise(client, desk, due_at="2030-01-01T10:00:00").get_json()["error"]["details"]["fields"]
    assert naive["due_at"] == "no_utc_offset"
    too_far = _promise(client, desk, due_at=_in(hours=24 * 91)).get_json()["error"]["details"]
    assert too_far["fields"]["due_at"] == "too_far_ahead" and too_far["limits"]["due_at"] == {"max_days": 90}
    assert client.post(f"/api/v1/tickets/{desk.ticket}/promises", data="nope", headers=desk.agent_h).status_code in (400, 415)
    assert _promise(client, desk, ticket=999999).status_code == 404


def test_customers_cannot_make_promises(app, client, desk):
    own = _promise(client, desk, headers=desk.customer_h)
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "forbidden"
    # Someone else's ticket: as if it did not exist.
    assert _promise(client, desk, headers=desk.customer_h, ticket=desk.others_ticket).status_code == 404
    with app.app_context():
        from helpdesk.extensions import db

        assert db.session.scalar(select(func.count()).select_from(Promise)) == 0


def test_a_customer_sees_only_what_is_still_promised_to_them(client, desk):
    kept = _promise(client, desk, what="envoyer l'étiquette retour").get_json()
    client.post(f"/api/v1/tickets/{desk.ticket}/messages", json={"body": "Étiquette envoyée."}, headers=desk.agent_h)
    _promise(client, desk, what="rappeler jeudi matin", due_at=_in(hours=30))
    cancelled = _promise(client, desk, what="geste commercial").get_json()
    client.post(f"/api/v1/tickets/{desk.ticket}/promises/{cancelled['id']}/cancel", headers=desk.agent_h)

    seen = client.get(f"/api/v1/tickets/{desk.ticket}", headers=desk.customer_h).get_json()["promises"]
    assert [p["what"] for p in seen] == ["rappeler jeudi matin"]
    assert set(seen[0]) == {"what", "due_at", "state"}
    staff = client.get(f"/api/v1/tickets/{desk.ticket}", headers=desk.agent_h).get_json()["promises"]
    assert {p["id"]: p["state"] for p in staff}[kept["id"]] == "kept"
    assert len(staff) == 3


def test_cancel_over_the_api(client, desk):
    promise = _promise(client, desk).get_json()
    url = f"/api/v1/tickets/{desk.ticket}/promises/{promise['id']}/cancel"
    assert client.post(url, headers=desk.customer_h).status_code == 403
    assert client.post(f"/api/v1/tickets/{desk.others_ticket}/promises/{promise['id']}/cancel", headers=desk.agent_h).status_code == 404
    response = client.post(url, headers=desk.agent_h)
    assert response.status_code == 200 and response.get_json()["state"] == "cancelled"
    again = client.post(url, headers=desk.agent_h)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "promise_settled"


# --- kept ---------------------------------------------------------------------------------------------------


def test_a_public_reply_before_the_deadline_keeps_it(app, client, desk, live):
    promise = _promise(client, desk).get_json()
    client.post(f"/api/v1/tickets/{desk.ticket}/messages", json={"body": "Note", "internal": True}, headers=desk.agent_h)
    client.post(f"/api/v1/tickets/{desk.ticket}/messages", json={"body": "Alors ?"}, headers=desk.customer_h)
    assert _state(app, promise["id"]) == "pending"  # neither a note nor the customer's message keeps it

    live.clear()
    reply = client.post(f"/api/v1/tickets/{desk.ticket}/messages", json={"body": "Je vous rappelle : c'est réglé."},
                        headers=desk.agent_h)
    assert reply.status_code == 201
    shown = client.get(f"/api/v1/tickets/{desk.ticket}", headers=desk.agent_h).get_json()["promises"][0]
    assert (shown["state"], shown["kept_by"]) == ("kept", "reply") and shown["kept_at"]
    assert _timeline(app, desk.customer) == ["Promesse : rappeler jeudi matin (avant le "
                                             + _paris(shown["due_at"]) + ")", "Promesse tenue : rappeler jeudi matin"]
    assert [e.name for e in live if e.name.startswith("promise:")] == ["promise:kept"]
    # Nothing is kept twice, and nothing is broken afterwards.
    client.post(f"/api/v1/tickets/{desk.ticket}/messages", json={"body": "Autre chose ?"}, headers=desk.agent_h)
    assert len(_events(app, "promise_kept")) == 1
    _sweep(app, utcnow() + timedelta(hours=3))
    assert _state(app, promise["id"]) == "kept"


def _paris(iso: str) -> str:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m %H:%M")


def _sweep(app, now):
    from helpdesk.extensions import db
    from helpdesk.promises.service import promise_pass

    with app.app_context():
        result = promise_pass(db.session, now)
        db.session.commit()
        return result


def test_an_answered_call_out_to_the_customer_keeps_it(app, client, desk):
    promise = _promise(client, desk).get_json()

    def call(event, call_id, direction="out", **fields):
        body = {"event": event, "call_id": call_id, "from": "+33170000000", "to": "06 12 34 56 78",
                "direction": direction, "agent_email": "agent@example.com", **fields}
        if direction == "in":
            body["from"], body["to"] = body["to"], body["from"]
        assert client.post("/api/v1/cti/events", json=body, headers=CTI).status_code == 200

    call("newCall", "in-1", "in")
    call("answer", "in-1", "in")  # the customer calling us is not us calling back
    call("newCall", "out-missed")
    call("hangup", "out-missed", cause="noAnswer")  # nobody picked up
    assert _state(app, promise["id"]) == "pending"
    call("newCall", "out-1")
    call("answer", "out-1")
    shown = client.get(f"/api/v1/tickets/{desk.ticket}", headers=desk.agent_h).get_json()["promises"][0]
    assert (shown["state"], shown["kept_by"]) == ("kept", "call")
    assert _timeline(app, desk.customer)[-1] == "Promesse tenue : rappeler jeudi matin"


def test_a_reply_after_the_deadline_does_not_keep_it(app, client, desk):
    [late] = _made_in_the_past(app, desk, hours_ago=3, due_after=1)
    client.post(f"/api/v1/tickets/{desk.ticket}/messages", json={"body": "Désolé du retard"}, headers=desk.agent_h)
    assert _state(app, late) == "pending"  # late: the sweep breaks it
    assert _sweep(app, utcnow()) == (0, 1)
    assert _state(app, late) == "broken"


# --- warned, broken: once -------------------------------------------------------------------------------------


def test_the_sweep_warns_once_then_breaks_once(app, desk, live):
    [promise] = _made_in_the_past(app, desk, hours_ago=0.5, due_after=2)  # a 2 h promise: warned 24 min before
    due = _due(app, promise)
    assert _sweep(app, due - timedelta(minutes=25)) == (0, 0)
    assert _sweep(app, due - timedelta(minutes=24)) == (1, 0)
    assert _sweep(app, due - timedelta(minutes=10)) == (0, 0)
    assert _state(app, promise) == "pending"
    assert [e.name for e in live if e.name.startswith("promise:")] == ["promise:warning"]
    assert _sweep(app, due) == (0, 0)  # the deadline itself still counts
    assert _sweep(app, due + timedelta(minutes=1)) == (0, 1)
    assert _sweep(app, due + timedelta(minutes=2)) == (0, 0)
    assert _state(app, promise) == "broken"
    assert len(_events(app, "promise_warning")) == 1 and len(_events(app, "promise_broken")) == 1
    assert _timeline(app, desk.customer)[-1].startswith("Promesse non tenue : rappeler 0 (échéance ")
    broken = [e for e in live if e.name == "promise:broken"]
    assert len(broken) == 1
    assert broken[0].payload["ticket_id"] == desk.ticket and broken[0].payload["owner_id"] == desk.agent
    assert set(broken[0].rooms) >= {f"user:{desk.agent}", f"team:{desk.team_id}", "leads"}


def _due(app, promise_id):
    from helpdesk.extensions import db

    with app.app_context():
        return db.session.get(Promise, promise_id).due_at


def test_a_failed_pass_announces_nothing_and_the_next_one_claims_it(app, desk, live):
    from helpdesk.extensions import db
    from helpdesk.promises.service import promise_pass

    [promise] = _made_in_the_past(app, desk, hours_ago=3, due_after=1)
    with app.app_context():
        assert promise_pass(db.session, utcnow()) == (0, 1)
        db.session.rollback()
    assert [e for e in live if e.name.startswith("promise:")] == []
    assert _state(app, promise) == "pending"
    assert _sweep(app, utcnow()) == (0, 1)


def test_two_passes_at_once_break_each_promise_exactly_once(app, desk, live):
    from helpdesk.extensions import db
    from helpdesk.promises.service import promise_pass

    _made_in_the_past(app, desk, hours_ago=3, due_after=1, count=60)
    _made_in_the_past(app, desk, hours_ago=0.9, due_after=1, count=40)  # due in 6 min, warned 12 min before
    now = utcnow()
    start = threading.Barrier(2)
    results, errors = [], []

    def run(batch):
        with app.app_context():
            try:
                start.wait(timeout=5)
                results.append(promise_pass(db.session, now, batch=batch))
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(batch,)) for batch in (1000, 1000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert sum(w for w, _ in results) == 40 and sum(b for _, b in results) == 60
    assert len(_events(app, "promise_broken")) == 60 and len(_events(app, "promise_warning")) == 40
    assert len({e["promise_id"] for e in _events(app, "promise_broken")}) == 60
    assert len([e for e in live if e.name == "promise:broken"]) == 60
    assert len([s for s in _timeline(app, desk.customer) if s.startswith("Promesse non tenue")]) == 60
    assert _sweep(app, now) == (0, 0)


def test_promises_sweep_command(app, runner, desk):
    _made_in_the_past(app, desk, hours_ago=3, due_after=1)
    result = runner.invoke(args=["promises", "sweep"])
    assert result.exit_code == 0, result.output
    assert "0 warning(s), 1 broken promise(s)" in result.output
    assert "0 warning(s), 0 broken promise(s)" in runner.invoke(args=["promises", "sweep"]).output


# --- the customer's timeline ----------------------------------------------------------------------------------


def test_the_next_agent_reads_the_promise_on_the_card_and_the_customer_does_not(app, client, desk, auth):
    _promise(client, desk, what="rappeler jeudi matin")
    card = client.get(f"/api/v1/customers/{desk.customer}", headers=desk.agent_h).get_json()
    entry = next(item for item in card["timeline"] if item["kind"] == "promise")
    assert entry["summary"].startswith("Promesse : rappeler jeudi matin (avant le ")
    assert entry["ticket_id"] == desk.ticket and entry["channel"] == "system"
    own = client.get(f"/api/v1/customers/{desk.customer}", headers=desk.customer_h).get_json()
    assert all(item["kind"] != "promise" for item in own["timeline"])

    auth.login("colleague@example.com")
    page = client.get(f"/console/customers/{desk.customer}").get_data(as_text=True)
    assert "Promesse : rappeler jeudi matin" in page and ">Promesse</strong>" in page


# --- console pages ------------------------------------------------------------------------------------------


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


def _protected_client(app):
    from helpdesk import create_app

    protected = create_app(ProtectedConfig, **{k: app.config[k] for k in (
        "INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL")})
    client = protected.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": "agent@example.com", "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


def _token(page: str) -> str:
    return re.search(r'name="promise-csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_agent_promises_from_the_ticket_page_with_csrf(app, desk):
    client = _protected_client(app)
    url = f"/console/tickets/{desk.ticket}"
    page = client.get(url).get_data(as_text=True)
    assert "Promettre au client" in page and "Aucune promesse." in page
    form = {"promise-what": "rappeler jeudi matin", "promise-quick": "tomorrow_10", "promise-due_at": "",
            "promise-owner_id": str(desk.agent)}
    assert client.post(f"{url}/promises", data=form).status_code == 400  # no CSRF token
    response = client.post(f"{url}/promises", data={**form, "promise-csrf_token": _token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("#promises")

    page = client.get(url).get_data(as_text=True)
    assert "rappeler jeudi matin" in page and "badge sla-running" in page
    assert re.search(r'<time class="countdown" datetime="[^"]+" data-countdown>dans \d+ (j|h)', page)
    with app.app_context():
        from zoneinfo import ZoneInfo

        from helpdesk.extensions import db

        promise = db.session.scalars(select(Promise)).one()
        local = promise.due_at.astimezone(ZoneInfo("Europe/Paris"))
        assert (local.hour, local.minute) == (10, 0) and promise.owner_id == desk.agent

    cancel = re.search(r'action="(/console/tickets/\d+/promises/\d+/cancel)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(cancel, data={"csrf_token": token}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "promise-cancelled" in page and "annulée" in page


def test_form_errors_sit_next_to_the_field_and_keep_what_was_typed(app, desk):
    client = _protected_client(app)
    url = f"/console/tickets/{desk.ticket}"
    token = _token(client.get(url).get_data(as_text=True))
    response = client.post(f"{url}/promises", data={"promise-csrf_token": token, "promise-what": "rappeler vendredi",
                                                   "promise-quick": "", "promise-due_at": "2020-01-03T10:00"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="rappeler vendredi"' in page and 'value="2020-01-03T10:00"' in page
    assert re.search(r'promise-due_at".*?\n?.*?<p class="field-error" role="alert">Choisissez un moment au moins 5 minutes plus tard.', page)
    missing = client.post(f"{url}/promises", data={"promise-csrf_token": token, "promise-what": "",
                                                  "promise-quick": "in_2h"}).get_data(as_text=True)
    assert re.search(r'name="promise-what"[^>]*>\s*<p class="field-error" role="alert">Ce champ est obligatoire.', missing)
    with app.app_context():
        from helpdesk.extensions import db

        assert db.session.scalar(select(func.count()).select_from(Promise)) == 0


def test_queue_shows_the_next_promise_with_one_query_for_the_page(app, client, desk, auth, factory):
    auth.login("agent@example.com")
    _promise(client, desk, what="plus tard", due_at=_in(hours=30))
    _promise(client, desk, what="bientôt", due_at=_in(hours=2))
    few, response = counted_get(app, client, "/console?view=all")
    page = response.get_data(as_text=True)
    assert re.search(r'title="Promesse : bientôt[^"]*">promesse due\s*<time datetime="[^"]+" data-countdown>dans 1 h 5\d', page)
    assert "plus tard" not in page  # only the soonest one
    for i in range(5):
        ticket = factory.ticket(customer_id=desk.customer, subject=f"Autre {i}", team_id=desk.team_id)
        _promise(client, desk, ticket=ticket, due_at=_in(hours=3 + i))
    many, response = counted_get(app, client, "/console?view=all")
    assert response.get_data(as_text=True).count("promesse due") == 6
    assert many == few


def test_repeat_contact_is_marked_on_the_ticket_and_in_the_queue(app, client, desk, auth, factory):
    repeat = factory.ticket(customer_id=desk.customer, subject="Box encore coupée", team_id=desk.team_id,
                            repeat_of_id=desk.ticket)
    auth.login("agent@example.com")
    earlier = f'href="/console/tickets/{desk.ticket}"'
    page = client.get(f"/console/tickets/{repeat}").get_data(as_text=True)
    assert re.search(r'<a class="badge repeat-contact" ' + re.escape(earlier), page) and "contact répété" in page
    assert "repeat-contact" not in client.get(f"/console/tickets/{desk.ticket}").get_data(as_text=True)
    queue = client.get("/console?view=all").get_data(as_text=True)
    assert queue.count("contact répété") == 1 and re.search(r'class="badge repeat-contact" ' + re.escape(earlier), queue)
    assert client.get(f"/api/v1/tickets/{repeat}", headers=desk.agent_h).get_json()["repeat_of_id"] == desk.ticket


def test_call_wrap_up_records_the_promise_made_on_the_phone(app, client, desk, auth):
    from helpdesk.extensions import db
    from helpdesk.models import CallLog

    for event in ("newCall", "answer"):
        client.post("/api/v1/cti/events", json={"event": event, "call_id": "c-1", "from": "06 12 34 56 78",
                                                "to": "+33170000000", "direction": "in", "agent_email": "agent@example.com"},
                    headers=CTI)
    auth.login("agent@example.com")
    form = {"customer_id": str(desk.customer), "product_id": "", "subject": "Box coupée", "body": "Plus d'internet",
            "priority": "normal", "type": "incident", "team": "", "status": "new"}
    page = client.get("/console/calls/c-1/ticket").get_data(as_text=True)
    assert "Promettre au client" in page
    refused = client.post("/console/calls/c-1/ticket", data={**form, "promise-what": "", "promise-quick": "in_2h"})
    assert refused.status_code == 400 and "Ce champ est obligatoire." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2  # no ticket either

    response = client.post("/console/calls/c-1/ticket", data={**form, "promise-what": "rappeler après le technicien",
                                                              "promise-quick": "tomorrow_14"})
    assert response.status_code == 302
    with app.app_context():
        promise = db.session.scalars(select(Promise)).one()
        call = db.session.scalars(select(CallLog)).one()
        assert promise.call_id == call.id and promise.ticket_id == call.ticket_id and promise.state == "pending"
        assert promise.owner_id == desk.agent and promise.customer_id == desk.customer


def test_the_portal_shows_the_customer_what_was_promised(client, desk, auth):
    _promise(client, desk, what="envoyer un technicien")
    auth.login("lea@example.com")
    page = client.get(f"/portal/requests/{desk.ticket}").get_data(as_text=True)
    assert "Ce que nous vous avons promis" in page and "envoyer un technicien" in page


def test_report_helper_counts_kept_per_agent(app, client, desk):
    from helpdesk.extensions import db
    from helpdesk.promises.service import promise_tallies

    _promise(client, desk, what="un")
    client.post(f"/api/v1/tickets/{desk.ticket}/messages", json={"body": "Fait."}, headers=desk.agent_h)
    _made_in_the_past(app, desk, hours_ago=3, due_after=1)
    _sweep(app, utcnow())
    _promise(client, desk, what="deux", owner_id=desk.colleague)
    with app.app_context():
        tallies = promise_tallies(db.session, made_from=utcnow() - timedelta(days=1), team_id=desk.team_id)
        assert tallies[desk.agent].kept == 1 and tallies[desk.agent].broken == 1
        assert tallies[desk.agent].kept_percent == 50.0
        assert tallies[desk.colleague].pending == 1 and tallies[desk.colleague].kept_percent is None
        assert promise_tallies(db.session, made_from=utcnow() + timedelta(days=1)) == {}


def test_a_logged_call_back_keeps_it(app, client, desk, auth):
    from helpdesk.extensions import db
    from helpdesk.models import FollowUp

    promise = _promise(client, desk).get_json()
    with app.app_context():
        follow_up = FollowUp(customer_id=desk.customer, ticket_id=desk.ticket, reasons=["csat"], state="open",
                             due_at=utcnow() + timedelta(days=1))
        db.session.add(follow_up)
        db.session.commit()
        follow_up_id = follow_up.id
    lead_h = {"Authorization": f"Bearer {auth.token('lead@example.com')}"}
    closed = client.post(f"/api/v1/follow-ups/{follow_up_id}/close", json={"outcome": "called_back", "note": "Rappelée"},
                         headers=lead_h)
    assert closed.status_code == 200, closed.get_json()
    assert _state(app, promise["id"]) == "kept"
    assert client.get(f"/api/v1/tickets/{desk.ticket}", headers=desk.agent_h).get_json()["promises"][0]["kept_by"] == "call"
