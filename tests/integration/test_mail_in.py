"""E-mail in: what a customer's mail becomes (a new ticket or a reply on theirs), what machines' mail
becomes (nothing), and that a message is stored once whichever path (MTA pipe, IMAP) delivered it."""
from __future__ import annotations

import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.mail.inbound import service as inbound
from helpdesk.mail.inbound.imap import ImapSettings, poll_mailbox
from helpdesk.mail.inbound.service import ingest, reprocess
from helpdesk.models import (
    Attachment, Customer, CustomerEmail, Interaction, Message, OutboxMessage, SLAPolicy, Ticket, User,
)
from helpdesk.models.outbox import InboundEmail
from helpdesk.tickets import service as tickets
from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "mail"
TLS = ROOT / "tests" / "fixtures" / "tls"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TOKEN = "abcdefghijklmnop"  # the reply token the corpus' replies carry


def mail(sender: str = "claire@example.fr", subject: str = "Ma box ne démarre plus", body: str = "Bonjour, plus rien ne marche.",
         to: str = "support@helpdesk.local", message_id: str | None = "<m-1@example.fr>", **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


def take(app, raw: bytes, now: datetime = NOW, source: str = "pipe") -> InboundEmail:
    with app.app_context():
        row = ingest(db.session, raw, source=source, now=now)
        db.session.refresh(row)
        db.session.expunge_all()
        return row


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def ticket_of(app, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        ticket.number, ticket.messages, ticket.customer  # noqa: B018  (loaded before the session closes)
        db.session.expunge_all()
        return ticket


@pytest.fixture()
def desk(app, factory):
    """A policy (round the clock: 1 h first response, 2 h next response) and an agent."""
    with app.app_context():
        db.session.add(SLAPolicy(name="Standard", rank=100, calendar=None, conditions={}, first_response_minutes=60,
                                 next_response_minutes=120, resolution_minutes=8 * 60))
        db.session.commit()
    return {"agent": factory.user("agent", email="agent@example.com")}


def resolved_ticket(app, desk, sender="claire@example.fr") -> int:
    """A ticket opened by e-mail, answered by an agent and resolved; its reply token is TOKEN."""
    row = take(app, mail(sender=sender, message_id="<first@example.fr>"))
    with app.app_context():
        agent = db.session.get(User, desk["agent"])
        tickets.add_message(db.session, agent, row.ticket_id, {"body": "Redémarrez la box."}, NOW + timedelta(minutes=10))
        tickets.update_ticket(db.session, agent, row.ticket_id, {"status": "resolved"}, NOW + timedelta(minutes=20),
                              expected_version=None)
        db.session.get(Ticket, row.ticket_id).reply_token = TOKEN
        db.session.commit()
    return row.ticket_id


# --- new tickets -----------------------------------------------------------------------------------


def test_a_new_mail_opens_a_ticket_for_a_new_customer_with_an_interaction(app, desk):
    row = take(app, (CORPUS / "qp_iso8859.eml").read_bytes())
    assert row.state == "processed" and row.created_ticket and row.sender == "gerard.lefebvre@orange.fr"
    ticket = ticket_of(app, row.ticket_id)
    assert ticket.subject == "Téléviseur en panne" and ticket.channel == "email" and ticket.status == "new"
    assert ticket.customer.email == "gerard.lefebvre@orange.fr" and ticket.customer.name == "Gérard Lefèbvre"
    [message] = ticket.messages
    assert message.from_customer and message.kind == "reply" and message.channel == "email"
    assert "Ma télévision ne s&#x27;allume plus" in message.body or "Ma télévision ne s'allume plus" in message.body
    assert message.email_message_id == "<000001db8e1a$4c2b3a10$e4816e30$@orange.fr>"
    assert row.ticket_message_id == message.id
    with app.app_context():
        [interaction] = db.session.scalars(select(Interaction).where(Interaction.customer_id == ticket.customer_id))
        assert (interaction.kind, interaction.direction, interaction.ticket_id) == ("email_in", "in", ticket.id)


def test_a_known_customer_is_matched_by_a_further_address_and_files_as_their_portal_account(app, desk, factory):
    user_id = factory.user("customer", email="nathalie@example.fr")
    with app.app_context():
        customer = db.session.get(User, user_id).customer
        db.session.add(CustomerEmail(customer=customer, email="Nathalie.Roux@Work.example"))
        db.session.commit()
        customer_id = customer.id
    row = take(app, mail(sender="Nathalie Roux <nathalie.roux@work.example>"))
    ticket = ticket_of(app, row.ticket_id)
    assert ticket.customer_id == customer_id and ticket.requester_id == user_id
    assert count(app, Customer) == 1


def test_attachments_are_kept_under_the_attachment_rules(app, desk):
    row = take(app, (CORPUS / "attachment_inline.eml").read_bytes())
    with app.app_context():
        names = set(db.session.scalars(select(Attachment.filename).where(Attachment.message_id == row.ticket_message_id)))
        body = db.session.get(Message, row.ticket_message_id).body
    assert names == {"image-1.png", "facture-février.pdf"}  # the .exe is refused, as on the portal
    assert "setup.exe" in body


# --- replies ---------------------------------------------------------------------------------------


def test_a_reply_by_token_lands_on_the_ticket_reopens_it_and_restarts_the_next_response_clock(app, desk):
    ticket_id = resolved_ticket(app, desk)
    at = NOW + timedelta(hours=1)
    row = take(app, (CORPUS / "thunderbird_fr_reply.eml").read_bytes(), now=at)
    assert row.state == "processed" and row.ticket_id == ticket_id and not row.created_ticket
    ticket = ticket_of(app, ticket_id)
    assert ticket.status == "open" and ticket.reopened_count == 1
    assert ticket.next_response_due_at == at + timedelta(hours=2)
    reply = ticket.messages[-1]
    assert reply.from_customer and reply.kind == "reply" and "reste rouge" in reply.body
    assert "Pouvez-vous redémarrer" not in reply.body  # the quoted history stays in the original


def test_a_reply_after_the_reopen_window_opens_a_new_request_that_names_the_old_one(app, desk):
    ticket_id = resolved_ticket(app, desk, sender="marie.dupont@example.fr")
    days = app.config["PORTAL_REOPEN_DAYS"]
    row = take(app, (CORPUS / "thunderbird_fr_reply.eml").read_bytes(), now=NOW + timedelta(days=days, hours=1))
    assert row.state == "processed" and row.created_ticket and row.ticket_id != ticket_id
    old, new = ticket_of(app, ticket_id), ticket_of(app, row.ticket_id)
    assert old.status == "resolved" and old.reopened_count == 0 and len(old.messages) == 2
    assert new.customer_id == old.customer_id and new.status == "new"
    assert "reste rouge" in new.messages[0].body and new.messages[0].from_customer
    note = new.messages[-1]
    assert note.kind == "note" and old.display_number in note.body
    # Within the window the same reply reopens the old ticket instead.
    again = take(app, mail(message_id="<again@example.fr>", to=f"support+t-{TOKEN}@helpdesk.local"),
                 now=NOW + timedelta(days=days - 1))
    assert again.ticket_id == ticket_id and ticket_of(app, ticket_id).status == "open"


def test_a_reply_found_by_the_message_ids_it_answers(app, desk):
    first = take(app, mail(message_id="<first@example.fr>"))
    again = take(app, mail(subject="Re: autre chose", message_id="<second@example.fr>", In_Reply_To="<first@example.fr>"))
    assert again.ticket_id == first.ticket_id and not again.created_ticket
    with app.app_context():
        db.session.add(OutboxMessage(to_address="claire@example.fr", subject="x", body_text="x", kind="reply",
                                     message_id="<legacy-123@helpdesk.local>", ticket_id=first.ticket_id))
        db.session.commit()
    third = take(app, mail(subject="Re: x", message_id="<third@example.fr>", References="<legacy-123@helpdesk.local>"))
    assert third.ticket_id == first.ticket_id


def test_a_forged_from_without_the_token_never_writes_on_someone_elses_ticket(app, desk):
    victim = resolved_ticket(app, desk, sender="claire@example.fr")
    number = ticket_of(app, victim).number
    row = take(app, mail(sender="claire@example.fr.attacker.test", subject=f"Re: [#{number}] suite",
                         message_id="<forged@attacker.test>", In_Reply_To="<unknown@nowhere>"))
    assert row.created_ticket and row.ticket_id != victim
    assert len(ticket_of(app, victim).messages) == 2  # the customer's mail and the agent's reply only


def test_the_ticket_number_in_the_subject_counts_only_for_the_tickets_customer(app, desk):
    ticket_id = resolved_ticket(app, desk, sender="claire@example.fr")
    number = ticket_of(app, ticket_id).number
    stranger = take(app, mail(sender="other@example.fr", subject=f"Re: [#{number}]", message_id="<s@x>"))
    assert stranger.ticket_id != ticket_id and stranger.created_ticket
    own = take(app, mail(sender="Claire <CLAIRE@example.fr>", subject=f"Re: votre ticket #{number}", message_id="<o@x>"))
    assert own.ticket_id == ticket_id and not own.created_ticket


# --- safety ----------------------------------------------------------------------------------------


def test_the_same_mail_twice_is_stored_once(app, desk):
    raw = (CORPUS / "qp_iso8859.eml").read_bytes()
    first, second = take(app, raw), take(app, raw, source="imap")
    assert first.id == second.id and count(app, InboundEmail) == 1 and count(app, Ticket) == 1
    # Without a Message-ID the bytes' hash recognises it.
    raw = (CORPUS / "no_message_id.eml").read_bytes()
    assert take(app, raw).id == take(app, raw).id and count(app, Ticket) == 2


def test_two_deliveries_at_the_same_time_store_one(app, desk):
    raw = mail(message_id="<race@example.fr>")
    results, errors = [], []

    def deliver():
        try:
            results.append(take(app, raw).id)
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(results)) == 1
    assert count(app, InboundEmail) == 1 and count(app, Ticket) == 1 and count(app, Customer) == 1


@pytest.mark.parametrize("name", ["out_of_office.eml", "bounce.eml"])
def test_auto_replies_and_bounces_open_nothing_and_get_no_answer(app, desk, name):
    resolved_ticket(app, desk)  # their token is a real ticket's: still nothing happens
    outbox, messages = count(app, OutboxMessage), count(app, Message)
    row = take(app, (CORPUS / name).read_bytes())
    assert row.state == "ignored" and row.reason.startswith("automatic")
    assert count(app, Ticket) == 1 and count(app, Message) == messages and count(app, OutboxMessage) == outbox
    assert count(app, Interaction) == 1


def test_our_own_mail_coming_back_is_ignored(app, desk):
    ticket_id = resolved_ticket(app, desk)
    with app.app_context():
        db.session.add(OutboxMessage(to_address="x@example.fr", subject="s", body_text="b", kind="reply",
                                     message_id="<sent-42@elsewhere.example>", ticket_id=ticket_id))
        db.session.commit()
    messages = count(app, Message)
    for message_id in ("<sent-42@elsewhere.example>", f"<hd.{TOKEN}.zzzzzzzz@helpdesk.local>"):
        row = take(app, mail(message_id=message_id, to=f"support+t-{TOKEN}@helpdesk.local"))
        assert row.state == "ignored" and row.reason.startswith("own_message")
    assert count(app, Message) == messages and count(app, Ticket) == 1


def test_a_sender_is_limited_to_n_new_tickets_an_hour(app, desk):
    app.config["MAIL_NEW_TICKETS_PER_HOUR"] = 2
    states = [take(app, mail(message_id=f"<flood-{i}@example.fr>", subject=f"Spam {i}"), now=NOW + timedelta(minutes=i)).state
              for i in range(3)]
    assert states == ["processed", "processed", "quarantined"]
    with app.app_context():
        row = db.session.scalar(select(InboundEmail).where(InboundEmail.message_id == "<flood-2@example.fr>"))
        assert row.reason.startswith("rate_limited") and row.ticket_id is None
    assert count(app, Ticket) == 2
    # A reply is not a new ticket; an hour later the sender may open tickets again.
    first = take(app, mail(message_id="<flood-r@example.fr>", In_Reply_To="<flood-0@example.fr>"), now=NOW + timedelta(minutes=5))
    assert first.state == "processed"
    assert take(app, mail(message_id="<later@example.fr>"), now=NOW + timedelta(minutes=61)).created_ticket


def test_an_oversize_mail_is_quarantined_whole_and_reprocessed_after_raising_the_limit(app, desk):
    app.config["MAIL_MAX_BYTES"] = 2000
    raw = mail(body="x" * 5000, message_id="<big@example.fr>")
    row = take(app, raw)
    assert row.state == "quarantined" and row.reason.startswith("too_large") and row.message_id == "<big@example.fr>"
    assert count(app, Ticket) == 0 and count(app, Customer) == 0
    with app.app_context():
        assert reprocess(db.session, row.id, NOW).state == "quarantined"  # still too large
        app.config["MAIL_MAX_BYTES"] = 10_000
        again = reprocess(db.session, row.id, NOW)
        assert (again.id, again.state, again.reason) == (row.id, "processed", None)
        assert again.raw == raw and again.ticket_id is not None
    assert count(app, InboundEmail) == 1 and count(app, Ticket) == 1


def test_a_failure_half_way_leaves_only_the_quarantined_mail(app, desk, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(inbound, "store_attachment", broken)
    row = take(app, (CORPUS / "attachment_inline.eml").read_bytes())
    assert row.state == "quarantined" and "disk full" in row.reason
    assert (count(app, Ticket), count(app, Customer), count(app, Message), count(app, Interaction),
            count(app, OutboxMessage)) == (0, 0, 0, 0, 0)
    monkeypatch.undo()
    with app.app_context():
        assert reprocess(db.session, row.id, NOW).state == "processed"


def test_unreadable_bytes_are_quarantined(app, desk):
    row = take(app, b"\r\n\r\n")
    assert row.state == "quarantined" and row.reason.startswith("unparseable")
    assert take(app, b"\x00garbage without headers").state == "quarantined"


# --- command line ------------------------------------------------------------------------------------


def test_cli_ingests_a_file_and_stdin(app, desk, runner):
    result = runner.invoke(args=["mail", "ingest", str(CORPUS / "rfc2047_subject.eml")])
    assert result.exit_code == 0, result.output
    assert "processed" in result.output
    result = runner.invoke(args=["mail", "ingest"], input=(CORPUS / "rfc2047_subject.eml").read_bytes())
    assert result.exit_code == 0 and count(app, InboundEmail) == 1
    result = runner.invoke(args=["mail", "ingest"], input=b"\r\n")
    assert result.exit_code == 0 and "quarantined" in result.output


def test_cli_asks_the_mta_to_retry_when_the_database_is_down(tmp_path):
    env = {**os.environ, "HELPDESK_ENV": "testing", "INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path}/no-such-dir/helpdesk.db"}
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "ingest",
                             str(CORPUS / "qp_iso8859.eml")], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert result.returncode == 75, result.stderr.decode()[-2000:]


# --- IMAP ----------------------------------------------------------------------------------------------



class TlsRelay:
    """Implicit TLS (IMAPS, as on port 993) in front of a plain loopback server."""

    def __init__(self, backend_port: int):
        self.backend_port = backend_port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(TLS / "imap-test.crt", TLS / "imap-test.key")
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            secure = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()
            return
        backend = socket.create_connection(("127.0.0.1", self.backend_port))
        threading.Thread(target=self._pump, args=(backend, secure), daemon=True).start()
        self._pump(secure, backend)

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.close()
                except OSError:
                    pass

    def close(self):
        self.listener.close()


@pytest.fixture()
def imap_server():
    """pymap (an asyncio IMAP server, in-memory mailbox) on loopback, behind implicit TLS. It is a
    test requirement (requirements-dev.txt): missing, the test fails."""
    executable = shutil.which("pymap", path=str(Path(sys.executable).parent)) or shutil.which("pymap")
    assert executable, "pymap is not installed: make install-dev"
    port = free_port()
    process = subprocess.Popen([executable, "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "pymap did not start"
            time.sleep(0.1)
    relay = TlsRelay(port)
    yield {"port": port, "ssl_port": relay.port}
    relay.close()
    process.terminate()
    process.wait(timeout=10)


def _client_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(TLS / "imap-test.crt"))


def _mailbox(server) -> imaplib.IMAP4:
    """The test's own look into the mailbox (plain IMAP to pymap). Under a loaded machine pymap has
    once left a new connection without its greeting: a timeout and one more try, never a hang."""
    for attempt in range(3):
        try:
            client = imaplib.IMAP4("127.0.0.1", server["port"], timeout=10)
            break
        except (TimeoutError, socket.timeout):
            if attempt == 2:
                raise
    client.login("demouser", "demopass")
    return client


def _append(server, *raws: bytes) -> None:
    client = _mailbox(server)
    for raw in raws:
        client.append("INBOX", None, None, raw)
    client.logout()


def _unseen(server) -> int:
    client = _mailbox(server)
    client.select("INBOX")
    _, data = client.uid("SEARCH", None, "UNSEEN")
    client.logout()
    return len((data[0] or b"").split())


def _settings(server) -> ImapSettings:
    return ImapSettings("127.0.0.1", server["ssl_port"], True, "demouser", "demopass", "INBOX", timeout=10)


def test_imaps_poll_ingests_and_marks_seen_once_stored_and_a_mail_piped_before_is_stored_once(app, desk, imap_server, runner):
    piped = (CORPUS / "rfc2047_subject.eml").read_bytes()
    assert runner.invoke(args=["mail", "ingest"], input=piped).exit_code == 0
    _append(imap_server, (CORPUS / "qp_iso8859.eml").read_bytes(), (CORPUS / "out_of_office.eml").read_bytes(), piped)
    assert _unseen(imap_server) == 3
    with app.app_context():
        report = poll_mailbox(db.session, _settings(imap_server), ssl_context=_client_context())
    assert report.seen == 3 and report.stored == {"processed": 2, "ignored": 1}
    assert _unseen(imap_server) == 0
    assert count(app, InboundEmail) == 3 and count(app, Ticket) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(InboundEmail.source == "imap")) == 2
        again = poll_mailbox(db.session, _settings(imap_server), ssl_context=_client_context())
    assert again.seen == 0


def test_imap_message_stays_unseen_when_the_database_fails(app, desk, imap_server, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from helpdesk.mail.inbound import imap

    def down(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is down"))

    _append(imap_server, (CORPUS / "qp_iso8859.eml").read_bytes())
    monkeypatch.setattr(imap, "ingest", down)
    with app.app_context():
        report = poll_mailbox(db.session, _settings(imap_server), ssl_context=_client_context())
    assert report.seen == 0 and report.left_for_later == 1 and _unseen(imap_server) == 1
    monkeypatch.undo()
    with app.app_context():
        assert poll_mailbox(db.session, _settings(imap_server), ssl_context=_client_context()).seen == 1
    assert _unseen(imap_server) == 0 and count(app, Ticket) == 1


def test_an_unreachable_imap_server_does_not_break_the_background_pass(app, desk):
    from helpdesk.sla.background import background_pass

    app.config.update(IMAP_HOST="127.0.0.1", IMAP_PORT=free_port(), IMAP_SSL=True, IMAP_USERNAME="u", IMAP_PASSWORD="p")
    with app.app_context():
        report = background_pass(app, db.session)
    assert report.sweep is not None


# --- the original, for agents ------------------------------------------------------------------------


def test_agents_see_the_original_safely_and_customers_cannot(app, desk, client, auth, factory):
    row = take(app, (CORPUS / "html_only_remote_images.eml").read_bytes())
    auth.login("agent@example.com")
    page = client.get(f"/console/tickets/{row.ticket_id}")
    url = f"/console/mail/messages/{row.ticket_message_id}/original"
    assert url in page.get_data(as_text=True)
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    assert "claire.fontaine@example.com" in html and "erreur 500" in html
    assert "cdn.example.com" not in html and "tracker.example.com" not in html and "<script>alert" not in html
    auth.logout()
    factory.user("customer", email="claire.fontaine@example.com")
    auth.login("claire.fontaine@example.com")
    assert client.get(url).status_code in (302, 403, 404)


def test_inline_images_of_the_original_point_at_their_stored_attachment(app, desk, client, auth):
    row = take(app, (CORPUS / "attachment_inline.eml").read_bytes())
    with app.app_context():
        image_id = db.session.scalar(select(Attachment.id).where(Attachment.filename == "image-1.png"))
    auth.login("agent@example.com")
    html = client.get(f"/console/mail/messages/{row.ticket_message_id}/original").get_data(as_text=True)
    assert f'src="/console/attachments/{image_id}"' in html and "cid:" not in html
    assert "setup.exe" in html  # listed, though not kept


def test_the_ticket_page_costs_the_same_statements_for_one_or_five_e_mails(app, desk, client, auth):
    from tests.conftest import counted_get

    row = take(app, mail(message_id="<t-0@example.fr>"))
    auth.login("agent@example.com")
    counted_get(app, client, f"/console/tickets/{row.ticket_id}")  # warm caches
    one, _ = counted_get(app, client, f"/console/tickets/{row.ticket_id}")
    for i in range(1, 5):
        take(app, mail(message_id=f"<t-{i}@example.fr>", In_Reply_To="<t-0@example.fr>"))
    five, page = counted_get(app, client, f"/console/tickets/{row.ticket_id}")
    assert page.get_data(as_text=True).count("/original") == 5
    assert five == one


def test_cli_poll_reads_the_configured_mailbox_once(app, desk, imap_server, runner):
    assert runner.invoke(args=["mail", "poll"]).exit_code != 0  # no IMAP_HOST: says so
    _append(imap_server, (CORPUS / "no_message_id.eml").read_bytes())
    app.config.update(IMAP_HOST="127.0.0.1", IMAP_PORT=imap_server["port"], IMAP_SSL=False,
                      IMAP_USERNAME="demouser", IMAP_PASSWORD="demopass", IMAP_FOLDER="INBOX")
    result = runner.invoke(args=["mail", "poll"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) read: 1 processed" in result.output and _unseen(imap_server) == 0


def test_quarantine_reasons_have_a_label_for_admins(app):
    with app.app_context():
        assert inbound.reason_label("too_large: 30 bytes > MAIL_MAX_BYTES 20") == "Message trop volumineux"
        assert inbound.reason_label("something else") == "something else"


def test_a_message_without_a_kept_original_says_so(app, desk, client, auth, factory):
    ticket_id = factory.ticket()
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.ticket_id == ticket_id))
        message.channel = "email"
        db.session.commit()
        message_id = message.id
    auth.login("agent@example.com")
    response = client.get(f"/console/mail/messages/{message_id}/original")
    assert response.status_code == 404 and "pas été conservé" in response.get_data(as_text=True)
