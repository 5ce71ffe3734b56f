"""The outbox reaches a real SMTP server (aiosmtpd on loopback), or the instance folder without one."""
from tests.net import free_port


def _queue(app, n=2):
    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage

    with app.app_context():
        for i in range(n):
            db.session.add(OutboxMessage(to_address=f"lead{i}@example.com", subject=f"[SLA] Ticket #1000{i} : délai dépassé",
                                         body_text="Bonjour,\nle délai est dépassé.", headers={"X-Helpdesk-Ticket": str(i)}))
        db.session.commit()


def test_outbox_is_delivered_over_smtp_once(app, runner, smtp):
    inbox = smtp()
    _queue(app)
    assert "sent 2 message(s)" in runner.invoke(args=["mail", "send"]).output
    received = inbox.wait_for(2)
    assert sorted(m["To"] for m in received) == ["lead0@example.com", "lead1@example.com"]
    message = received[0]
    assert message["Subject"].startswith("[SLA] Ticket #1000") and "délai est dépassé" in message.get_content()
    assert message["X-Helpdesk-Ticket"] in ("0", "1")
    assert "sent 0 message(s)" in runner.invoke(args=["mail", "send"]).output  # nothing twice


def test_unreachable_server_keeps_the_mail_for_later(app, runner):
    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
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
