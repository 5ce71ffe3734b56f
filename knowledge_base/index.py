"""The Whoosh indexes on disk: schemas, opening, the one-writer lock, the rebuild swap, health.

Layout (under KB_INDEX_DIR, by default <instance>/search):

    search/CURRENT            the live generation's name, replaced atomically by a rebuild
    search/gen-<stamp>/articles, search/gen-<stamp>/tickets
                              one Whoosh index each
    search-control/           lock files and the journal of changes awaiting indexing (kept
                              apart, so deleting the index directory leaves the locks working)

Visibility lives in the schema: an article's text goes into fields named after its audience
(`title_public_fr`, `body_internal_en`, ...), so a customer's query only ever names the public
fields and cannot match, count or be corrected from an internal article. Drafts and archived
articles are not indexed at all. A ticket's internal notes have their own field that only staff
queries name.

Index files are opened without mmap: an index truncated under a running server then fails with
an exception we catch (and rebuild from), rather than killing the process with SIGBUS. Files of
small segments are read into memory whole when opened (SegmentStorage): Whoosh reads postings in
many small pieces, and from memory instead of one system call each, merging the small segments
that single edits leave behind takes half the time (it holds the write lock meanwhile).
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import FileIndex

from knowledge_base.analysis import LANGUAGES, language_analyzer, ticket_analyzer

log = logging.getLogger(__name__)

AUDIENCES = ("public", "internal")
KINDS = ("articles", "tickets")
# What a generation's documents were analysed with. Bump it whenever analysis.py or the schemas
# change the terms written for the same text: indexes of an older format keep answering and are
# rebuilt in the background (KnowledgeBase.upgrade_if_outdated). 1: before the FORMAT file existed.
INDEX_FORMAT = 2
EXCERPT_CHARS = 2000  # stored plain text the snippets are cut from


class IndexUnavailable(Exception):
    """The index is missing, corrupt or being rebuilt: callers fall back to a degraded answer."""


class LockTimeout(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------


def article_field(part: str, audience: str, lang: str) -> str:
    """`part` is "head" (title and tags, boosted) or "body"."""
    return f"{part}_{audience}_{lang}"


def article_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "lang": ID(stored=True),
        "audience": ID(stored=True),
        "category": KEYWORD(),  # the category id and its parent's, so a parent filter finds children
        "product": KEYWORD(),
        "slug": STORED(),
        "title": STORED(),
        "excerpt": STORED(),
    }
    for audience in AUDIENCES:
        for lang in LANGUAGES:
            analyzer = language_analyzer(lang)
            fields[article_field("head", audience, lang)] = TEXT(analyzer=analyzer, field_boost=3.0)
            fields[article_field("body", audience, lang)] = TEXT(analyzer=analyzer)
    return Schema(**fields)


TICKET_PUBLIC_FIELDS = ("subject", "public")
TICKET_STAFF_FIELDS = ("subject", "public", "notes")


def ticket_schema() -> Schema:
    analyzer = ticket_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        customer=ID(),
        requester=ID(),
        status=ID(stored=True),
        number=STORED(),
        title=STORED(),
        created=STORED(),
        excerpt=STORED(),
        notes_excerpt=STORED(),
        subject=TEXT(analyzer=analyzer, field_boost=3.0),
        public=TEXT(analyzer=analyzer),
        notes=TEXT(analyzer=analyzer),
    )


SCHEMAS = {"articles": article_schema, "tickets": ticket_schema}


# ---------------------------------------------------------------------------------------------
# Cross-process locks
# ---------------------------------------------------------------------------------------------


@contextmanager
def file_lock(path: Path, timeout: float | None) -> Iterator[None]:
    """An exclusive flock on `path`; None waits forever, 0 tries once. Released if the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockTimeout(str(path))
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lock_is_held(path: Path) -> bool:
    """True when some open file description (this process or another) holds `path`'s flock."""
    if not path.exists():
        return False
    try:
        with file_lock(path, timeout=0):
            return False
    except LockTimeout:
        return True


class SegmentStorage(FileStorage):
    """A folder of index files, never memory-mapped; files up to IN_MEMORY_BYTES are read whole."""

    IN_MEMORY_BYTES = 8 << 20

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        path = self._fpath(name)
        if not kwargs and os.path.getsize(path) <= self.IN_MEMORY_BYTES:
            with open(path, "rb") as handle:
                return BufferFile(handle.read(), name=name)
        return super().open_file(name, **kwargs)


# ---------------------------------------------------------------------------------------------
# The store: one per index directory
# ---------------------------------------------------------------------------------------------


@dataclass
class Health:
    state: str  # ok / missing / corrupt / rebuilding
    detail: str = ""
    generation: str | None = None
    documents: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.state == "ok"


class IndexStore:
    """Opens the live generation, pools searchers, and knows the lock and journal files."""

    def __init__(self, root: Path | str, control: Path | str | None = None):
        self.root = Path(root)
        self.control = Path(control) if control else self.root.parent / (self.root.name + "-control")
        self._guard = threading.Lock()
        self._indexes: dict[tuple[str, str], FileIndex] = {}
        self._pool: dict[tuple[str, str], list] = {}
        self.broken_generation: str | None = None
        self.last_error: str = ""
        # Called with (generation, kind) after a fresh searcher was opened, outside the store's
        # locks; the app warms its typo-correction vocabularies from it.
        self.on_new_searcher: Callable[[str, str], None] | None = None

    # files -----------------------------------------------------------------------------------

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    @property
    def write_lock_path(self) -> Path:
        return self.control / "write.lock"

    @property
    def rebuild_lock_path(self) -> Path:
        return self.control / "rebuild.lock"

    @property
    def journal_lock_path(self) -> Path:
        return self.control / "journal.lock"

    @property
    def journal_path(self) -> Path:
        return self.control / "pending.jsonl"

    @property
    def worker_lock_path(self) -> Path:
        """Held by a running `flask kb worker` for as long as it lives."""
        return self.control / "worker.lock"

    def current_generation(self) -> str | None:
        try:
            name = self.pointer.read_text().strip()
        except OSError:
            return None
        return name or None

    def generation_path(self, generation: str, kind: str) -> Path:
        return self.root / generation / kind

    def generation_format(self, generation: str) -> int:
        try:
            return int((self.root / generation / "FORMAT").read_text().strip())
        except (OSError, ValueError):
            return 1

    def outdated(self) -> bool:
        """The live generation was written by an older analysis (see INDEX_FORMAT)."""
        generation = self.current_generation()
        return generation is not None and self.generation_format(generation) != INDEX_FORMAT

    def rebuilding(self) -> bool:
        return lock_is_held(self.rebuild_lock_path)

    @contextmanager
    def write_lock(self, timeout: float | None) -> Iterator[None]:
        with file_lock(self.write_lock_path, timeout):
            yield

    # opening ---------------------------------------------------------------------------------

    def open_index(self, kind: str, generation: str | None = None) -> tuple[str, FileIndex]:
        """(generation, index) of the live generation; IndexUnavailable when there is none."""
        generation = generation or self.current_generation()
        if generation is None:
            raise IndexUnavailable("missing")
        key = (generation, kind)
        with self._guard:
            index = self._indexes.get(key)
        if index is not None:
            return generation, index
        path = self.generation_path(generation, kind)
        if not path.is_dir():
            raise IndexUnavailable("missing")
        try:
            index = SegmentStorage(str(path)).open_index(schema=SCHEMAS[kind]())
        except Exception as exc:  # EmptyIndexError, unpickling a truncated TOC, OSError...
            raise IndexUnavailable(f"corrupt: {exc.__class__.__name__}: {exc}") from exc
        with self._guard:
            self._indexes[key] = index
            # Forget other generations: a rebuild swapped them out.
            for old in [k for k in self._indexes if k[0] != generation]:
                self._indexes.pop(old, None)
                for searcher in self._pool.pop(old, []):
                    _close_quietly(searcher)
        return generation, index

    @contextmanager
    def searcher(self, kind: str):
        """A searcher on the live generation, up to date, from a small pool (searchers are not
        shared between threads while in use). Raises IndexUnavailable."""
        generation, index = self.open_index(kind)
        key = (generation, kind)
        with self._guard:
            pool = self._pool.setdefault(key, [])
            searcher = pool.pop() if pool else None
        try:
            if searcher is not None and not searcher.up_to_date():
                # Not searcher.refresh(): Whoosh reuses segment readers it considers equal by
                # segment id alone, with their old deletions, so an updated or deleted document
                # would still be found. A fresh reader is cheap.
                _close_quietly(searcher)
                searcher = None
            fresh = searcher is None
            if fresh:
                searcher = index.searcher()
        except Exception as exc:
            if searcher is not None:
                _close_quietly(searcher)
            raise IndexUnavailable(f"corrupt: {exc.__class__.__name__}: {exc}") from exc
        if fresh and self.on_new_searcher is not None:
            self.on_new_searcher(generation, kind)
        healthy = False
        try:
            yield searcher
            healthy = True
        finally:
            if healthy:
                with self._guard:
                    if key in self._indexes and len(self._pool.setdefault(key, [])) < 8:
                        self._pool[key].append(searcher)
                        searcher = None
            if searcher is not None:
                _close_quietly(searcher)

    def forget(self) -> None:
        """Drop every cached index and searcher (after a corruption, before a retry)."""
        with self._guard:
            self._indexes.clear()
            pools, self._pool = self._pool, {}
        for searchers in pools.values():
            for searcher in searchers:
                _close_quietly(searcher)

    def health(self) -> Health:
        generation = self.current_generation()
        rebuilding = self.rebuilding()
        if generation is None:
            return Health("rebuilding" if rebuilding else "missing", "no index yet", None)
        counts = {}
        try:
            for kind in KINDS:
                with self.searcher(kind) as searcher:
                    counts[kind] = searcher.doc_count()
        except IndexUnavailable as exc:
            state = "rebuilding" if rebuilding else ("missing" if str(exc) == "missing" else "corrupt")
            return Health(state, str(exc), generation)
        if rebuilding:
            detail = "rebuilding in the background"
        elif self.outdated():
            detail = f"written by an older analysis (format {self.generation_format(generation)}); to be rebuilt"
        else:
            detail = ""
        return Health("ok", detail, generation, counts)

    # generations -----------------------------------------------------------------------------

    def new_generation(self) -> str:
        name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
        for kind in KINDS:
            path = self.generation_path(name, kind)
            path.mkdir(parents=True)
            SegmentStorage(str(path)).create_index(SCHEMAS[kind]())
        (self.root / name / "FORMAT").write_text(f"{INDEX_FORMAT}\n")
        return name

    def switch_to(self, generation: str) -> None:
        """Make `generation` live (atomic rename of the pointer), then delete the others."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".CURRENT.{os.getpid()}.{threading.get_ident()}"
        temporary.write_text(generation + "\n")
        os.replace(temporary, self.pointer)
        self.broken_generation = None
        self.forget()
        # Only the rebuild that holds the rebuild lock calls this, so any other generation is an
        # old or abandoned one. Readers still holding its files open keep reading them (POSIX).
        for entry in self.root.iterdir():
            if entry.is_dir() and entry.name.startswith("gen-") and entry.name != generation:
                shutil.rmtree(entry, ignore_errors=True)

    def discard(self, generation: str) -> None:
        shutil.rmtree(self.root / generation, ignore_errors=True)

    # journal ---------------------------------------------------------------------------------

    def journal_append(self, article_ids, ticket_ids) -> None:
        if not article_ids and not ticket_ids:
            return
        line = json.dumps({"a": sorted(article_ids), "t": sorted(ticket_ids)}) + "\n"
        with file_lock(self.journal_lock_path, timeout=30):
            with open(self.journal_path, "a", encoding="utf-8") as handle:
                handle.write(line)

    def journal_take(self) -> tuple[set[int], set[int]]:
        """Read and empty the journal (callers hold the write lock)."""
        articles: set[int] = set()
        tickets: set[int] = set()
        with file_lock(self.journal_lock_path, timeout=30):
            try:
                with open(self.journal_path, encoding="utf-8") as handle:
                    lines = handle.readlines()
            except FileNotFoundError:
                return articles, tickets
            os.unlink(self.journal_path)
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: its ids will come back with the next rebuild
            articles.update(int(i) for i in entry.get("a", ()))
            tickets.update(int(i) for i in entry.get("t", ()))
        return articles, tickets

    def journal_size(self) -> int:
        try:
            return self.journal_path.stat().st_size
        except FileNotFoundError:
            return 0


def _close_quietly(searcher) -> None:
    try:
        searcher.close()
    except Exception:
        pass
