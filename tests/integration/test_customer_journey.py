"""A customer's whole journey, as issue 11 says it will be checked, with CSRF on, a real SMTP server
(aiosmtpd) and mail piped in through `flask mail ingest` as an MTA does: sign up, confirm, reset the
password, submit a request with a file, answer the acknowledgement by e-mail and see one thread;
then the same mail twice, an out-of-office loop, a forged From and a bounce; and another customer
trying to reach the request, its internal note and its file through the portal, e-mail and links."""
import io
import re
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.models import Attachment, InboundEmail, Message, OutboxMessage, Ticket
from tests.conftest import PASSWORD
from tests.forms import post_form

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NEW_PASSWORD = "une toute nouvelle phrase de passe"
KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture()
def desk(app, smtp):
    """The app as customers meet it (CSRF on), its SMTP server, its CLI."""
    from helpdesk import create_app

    inbox = smtp()
    served = create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS},
                        **{k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL")},
                        MAIL_DEFAULT_SENDER="Support <support@helpdesk.test>", BASE_URL="https://support.helpdesk.test")
    return served, inbox


def send_mail(app) -> None:
    """What the background pass does after each change: the outbox goes to the SMTP server."""
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def received(inbox, to: str, count: int) -> list:
    mails = [m for m in inbox.wait_for(count) if to in str(m["To"])]
    assert len(mails) >= count, [m["Subject"] for m in inbox.messages]
    return mails


def link(mail, pattern: str) -> str:
    return re.search(r"https://support\.helpdesk\.test(" + pattern + r")", mail.get_body(("plain",)).get_content()).group(1)


def pipe(app, raw: bytes) -> str:
    """An MTA piping one message into the app."""
    result = app.test_cli_runner().invoke(args=["mail", "ingest"], input=raw)
    assert result.exit_code == 0, result.output
    return result.output


def answer(to_mail, sender: str, text: str, **headers) -> bytes:
    """A reply as a mail program writes it: to the Reply-To, in reply to the mail, quoting it."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = to_mail["Reply-To"]
    reply["Subject"] = f"Re: {to_mail['Subject']}"
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = to_mail["Message-ID"]
    reply["References"] = f"{to_mail.get('References', '')} {to_mail['Message-ID']}".strip()
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    quoted = "\n".join("> " + line for line in to_mail.get_body(("plain",)).get_content().splitlines())
    reply.set_content(f"{text}\n\nLe support a écrit :\n{quoted}\n")
    return bytes(reply)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_customers_journey_by_portal_and_e_mail_on_one_thread(desk, factory):
    app, inbox = desk
    lea = "lea@example.com"

    # Sign up and confirm the address from the e-mailed link.
    visitor = app.test_client()
    post_form(visitor, "/portal/signup", {"name": "Léa Martin", "email": lea, "password": PASSWORD,
                                          "password_confirm": PASSWORD, "locale": "fr"})
    send_mail(app)
    (verification,) = received(inbox, lea, 1)
    verify = link(verification, r"/verify/[A-Za-z0-9_\-]+")
    assert post_form(visitor, verify, {"consent_surveys": "y"}).headers["Location"].endswith("/login")

    # Forget the password, reset it from the link, and log in with the new one.
    post_form(visitor, "/password/forgot", {"email": lea})
    send_mail(app)
    reset_mail = received(inbox, lea, 2)[-1]
    reset = link(reset_mail, r"/password/reset/[A-Za-z0-9_\-]+")
    assert post_form(visitor, reset, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 302
    customer = app.test_client()
    assert post_form(customer, "/login", {"email": lea, "password": PASSWORD}).status_code == 400
    assert post_form(customer, "/login", {"email": lea, "password": NEW_PASSWORD}).status_code == 302

    # A request with a file: the confirmation gives its number, the acknowledgement arrives by e-mail.
    submitted = post_form(customer, "/portal/requests/new", {
        "subject": "La box redémarre sans arrêt", "body": "Depuis hier soir, toutes les dix minutes.", "product_id": "",
        "attachments": [(io.BytesIO(PNG), "voyant.png")]}, page="/portal/requests/new",
        content_type="multipart/form-data")
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:500]
    ticket_id = int(re.search(r"/requests/(\d+)/submitted$", submitted.headers["Location"]).group(1))
    with app.app_context():
        number = db.session.get(Ticket, ticket_id).display_number
    assert number in customer.get(submitted.headers["Location"]).get_data(as_text=True)
    send_mail(app)
    ack = received(inbox, lea, 3)[-1]
    assert number in ack["Subject"] and "support+t-" in ack["Reply-To"]

    # Lea answers the acknowledgement from her mail program: it lands on the ticket, quote stripped.
    assert "processed" in pipe(app, answer(ack, f"Léa Martin <{lea}>", "Le voyant reste rouge maintenant."))
    page = customer.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    assert "Depuis hier soir" in page and "Le voyant reste rouge maintenant." in page
    assert "Le support a écrit" not in page  # the quoted history stays in the original
    assert count(app, Ticket) == 1 and count(app, Message, Message.ticket_id == ticket_id) == 2

    # An agent replies publicly and notes something internally: only the reply is mailed and shown.
    agent = factory.user("agent", email="paul@example.com", name="Paul Agent")
    with app.app_context():
        from helpdesk.models import User
        from helpdesk.models.types import utcnow
        from helpdesk.tickets import service

        paul = db.session.get(User, agent)
        service.add_message(db.session, paul, ticket_id, {"body": "Pouvez-vous la débrancher dix secondes ?"}, utcnow())
        service.add_message(db.session, paul, ticket_id, {"body": "Client très patient, box à remplacer",
                                                          "internal": True}, utcnow())
        db.session.commit()
    send_mail(app)
    reply_mail = received(inbox, lea, 4)[-1]
    assert "débrancher" in reply_mail.get_body(("plain",)).get_content()
    assert reply_mail["In-Reply-To"] and ack["Message-ID"] in reply_mail["References"]
    assert not any("remplacer" in m.get_body(("plain",)).get_content() for m in inbox.messages)
    page = customer.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    assert "débrancher" in page and "remplacer" not in page

    # The same answer delivered twice is stored once.
    second = answer(reply_mail, f"Léa Martin <{lea}>", "C'est fait, elle ne redémarre plus.")
    pipe(app, second)
    pipe(app, second)
    assert count(app, Message, Message.ticket_id == ticket_id, Message.body.like("%ne redémarre plus%")) == 1

    # An out-of-office robot answering our mail: nothing is posted, nothing is sent back.
    outbox_before = count(app, OutboxMessage)
    robot = answer(reply_mail, f"Léa Martin <{lea}>", "Je suis absente jusqu'au 5.", Auto_Submitted="auto-replied",
                   X_Autoreply="yes")
    pipe(app, robot)
    assert count(app, OutboxMessage) == outbox_before
    assert count(app, Message, Message.body.like("%absente%")) == 0

    # A forged From on a mail naming the ticket, without its reply token: not on Lea's ticket.
    forged = EmailMessage()
    forged["From"] = "Mallory <mallory@example.net>"
    forged["To"] = "support@helpdesk.test"
    forged["Subject"] = f"Re: [{number}] La box redémarre sans arrêt"
    forged["Message-ID"] = make_msgid(domain="example.net")
    forged.set_content("Merci d'envoyer la box de remplacement à mon adresse.")
    pipe(app, bytes(forged))
    assert count(app, Message, Message.ticket_id == ticket_id, Message.body.like("%remplacement%")) == 0
    with app.app_context():
        mallory_ticket = db.session.scalar(select(Ticket).join(Message).where(Message.body.like("%remplacement%")))
        assert mallory_ticket.id != ticket_id and mallory_ticket.customer.email == "mallory@example.net"

    # A bounce of one of our mails: ignored, no ticket, no answer.
    tickets_before, outbox_before = count(app, Ticket), count(app, OutboxMessage)
    bounce = EmailMessage()
    bounce["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.com>"
    bounce["To"] = "support@helpdesk.test"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = make_msgid(domain="mx.example.com")
    bounce["Auto-Submitted"] = "auto-replied"
    bounce.set_content("This is the mail system at host mx.example.com.\nI'm sorry to have to inform you...")
    assert "ignored" in pipe(app, bytes(bounce))
    assert count(app, Ticket) == tickets_before and count(app, OutboxMessage) == outbox_before
    assert count(app, InboundEmail, InboundEmail.state == "ignored") >= 2  # the robot and the bounce

    # Another customer cannot reach Lea's request, its note or its file, by the portal or by link.
    factory.user("customer", email="bob@example.com", name="Bob Durand")
    bob = app.test_client()
    assert post_form(bob, "/login", {"email": "bob@example.com", "password": PASSWORD}).status_code == 302
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id).where(Attachment.ticket_id == ticket_id))
    assert bob.get(f"/portal/requests/{ticket_id}").status_code == 404
    assert bob.get(f"/portal/attachments/{attachment_id}").status_code == 404
    assert post_form(bob, f"/portal/requests/{ticket_id}/reply", {"body": "Je lis par-dessus"},
                     page="/portal/requests/new").status_code == 404
    assert "La box redémarre" not in bob.get("/portal").get_data(as_text=True)
    assert customer.get(f"/portal/attachments/{attachment_id}").data == PNG
    assert count(app, Message, Message.body.like("%par-dessus%")) == 0
