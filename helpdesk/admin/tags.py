"""The tags tickets and articles share, in the browser (/admin/tags): list with how many use each and
search; rename (onto an existing name: merge into it), delete. Rules and audit are tag_service's."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from helpdesk.admin import tag_service
from helpdesk.admin.forms import TagDeleteForm, TagRenameForm, save
from helpdesk.admin.routes import bp
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.permissions import require


def _page(q: str | None, refused_id: int | None = None, refused: TagRenameForm | None = None, status: int = 200):
    rows = tag_service.list_tags(db.session, current_user, q)
    return render_template("admin/tags.html", rows=rows, q=q or "", refused_id=refused_id, refused=refused,
                           rename_form=TagRenameForm(formdata=None), delete_form=TagDeleteForm(formdata=None),
                           max_length=tag_service.MAX_TAG_LENGTH), status


@bp.route("/tags")
def tags_list():
    require(current_user, "admin.tags")
    return _page(request.args.get("q"))


@bp.post("/tags/<int:tag_id>/rename")
def tag_rename(tag_id: int):
    require(current_user, "admin.tags")
    old_name = tag_service.get_tag(db.session, tag_id).name
    form = TagRenameForm()
    if form.validate_on_submit():
        ok, kept = save(form, lambda: tag_service.rename_tag(db.session, current_user, tag_id, form.name.data, utcnow()))
        if ok:
            if kept.id == tag_id:
                flash(_("Étiquette « %(old)s » renommée en « %(new)s ».", old=old_name, new=kept.name), "info")
            else:
                flash(_("Étiquette « %(old)s » fusionnée dans « %(new)s ».", old=old_name, new=kept.name), "info")
            return redirect(url_for("admin.tags_list", q=request.form.get("q") or None))
    return _page(request.form.get("q"), tag_id, form, 400)


@bp.post("/tags/<int:tag_id>/delete")
def tag_delete(tag_id: int):
    require(current_user, "admin.tags")
    tag_service.get_tag(db.session, tag_id)
    if not TagDeleteForm().validate_on_submit():
        return _page(request.form.get("q"), status=400)
    name = tag_service.delete_tag(db.session, current_user, tag_id, utcnow())
    db.session.commit()
    flash(_("Étiquette « %(name)s » supprimée des tickets et des articles.", name=name), "info")
    return redirect(url_for("admin.tags_list", q=request.form.get("q") or None))
