"""The original of an e-mail that became a ticket message, for staff: headers, the whole body with
its quoted history, attachments. Shown safely: sanitised HTML, and no remote image is ever loaded
(they are taken out, and the page's Content-Security-Policy forbids them anyway)."""
from __future__ import annotations

import html
import re

from flask import Blueprint, make_response, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.mail.inbound.parse import ParsedEmail, Unparseable, parse_email
from helpdesk.models import Message
from helpdesk.models.outbox import InboundEmail
from helpdesk.permissions import require
from helpdesk.tickets import queries

bp = Blueprint("inbound_mail", __name__, template_folder="templates", url_prefix="/console/mail")

# Images from this site (stored attachments) and data: only; nothing remote, no plugins, no framing.
ORIGINAL_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

_CID_SRC = re.compile(r'src="cid:([^"]+)"', re.IGNORECASE)


@bp.before_request
@login_required
def _staff_only():
    require(current_user, "console.view")


@bp.route("/messages/<int:message_id>/original")
def original(message_id: int):
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound()
    ticket = queries.get_ticket(current_user, message.ticket_id)  # same rule as the ticket page
    inbound = db.session.scalar(select(InboundEmail).where(InboundEmail.ticket_message_id == message.id))
    if inbound is None:  # e.g. demo data, or mail received before inbound e-mail was kept
        return render_template("mail/original.html", ticket=ticket, message=message, inbound=None, parsed=None,
                               body_html=None, attachments=[]), 404
    try:
        parsed: ParsedEmail | None = parse_email(inbound.raw)
    except Unparseable:
        parsed = None
    stored = {a.sha256: a for a in message.attachments}
    body_html = _with_inline_images(parsed, stored) if parsed and parsed.html else None
    attachments = [(a, stored.get(a.sha256)) for a in parsed.attachments] if parsed else []
    response = make_response(render_template(
        "mail/original.html", ticket=ticket, message=message, inbound=inbound, parsed=parsed,
        body_html=body_html, attachments=attachments,
    ))
    response.headers["Content-Security-Policy"] = ORIGINAL_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _with_inline_images(parsed: ParsedEmail, stored: dict) -> Markup:
    """cid: images point at the attachment stored for them (same bytes); others lose their source."""
    by_cid = {a.content_id: stored.get(a.sha256) for a in parsed.attachments if a.content_id}

    def replace(match: re.Match) -> str:
        attachment = by_cid.get(html.unescape(match.group(1)))
        if attachment is None:
            return 'src=""'
        return f'src="{html.escape(url_for("console.attachment", attachment_id=attachment.id))}"'

    return Markup(_CID_SRC.sub(replace, parsed.html))  # parsed.html is sanitised by parse_email
