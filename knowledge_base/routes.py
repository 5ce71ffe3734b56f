"""Pages: authoring for staff under /kb, the public help centre under /help (visitors and
customers, no login needed to read). Views parse input, call one service function, render."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.errors import DomainError, Invalid
from helpdesk.extensions import db, limiter
from helpdesk.models import utcnow
from helpdesk.permissions import require
from helpdesk.reports.filters import parse_filters
from helpdesk.text import render_markdown
from helpdesk.wording import error_summary, field_problems
from knowledge_base import misses, search_log, service
from knowledge_base.engine import kb
from knowledge_base.models import ArticleCategory

kb_bp = Blueprint("kb", __name__, template_folder="templates", url_prefix="/kb")
help_bp = Blueprint("help", __name__, template_folder="templates", static_folder="static", url_prefix="/help")

ARTICLE_FIELDS = ("title", "body", "language", "visibility", "category", "tags", "product_skus", "slug",
                  "translation_of", "version")


def _lang_arg() -> list[str] | None:
    lang = request.args.get("lang")
    return [lang] if lang in ("fr", "en") else None


def _same_site(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _categories():
    from sqlalchemy import select

    return list(db.session.scalars(select(ArticleCategory).order_by(ArticleCategory.position, ArticleCategory.name)))


# ---------------------------------------------------------------------------------------------
# Authoring (/kb)
# ---------------------------------------------------------------------------------------------


@kb_bp.before_request
@login_required
def _authors_only():
    require(current_user, "kb.author")


@kb_bp.route("")
def index():
    filters = service.AuthoringFilters(
        status=request.args.get("status") if request.args.get("status") in service.STATUSES else None,
        language=request.args.get("language") if request.args.get("language") in ("fr", "en") else None,
        category_id=request.args.get("category", type=int),
        q=(request.args.get("q") or "").strip() or None,
    )
    before = request.args.get("before", type=int)
    articles = service.authoring_list(db.session, current_user, filters, limit=50, before_id=before)
    next_url = None
    if len(articles) == 50:
        args = request.args.to_dict()
        args["before"] = articles[-1].id
        next_url = url_for("kb.index", **args)
    return render_template("kb/index.html", articles=articles, filters=filters, categories=_categories(),
                           next_url=next_url, health=kb().health())


def _form_data() -> dict:
    data = {name: request.form.get(name) for name in ARTICLE_FIELDS if name in request.form}
    if "tags" in data:
        data["tags"] = data["tags"] or ""
    if "product_skus" in data:
        data["product_skus"] = data["product_skus"] or ""
    if request.form.get("action") in ("publish", "save_publish"):
        data["status"] = "published"
    return data


def _editor(article=None, data=None, errors=None, status=200):
    data = data or {}
    preview = render_markdown(data.get("body") or (article.body if article else ""))
    return render_template("kb/edit.html", article=article, data=data, errors=errors or {},
                           categories=_categories(), preview=preview), status


@kb_bp.route("/articles/new", methods=["GET", "POST"])
def new_article():
    if request.method == "GET":
        data = {"language": request.args.get("language", "fr"), "visibility": "public",
                "translation_of": request.args.get("translation_of", "")}
        return _editor(data=data)
    data = _form_data()
    if request.form.get("action") == "preview":
        return _editor(data=data)
    try:
        article = service.create_article(db.session, current_user, data, utcnow())
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        return _editor(data=data, errors=field_problems(error), status=400)
    flash(_("Article enregistré."), "info")
    return redirect(url_for("kb.article", article_id=article.id))


@kb_bp.route("/articles/<int:article_id>")
def article(article_id: int):
    item = service.get_article(db.session, article_id)
    if search_log.mark_followed_from_request(request.args.get("s")):
        db.session.commit()
    return render_template("kb/article.html", article=item,
                           votes=service.recent_votes(db.session, current_user, article_id),
                           translations=service.translations(db.session, current_user, item))


@kb_bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
def edit_article(article_id: int):
    item = service.get_article(db.session, article_id)
    if request.method == "GET":
        data = {"title": item.title, "body": item.body, "language": item.language, "visibility": item.visibility,
                "category": str(item.category_id or ""), "tags": ", ".join(t.name for t in item.tags),
                "product_skus": ", ".join(p.sku for p in item.products), "slug": item.slug,
                "version": str(item.versions[-1].number if item.versions else "")}
        return _editor(item, data)
    data = _form_data()
    if request.form.get("action") == "preview":
        return _editor(item, data)
    try:
        service.update_article(db.session, current_user, article_id, data, utcnow())
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        return _editor(service.get_article(db.session, article_id), data, field_problems(error), 400)
    except DomainError as error:
        db.session.rollback()
        return _editor(service.get_article(db.session, article_id), data, {"version": error_summary(error)}, error.status)
    flash(_("Article enregistré."), "info")
    return redirect(url_for("kb.article", article_id=article_id))


@kb_bp.post("/preview")
def preview():
    """Live preview of the editor (kb.js): Markdown to the same sanitised HTML as on save."""
    return jsonify({"html": str(render_markdown(request.form.get("body", "")))})


@kb_bp.post("/articles/<int:article_id>/<any(publish, unpublish, archive):action>")
def change_status(article_id: int, action: str):
    operation = {"publish": service.publish_article, "unpublish": service.unpublish_article,
                 "archive": service.archive_article}[action]
    operation(db.session, current_user, article_id, utcnow())
    db.session.commit()
    flash({"publish": _("Article publié."), "unpublish": _("Article repassé en brouillon."),
           "archive": _("Article archivé.")}[action], "info")
    return redirect(url_for("kb.article", article_id=article_id))


@kb_bp.route("/articles/<int:article_id>/compare")
def compare(article_id: int):
    item = service.get_article(db.session, article_id)
    numbers = [v.number for v in item.versions]
    old = request.args.get("a", type=int) or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    new = request.args.get("b", type=int) or numbers[-1]
    diff = service.compare_versions(db.session, current_user, article_id, old, new)
    return render_template("kb/compare.html", article=item, diff=diff, numbers=numbers)


@kb_bp.post("/articles/<int:article_id>/versions/<int:number>/restore")
def restore(article_id: int, number: int):
    service.restore_version(db.session, current_user, article_id, number, utcnow())
    db.session.commit()
    flash(_("Version %(number)s restaurée (enregistrée comme nouvelle version).", number=number), "info")
    return redirect(url_for("kb.article", article_id=article_id))


@kb_bp.route("/categories", methods=["GET", "POST"])
def categories():
    errors = {}
    status = 200
    if request.method == "POST":
        try:
            service.create_category(db.session, current_user, {"name": request.form.get("name"),
                                                               "parent": request.form.get("parent")})
            db.session.commit()
            flash(_("Catégorie créée."), "info")
            return redirect(url_for("kb.categories"))
        except Invalid as error:
            db.session.rollback()
            errors, status = field_problems(error), 400
    return render_template("kb/categories.html", views=service.browse_categories(db.session, current_user),
                           errors=errors), status


@kb_bp.route("/search")
def search():
    """Full-page search for staff: articles (internal too) and past tickets with internal notes."""
    text = (request.args.get("q") or "").strip()
    articles = tickets = search_token = None
    if text:
        articles = service.search_articles(db.session, current_user, text, langs=_lang_arg(), limit=20)
        tickets = service.search_tickets(db.session, current_user, text, limit=20)
        search_token = search_log.log_search(text, langs=_lang_arg(), source="console", results=articles.total)
    return render_template("kb/search.html", text=text, articles=articles, tickets=tickets, search_token=search_token)


@kb_bp.route("/missing")
def missing():
    """Missing articles by demand, and deflection per suggested article, over a period."""
    now = utcnow()
    filters = parse_filters(db.session, request.args, now)
    lang = request.args.get("lang") if request.args.get("lang") in ("fr", "en") else None
    period = dict(since=filters.start, until=filters.end, language=lang)
    return render_template("kb/missing.html", items=misses.missing_articles(db.session, **period),
                           total=misses.count_missing_articles(db.session, **period),
                           deflection=service.deflection_by_article(db.session, filters.start, filters.end,
                                                                    now=min(filters.end, now)),
                           start=filters.first_day, end=filters.last_day, lang=lang or "")


@kb_bp.post("/missing/<int:miss_id>/draft")
def draft_missing(miss_id: int):
    """"Rédiger l'article": a draft titled with the query, then its editor."""
    article = misses.draft_missing_article(db.session, current_user, miss_id, utcnow())
    db.session.commit()
    flash(_("Brouillon créé : complétez l'article puis publiez-le."), "info")
    return redirect(url_for("kb.edit_article", article_id=article.id))


@kb_bp.post("/missing/<int:miss_id>/dismiss")
def dismiss_missing(miss_id: int):
    misses.dismiss_missing_article(db.session, current_user, miss_id, utcnow())
    db.session.commit()
    flash(_("Recherche ignorée : elle ne sera plus proposée."), "info")
    return redirect(_same_site(request.form.get("next")) or url_for("kb.missing"))


# ---------------------------------------------------------------------------------------------
# Help centre (/help): anyone may read public articles
# ---------------------------------------------------------------------------------------------


@help_bp.route("")
def home():
    return render_template("kb/help_home.html", views=service.browse_categories(db.session, current_user),
                           popular=service.popular_articles(db.session, current_user))


@help_bp.route("/search")
@limiter.limit("120 per minute")
def search_page():
    text = (request.args.get("q") or "").strip()
    result = search_token = None
    if text:
        result = service.search_articles(
            db.session, current_user, text, langs=_lang_arg(), limit=20,
            category_ids=service.resolve_category_ids(db.session, request.args.getlist("category")),
            product_ids=service.resolve_product_ids(db.session, request.args.getlist("product")))
        search_token = search_log.log_search(text, langs=_lang_arg(), source="help", results=result.total)
    return render_template("kb/help_search.html", text=text, result=result, lang=request.args.get("lang", ""),
                           categories=_categories(), search_token=search_token)


@help_bp.route("/categories/<slug>")
def category(slug: str):
    item, articles = service.category_articles(db.session, current_user, slug)
    return render_template("kb/help_category.html", category=item, articles=articles)


@help_bp.route("/articles/<slug>")
def article(slug: str):
    item = service.readable_article(db.session, current_user, slug=slug)
    now = utcnow()
    service.record_view(db.session, item.id)
    search_log.mark_followed_from_request(request.args.get("s"))
    if request.args.get("attempt"):
        service.record_suggestion_view(db.session, current_user, item, request.args.get("attempt"),
                                       request.args.get("q"), now)
    db.session.commit()
    return render_template("kb/help_article.html", article=item,
                           translations=service.translations(db.session, current_user, item),
                           related=service.related_articles(db.session, current_user, item),
                           voted=request.args.get("voted"))


@help_bp.post("/articles/<slug>/vote")
@limiter.limit("30 per minute")
def vote(slug: str):
    item = service.readable_article(db.session, current_user, slug=slug)
    helpful = {"yes": True, "no": False}.get(request.form.get("helpful"))
    try:
        service.vote(db.session, current_user, item, helpful, request.form.get("comment"), utcnow())
        db.session.commit()
    except Invalid:
        db.session.rollback()
        flash(_("Choisissez « Oui » ou « Non »."), "error")
        return redirect(url_for("help.article", slug=slug))
    flash(_("Merci pour votre avis !"), "info")
    return redirect(url_for("help.article", slug=slug, voted=1))
