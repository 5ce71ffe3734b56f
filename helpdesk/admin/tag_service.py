"""Tags shared by tickets and articles, as an admin sees them: how many use each, rename (onto an
existing name: merge into it), delete. Each change is one transaction with its audit entry; the
caller commits. Articles whose tags change are re-indexed after the commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.orm import Session

from helpdesk.audit import service as audit
from helpdesk.errors import Invalid, NotFound
from helpdesk.models import Tag, ticket_tags
from helpdesk.permissions import require
from helpdesk.tagging import MAX_TAG_LENGTH
from knowledge_base.indexing import PENDING_KEY
from knowledge_base.models import article_tags

MAX_QUERY = 64
PAGE_SIZE = 200


@dataclass(frozen=True)
class TagUse:
    id: int
    name: str
    tickets: int
    articles: int


def _uses(table, column):
    return (select(table.c.tag_id, func.count(column).label("n")).group_by(table.c.tag_id).subquery())


def list_tags(session: Session, actor, q: str | None = None, limit: int = PAGE_SIZE) -> list[TagUse]:
    """Tags by name (those containing `q`, lower-cased), each with its number of tickets and articles."""
    require(actor, "admin.tags")
    tickets = _uses(ticket_tags, ticket_tags.c.ticket_id)
    articles = _uses(article_tags, article_tags.c.article_id)
    stmt = (select(Tag.id, Tag.name, func.coalesce(tickets.c.n, 0), func.coalesce(articles.c.n, 0))
            .outerjoin(tickets, tickets.c.tag_id == Tag.id).outerjoin(articles, articles.c.tag_id == Tag.id)
            .order_by(Tag.name).limit(limit))
    text = (q or "").strip().lower()[:MAX_QUERY]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Tag.name.like(f"%{escaped}%", escape="\\"))
    return [TagUse(*row) for row in session.execute(stmt)]


def get_tag(session: Session, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise NotFound("No such tag.")
    return tag


def clean_name(raw: object) -> str:
    """A tag's name as tagging.tags_from_input stores it (trimmed, lower case), or Invalid with a
    code for "name": required, not_text, too_long (max_length)."""
    if raw is not None and not isinstance(raw, str):
        raise Invalid({"name": "not_text"}, "The name must be text.")
    name = (raw or "").strip().lower()
    if not name:
        raise Invalid({"name": "required"}, "The name is required.")
    if len(name) > MAX_TAG_LENGTH:
        raise Invalid({"name": "too_long"}, f"A tag has at most {MAX_TAG_LENGTH} characters.",
                      limits={"name": {"max_length": MAX_TAG_LENGTH}})
    return name


def _article_ids(session: Session, tag_id: int) -> set[int]:
    return set(session.scalars(select(article_tags.c.article_id).where(article_tags.c.tag_id == tag_id)))


def _reindex_later(session: Session, article_ids: set[int]) -> None:
    # The associations change through Core statements, which the ORM's change tracking does not see.
    if article_ids:
        session.info.setdefault(PENDING_KEY, (set(), set()))[0].update(article_ids)


def rename_tag(session: Session, actor, tag_id: int, new_name: object, now: datetime) -> Tag:
    """Rename; onto the name of another tag, merge into it: its tickets and articles take that tag
    (once) and this one is deleted. Returns the tag that now carries the name."""
    require(actor, "admin.tags")
    tag = get_tag(session, tag_id)
    name = clean_name(new_name)
    if name == tag.name:
        return tag
    target = session.scalar(select(Tag).where(Tag.name == name))
    articles = _article_ids(session, tag.id)
    if target is None:
        audit.record(session, actor, "updated", "tag", tag.id, name, {"name": [tag.name, name]}, now)
        tag.name = name
        session.flush()
        _reindex_later(session, articles)
        return tag
    for table, owner in ((ticket_tags, ticket_tags.c.ticket_id), (article_tags, article_tags.c.article_id)):
        already = select(owner).where(table.c.tag_id == target.id)
        session.execute(insert(table).from_select(
            [owner.name, "tag_id"],
            select(owner, literal(target.id)).where(table.c.tag_id == tag.id, owner.not_in(already))))
        session.execute(delete(table).where(table.c.tag_id == tag.id))
    audit.record(session, actor, "deleted", "tag", tag.id, tag.name, {"merged_into": [None, target.name]}, now)
    _forget(session, tag)
    _reindex_later(session, articles)
    return target


def delete_tag(session: Session, actor, tag_id: int, now: datetime) -> str:
    """Delete the tag: it is taken off every ticket and article. Returns its name."""
    require(actor, "admin.tags")
    tag = get_tag(session, tag_id)
    articles = _article_ids(session, tag.id)
    tickets = session.scalar(select(func.count()).select_from(ticket_tags).where(ticket_tags.c.tag_id == tag.id))
    name = tag.name
    session.execute(delete(ticket_tags).where(ticket_tags.c.tag_id == tag.id))
    session.execute(delete(article_tags).where(article_tags.c.tag_id == tag.id))
    audit.record(session, actor, "deleted", "tag", tag.id, name,
                 {"name": [name, None], "tickets": [tickets, 0], "articles": [len(articles), 0]}, now)
    _forget(session, tag)
    _reindex_later(session, articles)
    return name


def _forget(session: Session, tag: Tag) -> None:
    """Delete the tag's row (its associations are gone already) and expire what listed it."""
    session.flush()
    session.execute(delete(Tag).where(Tag.id == tag.id))
    session.expunge(tag)
    session.expire_all()
