"""The knowledge base's runtime in one app: the index store, after-commit syncing, automatic
rebuilds, and search with a degraded (database) answer while the index is unavailable."""
from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Callable

from flask import Flask, current_app
from sqlalchemy.orm import Session

from knowledge_base.index import Health, IndexStore, IndexUnavailable, LockTimeout, file_lock, lock_is_held
from knowledge_base.indexing import RebuildReport, database_size, rebuild, sync

log = logging.getLogger(__name__)

# How long a request process trusts its last look at the worker lock.
WORKER_CHECK_SECONDS = 2.0


class _IndexQueue(queue.Queue):
    """A queue that also knows whether the worker is still writing what it took last."""

    def __init__(self):
        super().__init__()
        self.busy = False

    def get(self, block=True, timeout=None):
        item = super().get(block, timeout)
        self.busy = True
        return item

    def unfinished_tasks_hint(self) -> bool:
        return self.busy


class KnowledgeBase:
    """Stored in app.extensions["knowledge_base"]."""

    def __init__(self, app: Flask):
        root = app.config.get("KB_INDEX_DIR") or str(Path(app.instance_path) / "search")
        self.app = app
        self.store = IndexStore(root)
        self._rebuild_thread: threading.Thread | None = None
        self._indexer: threading.Thread | None = None
        self._queue: "_IndexQueue" = _IndexQueue()
        self._last_auto_rebuild = 0.0
        self._guard = threading.Lock()
        self._worker_seen = False
        self._worker_checked_at = float("-inf")
        self._format_checked = False
        self._warming: dict[tuple[str, str], threading.Thread] = {}  # (generation, kind) read ahead
        self.store.on_new_searcher = self._warm_spelling_soon

    # settings are read when used, so a test may change them after create_app()
    @property
    def enabled(self) -> bool:
        return bool(self.app.config.get("KB_INDEX_ON_COMMIT", True))

    @property
    def lock_timeout(self) -> float:
        return float(self.app.config.get("KB_LOCK_TIMEOUT", 10.0))

    @property
    def inline_rebuild_max(self) -> int:
        return int(self.app.config.get("KB_INLINE_REBUILD_MAX", 2000))

    @property
    def budget(self):
        """How much scoring a search may do (KB_SCORING_BUDGET_MS, KB_SCORING_BUDGET_DOCS): beyond
        it, the best of the matches seen in usefulness order are shown, "more than N results"."""
        from knowledge_base.search import Budget

        default = Budget()
        return Budget(docs=int(self.app.config.get("KB_SCORING_BUDGET_DOCS", default.docs)),
                      seconds=float(self.app.config.get("KB_SCORING_BUDGET_MS", default.seconds * 1000)) / 1000)

    @property
    def retry_seconds(self) -> float:
        return float(self.app.config.get("KB_REBUILD_RETRY_SECONDS", 30.0))

    # database sessions of our own (the caller's session has just committed) ------------------

    def session_factory(self) -> Callable[[], Session]:
        from helpdesk.extensions import db

        engine = db.engine
        return lambda: Session(bind=engine, expire_on_commit=False)

    # writing -------------------------------------------------------------------------------

    def index_committed(self, article_ids, ticket_ids) -> None:
        """Index what a transaction committed. By default the ids go to this process's indexing
        thread, which merges whatever piled up and writes it in one go, so a user's request never
        waits for the index; KB_INDEX_SYNC=True writes before returning (tests, scripts).

        While a `flask kb worker` process runs, the ids are only appended to the journal and the
        worker writes them: Whoosh's analysis then uses another CPU core instead of the request
        process's. Should the worker stop, the next in-process write drains the journal."""
        if not self.enabled:
            return
        if self.app.config.get("KB_INDEX_SYNC", False):
            self._write(set(article_ids), set(ticket_ids))
            return
        if self.worker_running():
            try:
                self.store.journal_append(set(article_ids), set(ticket_ids))
                return
            except Exception:
                log.warning("could not journal index changes for the worker; indexing them here", exc_info=True)
        self._queue.put((set(article_ids), set(ticket_ids)))
        self._ensure_indexer()

    def worker_running(self) -> bool:
        """Whether an indexing worker process holds its lock (looked at every WORKER_CHECK_SECONDS)."""
        now = time.monotonic()
        if now - self._worker_checked_at >= WORKER_CHECK_SECONDS:
            self._worker_seen = lock_is_held(self.store.worker_lock_path)
            self._worker_checked_at = now
        return self._worker_seen

    def run_worker(self, stop: threading.Event, on_write: Callable[[int], None] | None = None) -> None:
        """The indexing worker's loop (`flask kb worker`): every KB_INDEX_DELAY_SECONDS, write what
        the request processes journalled. One worker at a time; returns when `stop` is set."""
        with ExitStack() as held:
            try:
                # (a server process looking whether a worker runs holds the lock for an instant)
                held.enter_context(file_lock(self.store.worker_lock_path, timeout=1.0))
            except LockTimeout:
                raise RuntimeError(f"another indexing worker is running ({self.store.worker_lock_path})") from None
            delay = float(self.app.config.get("KB_INDEX_DELAY_SECONDS", 1.0))
            with self.app.app_context():
                self.upgrade_if_outdated()
            while True:
                stopping = stop.wait(delay)
                size = self.store.journal_size()
                if size:  # sync() takes the journal under the write lock
                    with self.app.app_context():
                        self._write(set(), set())
                    if on_write is not None:
                        on_write(size)
                if stopping:
                    return

    def _write(self, article_ids: set[int], ticket_ids: set[int]) -> None:
        outcome = sync(self.store, self.session_factory(), article_ids, ticket_ids, lock_timeout=self.lock_timeout)
        if outcome.needs_rebuild:
            self.request_rebuild("index missing or damaged while writing")

    def _ensure_indexer(self) -> None:
        with self._guard:
            if self._indexer is not None and self._indexer.is_alive():
                return
            self._indexer = threading.Thread(target=self._index_forever, name="kb-indexer", daemon=True)
            self._indexer.start()
            # A command that commits and exits (flask sla sweep, ...) still gets its changes indexed.
            atexit.register(self.flush_pending)

    def _index_forever(self) -> None:
        while True:
            articles, tickets = self._queue.get()
            # Let a burst gather: one index commit for many changes costs far less than one each.
            time.sleep(float(self.app.config.get("KB_INDEX_DELAY_SECONDS", 1.0)))
            while True:  # everything queued meanwhile goes out in the same write
                try:
                    more_articles, more_tickets = self._queue.get_nowait()
                except queue.Empty:
                    break
                articles |= more_articles
                tickets |= more_tickets
            with self.app.app_context():
                try:
                    self._write(articles, tickets)
                except Exception:  # sync() journals its own failures; this is a last resort
                    log.exception("background indexing failed")
                finally:
                    self._queue.busy = not self._queue.empty()

    def flush_pending(self, timeout: float = 10.0) -> None:
        """Wait until the indexing thread has written what was queued (CLI commands, tests)."""
        deadline = time.monotonic() + timeout
        while (not self._queue.empty() or self._queue.unfinished_tasks_hint()) and time.monotonic() < deadline:
            time.sleep(0.02)

    def rebuild_now(self, progress=None, wait: bool = True, procs: int = 1) -> RebuildReport:
        return rebuild(self.store, self.session_factory(), progress=progress, wait=wait,
                       lock_timeout=self.lock_timeout, procs=procs)

    def request_rebuild(self, reason: str) -> None:
        """Rebuild after the index was found missing or damaged: inline for a small database,
        in a background thread otherwise (searches answer in degraded mode meanwhile)."""
        with self._guard:
            now = time.monotonic()
            if self._rebuild_thread is not None and self._rebuild_thread.is_alive():
                return
            if now - self._last_auto_rebuild < self.retry_seconds and self._last_auto_rebuild:
                return
            self._last_auto_rebuild = now
        log.warning("search index: %s; rebuilding from the database", reason)
        try:
            with self.session_factory()() as session:
                small = database_size(session) <= self.inline_rebuild_max
        except Exception:
            log.exception("could not size the database for a rebuild")
            return
        if small:
            self._rebuild_quietly(wait=False)
            return
        app = current_app._get_current_object() if _has_app() else self.app
        thread = threading.Thread(target=self._rebuild_in_thread, args=(app,), name="kb-rebuild", daemon=True)
        with self._guard:
            self._rebuild_thread = thread
        thread.start()

    def _rebuild_in_thread(self, app: Flask) -> None:
        with app.app_context():
            self._rebuild_quietly(wait=False)

    def _rebuild_quietly(self, wait: bool) -> None:
        try:
            report = self.rebuild_now(wait=wait)
            if not report.skipped:
                log.warning("search index rebuilt: %s in %.1f s", report.documents, report.seconds)
        except Exception:
            log.exception("search index rebuild failed")

    def wait_for_rebuild(self, timeout: float = 30.0) -> None:
        thread = self._rebuild_thread
        if thread is not None:
            thread.join(timeout)
        deadline = time.monotonic() + timeout
        while self.store.rebuilding() and time.monotonic() < deadline:
            time.sleep(0.05)

    # reading -------------------------------------------------------------------------------

    def health(self) -> Health:
        return self.store.health()

    def upgrade_if_outdated(self) -> bool:
        """Once per process: when the live index was written by an older analysis (INDEX_FORMAT),
        rebuild it in a background thread; it keeps answering meanwhile. True when one started."""
        if self._format_checked:  # every search passes here: no lock once done
            return False
        with self._guard:
            if self._format_checked:
                return False
            self._format_checked = True
        if not self.store.outdated() or self.store.rebuilding():
            return False
        log.warning("search index: written by an older analysis; rebuilding it in the background")
        app = current_app._get_current_object() if _has_app() else self.app
        thread = threading.Thread(target=self._rebuild_in_thread, args=(app,), name="kb-upgrade", daemon=True)
        with self._guard:
            self._rebuild_thread = thread
        thread.start()
        return True

    def _warm_spelling_soon(self, generation: str, kind: str) -> None:
        """This process searches an index generation for the first time: read its typo-correction
        vocabularies in a background thread, so no customer's search waits for the big segments'.
        (Segments written later are small: their vocabularies are read when first needed.)"""
        if not self.app.config.get("KB_WARM_SPELLING", True):
            return
        with self._guard:
            if (generation, kind) in self._warming:
                return
            thread = threading.Thread(target=self._warm_spelling, args=(kind,), name=f"kb-warm-{kind}", daemon=True)
            self._warming[(generation, kind)] = thread
        thread.start()

    def wait_for_warm_up(self, timeout: float = 10.0) -> None:
        """Wait until the vocabularies being read ahead are in memory (tests, benchmarks)."""
        for thread in list(self._warming.values()):
            thread.join(timeout)

    def _warm_spelling(self, kind: str) -> None:
        from knowledge_base.search import warm_spelling

        try:
            read = warm_spelling(self.store, kind)
            log.debug("search index: %d %s vocabularies read ahead", read, kind)
        except Exception:  # the index changed or broke meanwhile: a search will notice and say so
            log.debug("search index: warming %s vocabularies failed", kind, exc_info=True)

    def searching(self, run: Callable[[], object], fallback: Callable[[], object]):
        """`run()` against the index; on IndexUnavailable, trigger a rebuild and answer with
        `fallback()` (a database search, marked degraded)."""
        self.upgrade_if_outdated()
        try:
            return run()
        except IndexUnavailable as exc:
            generation = self.store.current_generation()
            if str(exc).startswith("corrupt"):
                self.store.broken_generation = generation
            self.request_rebuild(str(exc))
            live = self.store.current_generation()
            if live is not None and live != generation:
                try:  # rebuilt inline just now: answer from the new index
                    return run()
                except IndexUnavailable:
                    pass
            result = fallback()
            result.degraded = True
            return result


def _has_app() -> bool:
    from flask import has_app_context

    return has_app_context()


def kb() -> KnowledgeBase:
    return current_app.extensions["knowledge_base"]
