"""What the mails about a ticket say: subject, plain-text and HTML parts, in the customer's language.

Pure apart from the templates and the catalogue: the caller passes a TicketMail read from rows it
already holds. Only the public message the mail is about is ever included (never an internal note,
never the whole conversation). Needs an application context (Flask-Babel's force_locale and the
app's Jinja environment, which autoescapes the .html parts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from jinja2 import FileSystemLoader

from helpdesk.text import html_to_text, sanitise_html

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
TEMPLATES = Path(__file__).parent / "templates"
KINDS = ("acknowledgement", "agent_reply", "resolved")
# Prefixes mail clients put before a subject ("Re:", "TR :", "Fwd:", "AW:"...), and our own number.
_PREFIX = re.compile(r"^\s*(?:(?:re|tr|fwd?|aw|wg|réf)\s*:\s*|\[#\d+\]\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class TicketMail:
    """What a mail about a ticket needs to know (no ORM objects: testable without a database)."""

    number: str  # "#10023"
    subject: str  # the ticket's subject
    customer_name: str
    language: str = DEFAULT_LANGUAGE
    portal_url: str | None = None  # the customer's page for the request
    body_html: str | None = None  # the one public message the mail carries, sanitised HTML
    author_name: str | None = None  # who wrote it (an agent's reply)
    survey: "SurveyLinks | None" = None  # the satisfaction survey the resolution mail carries


@dataclass(frozen=True)
class SurveyLinks:
    """One link per CSAT answer (1-5), each opening the survey with that answer chosen."""

    links: tuple[tuple[int, str], ...]  # (answer, url)
    form_url: str
    expires_days: int | None = None


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text: str
    html: str
    language: str


def mail_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def subject_line(number: str, subject: str, *, reply: bool) -> str:
    """"[#10023] Box en panne" for the first mail of a thread, "Re: [#10023] Box en panne" after:
    the same words all along, so mail clients keep the thread together."""
    bare = _PREFIX.sub("", subject or "").strip() or number
    line = f"[{number}] {bare}"
    return f"Re: {line}" if reply else line


def compose(kind: str, mail: TicketMail) -> ComposedMail:
    """The `kind` mail (acknowledgement, agent_reply, resolved) about `mail`'s ticket."""
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    language = mail_language(mail.language)
    body_html = sanitise_html(mail.body_html) if mail.body_html else None
    context = {
        "mail": mail, "lang": language, "body_html": body_html,
        "body_text": html_to_text(body_html) if body_html else None,
    }
    environment = _environment()
    with force_locale(language):
        text = environment.get_template(f"mail/{kind}.txt").render(context)
        html = environment.get_template(f"mail/{kind}.html").render(context)
    return ComposedMail(subject_line(mail.number, mail.subject, reply=kind != "acknowledgement"),
                        _tidy(text), html, language)


def _environment():
    """The app's Jinja environment (its gettext, autoescaping of .html) reading the mail templates."""
    app = current_app._get_current_object()
    environment = app.extensions.get("helpdesk.mail.jinja")
    if environment is None:
        environment = app.extensions["helpdesk.mail.jinja"] = app.jinja_env.overlay(
            loader=FileSystemLoader(str(TEMPLATES)))
    return environment


def _tidy(text: str) -> str:
    """At most one blank line in a row, no trailing spaces: templates stay readable, mails tidy."""
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]  # "-- ": signature
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
