"""The outbox's delivery rules: back-off, what counts as a refusal for good, how to connect, and
which tickets are acknowledged."""
import smtplib
from datetime import timedelta
from pathlib import Path

import pytest

from helpdesk.mail import outbox
from helpdesk.mail.notify import acknowledgement_wanted
from helpdesk.mail.outbox import MailSettings, is_permanent, retry_delay


def test_retries_wait_1_2_4_minutes_and_at_most_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert retry_delay(7) == timedelta(hours=1) and retry_delay(30) == timedelta(hours=1)


def test_a_5xx_for_the_recipient_or_the_message_is_final_a_4xx_or_a_lost_connection_is_not():
    assert is_permanent(smtplib.SMTPRecipientsRefused({"a@x": (550, b"no such user")}))
    assert not is_permanent(smtplib.SMTPRecipientsRefused({"a@x": (451, b"greylisted")}))
    assert is_permanent(smtplib.SMTPDataError(554, b"spam"))
    assert not is_permanent(smtplib.SMTPDataError(452, b"full"))
    assert not is_permanent(smtplib.SMTPSenderRefused(550, b"relay denied", "support@x"))  # our settings
    assert not is_permanent(smtplib.SMTPServerDisconnected("gone")) and not is_permanent(ConnectionRefusedError())


def test_phone_calls_and_customers_without_an_address_get_no_acknowledgement():
    assert acknowledgement_wanted("portal", "a@x") and acknowledgement_wanted("email", "a@x")
    assert acknowledgement_wanted("api", "a@x") and acknowledgement_wanted("chat", "a@x")
    assert not acknowledgement_wanted("phone", "a@x") and not acknowledgement_wanted("portal", None)


class FakeSMTP:
    made = []

    def __init__(self, host, port, timeout=None, context=None):
        self.calls = [("connect", type(self).__name__, host, port, timeout)]
        FakeSMTP.made.append(self)

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))


class FakeSMTPSSL(FakeSMTP):
    pass


@pytest.mark.parametrize("use_tls, use_ssl, expected", [
    (False, False, [("connect", "FakeSMTP", "mx", 25, 7.0), ("login", "u", "p")]),
    (True, False, [("connect", "FakeSMTP", "mx", 25, 7.0), ("starttls",), ("login", "u", "p")]),
    (False, True, [("connect", "FakeSMTPSSL", "mx", 25, 7.0), ("login", "u", "p")]),
])
def test_connections_follow_the_settings(monkeypatch, use_tls, use_ssl, expected):
    monkeypatch.setattr(outbox.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(outbox.smtplib, "SMTP_SSL", FakeSMTPSSL)
    settings = MailSettings("mx", 25, use_tls, "u", "p", "s@x", Path("."), use_ssl=use_ssl, timeout=7.0)
    assert outbox._connect(settings).calls == expected


def test_settings_come_from_the_configuration():
    settings = MailSettings.from_config({"MAIL_SERVER": "mx", "MAIL_PORT": 465, "MAIL_USE_SSL": True,
                                         "MAIL_TIMEOUT_SECONDS": 5, "MAIL_MAX_ATTEMPTS": 3,
                                         "MAIL_DEFAULT_SENDER": "s@x"}, "/tmp/i")
    assert (settings.use_ssl, settings.use_tls, settings.timeout, settings.max_attempts) == (True, False, 5.0, 3)
