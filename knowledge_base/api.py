"""Knowledge-base endpoints of the REST API (API.md), registered on the API blueprint."""
from __future__ import annotations

from flask import Response, request, url_for

from helpdesk.api import bp
from helpdesk.api.common import api_user, iso, json_body
from helpdesk.errors import FieldErrors, Invalid
from helpdesk.extensions import db
from helpdesk.models import utcnow
from helpdesk.permissions import may, require
from helpdesk.reports.csv_export import to_csv
from helpdesk.reports.filters import parse_filters
from knowledge_base import misses, search_log, service
from knowledge_base.models import Article
from knowledge_base.search import SearchResult

MAX_SEARCH_LIMIT = 50
MAX_REPORT_LIMIT = 200
MAX_QUERY = 300


def article_json(article: Article, user) -> dict:
    latest = article.versions[-1].number if article.versions else None
    data = {
        "id": article.id,
        "slug": article.slug,
        "title": article.title,
        "body": article.body,
        "body_html": article.body_html,
        "language": article.language,
        "visibility": article.visibility,
        "status": article.status,
        "category": {"id": article.category.id, "slug": article.category.slug, "name": article.category.name}
        if article.category else None,
        "tags": [t.name for t in article.tags],
        "product_skus": [p.sku for p in article.products],
        "translation_group_id": article.translation_group_id,
        "translations": [{"id": t.id, "language": t.language, "slug": t.slug}
                         for t in service.translations(db.session, user, article)],
        "version": latest,
        "view_count": article.view_count,
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
        "created_at": iso(article.created_at),
        "updated_at": iso(article.updated_at),
        "published_at": iso(article.published_at),
        "url": url_for("help.article", slug=article.slug, _external=False),
    }
    return data


def _limit(default: int = 10) -> int:
    raw = request.args.get("limit", str(default))
    try:
        limit = int(raw)
    except ValueError:
        raise Invalid({"limit": "not_a_number"}, "The limit must be an integer.")
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise Invalid({"limit": "out_of_range"}, f"The limit must be between 1 and {MAX_SEARCH_LIMIT}.",
                      limits={"limit": {"min": 1, "max": MAX_SEARCH_LIMIT}})
    return limit


def _lang() -> list[str] | None:
    lang = request.args.get("lang")
    if lang in (None, "", "all"):
        return None
    if lang not in ("fr", "en"):
        raise Invalid({"lang": "not_a_choice"}, "The language must be fr or en.", limits={"lang": {"choices": ["fr", "en"]}})
    return [lang]


def result_json(result: SearchResult) -> dict:
    return {
        "total": result.total,
        "total_exact": result.total_exact,
        "suggestion": result.suggestion,
        "corrected": result.corrected,
        "approximate": result.approximate,
        "degraded": result.degraded,
    }


def article_hit_json(hit, search_token: str | None = None) -> dict:
    """A found article; `search_token` (a recorded search) goes into its url, so opening it
    counts the search as followed."""
    return {
        "id": hit.id,
        "slug": hit.fields.get("slug"),
        "title": hit.title,
        "title_html": str(hit.title_html),  # the searched words in <mark>
        "snippet": str(hit.snippet),
        "score": hit.score,
        "language": hit.fields.get("language"),
        "visibility": hit.fields.get("visibility"),
        "url": url_for("help.article", slug=hit.fields.get("slug"), s=search_token),
    }


def _query() -> str:
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        raise Invalid({"q": "too_long"}, f"The query has at most {MAX_QUERY} characters.", limits={"q": {"max_length": MAX_QUERY}})
    return text


def _record() -> bool:
    """`record=0` (or false): do not count this search; for callers asking as the user types."""
    return request.args.get("record", "1").lower() not in ("0", "false", "no")


@bp.get("/kb/search")
def kb_search():
    """A submitted search, recorded for the missing-articles list unless `record=0`; the
    response's `search_id` is the token its result urls carry."""
    user = api_user()
    text, langs = _query(), _lang()
    result = service.search_articles(
        db.session, user, text, langs=langs, limit=_limit(),
        category_ids=service.resolve_category_ids(db.session, request.args.getlist("category")),
        product_ids=service.resolve_product_ids(db.session, request.args.getlist("product")),
    )
    token = None
    if _record():
        token = search_log.log_search(text, langs=langs, source="console" if may(user, "console.view") else "portal",
                                      results=result.total)
    return {"items": [article_hit_json(h, token) for h in result.hits], **result_json(result), "search_id": token}


@bp.get("/kb/suggest")
def kb_suggest():
    """Articles for a ticket being typed (deflection): any of the words, the last one partial."""
    user = api_user()
    result = service.search_articles(db.session, user, _query(), langs=_lang(), limit=_limit(5), suggest=True)
    return {"items": [article_hit_json(h) for h in result.hits], **result_json(result)}


@bp.get("/search/tickets")
def ticket_search():
    """Past tickets like this one (staff: all, with internal notes; customers: their own, public text)."""
    user = api_user()
    result = service.search_tickets(db.session, user, _query(), limit=_limit())
    staff = may(user, "console.view")
    items = [{
        "id": h.id,
        "number": h.fields.get("number"),
        "subject": h.title,
        "subject_html": str(h.title_html),  # the searched words in <mark>
        "status": h.fields.get("status"),
        "created_at": h.fields.get("created_at"),
        "snippet": str(h.snippet),
        "snippet_is_note": bool(h.fields.get("snippet_is_note")) and staff,
        "score": h.score,
        "url": url_for("console.ticket", ticket_id=h.id) if staff else url_for("portal.ticket", ticket_id=h.id),
    } for h in result.hits]
    return {"items": items, **result_json(result)}


@bp.post("/kb/articles")
def kb_create_article():
    user = api_user()
    article = service.create_article(db.session, user, json_body(), utcnow())
    db.session.commit()
    return article_json(service.get_article(db.session, article.id), user), 201


@bp.put("/kb/articles/<int:article_id>")
def kb_update_article(article_id: int):
    user = api_user()
    data = json_body()
    service.update_article(db.session, user, article_id, data, utcnow())
    db.session.commit()
    return article_json(service.get_article(db.session, article_id), user)


@bp.get("/kb/articles/<int:article_id>")
def kb_get_article(article_id: int):
    user = api_user()
    article = service.readable_article(db.session, user, article_id=article_id, include_drafts=True)
    return article_json(service.get_article(db.session, article.id), user)


@bp.post("/kb/articles/<int:article_id>/votes")
def kb_vote(article_id: int):
    user = api_user()
    data = json_body()
    article = service.readable_article(db.session, user, article_id=article_id)
    record = service.vote(db.session, user, article, data.get("helpful"), data.get("comment"), utcnow())
    db.session.commit()
    return {"id": record.id, "article_id": article.id, "helpful": record.helpful, "comment": record.comment}, 201


def _wants_csv() -> bool:
    if request.args.get("format") == "csv":
        return True
    accept = request.accept_mimetypes
    return (accept.best_match(["application/json", "text/csv"]) == "text/csv"
            and accept["text/csv"] > accept["application/json"])


def missing_article_json(item: misses.MissingArticle) -> dict:
    return {
        "id": item.id,
        "query": item.query,
        "language": item.language,
        "source": item.source,
        "sources": list(item.sources),
        "searches": item.searches,
        "no_results": item.no_results,
        "not_followed": item.not_followed,
        "first_seen_at": iso(item.first_seen_at),
        "last_seen_at": iso(item.last_seen_at),
        "draft_article_id": item.draft_article_id,
    }


@bp.get("/reports/missing-articles")
def missing_articles_report():
    """Searches that found nothing or were not followed, grouped by similar queries, by demand
    (leads and admins). `from`, `to` (ISO dates), `lang`, `source`, `limit`; CSV on request."""
    require(api_user(), "reports.view")
    errors = FieldErrors()
    lang = request.args.get("lang") or None
    if lang not in (None, "all", "fr", "en"):
        errors.add("lang", "not_a_choice", choices=["all", "fr", "en"])
    source = request.args.get("source") or None
    if source is not None and source not in misses.SOURCES:
        errors.add("source", "not_a_choice", choices=list(misses.SOURCES))
    limit = 50
    try:
        limit = int(request.args.get("limit", "50"))
        if not 1 <= limit <= MAX_REPORT_LIMIT:
            errors.add("limit", "out_of_range", min=1, max=MAX_REPORT_LIMIT)
    except ValueError:
        errors["limit"] = "not_a_number"
    try:
        filters = parse_filters(db.session, request.args, utcnow())
    except Invalid as error:
        raise Invalid({**error.fields, **errors}, limits={**error.limits, **errors.limits})
    if errors:
        raise Invalid(errors)
    period = dict(since=filters.start, until=filters.end, language=None if lang == "all" else lang, source=source)
    items = misses.missing_articles(db.session, limit=limit, **period)
    if _wants_csv():
        return Response(to_csv(misses.CSV_HEADER, misses.csv_rows(items)), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="missing-articles.csv"'})
    return {"from": filters.first_day.isoformat(), "to": filters.last_day.isoformat(),
            "items": [missing_article_json(m) for m in items],
            "total": misses.count_missing_articles(db.session, **period)}
