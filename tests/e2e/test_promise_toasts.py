"""In a real browser: an agent in the console is told, once, when one of their promises comes due and
when it is broken, with a link to the ticket; a colleague's promises stay quiet."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.conftest import PASSWORD


def _login(page, live_server, email):
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/console")


def _promise(app, owner_id, ticket_id, what, *, made_ago, lasting):
    """A promise made `made_ago` and due `lasting` after that; returns (id, due_at)."""
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from helpdesk.promises.service import make_promise

    with app.app_context():
        made = utcnow() - made_ago
        promise = make_promise(db.session, db.session.get(User, owner_id), ticket_id,
                               {"what": what, "due_at": made + lasting}, made)
        db.session.commit()
        return promise.id, promise.due_at


def _sweep(app, now):
    from helpdesk.extensions import db
    from helpdesk.promises.service import promise_pass

    with app.app_context():
        result = promise_pass(db.session, now)
        db.session.commit()
        return result


def test_an_agent_is_warned_of_their_own_promise_once_then_told_it_is_broken(app, live_server, page, factory):
    from helpdesk.models import Team, utcnow
    from helpdesk.realtime.events import LiveEvent, emit_now

    with app.app_context():
        from helpdesk.extensions import db

        team = Team(name="Hotline")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    ana = factory.user("agent", email="ana@example.com", name="Ana Agent", team_ids=[team_id])
    bob = factory.user("agent", email="bob@example.com", name="Bob Agent", team_ids=[team_id])
    mine = factory.ticket(subject="Box coupée", team_id=team_id, assignee_id=ana)
    theirs = factory.ticket(subject="Facture", team_id=team_id, assignee_id=bob)
    # Made 1 h 45 ago for 2 h: warned 24 min before it is due, so due now.
    promise_id, due_at = _promise(app, ana, mine, "rappeler la cliente", made_ago=timedelta(minutes=105),
                                  lasting=timedelta(hours=2))
    _promise(app, bob, theirs, "envoyer l'avoir", made_ago=timedelta(minutes=105), lasting=timedelta(hours=2))

    _login(page, live_server, "ana@example.com")
    page.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")
    assert _sweep(app, utcnow()) == (2, 0)

    number = 10000 + mine
    hour = due_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    warning = page.locator(".toast").filter(has_text=f"Promesse due à {hour} : ticket #{number} — rappeler la cliente")
    warning.wait_for()
    assert warning.get_by_role("link", name="Voir").get_attribute("href") == f"/console/tickets/{mine}"
    assert warning.get_attribute("role") == "status"

    # The same event once more (as through a second room): no second toast. Bob's promise: none at all.
    payload = {"promise_id": promise_id, "ticket_id": mine, "number": number, "what": "rappeler la cliente",
               "due_at": due_at.isoformat(), "owner_id": ana, "state": "pending"}
    emit_now(LiveEvent("promise:warning", payload, (f"team:{team_id}",)))
    page.wait_for_timeout(500)
    assert page.locator(".toast").count() == 1
    assert page.locator(".toast").filter(has_text=str(10000 + theirs)).count() == 0

    assert _sweep(app, due_at + timedelta(minutes=1)) == (0, 2)
    broken = page.locator(".toast-urgent").filter(has_text=f"Promesse non tenue : ticket #{number}")
    broken.wait_for()
    assert broken.get_attribute("role") == "alert"
    assert page.locator(".toast").filter(has_text=str(10000 + theirs)).count() == 0
    broken.get_by_role("link", name="Voir").click()
    page.wait_for_url(f"{live_server}/console/tickets/{mine}")


def test_a_lead_breaking_their_own_promise_sees_one_toast_on_the_dashboard(app, live_server, page, factory):
    """Both the dashboard's script (every broken promise) and the console's (the lead's own) hear it."""
    from helpdesk.models import utcnow

    lea = factory.user("lead", email="lea@example.com", name="Léa Lead")
    ticket = factory.ticket(subject="Box coupée", assignee_id=lea)
    _promise(app, lea, ticket, "rappeler", made_ago=timedelta(hours=3), lasting=timedelta(hours=2))
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("lea@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/lead")
    page.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")
    assert _sweep(app, utcnow()) == (0, 1)
    page.locator(".toast").filter(has_text=f"Promesse non tenue : ticket #{10000 + ticket}").wait_for()
    page.wait_for_timeout(500)
    assert page.locator(".toast").count() == 1
