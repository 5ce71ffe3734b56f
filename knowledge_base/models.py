"""Knowledge-base articles: categories, versions, translations, votes."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.customers import Product
from helpdesk.models.tickets import Tag
from helpdesk.models.types import UTCDateTime, utcnow

article_products = Table(
    "article_products",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)

article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ArticleCategory(db.Model):
    """A category, nested one level at most (a parent has no parent)."""

    __tablename__ = "article_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("article_categories.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Optional["ArticleCategory"]] = relationship(remote_side=[id])


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_status_visibility_language", "status", "visibility", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised
    language: Mapped[str] = mapped_column(String(8), default="fr")
    # Articles that are translations of each other share a translation group (the first one's id).
    translation_group_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    category_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("article_categories.id", ondelete="SET NULL"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(16), default="public")  # public / internal
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft / published / archived
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    not_helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    category: Mapped[Optional[ArticleCategory]] = relationship()
    products: Mapped[list[Product]] = relationship(secondary=article_products)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, order_by=Tag.name)
    versions: Mapped[list["ArticleVersion"]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleVersion.number"
    )


class ArticleVersion(db.Model):
    """A saved state of an article; every save adds one."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="versions")


class ArticleVote(db.Model):
    """A "was this helpful?" answer, with an optional comment."""

    __tablename__ = "article_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    helpful: Mapped[bool] = mapped_column()
    comment: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeflectionEvent(db.Model):
    """A portal visitor was shown suggested articles while typing a ticket (and what happened next)."""

    __tablename__ = "deflection_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    article_id: Mapped[Optional[int]] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    query: Mapped[Optional[str]] = mapped_column(String(300))
    # One new-request form (a random token made by the page): its views and its submission.
    attempt: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="viewed")  # viewed / submitted / deflected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SearchLog(db.Model):
    """One knowledge-base search shown to someone, kept until it is followed (a result opened) or
    folded into SearchMiss. No personal data: the normalised query only, not who searched."""

    __tablename__ = "kb_search_log"
    __table_args__ = (Index("ix_kb_search_log_folded_at_created_at", "folded_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(200))  # normalised: what groups similar queries
    query: Mapped[str] = mapped_column(String(200))  # as typed, trimmed and lowercased
    language: Mapped[Optional[str]] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))  # portal, help, console
    results: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    followed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    folded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class SearchMiss(db.Model):
    """Demand for an article that is missing: a group of similar queries that found nothing or whose
    results nobody opened, with counts; the leads' and authors' "missing articles" list."""

    __tablename__ = "search_misses"
    __table_args__ = (
        UniqueConstraint("query_key", "language", "source"),
        Index("ix_search_misses_last_seen_at", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(200))  # the most frequent wording, shown and used as a draft title
    language: Mapped[Optional[str]] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))
    searches: Mapped[int] = mapped_column(Integer, default=0)
    no_results: Mapped[int] = mapped_column(Integer, default=0)
    not_followed: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    draft_article_id: Mapped[Optional[int]] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    dismissed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
