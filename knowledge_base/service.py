"""Knowledge-base operations: each user action is one function and one transaction (callers
commit; the search index follows after the commit). Reading helpers scope every query to what
the user may see (helpdesk.permissions)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, case, exists, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session, selectinload

from helpdesk.errors import Conflict, FieldErrors, Invalid, NotFound, report
from helpdesk.models import Customer, Message, Product, Tag, Ticket
from helpdesk.models.types import UTCDateTime
from helpdesk.permissions import article_audiences, customer_scope, require, scope_articles, scope_tickets
from helpdesk.tagging import tags_from_input
from helpdesk.validation import text_field
from helpdesk.text import html_to_text, render_markdown
from knowledge_base.analysis import LANGUAGES, fold, joined
from knowledge_base.models import (
    Article,
    ArticleCategory,
    ArticleVersion,
    ArticleVote,
    DeflectionEvent,
    article_tags,
)
from knowledge_base.search import Hit, SearchResult, Viewer, highlight, parse, query_terms

MAX_TITLE = 300
MAX_BODY = 200_000
MAX_COMMENT = 2000
STATUSES = ("draft", "published", "archived")
VISIBILITIES = ("public", "internal")
DEFLECTION_WINDOW = timedelta(hours=1)


# ---------------------------------------------------------------------------------------------
# Who is searching
# ---------------------------------------------------------------------------------------------


def viewer_for(session: Session, user: Any) -> Viewer:
    """The search viewer for a user (None or anonymous: a visitor, public articles only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Viewer()
    if "internal" in article_audiences(user):
        return Viewer(staff=True, user_id=user.id)
    customer_id, org_id = customer_scope(user)
    ids = [customer_id] if customer_id is not None else []
    if org_id is not None:
        ids += list(session.scalars(select(Customer.id).where(Customer.organization_id == org_id)))
    return Viewer(staff=False, user_id=user.id, customer_ids=tuple(dict.fromkeys(ids)))


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:80].strip("-") or "article"


def _unique_slug(session: Session, wanted: str, article_id: int | None = None) -> str:
    slug, n = wanted, 1
    while True:
        found = session.scalar(select(Article.id).where(Article.slug == slug))
        if found is None or found == article_id:
            return slug
        n += 1
        slug = f"{wanted[:76]}-{n}"


def _text(data: dict, name: str, errors: dict, *, required: bool, max_length: int) -> str | None:
    # A Markdown body keeps its leading spaces (indented code, nested lists).
    return text_field(data, name, errors, required=required, max_length=max_length, strip=name != "body")


def _choice(data: dict, name: str, allowed: Sequence[str], errors: dict) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if value not in allowed:
        report(errors, name, "not_a_choice", choices=list(allowed))
        return None
    return value


def _list_of_strings(value: Any, name: str, errors: dict) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):  # from a form: comma-separated
        value = [v for v in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[name] = "must_be_list"
        return None
    return list(dict.fromkeys(v.strip() for v in value if v.strip()))


def _category(session: Session, value: Any, errors: dict) -> ArticleCategory | None | bool:
    """The category named by id, slug or name; False when not given (leave as is)."""
    if value is None:
        return False
    if value == "":
        return None
    category = None
    if isinstance(value, int) and not isinstance(value, bool):
        category = session.get(ArticleCategory, value)
    elif isinstance(value, str):
        text = value.strip()
        category = session.scalar(select(ArticleCategory).where(
            or_(ArticleCategory.slug == text, ArticleCategory.name == text)))
        if category is None and text.isdigit():
            category = session.get(ArticleCategory, int(text))
    if category is None:
        errors["category"] = "unknown_category"
    return category


def _products(session: Session, value: Any, errors: dict) -> list[Product] | None:
    skus = _list_of_strings(value, "product_skus", errors)
    if skus is None:
        return None
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))} if skus else {}
    unknown = [s for s in skus if s not in products]
    if unknown:
        report(errors, "product_skus", "unknown_product", unknown=unknown)
        return None
    return [products[s] for s in skus]


@dataclass
class ArticleInput:
    title: str | None
    body: str | None
    language: str | None
    visibility: str | None
    status: str | None
    category: ArticleCategory | None | bool
    tags: list[Tag] | None
    products: list[Product] | None
    slug: str | None
    translation_of: Article | None
    version: int | None


def read_article_input(session: Session, data: dict, *, creating: bool) -> ArticleInput:
    errors = FieldErrors()
    title = _text(data, "title", errors, required=creating, max_length=MAX_TITLE)
    body = _text(data, "body", errors, required=creating, max_length=MAX_BODY)
    language = _choice(data, "language", LANGUAGES, errors)
    visibility = _choice(data, "visibility", VISIBILITIES, errors)
    status = _choice(data, "status", STATUSES, errors)
    category = _category(session, data.get("category"), errors)
    tags = tags_from_input(session, _list_of_strings(data.get("tags"), "tags", errors), errors)
    products = _products(session, data.get("product_skus"), errors)
    slug = None
    if data.get("slug"):
        if not isinstance(data["slug"], str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", data["slug"]) \
                or len(data["slug"]) > 120:
            errors.add("slug", "bad_slug", max_length=120)
        else:
            slug = data["slug"]
    translation_of = None
    if data.get("translation_of") not in (None, ""):
        try:
            translation_of = session.get(Article, int(data["translation_of"]))
        except (TypeError, ValueError):
            translation_of = None
        if translation_of is None:
            errors["translation_of"] = "unknown_article"
    version = None
    if data.get("version") not in (None, ""):
        try:
            version = int(data["version"])
        except (TypeError, ValueError):
            errors["version"] = "not_a_number"
    if errors:
        raise Invalid(errors)
    return ArticleInput(title, body, language, visibility, status, category, tags, products, slug,
                        translation_of, version)


# ---------------------------------------------------------------------------------------------
# Authoring
# ---------------------------------------------------------------------------------------------


def _latest_version(article: Article) -> ArticleVersion | None:
    return article.versions[-1] if article.versions else None


def _add_version(session: Session, article: Article, user: Any, now: datetime) -> ArticleVersion:
    latest = _latest_version(article)
    version = ArticleVersion(article=article, number=(latest.number + 1) if latest else 1, title=article.title,
                             body=article.body, author_id=getattr(user, "id", None), created_at=now)
    session.add(version)
    return version


def _link_translation(session: Session, article: Article, other: Article | None) -> None:
    if other is None:
        return
    group = other.translation_group_id or other.id
    if other.translation_group_id is None:
        other.translation_group_id = group
    taken = session.scalar(select(Article.id).where(
        Article.translation_group_id == group, Article.language == article.language, Article.id != article.id))
    if taken is not None or other.language == article.language:
        raise Invalid({"translation_of": "translation_taken"}, "That article already has a version in this language.")
    article.translation_group_id = group


def _set_status(article: Article, status: str | None, now: datetime) -> None:
    if status is None or status == article.status:
        return
    article.status = status
    if status == "published" and article.published_at is None:
        article.published_at = now


def create_article(session: Session, user: Any, data: dict, now: datetime) -> Article:
    require(user, "kb.author")
    given = read_article_input(session, data, creating=True)
    article = Article(
        title=given.title, body=given.body, body_html=render_markdown(given.body),
        language=given.language or "fr", visibility=given.visibility or "public", status="draft",
        author_id=user.id, created_at=now, updated_at=now,
        slug=_unique_slug(session, given.slug or slugify(given.title)),
    )
    if given.category is not False:
        article.category = given.category
    article.tags = given.tags or []
    article.products = given.products or []
    _set_status(article, given.status or "draft", now)
    session.add(article)
    session.flush()
    if given.translation_of is not None:
        _link_translation(session, article, given.translation_of)
    else:
        article.translation_group_id = article.id
    _add_version(session, article, user, now)
    session.flush()
    return article


def update_article(session: Session, user: Any, article_id: int, data: dict, now: datetime) -> Article:
    """Save an edit; a new version when the title or body changed. `version` (the latest version
    number the editor saw) makes a concurrent save a 409 instead of a silent overwrite."""
    require(user, "kb.author")
    article = get_article(session, article_id)
    given = read_article_input(session, data, creating=False)
    latest = _latest_version(article)
    if given.version is not None and latest is not None and given.version != latest.number:
        raise Conflict("This article was saved by someone else meanwhile; reload it and try again.")
    if given.title is not None:
        article.title = given.title
    if given.body is not None and given.body != article.body:
        article.body = given.body
        article.body_html = render_markdown(given.body)
    if given.language is not None:
        article.language = given.language
    if given.visibility is not None:
        article.visibility = given.visibility
    if given.category is not False:
        article.category = given.category
    if given.tags is not None:
        article.tags = given.tags
    if given.products is not None:
        article.products = given.products
    if given.slug is not None and given.slug != article.slug:
        article.slug = _unique_slug(session, given.slug, article.id)
    if given.translation_of is not None and given.translation_of.id != article.id:
        _link_translation(session, article, given.translation_of)
    _set_status(article, given.status, now)
    article.updated_at = now
    if latest is None or latest.title != article.title or latest.body != article.body:
        _add_version(session, article, user, now)
    session.flush()
    return article


def publish_article(session: Session, user: Any, article_id: int, now: datetime) -> Article:
    require(user, "kb.author")
    article = get_article(session, article_id)
    _set_status(article, "published", now)
    article.updated_at = now
    return article


def unpublish_article(session: Session, user: Any, article_id: int, now: datetime) -> Article:
    require(user, "kb.author")
    article = get_article(session, article_id)
    _set_status(article, "draft", now)
    article.updated_at = now
    return article


def archive_article(session: Session, user: Any, article_id: int, now: datetime) -> Article:
    require(user, "kb.author")
    article = get_article(session, article_id)
    _set_status(article, "archived", now)
    article.updated_at = now
    return article


def restore_version(session: Session, user: Any, article_id: int, number: int, now: datetime) -> Article:
    """Bring back an old version's title and body, as a new version (history is never rewritten)."""
    require(user, "kb.author")
    article = get_article(session, article_id)
    version = next((v for v in article.versions if v.number == number), None)
    if version is None:
        raise NotFound("No such version.")
    article.title = version.title
    article.body = version.body
    article.body_html = render_markdown(version.body)
    article.updated_at = now
    _add_version(session, article, user, now)
    session.flush()
    return article


@dataclass(frozen=True)
class DiffLine:
    op: str  # " " same, "-" removed, "+" added
    text: str


@dataclass(frozen=True)
class VersionDiff:
    old: ArticleVersion
    new: ArticleVersion
    title_changed: bool
    lines: list[DiffLine]


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """Line diff of two Markdown bodies (pure)."""
    out = []
    for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        if line.startswith("? "):
            continue
        out.append(DiffLine(line[0], line[2:]))
    return out


def compare_versions(session: Session, user: Any, article_id: int, old: int, new: int) -> VersionDiff:
    require(user, "kb.author")
    article = get_article(session, article_id)
    versions = {v.number: v for v in article.versions}
    if old not in versions or new not in versions:
        raise NotFound("No such version.")
    a, b = versions[old], versions[new]
    return VersionDiff(a, b, a.title != b.title, diff_lines(a.body, b.body))


def create_category(session: Session, user: Any, data: dict) -> ArticleCategory:
    require(user, "kb.author")
    errors = FieldErrors()
    name = _text(data, "name", errors, required=True, max_length=200)
    parent = None
    if data.get("parent") not in (None, ""):
        parent = _category(session, data.get("parent"), errors)
        if parent and parent.parent_id is not None:
            errors["parent"] = "nested_too_deep"
    if errors:
        raise Invalid(errors)
    slug = slugify(name)
    n = 1
    while session.scalar(select(ArticleCategory.id).where(ArticleCategory.slug == slug)) is not None:
        n += 1
        slug = f"{slugify(name)[:110]}-{n}"
    position = session.scalar(select(func.coalesce(func.max(ArticleCategory.position), 0))) + 1
    category = ArticleCategory(name=name, slug=slug, parent=parent or None, position=position)
    session.add(category)
    session.flush()
    return category


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def get_article(session: Session, article_id: int) -> Article:
    article = session.scalar(select(Article).where(Article.id == article_id).options(
        selectinload(Article.tags), selectinload(Article.products), selectinload(Article.versions),
        selectinload(Article.category)))
    if article is None:
        raise NotFound("No such article.")
    return article


def readable_article(session: Session, user: Any, *, slug: str | None = None, article_id: int | None = None,
                     include_drafts: bool = False) -> Article:
    """An article the user may read; NotFound otherwise (existence is not revealed).
    Drafts and archived articles only with `include_drafts`, for authors."""
    stmt = select(Article).options(selectinload(Article.tags), selectinload(Article.products),
                                   selectinload(Article.category).selectinload(ArticleCategory.parent))
    stmt = stmt.where(Article.slug == slug) if slug is not None else stmt.where(Article.id == article_id)
    if not (include_drafts and _may_author(user)):
        stmt = scope_articles(user, stmt)
    article = session.scalar(stmt)
    if article is None:
        raise NotFound("No such article.")
    return article


def _may_author(user: Any) -> bool:
    from helpdesk.permissions import may

    return may(user, "kb.author")


def translations(session: Session, user: Any, article: Article) -> list[Article]:
    if article.translation_group_id is None:
        return []
    stmt = select(Article).where(Article.translation_group_id == article.translation_group_id,
                                 Article.id != article.id)
    return list(session.scalars(scope_articles(user, stmt).order_by(Article.language)))


def related_articles(session: Session, user: Any, article: Article, limit: int = 5) -> list[Article]:
    """Readable articles in the same language sharing the category or a tag, most helpful first."""
    tag_ids = [t.id for t in article.tags]
    shared = []
    if article.category_id:
        shared.append(Article.category_id == article.category_id)
    if tag_ids:
        shared.append(Article.id.in_(select(article_tags.c.article_id).where(article_tags.c.tag_id.in_(tag_ids))))
    if not shared:
        return []
    stmt = select(Article).where(or_(*shared), Article.id != article.id, Article.language == article.language)
    if article.translation_group_id is not None:
        stmt = stmt.where(or_(Article.translation_group_id.is_(None),
                              Article.translation_group_id != article.translation_group_id))
    stmt = scope_articles(user, stmt).order_by(
        (Article.helpful_count - Article.not_helpful_count).desc(), Article.view_count.desc(), Article.id)
    return list(session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class CategoryView:
    category: ArticleCategory
    children: list[ArticleCategory]
    count: int


def browse_categories(session: Session, user: Any, lang: str | None = None) -> list[CategoryView]:
    """Top-level categories with their children and how many readable articles each holds."""
    categories = list(session.scalars(select(ArticleCategory).order_by(ArticleCategory.position,
                                                                       ArticleCategory.name)))
    stmt = scope_articles(user, select(Article.category_id, func.count()).group_by(Article.category_id))
    if lang:
        stmt = stmt.where(Article.language == lang)
    counts = dict(session.execute(stmt).all())
    children: dict[int, list[ArticleCategory]] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    out = []
    for c in categories:
        if c.parent_id is None:
            kids = children.get(c.id, [])
            out.append(CategoryView(c, kids, counts.get(c.id, 0) + sum(counts.get(k.id, 0) for k in kids)))
    return out


def category_articles(session: Session, user: Any, slug: str, lang: str | None = None,
                      limit: int = 200) -> tuple[ArticleCategory, list[Article]]:
    category = session.scalar(select(ArticleCategory).where(ArticleCategory.slug == slug))
    if category is None:
        raise NotFound("No such category.")
    ids = [category.id] + list(session.scalars(select(ArticleCategory.id).where(
        ArticleCategory.parent_id == category.id)))
    stmt = scope_articles(user, select(Article).where(Article.category_id.in_(ids)))
    if lang:
        stmt = stmt.where(Article.language == lang)
    stmt = stmt.order_by((Article.helpful_count - Article.not_helpful_count).desc(), Article.title).limit(limit)
    return category, list(session.scalars(stmt))


def popular_articles(session: Session, user: Any, lang: str | None = None, limit: int = 8) -> list[Article]:
    stmt = scope_articles(user, select(Article))
    if lang:
        stmt = stmt.where(Article.language == lang)
    return list(session.scalars(stmt.order_by(Article.view_count.desc(), Article.id).limit(limit)))


@dataclass(frozen=True)
class AuthoringFilters:
    status: str | None = None
    language: str | None = None
    category_id: int | None = None
    q: str | None = None


def authoring_list(session: Session, user: Any, filters: AuthoringFilters, limit: int = 50,
                   before_id: int | None = None) -> list[Article]:
    """Every article (drafts and archived included) for authors, newest first, keyset-paged."""
    require(user, "kb.author")
    stmt = select(Article).options(selectinload(Article.category))
    if filters.status:
        stmt = stmt.where(Article.status == filters.status)
    if filters.language:
        stmt = stmt.where(Article.language == filters.language)
    if filters.category_id:
        stmt = stmt.where(Article.category_id == filters.category_id)
    if filters.q:
        stmt = stmt.where(func.lower(Article.title).contains(filters.q.lower(), autoescape=True))
    if before_id:
        stmt = stmt.where(Article.id < before_id)
    return list(session.scalars(stmt.order_by(Article.id.desc()).limit(limit)))


# ---------------------------------------------------------------------------------------------
# Views and votes
# ---------------------------------------------------------------------------------------------


def record_view(session: Session, article_id: int) -> None:
    # One atomic UPDATE: concurrent readers never lose a count (and nothing is reindexed).
    session.execute(update(Article).where(Article.id == article_id)
                    .values(view_count=Article.view_count + 1).execution_options(synchronize_session=False))


def vote(session: Session, user: Any, article: Article, helpful: Any, comment: Any, now: datetime) -> ArticleVote:
    """"Was this helpful?" One vote per signed-in user (a new answer replaces theirs)."""
    errors = FieldErrors()
    if not isinstance(helpful, bool):
        errors["helpful"] = "not_true_or_false"
    if comment is not None and not isinstance(comment, str):
        errors["comment"] = "not_text"
    elif comment and len(comment) > MAX_COMMENT:
        errors.add("comment", "too_long", max_length=MAX_COMMENT)
    if errors:
        raise Invalid(errors)
    comment = (comment or "").strip() or None
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    previous = None
    if user_id is not None:
        previous = session.scalar(select(ArticleVote).where(ArticleVote.article_id == article.id,
                                                            ArticleVote.user_id == user_id))
    delta_helpful = int(helpful) - (int(previous.helpful) if previous else 0)
    delta_not = int(not helpful) - (int(not previous.helpful) if previous else 0)
    if previous is not None:
        previous.helpful, previous.comment, previous.created_at = helpful, comment or previous.comment, now
        record = previous
    else:
        record = ArticleVote(article_id=article.id, user_id=user_id, helpful=helpful, comment=comment, created_at=now)
        session.add(record)
    if delta_helpful or delta_not:
        session.execute(update(Article).where(Article.id == article.id).values(
            helpful_count=Article.helpful_count + delta_helpful,
            not_helpful_count=Article.not_helpful_count + delta_not,
        ).execution_options(synchronize_session=False))
    session.flush()
    return record


def recent_votes(session: Session, user: Any, article_id: int, limit: int = 20) -> list[ArticleVote]:
    require(user, "kb.author")
    return list(session.scalars(select(ArticleVote).where(ArticleVote.article_id == article_id)
                                .order_by(ArticleVote.created_at.desc(), ArticleVote.id.desc()).limit(limit)))


# ---------------------------------------------------------------------------------------------
# Deflection
# ---------------------------------------------------------------------------------------------

ATTEMPT_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def valid_attempt(value: Any) -> str | None:
    return value if isinstance(value, str) and ATTEMPT_PATTERN.fullmatch(value) else None


def record_suggestion_view(session: Session, user: Any, article: Article, attempt: Any, typed: Any,
                           now: datetime) -> DeflectionEvent | None:
    """A customer opened a suggested article from the new-request form."""
    attempt = valid_attempt(attempt)
    if attempt is None or getattr(user, "role", None) != "customer":
        return None
    event = DeflectionEvent(user_id=user.id, article_id=article.id, attempt=attempt, outcome="viewed",
                            query=(typed or "")[:300] if isinstance(typed, str) else None, created_at=now)
    session.add(event)
    return event


def record_submission(session: Session, user: Any, attempt: Any, now: datetime) -> DeflectionEvent | None:
    """The new-request form was submitted after all (called in the ticket's transaction)."""
    attempt = valid_attempt(attempt)
    if attempt is None:
        return None
    viewed = session.scalar(select(exists().where(DeflectionEvent.attempt == attempt,
                                                  DeflectionEvent.outcome == "viewed")))
    if not viewed:
        return None
    event = DeflectionEvent(user_id=getattr(user, "id", None), attempt=attempt, outcome="submitted", created_at=now)
    session.add(event)
    return event


@dataclass(frozen=True)
class DeflectionStats:
    attempts: int  # new-request forms where a suggested article was opened
    deflected: int  # ... and no request was sent within the window
    submitted: int  # ... and a request was sent anyway
    pending: int  # too recent to tell
    articles_viewed: int

    @property
    def rate(self) -> float | None:
        decided = self.deflected + self.submitted
        return round(self.deflected / decided, 3) if decided else None


def deflection_rate(events: Iterable[tuple[str, str, datetime]], now: datetime,
                    window: timedelta = DEFLECTION_WINDOW) -> DeflectionStats:
    """From (attempt, outcome, created_at) rows (pure). An attempt is deflected when an article
    was opened and the form was not sent within `window` of the last view."""
    last_view: dict[str, datetime] = {}
    submitted: set[str] = set()
    views = 0
    for attempt, outcome, created_at in events:
        if outcome == "viewed":
            views += 1
            if attempt not in last_view or created_at > last_view[attempt]:
                last_view[attempt] = created_at
        elif outcome == "submitted":
            submitted.add(attempt)
    sent = sum(1 for a in last_view if a in submitted)
    pending = sum(1 for a, t in last_view.items() if a not in submitted and now - t < window)
    deflected = len(last_view) - sent - pending
    return DeflectionStats(len(last_view), deflected, sent, pending, views)


def deflection_stats(session: Session, since: datetime, now: datetime) -> DeflectionStats:
    rows = session.execute(select(DeflectionEvent.attempt, DeflectionEvent.outcome, DeflectionEvent.created_at)
                           .where(DeflectionEvent.created_at >= since, DeflectionEvent.attempt.is_not(None)))
    return deflection_rate(((a, o, t) for a, o, t in rows), now)


@dataclass(frozen=True)
class ArticleDeflection:
    """One suggested article: how often it was opened from the new-request form, and what the
    forms where it was opened became."""

    article_id: int
    title: str
    slug: str
    language: str
    views: int  # openings from the form
    attempts: int  # forms in which it was opened
    deflected: int  # ... abandoned: no request within the window after the form's last view
    submitted: int  # ... sent anyway
    pending: int  # too recent to tell

    @property
    def rate(self) -> float | None:
        decided = self.deflected + self.submitted
        return round(self.deflected / decided, 3) if decided else None


def deflection_by_article(session: Session, since: datetime, until: datetime, *, now: datetime | None = None,
                          limit: int = 50, window: timedelta = DEFLECTION_WINDOW) -> list[ArticleDeflection]:
    """Per suggested article opened in [since, until): views, and the forms where it was opened
    that were abandoned (deflected) or sent, most viewed first. A form in which two articles were
    opened counts for both. Decided as in `deflection_rate` (an hour after the form's last view,
    as of `now`, default `until`), in SQL: one GROUP BY over the forms, one per article."""
    now = now or until
    viewed = DeflectionEvent.outcome == "viewed"
    forms = (select(DeflectionEvent.attempt.label("attempt"),
                    func.max(case((viewed, DeflectionEvent.created_at))).label("last_view"),
                    func.max(case((DeflectionEvent.outcome == "submitted", 1), else_=0)).label("sent"))
             .where(DeflectionEvent.attempt.is_not(None), DeflectionEvent.created_at >= since)
             .group_by(DeflectionEvent.attempt).subquery())
    sent = forms.c.sent == 1
    old_enough = type_coerce(forms.c.last_view, UTCDateTime) <= now - window
    stmt = (select(Article.id, Article.title, Article.slug, Article.language,
                   func.count(DeflectionEvent.id).label("views"),
                   func.count(DeflectionEvent.attempt.distinct()).label("attempts"),
                   func.count(case((and_(~sent, old_enough), DeflectionEvent.attempt)).distinct()),
                   func.count(case((sent, DeflectionEvent.attempt)).distinct()),
                   func.count(case((and_(~sent, ~old_enough), DeflectionEvent.attempt)).distinct()))
            .join(Article, Article.id == DeflectionEvent.article_id)
            .join(forms, forms.c.attempt == DeflectionEvent.attempt)
            .where(viewed, DeflectionEvent.created_at >= since, DeflectionEvent.created_at < until)
            .group_by(Article.id, Article.title, Article.slug, Article.language)
            .order_by(func.count(DeflectionEvent.id).desc(), Article.id).limit(limit))
    return [ArticleDeflection(*row) for row in session.execute(stmt)]


# ---------------------------------------------------------------------------------------------
# Search when the index is unavailable: the database answers, with the same visibility rules
# ---------------------------------------------------------------------------------------------


def _like_words(text: str) -> list[tuple[str, str]]:
    """(as typed, folded) lower-case forms of the words to look for with LIKE."""
    words = []
    for clause in parse(text):
        if clause.exclude:
            continue
        for folded, (start, end) in zip(clause.words, clause.spans):
            if len(folded) >= 2:
                words.append((text[start:end].lower(), folded))
    return words[:6]


def _like_any(columns, word: tuple[str, str]):
    """The word in any of the columns, hyphens ignored on both sides, so "wifi" finds "Wi-Fi" and
    "e-mail" finds "email" as the index does. (No accent folding here: LIKE cannot.)"""
    forms = {joined(form) for form in word}
    return or_(*[func.replace(func.lower(column), "-", "").like(f"%{_like_escaped(form)}%", escape="\\")
                 for column in columns for form in forms])


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fallback_search_articles(session: Session, user: Any, text: str, *, langs: Sequence[str] | None = None,
                             category_ids: Iterable[int] = (), product_ids: Iterable[int] = (),
                             limit: int = 10) -> SearchResult:
    result = SearchResult(text, total_exact=False)
    words = _like_words(text)
    if not words:
        return result
    stmt = scope_articles(user, select(Article))
    for word in words:
        stmt = stmt.where(_like_any((Article.title, Article.body), word))
    if langs:
        stmt = stmt.where(Article.language.in_(list(langs)))
    category_ids = list(category_ids)
    if category_ids:
        stmt = stmt.where(Article.category_id.in_(category_ids + list(session.scalars(
            select(ArticleCategory.id).where(ArticleCategory.parent_id.in_(category_ids))))))
    product_ids = list(product_ids)
    if product_ids:
        from knowledge_base.models import article_products

        stmt = stmt.where(Article.id.in_(select(article_products.c.article_id)
                                         .where(article_products.c.product_id.in_(product_ids))))
    articles = list(session.scalars(stmt.order_by(Article.view_count.desc(), Article.id).limit(limit)))
    for article in articles:
        terms = query_terms(parse(text), (article.language,))
        result.hits.append(Hit("article", article.id, article.title,
                               highlight(html_to_text(article.body_html), terms, article.language), 0.0,
                               {"slug": article.slug, "language": article.language,
                                "visibility": article.visibility,
                                "title_html": highlight(article.title, terms, article.language, width=400)}))
    result.total = len(articles)
    return result


def fallback_search_tickets(session: Session, user: Any, text: str, *, limit: int = 10) -> SearchResult:
    result = SearchResult(text, total_exact=False)
    words = _like_words(text)
    if not words:
        return result
    kinds = ("reply", "note") if "internal" in article_audiences(user) else ("reply",)
    stmt = scope_tickets(user, select(Ticket))
    for word in words:
        in_messages = exists().where(Message.ticket_id == Ticket.id, Message.kind.in_(kinds),
                                     _like_any((Message.body,), word))
        stmt = stmt.where(or_(_like_any((Ticket.subject,), word), in_messages))
    tickets = list(session.scalars(stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)))
    for ticket in tickets:
        result.hits.append(Hit("ticket", ticket.id, ticket.subject, highlight("", set(), "ticket"), 0.0,
                               {"number": ticket.number, "status": ticket.status,
                                "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
                                "snippet_is_note": False}))
    result.total = len(tickets)
    return result


# ---------------------------------------------------------------------------------------------
# Search entry points used by the routes and the API
# ---------------------------------------------------------------------------------------------


def search_articles(session: Session, user: Any, text: str, *, langs: Sequence[str] | None = None,
                    category_ids: Iterable[int] = (), product_ids: Iterable[int] = (), limit: int = 10,
                    suggest: bool = False) -> SearchResult:
    """Articles for a search box (`suggest`: as-you-type deflection, any word, last one partial)."""
    from knowledge_base import search
    from knowledge_base.engine import kb

    engine = kb()
    viewer = viewer_for(session, user)
    category_ids, product_ids = list(category_ids), list(product_ids)
    options = dict(langs=langs, category_ids=category_ids, product_ids=product_ids, limit=limit, budget=engine.budget)
    if suggest:
        options.update(mode="or", prefix_last=True, corrections=False)
    return engine.searching(
        lambda: search.search_articles(engine.store, text, viewer, **options),
        lambda: fallback_search_articles(session, user, text, langs=langs, category_ids=category_ids,
                                         product_ids=product_ids, limit=limit),
    )


def search_tickets(session: Session, user: Any, text: str, *, limit: int = 10) -> SearchResult:
    from knowledge_base import search
    from knowledge_base.engine import kb

    engine = kb()
    viewer = viewer_for(session, user)
    if not viewer.staff and not viewer.customer_ids and viewer.user_id is None:
        return SearchResult(text)
    return engine.searching(
        lambda: search.search_tickets(engine.store, text, viewer, limit=limit, budget=engine.budget),
        lambda: fallback_search_tickets(session, user, text, limit=limit),
    )


def resolve_category_ids(session: Session, values: Iterable[str]) -> list[int]:
    ids = []
    for value in values:
        value = (value or "").strip()
        if not value:
            continue
        found = session.scalar(select(ArticleCategory.id).where(
            or_(ArticleCategory.slug == value, ArticleCategory.id == (int(value) if value.isdigit() else -1))))
        ids.append(found if found is not None else -1)
    return ids


def resolve_product_ids(session: Session, values: Iterable[str]) -> list[int]:
    ids = []
    for value in values:
        value = (value or "").strip()
        if not value:
            continue
        found = session.scalar(select(Product.id).where(
            or_(Product.sku == value, Product.id == (int(value) if value.isdigit() else -1))))
        ids.append(found if found is not None else -1)
    return ids
