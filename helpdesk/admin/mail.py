"""The admin's mail page (/admin/mail): outgoing mail given up on, with a resend button, the queue
still to send, and quarantined incoming e-mails, with a re-process button."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.admin.routes import bp
from helpdesk.admin.wording import error_summary
from helpdesk.errors import DomainError
from helpdesk.extensions import db
from helpdesk.mail import supervision
from helpdesk.models import utcnow


def _after_id(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("/mail")
def mail():
    failed = supervision.failed_messages(db.session, current_user, after_id=_after_id("failed_after"))
    quarantined = supervision.quarantined_emails(db.session, current_user, after_id=_after_id("quarantine_after"))
    return render_template(
        "admin/mail.html", failed=failed, quarantined=quarantined,
        unsent=supervision.unsent_count(db.session, current_user), reason_text=supervision.reason_text,
        numbers=supervision.ticket_numbers(db.session, [r.ticket_id for r in failed.rows + quarantined.rows]),
    )


@bp.post("/mail/<int:outbox_id>/resend")
def mail_resend(outbox_id: int):
    row = supervision.resend(db.session, current_user, outbox_id, utcnow())
    db.session.commit()
    flash(_("Le message à %(to)s repart au prochain passage.", to=row.to_address), "info")
    return redirect(url_for("admin.mail"))


@bp.post("/mail/quarantine/<int:inbound_id>/reprocess")
def mail_reprocess(inbound_id: int):
    try:
        row = supervision.reprocess(db.session, current_user, inbound_id, utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            raise
        flash(_("Le message n'a pas pu être traité : %(reason)s", reason=error_summary(error)), "error")
        return redirect(url_for("admin.mail"))
    if row.state == "quarantined":
        flash(_("Le message reste en quarantaine : %(reason)s", reason=row.reason or "—"), "error")
    else:
        flash(_("Message traité."), "info")
    return redirect(url_for("admin.mail"))
