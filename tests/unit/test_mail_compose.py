"""The mails a customer receives about a ticket: numbered subject, their language, text and HTML
parts, and only the one public message they are about (escaped and sanitised)."""
import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel

from helpdesk.mail import compose
from helpdesk.mail.compose import TicketMail

ROOT = Path(compose.__file__).parent


@pytest.fixture(scope="module")
def app():
    """Only Flask-Babel and the catalogue the application ships: no database, no blueprints."""
    app = Flask("helpdesk")
    app.config.update(BABEL_DEFAULT_LOCALE="fr")
    Babel(app)
    with app.app_context():
        yield app


def mail(**fields):
    values = dict(number="#10023", subject="Box en panne", customer_name="Léa Martin",
                  portal_url="https://support.example.com/portal/requests/23")
    values.update(fields)
    return TicketMail(**values)


def test_the_acknowledgement_has_the_number_in_its_subject_and_quotes_the_request(app):
    composed = compose.compose("acknowledgement", mail(body_html="<p>Plus de connexion depuis hier.</p>"))
    assert composed.subject == "[#10023] Box en panne"
    assert "Bonjour Léa Martin," in composed.text and "#10023" in composed.text
    assert "> Plus de connexion depuis hier." in composed.text
    assert "<blockquote" in composed.html and "Plus de connexion depuis hier." in composed.html
    assert 'lang="fr"' in composed.html and "https://support.example.com/portal/requests/23" in composed.text


def test_later_mails_keep_the_subject_so_the_thread_holds_together():
    assert compose.subject_line("#10023", "RE: TR: [#10023] Box en panne", reply=True) == "Re: [#10023] Box en panne"
    assert compose.subject_line("#7", "  ", reply=False) == "[#7] #7"


def test_an_english_customer_reads_english(app):
    composed = compose.compose("agent_reply", mail(language="en", body_html="<p>Try this.</p>", author_name="Paul"))
    assert composed.language == "en" and 'lang="en"' in composed.html
    assert composed.text.startswith("Hello Léa Martin,") and "Customer service" in composed.text
    assert composed.subject == "Re: [#10023] Box en panne"


def test_an_unknown_language_falls_back_to_french(app):
    assert compose.compose("resolved", mail(language="de")).language == "fr"


def test_the_reply_body_is_sanitised_and_names_are_escaped(app):
    composed = compose.compose("agent_reply", mail(customer_name="<b>Léa</b>",
                                                   body_html='<p>Voici <script>alert(1)</script><a href="javascript:x()">ici</a></p>'))
    assert "<script" not in composed.html and "javascript:" not in composed.html
    assert "&lt;b&gt;Léa&lt;/b&gt;" in composed.html
    assert "Voici" in composed.text and "<p>" not in composed.text and "<script" not in composed.text


def test_the_resolution_says_how_to_reopen_and_can_carry_the_last_reply(app):
    plain = compose.compose("resolved", mail())
    assert "est résolue" in plain.text and "rouverte" in plain.text
    folded = compose.compose("resolved", mail(body_html="<p>C'est réparé.</p>", author_name="Paul"))
    assert folded.text.index("C'est réparé.") < folded.text.index("est résolue") and "Paul" in folded.text


def test_the_text_parts_use_only_strings_the_html_parts_have():
    """Translations are extracted from the .html templates only (babel.cfg): a string used only in a
    .txt part would never be translated."""
    call = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)\"""")
    for text_part in ROOT.glob("templates/mail/*.txt"):
        html = (text_part.with_suffix(".html")).read_text()
        for msgid in call.findall(text_part.read_text()):
            assert msgid in set(call.findall(html)), f"{text_part.name}: {msgid!r} is not in the .html part"
