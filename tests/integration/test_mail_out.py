"""Mail out: a ticket's life reaches its customer by e-mail, on one thread, through a real SMTP server
(aiosmtpd on loopback); mail that does not go through is retried, then shown to admins to resend."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.mail.addressing import token_from_addresses, token_from_message_ids
from helpdesk.mail.outbox import MailSettings, deliver_pending
from helpdesk.models import InboundEmail, Message, OutboxMessage, Ticket, User, utcnow
from helpdesk.tickets import service
from tests.net import free_port


@pytest.fixture()
def desk(app, factory, auth):
    """A customer with a portal account, an agent and an admin, with their API tokens."""
    factory.user("customer", email="lea@example.com", name="Léa Martin")
    factory.user("agent", email="paul@example.com", name="Paul Agent")
    factory.user("admin", email="root@example.com")
    app.config.update(MAIL_DEFAULT_SENDER="Support <support@helpdesk.test>", MAIL_REPLY_ADDRESS=None,
                      BASE_URL="https://support.helpdesk.test")
    return {role: {"Authorization": f"Bearer {auth.token(email)}"}
            for role, email in (("customer", "lea@example.com"), ("agent", "paul@example.com"),
                                ("admin", "root@example.com"))}


def outbox(app, **where) -> list[OutboxMessage]:
    with app.app_context():
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def portal_request(client, desk, subject="Box en panne", body="Plus de connexion depuis hier."):
    response = client.post("/api/v1/tickets", json={"subject": subject, "body": body}, headers=desk["customer"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def agent_reply(client, desk, ticket_id, body="Redémarrez la box.", internal=False):
    response = client.post(f"/api/v1/tickets/{ticket_id}/messages", json={"body": body, "internal": internal},
                           headers=desk["agent"])
    assert response.status_code == 201, response.get_json()


def deliver(app, now=None, limit=100) -> int:
    with app.app_context():
        return deliver_pending(db.session, MailSettings.from_config(app.config, app.instance_path), now or utcnow(),
                               limit=limit)


def wait_for(inbox, count):
    return inbox.wait_for(count)


# --- what is sent -------------------------------------------------------------------------------------


def test_a_portal_request_is_acknowledged_with_its_number_and_the_tickets_reply_token(app, client, desk):
    ticket = portal_request(client, desk)
    [ack] = outbox(app)
    with app.app_context():
        token = db.session.get(Ticket, ticket["id"]).reply_token
    assert ack.kind == "acknowledgement" and ack.to_address == "lea@example.com" and ack.ticket_id == ticket["id"]
    assert ack.subject == f"[#{ticket['number']}] Box en panne"
    assert "Plus de connexion depuis hier." in ack.body_text and "Plus de connexion depuis hier." in ack.body_html
    assert token and token_from_addresses(ack.headers["Reply-To"]) == token
    assert ack.headers["Reply-To"] == f"Support <support+t-{token}@helpdesk.test>"
    assert token_from_message_ids(ack.message_id) == token and ack.message_id.endswith("@helpdesk.test>")
    assert ack.headers["Auto-Submitted"] == "auto-replied" and "In-Reply-To" not in ack.headers
    assert f"https://support.helpdesk.test/portal/requests/{ticket['id']}" in ack.body_text


def test_a_ticket_taken_on_the_phone_is_not_acknowledged_but_one_typed_from_an_email_is(app, client, desk, factory):
    customer_id = factory.customer("Marc", email="marc@example.com")
    for channel in ("phone", "email"):
        response = client.post("/api/v1/tickets", json={"subject": f"Par {channel}", "body": "Note", "channel": channel,
                                                        "customer_id": customer_id}, headers=desk["agent"])
        assert response.status_code == 201
    assert [(m.kind, m.subject.split("] ")[1]) for m in outbox(app)] == [("acknowledgement", "Par email")]
    nobody = factory.customer("Sans adresse")
    client.post("/api/v1/tickets", json={"subject": "Sans adresse", "body": "x", "customer_id": nobody},
                headers=desk["agent"])
    assert len(outbox(app)) == 1  # no address, no mail


def test_an_agents_public_reply_answers_the_thread_and_a_note_sends_nothing(app, client, desk):
    ticket = portal_request(client, desk)
    agent_reply(client, desk, ticket["id"], "Ceci reste entre nous.", internal=True)
    assert len(outbox(app)) == 1
    agent_reply(client, desk, ticket["id"], "Redémarrez la box **puis** attendez.")
    ack, reply = outbox(app)
    assert reply.kind == "reply" and reply.subject == f"Re: [#{ticket['number']}] Box en panne"
    assert reply.headers["In-Reply-To"] == ack.message_id and reply.headers["References"] == ack.message_id
    assert "Redémarrez la box puis attendez." in reply.body_text and "<strong>puis</strong>" in reply.body_html
    assert "Paul Agent" in reply.body_text and "Auto-Submitted" not in reply.headers
    assert "entre nous" not in reply.body_text + reply.body_html
    assert "Plus de connexion" not in reply.body_text  # only the message the mail is about

    # The customer answers by e-mail; the next reply answers that mail, the chain growing.
    with app.app_context():
        service.add_message(db.session, None, ticket["id"], {"body": "Toujours rien."}, utcnow() + timedelta(seconds=1),
                            channel="email", from_customer=True, email_message_id="<r1@client.example>")
        db.session.commit()
    agent_reply(client, desk, ticket["id"], "Je vous envoie un technicien.")
    third = outbox(app)[-1]
    assert third.headers["In-Reply-To"] == "<r1@client.example>"
    assert third.headers["References"].split() == [ack.message_id, reply.message_id, "<r1@client.example>"]


def test_an_emailed_request_is_acknowledged_in_reply_to_the_customers_mail(app, desk):
    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == "paul@example.com"))
        service.create_ticket(db.session, agent, {"subject": "Re: TR: Facture", "body": "Bonjour", "customer_email": "new@example.com"},
                              utcnow(), channel="email", email_message_id="<first@client.example>")
        db.session.commit()
    [ack] = outbox(app)
    assert ack.headers["In-Reply-To"] == ack.headers["References"] == "<first@client.example>"
    assert ack.subject.endswith("] Facture") and ack.to_address == "new@example.com"


def test_resolution_mails_the_customer_and_a_reply_written_with_it_is_folded_in(app, client, desk):
    ticket = portal_request(client, desk)
    response = client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved", "version": ticket["version"]},
                            headers=desk["agent"])
    assert response.status_code == 200, response.get_json()
    ack, resolved = outbox(app)
    assert resolved.kind == "resolved" and "est résolue" in resolved.body_text and "rouverte" in resolved.body_text
    assert resolved.headers["In-Reply-To"] == ack.message_id and resolved.headers["Auto-Submitted"] == "auto-generated"

    second = portal_request(client, desk, subject="Imprimante")
    with app.app_context():  # reply and resolve in one action (the console's reply form, a macro)
        agent = db.session.scalar(select(User).where(User.email == "paul@example.com"))
        now = utcnow()
        service.add_message(db.session, agent, second["id"], {"body": "Pilote réinstallé."}, now)
        service.update_ticket(db.session, agent, second["id"], {"status": "resolved"}, now, expected_version=None)
        db.session.commit()
    mails = outbox(app, ticket_id=second["id"])
    assert [m.kind for m in mails] == ["acknowledgement", "resolved"]
    assert "Pilote réinstallé." in mails[1].body_text and "est résolue" in mails[1].body_text


def test_a_delayed_survey_invitation_follows_on_the_thread_and_an_answer_to_it_lands_on_the_ticket(app, client, desk):
    from helpdesk import settings as stored_settings
    from helpdesk.mail.inbound.service import ingest
    from helpdesk.surveys.rules import SurveySettings
    from helpdesk.surveys.service import SETTINGS_KEY, send_due_invitations

    with app.app_context():  # the survey on its own, an hour after the resolution
        stored_settings.save(db.session, SETTINGS_KEY, SurveySettings(delay_minutes=60), utcnow())
        db.session.commit()
    ticket = portal_request(client, desk)
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved", "version": ticket["version"]},
                 headers=desk["agent"])
    with app.app_context():
        assert send_due_invitations(db.session, utcnow() + timedelta(days=1), base_url="https://support.helpdesk.test").sent == 1
        db.session.commit()
    ack, resolved, invitation = outbox(app, ticket_id=ticket["id"])
    assert invitation.kind == "survey" and invitation.to_address == "lea@example.com"
    assert invitation.headers["In-Reply-To"] == resolved.message_id
    assert invitation.headers["References"].split() == [ack.message_id, resolved.message_id]
    assert invitation.headers["Auto-Submitted"] == "auto-generated"
    token = token_from_message_ids(invitation.message_id)
    assert token and token_from_addresses(invitation.headers["Reply-To"]) == token

    answer = (f"From: Lea <lea@example.com>\r\nTo: {invitation.headers['Reply-To']}\r\nSubject: Re: {invitation.subject}"
              f"\r\nMessage-ID: <answer@example.com>\r\nIn-Reply-To: {invitation.message_id}\r\n\r\n"
              "Toujours en panne en fait.\r\n").encode()
    with app.app_context():
        row = ingest(db.session, answer, source="pipe", now=utcnow() + timedelta(days=1, minutes=5))
        assert row.ticket_id == ticket["id"] and not row.created_ticket
        assert db.session.get(Ticket, ticket["id"]).status == "open"


def test_an_english_customer_gets_english_mail(app, client, desk):
    from helpdesk.models import Customer

    with app.app_context():
        db.session.scalar(select(Customer).where(Customer.email == "lea@example.com")).language = "en"
        db.session.commit()
    portal_request(client, desk)
    [ack] = outbox(app)
    assert ack.headers["Content-Language"] == "en" and 'lang="en"' in ack.body_html
    assert ack.body_text.startswith("Hello Léa Martin,") and "Customer service" in ack.body_text


# --- delivery -----------------------------------------------------------------------------------------


def test_mail_reaches_the_smtp_server_with_its_thread_headers_and_both_parts(app, client, desk, smtp):
    inbox = smtp()
    ticket = portal_request(client, desk)
    agent_reply(client, desk, ticket["id"])
    assert deliver(app) == 2
    ack, reply = wait_for(inbox, 2)
    rows = outbox(app)
    assert ack["Message-ID"] == rows[0].message_id and reply["In-Reply-To"] == rows[0].message_id
    assert reply["Reply-To"] == rows[1].headers["Reply-To"] and reply["From"] == "Support <support@helpdesk.test>"
    assert reply["To"] == "lea@example.com" and reply.get_content_type() == "multipart/alternative"
    assert "Redémarrez la box." in reply.get_body(("plain",)).get_content()
    assert "Redémarrez la box." in reply.get_body(("html",)).get_content()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert deliver(app) == 0  # nothing twice


def test_an_unreachable_server_backs_off_then_gives_up_and_the_ticket_change_stays(app, client, desk):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=3)
    ticket = portal_request(client, desk)
    agent_reply(client, desk, ticket["id"])
    now = utcnow()
    assert deliver(app, now) == 0
    first, second = outbox(app)
    assert first.attempts == 1 and "Connection" in first.last_error and first.failed_at is None
    assert first.next_attempt_at == now + timedelta(minutes=1)
    assert second.attempts == 0  # the pass stopped at the unreachable server: the others lost nothing
    assert deliver(app, now + timedelta(seconds=30), limit=1) == 0
    assert outbox(app)[0].attempts == 1  # still backing off: not tried (the other one was)
    deliver(app, now + timedelta(minutes=1), limit=1)
    assert outbox(app)[0].next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=2)
    deliver(app, now + timedelta(minutes=3), limit=1)
    gave_up = outbox(app)[0]
    assert gave_up.attempts == 3 and gave_up.failed_at == now + timedelta(minutes=3) and gave_up.next_attempt_at is None
    assert deliver(app, now + timedelta(days=1), limit=1) in (0, 1) and outbox(app)[0].attempts == 3  # never again
    response = client.get(f"/api/v1/tickets/{ticket['id']}", headers=desk["agent"])
    assert [m["body"] for m in response.get_json()["messages"] if not m["internal"]][-1].startswith("<p>Redémarrez")


def test_a_permanent_refusal_fails_at_once_and_a_temporary_one_is_retried(app, client, desk, smtp):
    smtp(refuse="550 5.1.1 No such user here")
    portal_request(client, desk)
    deliver(app)
    [row] = outbox(app)
    assert row.failed_at is not None and row.attempts == 1 and "550" in row.last_error

    smtp(refuse="451 4.3.0 Try again later")
    portal_request(client, desk, subject="Autre")
    deliver(app)
    later = outbox(app)[-1]
    assert later.failed_at is None and later.next_attempt_at is not None and "451" in later.last_error


# --- what admins see and do -----------------------------------------------------------------------------


def _failed_mail(app, client, desk):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=1)
    ticket = portal_request(client, desk)
    deliver(app)
    [row] = outbox(app)
    assert row.failed_at is not None
    return ticket, row


def test_failed_mail_is_listed_for_admins_and_resent(app, client, desk, auth, smtp):
    ticket, row = _failed_mail(app, client, desk)
    listed = client.get("/api/v1/admin/mail/failed", headers=desk["admin"])
    assert listed.status_code == 200
    [item] = listed.get_json()["items"]
    assert item["id"] == row.id and item["to"] == "lea@example.com" and item["kind"] == "acknowledgement"
    assert item["ticket_id"] == ticket["id"] and item["attempts"] == 1 and "Connection" in item["last_error"]
    assert item["failed_at"] and listed.get_json()["next_cursor"] is None

    auth.login("root@example.com")
    page = client.get("/admin/mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "lea@example.com" in html and row.subject in html and "Connection" in html
    assert f"/admin/mail/{row.id}/resend" in html and f"/console/tickets/{ticket['id']}" in html
    assert "/admin/mail" in client.get("/admin").get_data(as_text=True)

    assert client.post(f"/admin/mail/{row.id}/resend").status_code == 302
    again = outbox(app)[0]
    assert again.failed_at is None and again.attempts == 0 and again.next_attempt_at is None
    inbox = smtp()
    assert deliver(app) == 1 and wait_for(inbox, 1)[0]["Subject"] == row.subject
    assert client.get("/api/v1/admin/mail/failed", headers=desk["admin"]).get_json()["items"] == []
    assert client.post(f"/api/v1/admin/mail/{row.id}/resend", headers=desk["admin"]).status_code == 404  # sent


def test_resend_over_the_api(app, client, desk):
    _, row = _failed_mail(app, client, desk)
    response = client.post(f"/api/v1/admin/mail/{row.id}/resend", headers=desk["admin"])
    assert response.status_code == 200 and response.get_json()["failed_at"] is None
    assert response.get_json()["attempts"] == 0


def test_quarantined_mail_is_listed_and_can_be_processed_again(app, client, desk, auth):
    raw = (b"From: Lea Martin <lea@example.com>\r\nTo: support@helpdesk.test\r\nSubject: Colis perdu\r\n"
           b"Message-ID: <q1@client.example>\r\nDate: Mon, 02 Mar 2026 09:00:00 +0000\r\n\r\nO\xc3\xb9 est mon colis ?\r\n")
    with app.app_context():
        db.session.add(InboundEmail(message_id="<q1@client.example>", content_hash="a" * 64, source="pipe",
                                    sender="lea@example.com", subject="Colis perdu", size=len(raw), raw=raw,
                                    state="quarantined", reason="rate_limited", received_at=utcnow()))
        db.session.commit()
        inbound_id = db.session.scalar(select(InboundEmail.id))
    listed = client.get("/api/v1/admin/mail/quarantine", headers=desk["admin"]).get_json()["items"]
    assert [(e["id"], e["sender"], e["subject"], e["reason"]) for e in listed] == [
        (inbound_id, "lea@example.com", "Colis perdu", "rate_limited")]
    auth.login("root@example.com")
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "Colis perdu" in html and f"/admin/mail/quarantine/{inbound_id}/reprocess" in html

    assert client.post(f"/admin/mail/quarantine/{inbound_id}/reprocess").status_code == 302
    with app.app_context():
        row = db.session.get(InboundEmail, inbound_id)
        assert row.state == "processed" and row.ticket_id is not None
    assert client.get("/api/v1/admin/mail/quarantine", headers=desk["admin"]).get_json()["items"] == []
    again = client.post(f"/api/v1/admin/mail/quarantine/{inbound_id}/reprocess", headers=desk["admin"])
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ["agent", "customer"])
def test_only_admins_see_and_act_on_mail(app, client, desk, auth, role):
    _, row = _failed_mail(app, client, desk)
    for method, path in (("get", "/api/v1/admin/mail/failed"), ("post", f"/api/v1/admin/mail/{row.id}/resend"),
                         ("get", "/api/v1/admin/mail/quarantine"), ("post", "/api/v1/admin/mail/quarantine/1/reprocess")):
        response = getattr(client, method)(path, headers=desk[role])
        assert response.status_code == 403, (path, response.status_code)
        assert response.get_json()["error"]["code"] == "forbidden"
    auth.login("paul@example.com" if role == "agent" else "lea@example.com")
    assert client.get("/admin/mail").status_code == 403
    assert client.post(f"/admin/mail/{row.id}/resend").status_code == 403
    assert outbox(app)[0].failed_at is not None  # nothing changed
