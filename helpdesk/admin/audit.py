"""The audit log in the browser (/admin/audit): every admin change with who, when, what, from what to
what; filters by period, actor and object, kept in the URL; the same rows as CSV."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from helpdesk.admin.routes import bp
from helpdesk.admin.wording import action_label, field_problem, object_label
from helpdesk.audit import service as audit
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.permissions import require
from helpdesk.reports.csv_export import csv_response


def _zone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


@bp.route("/audit")
def audit_log():
    require(current_user, "audit.view")
    args = {k: v for k, v in request.args.items() if k in ("from", "to", "actor", "object") and v}
    try:
        filters = audit.parse_filters(request.args, _zone())
    except Invalid as error:
        return render_template("admin/audit.html", rows=[], next_id=None, args=args, csv_args={},
                               problems={k: field_problem(v) for k, v in error.fields.items()},
                               actors=audit.actors(db.session), object_types=audit.OBJECT_TYPES,
                               action_label=action_label, object_label=object_label), 400
    before = request.args.get("before", "")
    rows, next_id = audit.list_events(db.session, filters, before_id=int(before) if before.isdigit() else None)
    return render_template("admin/audit.html", rows=rows, next_id=next_id, args=args,
                           csv_args=filters.query_args(_zone()), problems={}, actors=audit.actors(db.session),
                           object_types=audit.OBJECT_TYPES, action_label=action_label, object_label=object_label)


@bp.route("/audit.csv")
def audit_csv():
    require(current_user, "audit.view")
    filters = audit.parse_filters(request.args, _zone())
    return csv_response("audit", audit.CSV_HEADER, audit.csv_rows(db.session, filters), reads_database=True)
