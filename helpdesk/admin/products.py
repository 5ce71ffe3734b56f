"""The product catalogue in the browser (/admin/products): list with search, add, change, import a
CSV with a report of the lines refused. Rules and the audit entries are products.service's."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.admin.forms import ProductForm, ProductImportForm, save
from helpdesk.admin.routes import bp
from helpdesk.admin.wording import field_problem, file_problem
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.permissions import require
from helpdesk.products import service as products


@bp.route("/products")
def products_list():
    require(current_user, "admin.products")
    filters = products.parse_filters(request.args)
    rows, next_sku = products.list_products(db.session, filters, after_sku=request.args.get("after") or None)
    return render_template("admin/products.html", rows=rows, next_sku=next_sku, filters=filters,
                           families=products.families(db.session), import_form=ProductImportForm())




@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    require(current_user, "admin.products")
    form = ProductForm()
    if form.validate_on_submit():
        ok, product = save(form, lambda: products.create_product(db.session, current_user, form.values(), utcnow()))
        if ok:
            flash(_("Produit %(sku)s ajouté au catalogue.", sku=product.sku), "info")
            return redirect(url_for("admin.products_list", q=product.sku))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/product_form.html", form=form, product=None), status


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int):
    require(current_user, "admin.products")
    product = products.get_product(db.session, product_id)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        ok, _saved = save(form, lambda: products.update_product(db.session, current_user, product_id, form.values(), utcnow()))
        if ok:
            flash(_("Produit %(sku)s enregistré.", sku=product.sku), "info")
            return redirect(url_for("admin.products_list", q=product.sku))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/product_form.html", form=form, product=product), status


@bp.post("/products/import")
def products_import():
    require(current_user, "admin.products")
    form = ProductImportForm()
    report = problem = None
    if form.validate_on_submit():
        raw = form.file.data.read(products.MAX_IMPORT_BYTES + 1)
        try:
            report = products.import_csv(db.session, current_user, raw, utcnow())
            db.session.commit()
        except products.UnreadableFile as error:
            db.session.rollback()
            problem = file_problem(error.fields["file"])
    else:
        problem = " ".join(form.file.errors) or _("Choisissez un fichier CSV.")
    return render_template("admin/product_import.html", report=report, problem=problem, form=form,
                           field_problem=field_problem), 200 if report is not None else 400
