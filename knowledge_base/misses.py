"""Missing articles: knowledge-base searches that found nothing or whose results nobody opened,
recorded without personal data, grouped by similar queries and ranked by demand.

The life of a search:

1. One `SearchLog` row (one small INSERT) is written when a search is *submitted* (help centre,
   console search page, API `kb/search`: after the response is sent, `search_log.py`) or when a
   new-request form is sent without any suggested article opened (in the ticket's transaction).
   As-you-type suggestions are not recorded: every keystroke would be a "search". The result
   links carry a signed token naming the row (`?s=<token>`, `sign_search`).
2. Opening a result with that token marks the row followed (`mark_followed`): nothing else.
3. `fold_search_log` (background pass, `flask kb fold-searches`) adds the decided rows to the
   `SearchMiss` counters by SQL aggregation: a search without results at once, a search followed
   at once (it only adds to `searches`), a search with results not followed within
   `FOLLOW_WINDOW` (30 min) as "not followed".
4. `missing_articles` lists the groups by demand (no results + not followed) for the lead
   dashboard and the authors' page; one click drafts an article titled with the query.

The first section is pure (no Flask, no database) and unit-tested.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from flask_babel import gettext as _
from itsdangerous import BadSignature, Signer
from sqlalchemy import and_, bindparam, case, delete, exists, func, insert, select, tuple_, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from helpdesk.errors import NotFound
from helpdesk.models.types import UTCDateTime
from helpdesk.permissions import require
from knowledge_base import service
from knowledge_base.analysis import LANGUAGES, index_term
from knowledge_base.models import Article, SearchLog, SearchMiss
from knowledge_base.search import parse

SOURCES = ("portal", "help", "console")
FOLLOW_WINDOW = timedelta(minutes=30)  # results not opened within it: "not followed"
LOG_RETENTION = timedelta(days=30)  # folded log rows are deleted after it
MAX_QUERY_CHARS = 200  # the columns' size
DEFAULT_LANGUAGE = "fr"

# ---------------------------------------------------------------------------------------------
# Rules (pure)
# ---------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^\s@]@[^\s@]")
_HEX_CODE = re.compile(r"\b0x[0-9a-f]+\b", re.IGNORECASE)  # error codes (0x80070005) are not personal
# Digits with at most two separators between them: "06 12 34 56 78", "+33 (0)6.12", "4970-1012-…".
_DIGIT_RUN = re.compile(r"\+?\d(?:[\s.\-/()]{0,2}\d)*")
PHONE_DIGITS = 9  # a French number has 10, an international one 8 to 15 after its "+"
INTERNATIONAL_DIGITS = 8
LONG_NUMBER_DIGITS = 7  # customer, contract, card, serial numbers; not years, postcodes, ticket numbers


def looks_personal(text: str) -> bool:
    """Whether a query seems to hold personal data: an e-mail address, a phone number, or a long
    number (customer, contract, card, serial, IBAN). Such queries are not recorded at all.

    Names cannot be told from words: a query naming someone is still recorded (lower-cased), and
    its wording may become the one the missing-articles list shows ("Ignorer" hides it for good).
    On the safe side, a few harmless queries are dropped too (a list of 9+ digits, a long IP
    address)."""
    text = text or ""
    if _EMAIL.search(text):
        return True
    for match in _DIGIT_RUN.finditer(_HEX_CODE.sub(" ", text)):
        run = match.group()
        digits = sum(c.isdigit() for c in run)
        if digits >= PHONE_DIGITS or (run.startswith("+") and digits >= INTERNATIONAL_DIGITS):
            return True
        if re.search(r"\d{%d,}" % LONG_NUMBER_DIGITS, run):
            return True
    return False


def search_language(langs: Sequence[str] | None, locale: str | None) -> str:
    """The language a search is analysed and counted in: the one searched when a single one was
    asked, else the viewer's interface language (French by default)."""
    if langs and len(langs) == 1 and langs[0] in LANGUAGES:
        return langs[0]
    return locale if locale in LANGUAGES else DEFAULT_LANGUAGE


def query_key(text: str, language: str) -> str:
    """What groups similar queries: accents folded, lower-cased, stop words dropped, each word
    stemmed by the index's own analyser for `language`, duplicates dropped, sorted. So
    "imprimante bloquée", "Imprimantes bloquées" and "bloquée imprimante" share "bloqu imprim";
    "wifi" and "Wi-Fi" share "wif". Excluded words (-fibre) and quotes are left out."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    terms = set()
    for clause in parse(text):
        if clause.exclude:
            continue
        for word in clause.words:
            term = index_term(word, language)
            if term and len(term) >= 2:
                terms.add(term)
    key = ""
    for term in sorted(terms):  # cut on a word, to the column's size
        longer = f"{key} {term}" if key else term
        if len(longer) > MAX_QUERY_CHARS:
            break
        key = longer
    return key


@dataclass(frozen=True)
class NormalisedSearch:
    key: str  # groups similar queries (query_key)
    query: str  # as typed: trimmed, spaces collapsed, lower-cased
    language: str


def normalise_search(text: Any, language: str) -> NormalisedSearch | None:
    """The search as it is recorded, or None when it is not recorded: empty or one-letter
    queries, queries made only of stop words, and anything that looks like personal data
    (`looks_personal`: dropped entirely, never stored)."""
    if not isinstance(text, str):
        return None
    typed = " ".join(text.split()).lower()
    if len(typed) < 2 or looks_personal(typed):
        return None
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    key = query_key(typed, language)
    if not key:
        return None
    return NormalisedSearch(key, typed[:MAX_QUERY_CHARS].strip(), language)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _signer(secret: str | bytes) -> Signer:
    return Signer(secret, salt="kb.search-log")


def sign_search(searched_at: datetime, secret: str | bytes) -> str:
    """The token result links carry (`?s=`): when the search was made, to the microsecond (what
    finds its log row, through the (folded_at, created_at) index), signed so that nobody can mark
    other people's searches followed. Not the row id: the row is written after the response."""
    micros = (searched_at - _EPOCH) // timedelta(microseconds=1)
    return _signer(secret).sign(str(micros)).decode()


def read_search(token: Any, secret: str | bytes) -> datetime | None:
    """When the search of a token from `sign_search` was made; None when absent, malformed or forged."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    try:
        value = _signer(secret).unsign(token).decode()
    except BadSignature:
        return None
    return _EPOCH + timedelta(microseconds=int(value)) if value.isdigit() else None


_last_instant: datetime | None = None
_instant_lock = threading.Lock()


def unique_instant(now: datetime) -> datetime:
    """`now`, or a microsecond after the last instant given in this process: two searches of one
    process never share a `created_at`, so a token names one row. (Two processes at the same
    microsecond could; opening one result would then mark both: harmless.)"""
    global _last_instant
    with _instant_lock:
        if _last_instant is not None and now <= _last_instant:
            now = _last_instant + timedelta(microseconds=1)
        _last_instant = now
        return now


# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------


def search_row(text: Any, *, language: str, source: str, results: int, now: datetime) -> dict | None:
    """The SearchLog values of a search (pure), or None when it is not recorded (see
    `normalise_search`: nothing of a query that looks personal is kept)."""
    if source not in SOURCES:
        raise ValueError(f"unknown search source {source!r}")
    normalised = normalise_search(text, language)
    if normalised is None:
        return None
    return {"query_key": normalised.key, "query": normalised.query, "language": normalised.language,
            "source": source, "results": max(0, int(results or 0)), "created_at": now}


def write_searches(session: Session, rows: Sequence[dict]) -> None:
    """One INSERT of SearchLog rows from `search_row`, in the caller's transaction."""
    if rows:
        session.execute(insert(SearchLog.__table__), list(rows))


def record_search(session: Session, text: Any, *, language: str, source: str, results: int,
                  now: datetime) -> dict | None:
    """Record one search in the caller's transaction; its values, or None when not recorded."""
    row = search_row(text, language=language, source=source, results=results, now=unique_instant(now))
    if row is not None:
        write_searches(session, [row])
    return row


def record_request_subject(session: Session, subject: Any, *, attempt: Any, suggested: Any, language: str,
                           now: datetime) -> dict | None:
    """A new-request form was sent and none of its suggested articles had been opened: its subject
    is the last query of the form (source "portal"; `suggested`, what the form showed for it, as
    its results). Called in the ticket's transaction, only when no suggestion was opened. Only
    forms whose page asked for suggestions (a valid attempt token and a count) are recorded."""
    if service.valid_attempt(attempt) is None or not isinstance(suggested, str) or not suggested.isdigit():
        return None
    return record_search(session, subject, language=language, source="portal",
                         results=min(int(suggested), 50), now=now)


def mark_followed(session: Session, searched_at: datetime | None, now: datetime) -> bool:
    """A result of the search made at `searched_at` was opened (one UPDATE on the indexed
    (folded_at, created_at), in the caller's transaction). Only a row not yet followed nor folded
    changes; True when one did."""
    if searched_at is None:
        return False
    changed = session.execute(
        update(SearchLog).where(SearchLog.folded_at.is_(None), SearchLog.created_at == searched_at,
                                SearchLog.followed_at.is_(None))
        .values(followed_at=now).execution_options(synchronize_session=False)).rowcount
    return bool(changed)


# ---------------------------------------------------------------------------------------------
# Folding the log into the counters
# ---------------------------------------------------------------------------------------------

_FOLD_LOCK = 0x6B62_6D73  # "kbms": one PostgreSQL advisory lock, so folds never overlap


def fold_search_log(session: Session, now: datetime) -> int:
    """Fold the decided SearchLog rows into SearchMiss and return how many were folded. Commits.

    Decided: no results (a miss at once), followed (counted in `searches` only), or older than
    `FOLLOW_WINDOW` without being followed (a miss, "not followed"). The rows are claimed by one
    UPDATE (their `folded_at`), then counted by GROUP BY (query_key, language, source) and added
    with an upsert on the unique key (SQLite and PostgreSQL). Groups without a miss only add to an
    existing miss's `searches`; they create none. Folded rows older than `LOG_RETENTION` are
    deleted. Safe with several processes folding: on PostgreSQL an advisory lock lets one fold at
    a time (the others return 0); on SQLite the claim holds the write lock until the commit."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and not session.scalar(select(func.pg_try_advisory_xact_lock(_FOLD_LOCK))):
        session.rollback()
        return 0
    claim = now
    while session.scalar(select(exists().where(SearchLog.folded_at == claim))):
        claim += timedelta(microseconds=1)  # a fold at this very time already ran (tests pass `now`)
    decided = (SearchLog.results == 0) | SearchLog.followed_at.is_not(None) | (
        SearchLog.created_at <= now - FOLLOW_WINDOW)
    claimed = session.execute(
        update(SearchLog).where(SearchLog.folded_at.is_(None), decided).values(folded_at=claim)
        .execution_options(synchronize_session=False)).rowcount
    if claimed:
        mine = session.scalar(select(func.count()).select_from(SearchLog).where(SearchLog.folded_at == claim))
        if mine != claimed:  # another fold used the same instant meanwhile: let the next pass do it
            session.rollback()
            return 0
        _add_to_misses(session, claim)
    session.execute(delete(SearchLog).where(SearchLog.folded_at.is_not(None),
                                            SearchLog.folded_at < now - LOG_RETENTION)
                    .execution_options(synchronize_session=False))
    session.commit()
    return claimed


def _add_to_misses(session: Session, claim: datetime) -> None:
    in_claim = SearchLog.folded_at == claim
    missed = (SearchLog.results == 0) | SearchLog.followed_at.is_(None)
    no_result = case((SearchLog.results == 0, 1), else_=0)
    not_followed = case((and_(SearchLog.results > 0, SearchLog.followed_at.is_(None)), 1), else_=0)
    missed_at = type_coerce(case((missed, SearchLog.created_at)), UTCDateTime)
    group = (SearchLog.query_key, SearchLog.language, SearchLog.source)
    totals = session.execute(
        select(*group, func.count(), func.sum(no_result), func.sum(not_followed),
               func.min(missed_at), func.max(missed_at))
        .where(in_claim).group_by(*group)).all()
    # The most frequent wording of each group in this batch (ties: the shortest, then alphabetical).
    wordings: dict[tuple, tuple[str, int]] = {}
    for key, language, source, query, count in session.execute(
            select(*group, SearchLog.query, func.count()).where(in_claim).group_by(*group, SearchLog.query)):
        best = wordings.get((key, language, source))
        if best is None or (-count, len(query), query) < (-best[1], len(best[0]), best[0]):
            wordings[(key, language, source)] = (query, count)
    new_misses, searches_only = [], []
    for key, language, source, searches, no_results, unfollowed, first_missed, last_missed in totals:
        if no_results or unfollowed:
            query, top = wordings[(key, language, source)]
            new_misses.append({"query_key": key, "language": language, "source": source, "query": query,
                               "top": top, "searches": searches, "no_results": no_results,
                               "not_followed": unfollowed, "first_seen_at": first_missed,
                               "last_seen_at": last_missed})
        else:
            searches_only.append({"k": key, "l": language, "s": source, "n": searches})
    table = SearchMiss.__table__
    connection = session.connection()
    if new_misses:
        insert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
        new = insert.excluded
        connection.execute(insert.on_conflict_do_update(
            index_elements=["query_key", "language", "source"],
            set_={
                "searches": table.c.searches + new.searches,
                "no_results": table.c.no_results + new.no_results,
                "not_followed": table.c.not_followed + new.not_followed,
                "first_seen_at": case((new.first_seen_at < table.c.first_seen_at, new.first_seen_at),
                                      else_=table.c.first_seen_at),
                "last_seen_at": case((new.last_seen_at > table.c.last_seen_at, new.last_seen_at),
                                     else_=table.c.last_seen_at),
                # Another wording replaces the shown one once it alone makes most of the searches
                # counted so far (so it is surely the most frequent): no per-wording counts kept.
                "query": case((bindparam("top") * 2 > table.c.searches + new.searches, new.query),
                              else_=table.c.query),
            }), new_misses)
    if searches_only:
        connection.execute(
            update(table).where(table.c.query_key == bindparam("k"), table.c.language == bindparam("l"),
                                table.c.source == bindparam("s"))
            .values(searches=table.c.searches + bindparam("n")), searches_only)


# ---------------------------------------------------------------------------------------------
# The missing-articles list
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingArticle:
    """A group of similar queries (same key and language, every source) still without an article."""

    id: int  # the SearchMiss row to act on (draft, dismiss): any of the group's rows does
    query: str  # the most searched wording: the draft's title
    query_key: str
    language: str
    sources: tuple[str, ...]  # most demand first
    searches: int
    no_results: int
    not_followed: int
    first_seen_at: datetime
    last_seen_at: datetime
    draft_article_id: int | None = None

    @property
    def source(self) -> str:
        return self.sources[0]

    @property
    def demand(self) -> int:
        return self.no_results + self.not_followed


def _listed(since: datetime, until: datetime, language: str | None, source: str | None) -> list:
    conditions = [SearchMiss.dismissed_at.is_(None), SearchMiss.draft_article_id.is_(None),
                  SearchMiss.last_seen_at >= since, SearchMiss.first_seen_at < until]
    if language:
        conditions.append(SearchMiss.language == language)
    if source:
        conditions.append(SearchMiss.source == source)
    return conditions


def _grouped(since: datetime, until: datetime, language: str | None, source: str | None):
    demand = func.sum(SearchMiss.no_results + SearchMiss.not_followed)
    return (select(SearchMiss.query_key, SearchMiss.language, func.sum(SearchMiss.searches).label("searches"),
                   func.sum(SearchMiss.no_results).label("no_results"),
                   func.sum(SearchMiss.not_followed).label("not_followed"), demand.label("demand"),
                   func.min(SearchMiss.first_seen_at).label("first_seen_at"),
                   func.max(SearchMiss.last_seen_at).label("last_seen_at"))
            .where(*_listed(since, until, language, source))
            .group_by(SearchMiss.query_key, SearchMiss.language).having(demand > 0))


def missing_articles(session: Session, *, since: datetime, until: datetime, language: str | None = None,
                     source: str | None = None, limit: int = 50) -> list[MissingArticle]:
    """Missing articles by demand (no results + not followed, then the most recent miss), for
    the lead dashboard, the authors' page and the API. Dismissed groups and those with a draft
    are left out. The counts are totals since the group was first missed (the log keeps no
    history per day); the period picks the groups missed in it (first miss before `until`,
    last one on or after `since`). Two queries: the ranked groups, then their rows (sources,
    wording)."""
    groups = session.execute(
        _grouped(since, until, language, source)
        .order_by(func.sum(SearchMiss.no_results + SearchMiss.not_followed).desc(),
                  func.max(SearchMiss.last_seen_at).desc(), SearchMiss.query_key, SearchMiss.language)
        .limit(limit)).all()
    if not groups:
        return []
    rows: dict[tuple[str, str], list[SearchMiss]] = {}
    for miss in session.scalars(
            select(SearchMiss).where(tuple_(SearchMiss.query_key, SearchMiss.language).in_(
                [(g.query_key, g.language) for g in groups]), *_listed(since, until, language, source))):
        rows.setdefault((miss.query_key, miss.language), []).append(miss)
    items = []
    for group in groups:
        members = sorted(rows.get((group.query_key, group.language), []),
                         key=lambda m: (-(m.no_results + m.not_followed), -m.searches, m.id))
        if not members:
            continue
        wording = max(members, key=lambda m: (m.searches, -m.id))
        items.append(MissingArticle(
            id=members[0].id, query=wording.query, query_key=group.query_key, language=group.language,
            sources=tuple(m.source for m in members), searches=int(group.searches),
            no_results=int(group.no_results), not_followed=int(group.not_followed),
            first_seen_at=group.first_seen_at, last_seen_at=group.last_seen_at))
    return items


def count_missing_articles(session: Session, *, since: datetime, until: datetime, language: str | None = None,
                           source: str | None = None) -> int:
    """How many groups `missing_articles` would list without a limit."""
    return session.scalar(select(func.count()).select_from(_grouped(since, until, language, source).subquery()))


def _group_of(session: Session, miss_id: int) -> SearchMiss:
    miss = session.get(SearchMiss, miss_id)
    if miss is None:
        raise NotFound("No such missing article.")
    return miss


def _same_group(miss: SearchMiss):
    return and_(SearchMiss.query_key == miss.query_key, SearchMiss.language == miss.language)


def draft_title(query: str) -> str:
    """The draft's title: the query, its first letter capitalised."""
    return query[:1].upper() + query[1:]


def draft_missing_article(session: Session, user: Any, miss_id: int, now: datetime) -> Article:
    """"Rédiger l'article": a draft titled with the query (the miss's language, public, author
    `user`), linked to every row of the group (all sources), so it leaves the list. Clicking
    twice gives the same draft. The caller commits."""
    require(user, "kb.author")
    miss = _group_of(session, miss_id)
    if miss.draft_article_id is not None and session.get(Article, miss.draft_article_id) is not None:
        return session.get(Article, miss.draft_article_id)
    body = _("*À rédiger* : des recherches « %(query)s » n'ont trouvé aucun article utile.", query=miss.query)
    article = service.create_article(session, user, {
        "title": draft_title(miss.query)[:service.MAX_TITLE], "body": body,
        "language": miss.language or DEFAULT_LANGUAGE, "visibility": "public", "status": "draft"}, now)
    session.execute(update(SearchMiss).where(_same_group(miss), SearchMiss.draft_article_id.is_(None))
                    .values(draft_article_id=article.id).execution_options(synchronize_session=False))
    return article


def dismiss_missing_article(session: Session, user: Any, miss_id: int, now: datetime) -> int:
    """"Ignorer": the group (all sources) leaves the list for good. The caller commits."""
    require(user, "kb.author")
    miss = _group_of(session, miss_id)
    return session.execute(update(SearchMiss).where(_same_group(miss), SearchMiss.dismissed_at.is_(None))
                           .values(dismissed_at=now).execution_options(synchronize_session=False)).rowcount


CSV_HEADER = ("query", "language", "source", "searches", "no_results", "not_followed", "first_seen_at",
              "last_seen_at")


def csv_rows(items: Sequence[MissingArticle]) -> list[tuple]:
    """The CSV table (queries are what users typed: to_csv neutralises formulas)."""
    return [(m.query, m.language, ",".join(m.sources), m.searches, m.no_results, m.not_followed,
             m.first_seen_at.isoformat(), m.last_seen_at.isoformat()) for m in items]
