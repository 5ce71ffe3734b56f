"""The outbox reaches a real SMTP server (aiosmtpd on loopback), or the instance folder without one."""
import socket
import time
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
        return "250 OK"


@pytest.fixture()
def smtp_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def _queue(app, n=2):
    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage

    with app.app_context():
        for i in range(n):
            db.session.add(OutboxMessage(to_address=f"lead{i}@example.com", subject=f"[SLA] Ticket #1000{i} : délai dépassé",
                                         body_text="Bonjour,\nle délai est dépassé.", headers={"X-Helpdesk-Ticket": str(i)}))
        db.session.commit()


def test_outbox_is_delivered_over_smtp_once(app, runner, smtp_server):
    port, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    _queue(app)
    assert "sent 2 message(s)" in runner.invoke(args=["mail", "send"]).output
    deadline = time.time() + 5
    while len(inbox.messages) < 2 and time.time() < deadline:
        time.sleep(0.05)
    recipients = sorted(r[0] for r, _ in inbox.messages)
    assert recipients == ["lead0@example.com", "lead1@example.com"]
    message = inbox.messages[0][1]
    assert message["Subject"].startswith("[SLA] Ticket #1000") and "délai est dépassé" in message.get_content()
    assert message["X-Helpdesk-Ticket"] in ("0", "1")
    assert "sent 0 message(s)" in runner.invoke(args=["mail", "send"]).output  # nothing twice


def test_unreachable_server_keeps_the_mail_for_later(app, runner):
    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    _queue(app, 1)
    assert "sent 0 message(s)" in runner.invoke(args=["mail", "send"]).output
    with app.app_context():
        row = db.session.query(OutboxMessage).one()
        assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error


def test_without_a_server_mail_lands_in_the_instance_outbox(app, runner):
    from pathlib import Path

    app.config.update(MAIL_SERVER=None)
    _queue(app, 1)
    runner.invoke(args=["mail", "send"])
    files = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == 1 and b"lead0@example.com" in files[0].read_bytes()
