"""Keeping the indexes in step with the database: documents, after-commit sync, full rebuild.

Every change goes the same way: the ids of changed articles and tickets are noted during the
flush, and only once the transaction has committed are those rows read back from the database
(in a session of their own) and written to the index. Indexing is therefore idempotent ("make
the index say what the database says about these ids") and a rolled-back change is never indexed.

One writer at a time, across processes: the write lock (an flock in the control folder) is held
while a writer reads the rows and writes them, so the last writer always writes the latest
committed state. A rebuild writes a fresh generation without that lock, while the live one keeps
answering (and keeps receiving changes); the changes committed meanwhile are also journalled and
replayed into the new generation under the lock just before it is switched in.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, selectinload

from helpdesk.models import Message, Ticket
from helpdesk.text import html_to_text
from knowledge_base.index import EXCERPT_CHARS, IndexStore, IndexUnavailable, article_field
from knowledge_base.models import Article, ArticleCategory

log = logging.getLogger(__name__)

PENDING_KEY = "knowledge_base.pending_index"
BATCH = 500
MP_REBUILD_MIN = 5000  # below this, starting processes costs more than it saves

# Attributes whose change alters what is indexed (view and vote counters do not).
ARTICLE_INDEXED = ("slug", "title", "body", "body_html", "language", "category_id", "visibility", "status",
                   "tags", "products")
TICKET_INDEXED = ("subject", "status", "customer_id", "requester_id", "number")
MESSAGE_INDEXED = ("body", "kind", "ticket_id")


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------


def article_document(article: Article) -> dict | None:
    """The index document of an article, or None when it must not be searchable (draft, archived)."""
    if article.status != "published" or article.visibility not in ("public", "internal"):
        return None
    lang = article.language if article.language in ("fr", "en") else "fr"
    text = html_to_text(article.body_html) if article.body_html else article.body
    categories = []
    if article.category_id:
        categories.append(str(article.category_id))
        if article.category is not None and article.category.parent_id:
            categories.append(str(article.category.parent_id))
    tags = " ".join(tag.name for tag in article.tags)
    return {
        "id": str(article.id),
        "lang": lang,
        "audience": article.visibility,
        "category": " ".join(categories),
        "product": " ".join(str(product.id) for product in article.products),
        "slug": article.slug,
        "title": article.title,
        "excerpt": " ".join(text.split())[:EXCERPT_CHARS],
        article_field("head", article.visibility, lang): f"{article.title}\n{tags}",
        article_field("body", article.visibility, lang): text,
    }


def ticket_document(ticket: Ticket, messages: Iterable[Message]) -> dict:
    public, notes = [], []
    for message in messages:
        if message.kind == "reply":
            public.append(html_to_text(message.body))
        elif message.kind == "note":
            notes.append(html_to_text(message.body))
    # The snippet shows the request and how it was answered last (where a solution usually is).
    excerpt = public[0][:700] if public else ""
    if len(public) > 1:
        excerpt += " … " + public[-1][:1200]
    return {
        "id": str(ticket.id),
        "customer": str(ticket.customer_id) if ticket.customer_id else "none",
        "requester": str(ticket.requester_id) if ticket.requester_id else "none",
        "status": ticket.status,
        "number": ticket.number,
        "title": ticket.subject,
        "created": ticket.created_at.isoformat() if ticket.created_at else None,
        "excerpt": " ".join(excerpt.split()),
        "notes_excerpt": " ".join(" ".join(notes).split())[:1200],
        "subject": ticket.subject,
        "public": "\n".join(public),
        "notes": "\n".join(notes),
    }


def load_articles(session: Session, ids: Iterable[int]) -> dict[int, Article]:
    ids = list(ids)
    if not ids:
        return {}
    stmt = (select(Article).where(Article.id.in_(ids))
            .options(selectinload(Article.tags), selectinload(Article.products),
                     selectinload(Article.category).selectinload(ArticleCategory.parent)))
    return {a.id: a for a in session.scalars(stmt)}


def load_tickets(session: Session, ids: Iterable[int]) -> dict[int, dict]:
    ids = list(ids)
    if not ids:
        return {}
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    messages: dict[int, list[Message]] = {i: [] for i in tickets}
    if tickets:
        stmt = (select(Message).where(Message.ticket_id.in_(list(tickets)), Message.kind.in_(("reply", "note")))
                .order_by(Message.ticket_id, Message.created_at, Message.id))
        for message in session.scalars(stmt):
            messages[message.ticket_id].append(message)
    return {i: ticket_document(t, messages[i]) for i, t in tickets.items()}


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

MAX_SEGMENTS_PER_TIER = 10


def _tier(segment) -> int:
    return len(str(max(1, segment.doc_count_all())))  # 1-9 docs: tier 1, 10-99: tier 2, ...


def _crowded_tier(segments) -> list:
    """The segments of every size tier holding more than MAX_SEGMENTS_PER_TIER segments."""
    tiers: dict[int, list] = {}
    for segment in segments:
        tiers.setdefault(_tier(segment), []).append(segment)
    return [seg for tier in sorted(tiers) if len(tiers[tier]) > MAX_SEGMENTS_PER_TIER for seg in tiers[tier]]


def tiered_merge(writer, segments):
    """Whoosh merge policy: merge the segments of crowded size tiers (more than ten of a size)
    into one, never the big ones. Each edit is committed as a small segment without merging
    (Whoosh's default policy merges on most commits and rewrites a lot: 200-300 ms commits on
    100,000 articles); this merge then runs in a background thread (see sync())."""
    from whoosh.reading import SegmentReader

    crowded = _crowded_tier(segments)
    if not crowded:
        return segments
    for segment in crowded:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in crowded]


def needs_merge(index) -> bool:
    return bool(_crowded_tier(index._segments()))


_merging: set[tuple[str, str]] = set()
_merging_guard = threading.Lock()


def merge_in_background(store: IndexStore, generation: str, kind: str, lock_timeout: float) -> None:
    key = (str(store.root), kind)
    with _merging_guard:
        if key in _merging:
            return
        _merging.add(key)

    def run():
        try:
            with store.write_lock(lock_timeout):
                if store.current_generation() != generation:
                    return
                _, index = store.open_index(kind, generation)
                while needs_merge(index):
                    index.writer(timeout=5.0).commit(mergetype=tiered_merge)
        except Exception:
            log.warning("background merge of the %s index failed", kind, exc_info=True)
        finally:
            with _merging_guard:
                _merging.discard(key)

    threading.Thread(target=run, name=f"kb-merge-{kind}", daemon=True).start()


MAX_SEGMENTS = 60


def _commit_small(index, writer, kind: str, crowded: list[str]) -> None:
    writer.commit(merge=False)
    if len(index._segments()) > MAX_SEGMENTS:  # background merges starved by a stream of writes
        index.writer(timeout=5.0).commit(mergetype=tiered_merge)
    if needs_merge(index):
        crowded.append(kind)


def write_changes(store: IndexStore, generation: str, session: Session, article_ids: set[int],
                  ticket_ids: set[int]) -> list[str]:
    """Make `generation` say what the database says about these ids (caller holds the write lock).
    Returns the kinds of index that now have enough small segments to merge."""
    crowded = []
    if article_ids:
        articles = load_articles(session, article_ids)
        _, index = store.open_index("articles", generation)
        writer = index.writer(timeout=5.0)
        try:
            for article_id in sorted(article_ids):
                document = article_document(articles[article_id]) if article_id in articles else None
                if document is None:
                    writer.delete_by_term("id", str(article_id))
                else:
                    writer.update_document(**document)
        except BaseException:
            writer.cancel()
            raise
        _commit_small(index, writer, "articles", crowded)
    if ticket_ids:
        documents = load_tickets(session, ticket_ids)
        _, index = store.open_index("tickets", generation)
        writer = index.writer(timeout=5.0)
        try:
            for ticket_id in sorted(ticket_ids):
                if ticket_id in documents:
                    writer.update_document(**documents[ticket_id])
                else:
                    writer.delete_by_term("id", str(ticket_id))
        except BaseException:
            writer.cancel()
            raise
        _commit_small(index, writer, "tickets", crowded)
    return crowded


@dataclass
class SyncOutcome:
    written: bool = False
    journalled: bool = False
    needs_rebuild: bool = False
    error: str = ""


def sync(store: IndexStore, session_factory: Callable[[], Session], article_ids: Iterable[int],
         ticket_ids: Iterable[int], *, lock_timeout: float) -> SyncOutcome:
    """Index these committed changes now. Never raises: a failure is journalled for the next
    writer (or the next rebuild) and reported in the outcome."""
    article_ids, ticket_ids = set(article_ids), set(ticket_ids)
    outcome = SyncOutcome()
    crowded: list[str] = []
    try:
        with store.write_lock(lock_timeout):
            if store.rebuilding():
                # The rebuild may have read these rows before they changed: it replays the journal.
                store.journal_append(article_ids, ticket_ids)
                outcome.journalled = True
            else:
                journal_articles, journal_tickets = store.journal_take()
                article_ids |= journal_articles
                ticket_ids |= journal_tickets
            generation = store.current_generation()
            if generation is None or generation == store.broken_generation:
                outcome.needs_rebuild = not outcome.journalled
                if not outcome.journalled:
                    store.journal_append(article_ids, ticket_ids)
                    outcome.journalled = True
                return outcome
            with session_factory() as session:
                crowded = write_changes(store, generation, session, article_ids, ticket_ids)
            outcome.written = True
        for kind in crowded:
            merge_in_background(store, generation, kind, lock_timeout)
    except Exception as exc:  # the user's change is committed whatever happens here
        log.warning("search index update failed (%s); journalled for the next writer", exc, exc_info=True)
        outcome.error = f"{exc.__class__.__name__}: {exc}"
        outcome.needs_rebuild = isinstance(exc, IndexUnavailable) or not _is_lock_timeout(exc)
        try:
            if not outcome.journalled:
                store.journal_append(article_ids, ticket_ids)
                outcome.journalled = True
        except Exception:
            log.exception("could not journal index changes; the next rebuild will include them")
    return outcome


def _is_lock_timeout(exc: Exception) -> bool:
    from knowledge_base.index import LockTimeout

    return isinstance(exc, LockTimeout)


# ---------------------------------------------------------------------------------------------
# Rebuild
# ---------------------------------------------------------------------------------------------


@dataclass
class RebuildReport:
    generation: str | None = None
    documents: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: bool = False  # another rebuild was already running


ProgressFn = Callable[[str, int, int], None]  # (kind, done, total)


def rebuild(store: IndexStore, session_factory: Callable[[], Session], *, progress: ProgressFn | None = None,
            wait: bool = False, lock_timeout: float = 30.0, procs: int = 1) -> RebuildReport:
    """Rebuild both indexes from the database into a new generation, then switch to it.

    The live generation keeps serving meanwhile. With `wait` False, returns at once (skipped)
    when another rebuild (any process) is running; with True, waits for it and rebuilds after.
    With `procs` above 1, the tickets' words are analysed and written by that many processes
    (Whoosh's MpWriter), each its own segment, while this one reads the database: for a bulk load
    (the demo seed, `flask kb reindex --procs N`), not for a server that must keep its cores.
    """
    from knowledge_base.index import LockTimeout, file_lock

    started = time.perf_counter()
    report = RebuildReport()
    while True:
        # Taken under the write lock, so that no writer drains the journal after we started.
        with store.write_lock(lock_timeout):
            rebuild_guard = file_lock(store.rebuild_lock_path, timeout=0)
            try:
                rebuild_guard.__enter__()
                break
            except LockTimeout:
                if not wait:
                    report.skipped = True
                    return report
        time.sleep(0.2)  # another rebuild runs: wait for it outside the write lock
    try:
        generation = store.new_generation()
        try:
            with session_factory() as session:
                report.documents["articles"] = _fill_articles(store, generation, session, progress)
                report.documents["tickets"] = _fill_tickets(store, generation, session, progress, procs)
            with store.write_lock(lock_timeout):
                journal_articles, journal_tickets = store.journal_take()
                try:
                    if journal_articles or journal_tickets:
                        with session_factory() as session:
                            write_changes(store, generation, session, journal_articles, journal_tickets)
                    store.switch_to(generation)
                except BaseException:
                    store.journal_append(journal_articles, journal_tickets)  # keep them for the next writer
                    raise
        except BaseException:
            store.discard(generation)
            raise
        report.generation = generation
    finally:
        rebuild_guard.__exit__(None, None, None)
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _fill_articles(store: IndexStore, generation: str, session: Session, progress: ProgressFn | None) -> int:
    # Most useful first: the search budget visits documents in this order.
    ids = list(session.scalars(
        select(Article.id).where(Article.status == "published")
        .order_by((Article.helpful_count - Article.not_helpful_count).desc(), Article.view_count.desc(),
                  Article.id.desc())
    ))
    _, index = store.open_index("articles", generation)
    writer = index.writer(limitmb=256)
    done = 0
    if progress:
        progress("articles", 0, len(ids))
    try:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            articles = load_articles(session, chunk)
            for article_id in chunk:
                article = articles.get(article_id)
                document = article_document(article) if article is not None else None
                if document is not None:
                    writer.add_document(**document)
                    done += 1
            session.expunge_all()
            if progress:
                progress("articles", min(start + BATCH, len(ids)), len(ids))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return done


def _fill_tickets(store: IndexStore, generation: str, session: Session, progress: ProgressFn | None,
                  procs: int = 1) -> int:
    # Newest first: recent cases are the ones an agent wants to see within the budget.
    ids = list(session.scalars(select(Ticket.id).order_by(Ticket.created_at.desc(), Ticket.id.desc())))
    _, index = store.open_index("tickets", generation)
    if procs > 1 and len(ids) >= MP_REBUILD_MIN:
        # multisegment: each process's segment is kept as it is, not merged into one at the end
        writer = index.writer(limitmb=256, procs=procs, multisegment=True, batchsize=BATCH)
    else:
        writer = index.writer(limitmb=256)
    done = 0
    if progress:
        progress("tickets", 0, len(ids))
    try:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            documents = load_tickets(session, chunk)
            for ticket_id in chunk:
                if ticket_id in documents:
                    writer.add_document(**documents[ticket_id])
                    done += 1
            session.expunge_all()
            if progress:
                progress("tickets", min(start + BATCH, len(ids)), len(ids))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return done


def database_size(session: Session) -> int:
    """Rows a rebuild would read (to choose between rebuilding inline and in the background)."""
    articles = session.scalar(select(func.count()).select_from(Article).where(Article.status == "published"))
    tickets = session.scalar(select(func.count()).select_from(Ticket))
    return int(articles or 0) + int(tickets or 0)


# ---------------------------------------------------------------------------------------------
# Session hooks: note changed ids during the flush, index them after the commit
# ---------------------------------------------------------------------------------------------


def _changed(obj, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def note_changed_tickets(session: Session, ticket_ids) -> None:
    """Tickets written without the unit of work (Core statements), to index after the commit."""
    pending = session.info.setdefault(PENDING_KEY, (set(), set()))
    pending[1].update(i for i in ticket_ids if i is not None)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, flush_context) -> None:
    articles: set[int] = set()
    tickets: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Article):
            articles.add(obj.id)
        elif isinstance(obj, Ticket):
            tickets.add(obj.id)
        elif isinstance(obj, Message) and obj.ticket_id is not None:
            tickets.add(obj.ticket_id)
    for obj in session.dirty:
        if isinstance(obj, Article) and _changed(obj, ARTICLE_INDEXED):
            articles.add(obj.id)
        elif isinstance(obj, Ticket) and _changed(obj, TICKET_INDEXED):
            tickets.add(obj.id)
        elif isinstance(obj, Message) and _changed(obj, MESSAGE_INDEXED):
            tickets.add(obj.ticket_id)
            history = inspect(obj).attrs.ticket_id.history
            tickets.update(i for i in history.deleted or () if i is not None)
    for obj in session.deleted:
        if isinstance(obj, Article):
            articles.add(obj.id)
        elif isinstance(obj, Ticket):
            tickets.add(obj.id)
        elif isinstance(obj, Message) and obj.ticket_id is not None:
            tickets.add(obj.ticket_id)
    if articles or tickets:
        pending = session.info.setdefault(PENDING_KEY, (set(), set()))
        pending[0].update(i for i in articles if i is not None)
        note_changed_tickets(session, tickets)


@event.listens_for(Session, "after_commit")
def _index_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not (pending[0] or pending[1]):
        return
    try:
        from flask import current_app, has_app_context

        if not has_app_context():
            return
        kb = current_app.extensions.get("knowledge_base")
        if kb is not None:
            kb.index_committed(pending[0], pending[1])
    except Exception:  # indexing must never fail a committed user action
        log.exception("indexing after commit failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
