"""The product catalogue over the API (staff read, admins change), and the audit log (admins)."""
from __future__ import annotations

from flask import current_app, request

from helpdesk.api import bp
from helpdesk.api.common import api_user, json_body, page_params
from helpdesk.audit import service as audit
from helpdesk.errors import Invalid
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.pagination import encode_cursor
from helpdesk.permissions import require
from helpdesk.products import service as products


@bp.get("/products")
def list_products():
    require(api_user(), "product.list")
    limit, cursor = page_params()
    after = (cursor or {}).get("sku")
    if after is not None and not isinstance(after, str):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    rows, next_sku = products.list_products(db.session, products.parse_filters(request.args), after_sku=after,
                                            limit=limit)
    return {"items": [products.as_json(p) for p in rows],
            "next_cursor": encode_cursor({"sku": next_sku}) if next_sku else None}


@bp.get("/products/<int:product_id>")
def get_product(product_id: int):
    require(api_user(), "product.list")
    return products.as_json(products.get_product(db.session, product_id))


@bp.post("/products")
def create_product():
    product = products.create_product(db.session, api_user(), json_body(), utcnow())
    db.session.commit()
    return products.as_json(product), 201


@bp.patch("/products/<int:product_id>")
def update_product(product_id: int):
    product = products.update_product(db.session, api_user(), product_id, json_body(), utcnow())
    db.session.commit()
    return products.as_json(product)


@bp.post("/products/import")
def import_products():
    """A CSV file, as the request body (text/csv) or a multipart `file` field."""
    user = api_user()
    require(user, "admin.products")
    upload = request.files.get("file")
    raw = upload.read(products.MAX_IMPORT_BYTES + 1) if upload is not None else request.get_data(cache=False)
    report = products.import_csv(db.session, user, raw, utcnow())
    db.session.commit()
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "rejected": [{"line": line, "fields": fields} for line, fields in report.rejected]}


@bp.get("/admin/audit")
def list_audit_events():
    require(api_user(), "audit.view")
    limit, cursor = page_params()
    before = (cursor or {}).get("id")
    if before is not None and (not isinstance(before, int) or isinstance(before, bool)):
        raise Invalid({"cursor": "bad_cursor"}, "This is not a cursor this API returned.")
    filters = audit.parse_filters(request.args, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    rows, next_id = audit.list_events(db.session, filters, before_id=before, limit=limit)
    return {"items": [audit.as_json(e) for e in rows],
            "next_cursor": encode_cursor({"id": next_id}) if next_id else None}
