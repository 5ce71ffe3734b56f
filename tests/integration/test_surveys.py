"""Satisfaction surveys as customers, mail scanners and team leads meet them: the survey in the
resolution mail (the default) or an invitation of its own an hour after resolution (a delay set, as
most of these tests do), single-use links, answers on the timeline and the ticket, service recovery."""
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from helpdesk.models import (
    BusinessCalendar, Customer, FollowUp, Interaction, OutboxMessage, SurveyInvitation, SurveyResponse, Team, Ticket,
    TicketEvent, utcnow,
)
from helpdesk.surveys import service as surveys
from tests.conftest import PASSWORD

BASE = "http://helpdesk.test"


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True
    SURVEY_TOKEN_RATE_LIMIT = "5 per minute"


def protected_client(app):
    """A client of the same database with CSRF on and a small token-guessing budget, as in production."""
    from helpdesk import create_app

    keys = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")
    return create_app(ProtectedConfig, **{k: app.config[k] for k in keys}).test_client()


@pytest.fixture()
def people(app, factory, auth, client):
    with app.app_context():
        from helpdesk.extensions import db

        calendar = BusinessCalendar(name="Bureau", timezone="Europe/Paris", closed_days=[],
                                    hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
        db.session.add(calendar)
        db.session.flush()
        team = Team(name="Support", calendar_id=calendar.id)
        other = Team(name="Ventes")
        db.session.add_all([team, other])
        db.session.commit()
        team_id, other_id = team.id, other.id
    ids = {
        "team": team_id, "other_team": other_id,
        "agent": factory.user("agent", email="agent@example.com", team_ids=[team_id], name="Alice Agent"),
        "agent2": factory.user("agent", email="agent2@example.com", team_ids=[team_id], name="Bob Agent"),
        "lead": factory.user("lead", email="lead@example.com", team_ids=[team_id]),
        "admin": factory.user("admin", email="admin@example.com"),
        "customer": factory.customer("Léa Martin", email="lea@example.com", language="fr"),
        "english": factory.customer("John Smith", email="john@example.com", language="en"),
        "no_consent": factory.customer("Paul Refus", email="paul@example.com", consent_surveys=False),
    }
    ids["agent_token"] = auth.token("agent@example.com")
    with app.app_context():  # an invitation of its own, an hour after resolution (the default: in the resolution mail)
        from helpdesk import settings as stored_settings
        from helpdesk.extensions import db
        from helpdesk.surveys.rules import SurveySettings

        stored_settings.save(db.session, surveys.SETTINGS_KEY, SurveySettings(delay_minutes=60), utcnow())
        db.session.commit()
    return ids


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def resolved_ticket(client, people, customer="customer", **extra):
    body = {"subject": "Box en panne", "body": "Plus d'internet", "customer_id": people[customer], "team": "Support",
            "assignee_id": people["agent"], **extra}
    created = client.post("/api/v1/tickets", json=body, headers=bearer(people["agent_token"]))
    assert created.status_code == 201, created.get_json()
    ticket = created.get_json()
    resolved = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": ticket["version"], "status": "resolved"},
                            headers=bearer(people["agent_token"]))
    assert resolved.status_code == 200, resolved.get_json()
    return resolved.get_json()


def send_due(app, at):
    from helpdesk.extensions import db

    with app.app_context():
        report = surveys.send_due_invitations(db.session, at, base_url=BASE)
        db.session.commit()
        return report


def mails(app):
    """The survey invitations sent (not the ticket's own mails: acknowledgement, replies, resolution)."""
    from helpdesk.extensions import db

    with app.app_context():
        return [(m.to_address, m.subject, m.body_text, m.body_html)
                for m in db.session.scalars(select(OutboxMessage).where(
                    OutboxMessage.kind == "survey").order_by(OutboxMessage.id))]


def link_token(body):
    return re.search(r"/survey/([A-Za-z0-9_\-]+)\?csat=1", body).group(1)


def invited(app, people, client, customer="customer"):
    ticket = resolved_ticket(client, people, customer)
    send_due(app, utcnow() + timedelta(minutes=61))
    mail = [m for m in mails(app) if m[1].startswith(("Votre avis", "Your feedback"))][-1]
    return ticket, link_token(mail[2])


def count(app, model):
    from helpdesk.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


# --- invitations -------------------------------------------------------------------------------------


def test_the_invitation_leaves_an_hour_after_resolution_with_the_scale_as_links(app, client, people):
    ticket = resolved_ticket(client, people)
    assert send_due(app, utcnow() + timedelta(minutes=30)).sent == 0
    assert mails(app) == []
    assert send_due(app, utcnow() + timedelta(minutes=61)).sent == 1
    [(to, subject, text, html)] = mails(app)
    assert to == "lea@example.com"
    assert subject == f"Votre avis sur la demande #{ticket['number']}"
    token = link_token(text)
    for n in range(1, 6):
        assert f"{BASE}/survey/{token}?csat={n}" in text and f"{BASE}/survey/{token}?csat={n}" in html
    with app.app_context():
        from helpdesk.extensions import db

        invitation = db.session.scalar(select(SurveyInvitation))
        assert invitation.state == "sent" and invitation.include_nps
        assert invitation.token_hash != token and token not in invitation.token_hash  # stored hashed
        assert invitation.expires_at - invitation.sent_at == timedelta(days=14)
    assert send_due(app, utcnow() + timedelta(hours=3)).sent == 0  # once


def resolution_mails(app):
    from helpdesk.extensions import db

    with app.app_context():
        return [(m.to_address, m.body_text, m.body_html) for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "resolved").order_by(OutboxMessage.id))]


@pytest.mark.parametrize("customer, question", [("customer", "Êtes-vous satisfait"), ("english", "Are you satisfied")])
def test_by_default_the_survey_is_in_the_resolution_mail_and_sent_once(app, client, people, auth, customer, question):
    from helpdesk.extensions import db
    from helpdesk.models import Setting

    with app.app_context():  # the default settings: no delay
        db.session.execute(db.delete(Setting).where(Setting.key == surveys.SETTINGS_KEY))
        db.session.commit()
    resolved_ticket(client, people, customer)
    [(to, text, html)] = resolution_mails(app)
    assert question in text and question in html
    token = link_token(text)
    for n in range(1, 6):
        assert f"/survey/{token}?csat={n}" in text and f"/survey/{token}?csat={n}" in html
    with app.app_context():
        invitation = db.session.scalar(select(SurveyInvitation))
        assert invitation.state == "sent" and invitation.token_hash and token not in invitation.token_hash
    assert send_due(app, utcnow() + timedelta(hours=2)).sent == 0 and mails(app) == []  # not a second time
    assert client.get(f"/survey/{token}?csat=4").status_code == 200  # the link works


def test_the_invitation_is_in_the_customers_language(app, client, people):
    resolved_ticket(client, people, "english")
    send_due(app, utcnow() + timedelta(minutes=61))
    [(to, subject, text, _)] = mails(app)
    assert to == "john@example.com" and subject.startswith("Your feedback on request #")
    assert "Hello John Smith" in text


def test_a_ticket_reopened_before_the_delay_sends_nothing(app, client, people):
    ticket = resolved_ticket(client, people)
    reopened = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": ticket["version"], "status": "open"},
                            headers=bearer(people["agent_token"]))
    assert reopened.status_code == 200
    assert send_due(app, utcnow() + timedelta(hours=2)).sent == 0
    assert mails(app) == []


def test_customers_without_consent_are_never_invited(app, client, people):
    resolved_ticket(client, people, "no_consent")
    send_due(app, utcnow() + timedelta(hours=2))
    assert mails(app) == [] and count(app, SurveyInvitation) == 0


def test_consent_withdrawn_before_sending_cancels_the_invitation(app, client, people):
    resolved_ticket(client, people)
    with app.app_context():
        from helpdesk.extensions import db

        db.session.get(Customer, people["customer"]).consent_surveys = False
        db.session.commit()
    assert send_due(app, utcnow() + timedelta(hours=2)).cancelled == 1
    assert mails(app) == []


def test_a_customer_is_surveyed_at_most_once_a_week_and_asked_nps_once_a_quarter(app, client, people):
    resolved_ticket(client, people)
    resolved_ticket(client, people)  # same customer, same day: throttled
    send_due(app, utcnow() + timedelta(hours=2))
    assert len(mails(app)) == 1
    with app.app_context():
        from helpdesk.extensions import db

        first = db.session.scalar(select(SurveyInvitation))
        assert first.include_nps
        # Eight days later a new resolution is surveyed again, but without NPS (asked < 90 days ago).
        for invitation in db.session.scalars(select(SurveyInvitation)):
            invitation.sent_at = invitation.sent_at - timedelta(days=8) if invitation.sent_at else None
        db.session.commit()
    resolved_ticket(client, people)
    send_due(app, utcnow() + timedelta(hours=2))
    assert len(mails(app)) == 2
    with app.app_context():
        from helpdesk.extensions import db

        latest = db.session.scalar(select(SurveyInvitation).order_by(SurveyInvitation.id.desc()).limit(1))
        assert latest.state == "sent" and not latest.include_nps


# --- links ----------------------------------------------------------------------------------------


def test_a_mail_scanner_opening_every_link_records_nothing(app, client, people):
    _, token = invited(app, people, client)
    for n in range(1, 6):
        page = client.get(f"/survey/{token}?csat={n}")
        assert page.status_code == 200
        assert f'name="csat" value="{n}" required checked' in page.get_data(as_text=True)
    assert count(app, SurveyResponse) == 0
    with app.app_context():
        from helpdesk.extensions import db

        assert db.session.scalar(select(SurveyInvitation.used_at)) is None


def test_only_a_post_with_its_csrf_token_records_the_answer_once(app, client, people):
    ticket, token = invited(app, people, client)
    browser = protected_client(app)
    page = browser.get(f"/survey/{token}?csat=4").get_data(as_text=True)
    assert "Recommanderiez-vous" in page  # NPS asked on the first survey
    refused = browser.post(f"/survey/{token}", data={"csat": "4"})
    assert refused.status_code == 400 and count(app, SurveyResponse) == 0
    done = browser.post(f"/survey/{token}", data={"csat": "4", "effort": "2", "nps": "9", "comment": "Rapide, merci",
                                                  "csrf_token": csrf_of(page)})
    assert done.status_code == 200 and "Merci pour votre réponse" in done.get_data(as_text=True)
    again = browser.post(f"/survey/{token}", data={"csat": "1", "csrf_token": csrf_of(page)})
    assert again.status_code == 410 and "déjà répondu" in again.get_data(as_text=True)
    assert browser.get(f"/survey/{token}").status_code == 410
    with app.app_context():
        from helpdesk.extensions import db

        [answer] = db.session.scalars(select(SurveyResponse))
        assert (answer.csat, answer.effort, answer.nps, answer.comment) == (4, 2, 9, "Rapide, merci")
        assert answer.ticket_id == ticket["id"]


def test_two_submits_racing_on_one_link_record_one_answer(app, client, people):
    """Both read the link as unanswered; the conditional claim lets only the first through."""
    from helpdesk.errors import Gone
    from helpdesk.extensions import db

    _, token = invited(app, people, client)
    with app.app_context():
        first = surveys.invitation_for_token(db.session, token, utcnow())
        second = db.session.get(SurveyInvitation, first.id)
        surveys.record_answer(db.session, first, {"csat": "5"}, utcnow())
        db.session.commit()
        with pytest.raises(Gone):
            surveys.record_answer(db.session, second, {"csat": "1"}, utcnow())
        db.session.rollback()
    assert count(app, SurveyResponse) == 1


def test_an_invalid_answer_keeps_what_was_typed_and_records_nothing(app, client, people):
    _, token = invited(app, people, client)
    response = client.post(f"/survey/{token}", data={"effort": "3", "comment": "Je ne sais pas"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choisissez une note de 1 à 5." in page
    assert 'name="effort" value="3" checked' in page and "Je ne sais pas" in page
    assert count(app, SurveyResponse) == 0
    assert client.post(f"/survey/{token}", data={"csat": "5"}).status_code == 200


def test_unknown_and_expired_links_get_a_plain_page_and_the_api_its_json_error(app, client, people):
    unknown = client.get("/survey/not-a-real-token")
    assert unknown.status_code == 404 and "inconnu" in unknown.get_data(as_text=True)
    assert client.post("/survey/not-a-real-token", data={"csat": "5"}).status_code == 404
    api = client.post("/api/v1/surveys/not-a-real-token", json={"csat": 5})
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "survey_unknown"
    _, token = invited(app, people, client)
    with app.app_context():
        from helpdesk.extensions import db

        db.session.scalar(select(SurveyInvitation)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = client.get(f"/survey/{token}")
    assert expired.status_code == 410 and "expiré" in expired.get_data(as_text=True)
    api = client.post(f"/api/v1/surveys/{token}", json={"csat": 5})
    assert api.status_code == 410 and api.get_json()["error"]["code"] == "survey_expired"
    assert count(app, SurveyResponse) == 0


def test_the_api_answers_by_token_too(app, client, people):
    _, token = invited(app, people, client)
    survey = client.get(f"/api/v1/surveys/{token}?csat=2").get_json()
    assert survey["csat"] == 2 and "nps" in survey["questions"]
    bad = client.post(f"/api/v1/surveys/{token}", json={"csat": 9, "effort": 0})
    assert bad.status_code == 400 and set(bad.get_json()["error"]["details"]["fields"]) == {"csat", "effort"}
    done = client.post(f"/api/v1/surveys/{token}", json={"csat": 5, "nps": 10})
    assert done.status_code == 201 and done.get_json()["csat"] == 5
    assert client.post(f"/api/v1/surveys/{token}", json={"csat": 5}).get_json()["error"]["code"] == "survey_used"


def test_guessing_tokens_is_rate_limited(app, people):
    browser = protected_client(app)
    for i in range(5):
        assert browser.get(f"/survey/guess-{i}").status_code == 404
    limited = browser.get("/survey/guess-6")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    api = browser.get("/api/v1/surveys/guess-7")
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"
    assert int(api.headers["Retry-After"]) > 0


# --- what an answer feeds ---------------------------------------------------------------------------


def test_an_answer_keeps_the_assignee_and_team_of_the_time_of_rating(app, client, people):
    ticket, token = invited(app, people, client)
    client.post(f"/survey/{token}", data={"csat": "5"})
    current = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(people["agent_token"])).get_json()
    moved = client.patch(f"/api/v1/tickets/{ticket['id']}", headers=bearer(people["agent_token"]),
                         json={"version": current["version"], "assignee_id": people["agent2"], "team": "Ventes"})
    assert moved.status_code == 200
    with app.app_context():
        from helpdesk.extensions import db

        answer = db.session.scalar(select(SurveyResponse))
        assert (answer.agent_id, answer.team_id) == (people["agent"], people["team"])


def test_an_answer_shows_on_the_ticket_its_history_and_the_customers_timeline(app, client, people):
    ticket, token = invited(app, people, client)
    client.post(f"/survey/{token}", data={"csat": "4", "effort": "2", "comment": "Bien"})
    data = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(people["agent_token"])).get_json()
    assert data["survey"]["csat"] == 4 and data["survey"]["effort"] == 2 and data["survey"]["comment"] == "Bien"
    card = client.get(f"/api/v1/customers/{people['customer']}", headers=bearer(people["agent_token"])).get_json()
    survey_items = [item for item in card["timeline"] if item["kind"] == "survey"]
    assert survey_items and survey_items[0]["summary"].startswith("CSAT 4/5")
    client.post("/login", data={"email": "agent@example.com", "password": PASSWORD})
    page = client.get(f"/console/tickets/{ticket['id']}").get_data(as_text=True)
    assert "Avis client" in page and "CSAT 4/5" in page


def test_a_bad_answer_opens_a_follow_up_due_one_business_day_later(app, client, people):
    from helpdesk.extensions import db

    ticket, token = invited(app, people, client)
    with app.app_context():
        invitation = db.session.scalar(select(SurveyInvitation))
        # Friday 15:00 in Paris: the call-back is due on Monday at 15:00 (9:00-17:00 on weekdays).
        friday = datetime(2026, 12, 4, 14, 0, tzinfo=timezone.utc)
        surveys.record_answer(db.session, invitation, {"csat": "2", "nps": "3", "comment": "Trop long"}, friday)
        db.session.commit()
        follow_up = db.session.scalar(select(FollowUp))
        assert follow_up.reasons == ["csat", "nps"] and follow_up.state == "open"
        assert follow_up.due_at == datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)
        assert (follow_up.ticket_id, follow_up.customer_id, follow_up.team_id) == (ticket["id"], people["customer"], people["team"])


def test_a_good_answer_opens_no_follow_up(app, client, people):
    _, token = invited(app, people, client)
    client.post(f"/survey/{token}", data={"csat": "5", "effort": "1", "nps": "10"})
    assert count(app, FollowUp) == 0


# --- follow-ups -----------------------------------------------------------------------------------------


def unhappy(app, client, people):
    ticket, token = invited(app, people, client)
    client.post(f"/survey/{token}", data={"csat": "1", "comment": "Personne ne m'a rappelé"})
    with app.app_context():
        from helpdesk.extensions import db

        return ticket, db.session.scalar(select(FollowUp.id))


def test_leads_see_open_follow_ups_on_their_dashboard(app, client, people):
    _, follow_up_id = unhappy(app, client, people)
    client.post("/login", data={"email": "lead@example.com", "password": PASSWORD})
    page = client.get("/lead").get_data(as_text=True)
    assert "Clients à rappeler" in page and "Léa Martin" in page and "Personne ne m&#39;a rappelé" in page
    assert f"/lead/follow-ups/{follow_up_id}" in page


def test_closing_a_follow_up_needs_an_outcome_and_a_note_and_goes_on_the_timeline(app, client, people):
    ticket, follow_up_id = unhappy(app, client, people)
    browser = protected_client(app)
    login = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    browser.post("/login", data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": token})
    page = browser.get(f"/lead/follow-ups/{follow_up_id}").get_data(as_text=True)
    missing = browser.post(f"/lead/follow-ups/{follow_up_id}/close",
                           data={"note": "Appelée, geste fait", "csrf_token": csrf_of(page)})
    assert missing.status_code == 400 and "Choisissez la suite donnée." in missing.get_data(as_text=True)
    assert "Appelée, geste fait" in missing.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        from helpdesk.extensions import db

        assert db.session.get(FollowUp, follow_up_id).state == "open"
    closed = browser.post(f"/lead/follow-ups/{follow_up_id}/close",
                          data={"outcome": "commercial_gesture", "note": "Appelée, avoir de 10 €", "csrf_token": csrf_of(page)})
    assert closed.status_code == 302
    with app.app_context():
        from helpdesk.extensions import db

        follow_up = db.session.get(FollowUp, follow_up_id)
        assert (follow_up.state, follow_up.outcome, follow_up.note) == ("closed", "commercial_gesture", "Appelée, avoir de 10 €")
        outcome = db.session.scalar(select(Interaction).where(Interaction.kind == "follow_up"))
        assert outcome.customer_id == people["customer"] and "Geste commercial" in outcome.summary


def test_agents_see_a_follow_up_but_only_leads_close_it(app, client, people, auth):
    _, follow_up_id = unhappy(app, client, people)
    auth.login("agent@example.com")
    page = client.get(f"/lead/follow-ups/{follow_up_id}")
    assert page.status_code == 200 and "Clôturer le rappel" not in page.get_data(as_text=True)
    refused = client.post(f"/lead/follow-ups/{follow_up_id}/close", data={"outcome": "no_answer", "note": "x"})
    assert refused.status_code == 403
    api = client.post(f"/api/v1/follow-ups/{follow_up_id}/close", json={"outcome": "no_answer", "note": "x"},
                      headers=bearer(people["agent_token"]))
    assert api.status_code == 403
    with app.app_context():
        from helpdesk.extensions import db

        assert db.session.get(FollowUp, follow_up_id).state == "open"


def test_customers_never_reach_follow_ups(app, client, people, factory, auth):
    _, follow_up_id = unhappy(app, client, people)
    factory.user("customer", email="lea@example.com")
    token = auth.token("lea@example.com")
    assert client.get("/api/v1/follow-ups", headers=bearer(token)).status_code == 403
    assert client.post(f"/api/v1/follow-ups/{follow_up_id}/close", json={"outcome": "other", "note": "x"},
                       headers=bearer(token)).status_code == 404
    auth.login("lea@example.com")
    assert client.get(f"/lead/follow-ups/{follow_up_id}").status_code == 404


def test_overdue_follow_ups_are_flagged_once(app, client, people):
    from helpdesk.extensions import db
    from helpdesk.surveys.followups import claim_overdue

    _, follow_up_id = unhappy(app, client, people)
    with app.app_context():
        due = db.session.get(FollowUp, follow_up_id).due_at
        assert claim_overdue(db.session, due - timedelta(minutes=1)) == []
        assert claim_overdue(db.session, due + timedelta(minutes=1)) == [follow_up_id]
        db.session.commit()
        assert claim_overdue(db.session, due + timedelta(hours=1)) == []
    lead_token = client.post("/api/v1/auth/token", json={"email": "lead@example.com", "password": PASSWORD}).get_json()["token"]
    [item] = client.get("/api/v1/follow-ups", headers=bearer(lead_token)).get_json()["items"]
    assert item["overdue"] is True and item["reasons"] == ["csat"]


# --- portal -------------------------------------------------------------------------------------------


def test_the_customer_answers_on_the_portal_how_did_we_do(app, client, people, factory, auth):
    factory.user("customer", email="lea@example.com")
    ticket, _ = invited(app, people, client)
    auth.login("lea@example.com")
    page = client.get(f"/portal/requests/{ticket['id']}").get_data(as_text=True)
    assert "Comment avons-nous fait ?" in page
    done = client.post(f"/portal/requests/{ticket['id']}/survey", data={"csat": "5", "effort": "1"})
    assert done.status_code == 302
    page = client.get(f"/portal/requests/{ticket['id']}").get_data(as_text=True)
    assert "Comment avons-nous fait ?" not in page and "vous avez donné votre avis" in page
    with app.app_context():
        from helpdesk.extensions import db

        assert db.session.scalar(select(SurveyResponse.channel)) == "portal"


def test_an_org_admin_neither_answers_nor_sees_a_colleagues_survey(app, client, people, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Organization, User

    with app.app_context():
        org = Organization(name="ACME")
        db.session.add(org)
        db.session.flush()
        db.session.get(Customer, people["customer"]).organization_id = org.id
        boss = Customer(name="Chef ACME", email="chef@acme.fr", organization_id=org.id)
        db.session.add(boss)
        db.session.commit()
    factory.user("customer", email="chef@acme.fr")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "chef@acme.fr")).is_org_admin = True
        db.session.commit()
    ticket, token = invited(app, people, client)
    auth.login("chef@acme.fr")
    page = client.get(f"/portal/requests/{ticket['id']}")
    assert page.status_code == 200 and "Comment avons-nous fait ?" not in page.get_data(as_text=True)
    assert client.post(f"/portal/requests/{ticket['id']}/survey", data={"csat": "1"}).status_code == 410
    client.post(f"/survey/{token}", data={"csat": "2"})
    page = client.get(f"/portal/requests/{ticket['id']}").get_data(as_text=True)
    assert "vous avez donné votre avis" not in page
    chef_token = auth.token("chef@acme.fr")
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=bearer(chef_token)).get_json()["survey"] is None


# --- settings and report -----------------------------------------------------------------------------------


def test_admins_read_and_change_survey_settings(app, client, people, auth):
    admin = bearer(auth.token("admin@example.com"))
    assert client.get("/api/v1/admin/survey-settings", headers=admin).get_json() == {
        "enabled": True, "delay_minutes": 60, "throttle_days": 7, "nps_period_days": 90, "expiry_days": 14,
        "enabled_team_ids": None}
    bad = client.put("/api/v1/admin/survey-settings", headers=admin, json={"delay_minutes": -5, "enabled_team_ids": [999]})
    assert bad.status_code == 400 and set(bad.get_json()["error"]["details"]["fields"]) == {"delay_minutes", "enabled_team_ids"}
    assert client.get("/api/v1/admin/survey-settings", headers=admin).get_json()["delay_minutes"] == 60
    changed = client.put("/api/v1/admin/survey-settings", headers=admin, json={"delay_minutes": 0, "expiry_days": 3})
    assert changed.status_code == 200 and changed.get_json()["delay_minutes"] == 0
    assert client.get("/api/v1/admin/survey-settings", headers=bearer(people["agent_token"])).status_code == 403
    resolved_ticket(client, people)
    assert send_due(app, utcnow() + timedelta(seconds=1)).sent == 0  # no delay any more: it left with the resolution
    with app.app_context():
        from helpdesk.extensions import db

        invitation = db.session.scalar(select(SurveyInvitation))
        assert invitation.state == "sent" and invitation.expires_at - invitation.sent_at == timedelta(days=3)


def test_surveys_switched_off_for_a_team_invite_no_one_of_it(app, client, people, auth):
    admin = bearer(auth.token("admin@example.com"))
    client.put("/api/v1/admin/survey-settings", headers=admin, json={"enabled_team_ids": [people["other_team"]]})
    resolved_ticket(client, people)
    assert count(app, SurveyInvitation) == 0


def test_the_satisfaction_report_counts_answers_as_a_lead_would(app, client, people, auth):
    from helpdesk.extensions import db

    with app.app_context():
        now = utcnow()
        for csat, nps, effort in ((5, 10, 1), (4, 9, 2), (2, 3, 6), (3, None, None)):
            db.session.add(SurveyResponse(customer_id=people["customer"], team_id=people["team"], agent_id=people["agent"],
                                          csat=csat, nps=nps, effort=effort, created_at=now))
        db.session.add(SurveyResponse(customer_id=people["customer"], team_id=people["other_team"], csat=1, created_at=now))
        db.session.commit()
    lead = bearer(auth.token("lead@example.com"))
    report = client.get("/api/v1/reports/satisfaction?team=Support", headers=lead).get_json()
    assert report["responses"] == 4
    assert report["csat"] == {"average": 3.5, "percent_satisfied": 50.0, "answers": 4}
    # 2 promoters, 1 detractor of 3 answers: NPS = 66.7 - 33.3
    assert report["nps"]["score"] == 33.3 and report["nps"]["answers"] == 3
    assert report["effort"]["average"] == 3.0
    everyone = client.get("/api/v1/reports/satisfaction", headers=lead).get_json()
    assert everyone["responses"] == 5
    csv = client.get("/api/v1/reports/satisfaction?format=csv", headers=lead)
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("\ufeffday,responses")
    assert client.get("/api/v1/reports/satisfaction?from=2026-13-01", headers=lead).status_code == 400
    assert client.get("/api/v1/reports/satisfaction", headers=bearer(people["agent_token"])).status_code == 403
