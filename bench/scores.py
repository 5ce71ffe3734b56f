"""python -m bench.scores [--customers 100000] [--orders 1000000] [--tickets 1000000] [--responses 200000]
                       [--database-url URL] [--n 200] [--runs 2] [--json FILE]

The customer-scores engine (helpdesk/scores) at size: builds once, by bulk inserts, a synthetic
data set in bench/.data/scores-<customers>-<orders>-<tickets>[-pg]/ (customers, orders, tickets
with their events and SLA clocks, survey answers, follow-ups, calls), then times in this process
the full `recompute_all` (twice: the first with no stored RFM boundaries and no scores yet) and
`update_customer_scores` + commit after a survey answer for --n random customers with orders.
Figures, not pass/fail: the exit status is 0 even when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from bisect import bisect_left
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import Any

from bench.dataset import MARKER, ROOT, Dataset
from bench.registry import QueryCounter, percentile, rss_hwm_mb

UTC = timezone.utc
# Bump when the generator changes: a data set built by an older version is rebuilt.
GENERATOR_VERSION = 1
BATCH = 10_000
RECOMPUTE_TARGET_S = 60.0  # full recompute, 100k customers / 1M orders / 1M tickets
UPDATE_TARGET_MS = 20.0  # one customer after a survey answer (p95)
DAY = 86400.0

FIRST_NAMES = ("Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Emma", "Sarah", "Julie", "Lucas",
               "Hugo", "Louis", "Nathan", "Gabriel", "Jules", "Arthur", "Thomas", "Paul", "Nicolas", "Marie",
               "Anne", "Pierre", "Jean", "Sophie", "Claire", "Antoine", "Élodie", "Mathieu", "Karim", "Yasmine")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
              "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Benali")
SUBJECTS = ("La box ne se connecte plus", "Facture incorrecte", "Demande de remboursement", "Livraison en retard",
            "Écran cassé à la réception", "Batterie qui se décharge vite", "Question sur la garantie",
            "Changement d'adresse", "Wifi instable le soir", "Colis jamais reçu", "Résiliation de l'abonnement",
            "Prélèvement en double", "Mot de passe oublié", "Produit défectueux", "Échange de taille")
COMMENTS = ("Merci pour la rapidité !", "Toujours pas réglé.", "Conseiller très aimable.",
            "Trop d'attente au téléphone.",
            "Parfait.", "J'ai dû rappeler trois fois.", "Bonne solution, merci.", "Réponse à côté de la question.")
CHANNELS = (("email", 40), ("phone", 25), ("portal", 25), ("chat", 7), ("api", 3))
PRIORITIES = (("low", 15), ("normal", 60), ("high", 20), ("urgent", 5))
TYPES = (("incident", 40), ("question", 35), ("request", 20), ("complaint", 5))
# Resolution / first-response targets by priority (wall-clock hours: the data set has no calendars).
RESOLUTION_H = {"low": 72, "normal": 24, "high": 8, "urgent": 4}
FIRST_RESPONSE_H = {"low": 8, "normal": 4, "high": 2, "urgent": 1}
CSAT = ((5, 45), (4, 25), (3, 12), (2, 8), (1, 10))
NPS = ((10, 18), (9, 22), (8, 18), (7, 14), (6, 8), (5, 6), (4, 4), (3, 3), (2, 2), (1, 2), (0, 3))
EFFORT = ((1, 25), (2, 25), (3, 18), (4, 12), (5, 9), (6, 6), (7, 5))


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.scores", description=__doc__.split("\n\n")[1])
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=730, help="the orders, tickets and calls span the last N days")
    p.add_argument("--responses", type=int, default=200_000, help="survey answers (at most one per resolved ticket)")
    p.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in the instance folder)")
    p.add_argument("--instance", default=None, help="default bench/.data/scores-<customers>-<orders>-<tickets>[-pg]")
    p.add_argument("--n", type=int, default=200, help="customers updated one by one (timed)")
    p.add_argument("--runs", type=int, default=2, help="full recomputes (the first with no boundaries/scores yet)")
    p.add_argument("--no-breakdown", action="store_true", help="skip timing each aggregate statement on its own")
    p.add_argument("--json", default=None, help="also write the JSON document to this file")
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)  # the child process that inserts
    return p.parse_args(argv)


def instance_for(args) -> Path:
    if args.instance:
        return Path(args.instance).resolve()
    suffix = ("" if args.days == 730 else f"-{args.days}d") + ("-pg" if args.database_url else "")
    return ROOT / "bench" / ".data" / f"scores-{args.customers}-{args.orders}-{args.tickets}{suffix}"


def _log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


# --- the data set ----------------------------------------------------------------------------------


def prepare(args, dataset: Dataset, log=_log) -> dict:
    """Build the data set unless the marker says this one (same sizes, database, generator) exists."""
    import fcntl

    dataset.instance.mkdir(parents=True, exist_ok=True)
    with open(dataset.instance / ".bench-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = {"generator": GENERATOR_VERSION, "customers": args.customers, "orders": args.orders,
                  "tickets": args.tickets, "responses": args.responses, "days": args.days,
                  "database": args.database_url or "sqlite"}
        marker = _read_marker(dataset.instance)
        if marker.get("complete") and all(marker.get(k, 730 if k == "days" else None) == v for k, v in wanted.items()):
            log(f"data set: reusing {dataset.instance} "
                f"(built {marker.get('built_at')} in {marker.get('build_seconds')} s)")
            dataset._flask("db", "upgrade", log=log)  # an older data set follows the schema
            return marker
        log(f"data set: building {args.customers} customers / {args.orders} orders / {args.tickets} tickets / "
            f"{args.responses} answers into {args.database_url or dataset.instance}")
        _wipe(args, dataset, marker, log)
        (dataset.instance / MARKER).unlink(missing_ok=True)
        started = time.perf_counter()
        dataset._flask("db", "upgrade", log=log)
        cmd = [sys.executable, "-m", "bench.scores", "--build-only", "--customers", str(args.customers),
               "--orders", str(args.orders), "--tickets", str(args.tickets), "--responses", str(args.responses),
               "--days", str(args.days), "--instance", str(dataset.instance)]
        if args.database_url:
            cmd += ["--database-url", args.database_url]
        # In a child process, so that this one's peak RSS is the recompute's, not the generator's.
        out = subprocess.run(cmd, cwd=ROOT, env=dataset.env(), check=True, stdout=subprocess.PIPE, text=True).stdout
        built = json.loads(out.strip().splitlines()[-1])
        insert_seconds = time.perf_counter() - started
        t0 = time.perf_counter()
        dataset._analyze(log)
        analyze_seconds = time.perf_counter() - t0
        marker = {**wanted, "complete": True, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "built_now": built["now"], "rows": built["rows"], "insert_seconds": built["seconds"],
                  "analyze_seconds": round(analyze_seconds, 1),
                  "build_seconds": round(insert_seconds + analyze_seconds, 1)}
        (dataset.instance / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        marker["built_now_this_run"] = True
        log(f"data set built in {marker['build_seconds']} s (migrate + inserts {insert_seconds:.1f} s, "
            f"ANALYZE {analyze_seconds:.1f} s): {json.dumps(built['rows'])}")
        return marker


def _read_marker(instance: Path) -> dict:
    try:
        return json.loads((instance / MARKER).read_text())
    except (OSError, ValueError):
        return {}


def _wipe(args, dataset: Dataset, marker: dict, log) -> None:
    """Start from an empty database: the SQLite file goes; a PostgreSQL database is emptied only
    if it is empty already or this script built it (its marker names the same URL)."""
    if not args.database_url:
        for suffix in ("", "-wal", "-shm"):
            (dataset.instance / f"helpdesk.db{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine, inspect, text

    # The data sets (of any size) that this script built in that database.
    ours = [m for m in (ROOT / "bench" / ".data").glob(f"scores-*/{MARKER}")
            if _read_marker(m.parent).get("database") == args.database_url]
    engine = create_engine(_sqlalchemy_url(args.database_url))
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        if tables and not ours and marker.get("database") != args.database_url:
            raise SystemExit(f"{args.database_url} has tables ({len(tables)}) that bench.scores did not make: "
                             "give it a database of its own (createdb -h 127.0.0.1 -U postgres bench_scores)")
        if tables:
            log(f"  emptying {args.database_url} (built by an earlier bench.scores run)")
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            conn.commit()
    engine.dispose()
    for other in ours:  # their data set is gone with the schema
        other.unlink(missing_ok=True)


def _sqlalchemy_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _weighted(rng: random.Random, table):
    values = [v for v, _ in table]
    cum = list(accumulate(w for _, w in table))
    total = cum[-1]
    return lambda: values[bisect_left(cum, rng.random() * total)]


class _Writer:
    """Batched bulk writes, flushed parents first (the foreign keys hold on PostgreSQL): sqlite3's
    executemany on SQLite (the values written as SQLAlchemy would store them: UTC times as
    "YYYY-MM-DD HH:MM:SS.ffffff" text, JSON as text; its bind processing would double the load
    time), COPY on PostgreSQL."""

    ORDER = ("customers", "orders", "tickets", "ticket_events", "sla_clocks", "survey_responses", "follow_ups",
             "interactions")

    def __init__(self, url: str):
        import helpdesk.models  # noqa: F401  (every table on db.metadata)
        from helpdesk.extensions import db

        self.tables = {name: db.metadata.tables[name] for name in self.ORDER}
        self.buffers: dict[str, list[dict]] = {name: [] for name in self.ORDER}
        self.counts: dict[str, int] = {name: 0 for name in self.ORDER}
        self.pending = 0
        self.sqlite = url.startswith("sqlite:///")
        self.stamp = _sqlite_stamp if self.sqlite else (lambda ts: datetime.fromtimestamp(int(ts), UTC))
        if self.sqlite:
            import sqlite3

            self.raw = sqlite3.connect(url[len("sqlite:///"):])
            # A bulk load of consistent rows: no per-row foreign-key lookups, no fsync per commit.
            for pragma in ("foreign_keys=OFF", "journal_mode=WAL", "synchronous=OFF", "cache_size=-200000"):
                self.raw.execute(f"PRAGMA {pragma}")
        else:
            from sqlalchemy import create_engine

            self.engine = create_engine(url)
            self.conn = self.engine.connect()

    def add(self, table: str, row: dict) -> None:
        self.buffers[table].append(row)
        self.pending += 1

    def flush(self, force: bool = False) -> None:
        if not force and self.pending < BATCH:
            return
        self.pending = 0
        for name in self.ORDER:
            rows = self.buffers[name]
            if rows:
                self._write(self.tables[name], rows)
                self.counts[name] += len(rows)
                self.buffers[name] = []
        (self.raw if self.sqlite else self.conn).commit()

    def _write(self, table, rows: list[dict]) -> None:
        """The rows hold what the database stores: times from `self.stamp`, JSON already as text."""
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
                                 [tuple(row.values()) for row in rows])
            return
        if not self.conn.in_transaction():
            self.conn.begin()  # so that commit() commits the COPY
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(row.values()))

    def finish(self) -> None:
        from sqlalchemy import text

        self.flush(force=True)
        if self.sqlite:
            self.raw.close()
            return
        for name in self.ORDER:  # explicit ids: move the serial sequences past them
            self.conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                   f"COALESCE((SELECT MAX(id) FROM {name}), 1), "
                                   f"(SELECT MAX(id) FROM {name}) IS NOT NULL)"))
        self.conn.commit()
        self.conn.close()
        self.engine.dispose()


_DAYS: dict[int, str] = {}
_SECONDS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(86400)]


def _sqlite_stamp(ts: float) -> str:
    """A UTC time as SQLAlchemy's SQLite DateTime stores it ("YYYY-MM-DD HH:MM:SS.ffffff", the
    offset dropped by UTCDateTime), to the second; 10x faster than datetime.strftime."""
    day, second = divmod(int(ts), 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d ")
    return date + _SECONDS[second]


def build(args) -> dict:
    """Generate and insert every row (run in the child process); returns the row counts."""
    started = time.perf_counter()
    instance = instance_for(args)
    url = _sqlalchemy_url(args.database_url) if args.database_url else "sqlite:///" + str(instance / "helpdesk.db")
    w = _Writer(url)
    rng = random.Random(2026)
    now_ts = float(int(time.time()))
    now = datetime.fromtimestamp(now_ts, UTC)
    limit = now_ts - 60  # nothing happens in the last minute
    dt = w.stamp
    n_c, n_o, n_t = args.customers, args.orders, args.tickets
    span = args.days * DAY

    # Customers: created over 5 years; how much they buy and how often they call are skewed
    # (log-normal weights), some never bought anything, some never called.
    created = [now_ts - rng.random() * 5 * 365 * DAY for _ in range(n_c)]
    buys = [0.0 if rng.random() < 0.3 else rng.lognormvariate(0, 1.3) for _ in range(n_c)]
    calls = [0.0 if rng.random() < 0.2 else (0.3 + math.sqrt(b)) * rng.lognormvariate(0, 0.9) for b in buys]
    ids = range(1, n_c + 1)

    def since(customer_id: int) -> float:  # a date in the last --days, after the customer's creation
        start = max(created[customer_id - 1], now_ts - span)
        return start + rng.random() * (limit - start)

    # Tickets, first pass: who, when and in which status (ids follow the creation time).
    cum_calls = list(accumulate(calls))
    ticket_customers = rng.choices(ids, cum_weights=cum_calls, k=n_t)
    pairs = sorted(((since(c), c if rng.random() >= 0.02 else None) for c in ticket_customers),
                   key=lambda p: p[0])
    del ticket_customers
    statuses = [_status(rng, limit - ts) for ts, _ in pairs]
    last_contact = [None] * n_c
    for ts, c in pairs:
        if c is not None:
            last_contact[c - 1] = ts
    loose_calls = []  # inbound calls and e-mails on no ticket
    for _ in range(max(1, n_c // 3)):
        c = rng.choices(ids, cum_weights=cum_calls, k=1)[0] if rng.random() < 0.7 else rng.randint(1, n_c)
        ts = since(c)
        loose_calls.append((c, ts))
        if last_contact[c - 1] is None or last_contact[c - 1] < ts:
            last_contact[c - 1] = ts

    segment = _weighted(rng, (("standard", 75), ("premium", 15), ("business", 7), ("vip", 3)))
    preferred = _weighted(rng, (("email", 50), ("phone", 30), (None, 20)))
    for i in ids:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        at = dt(created[i - 1])
        w.add("customers", {
            "id": i, "name": f"{first} {last}", "email": f"client{i}@example.com", "organization_id": None,
            "language": "fr" if rng.random() < 0.9 else "en", "preferred_channel": preferred(),
            "segment": segment(), "lifecycle_stage": "active", "consent_email": rng.random() < 0.85,
            "consent_sms": rng.random() < 0.35, "consent_surveys": rng.random() < 0.8, "notes": None,
            "external_ref": f"SC-{i:07d}",
            "last_contact_at": dt(last_contact[i - 1]) if last_contact[i - 1] is not None else None,
            "created_at": at, "updated_at": at,
        })
        w.flush()
    w.flush(force=True)
    _progress("customers", n_c, started)

    # Orders: a small share of customers places most of them; amounts log-normal (median ~55 EUR).
    order_customers = rng.choices(ids, cum_weights=list(accumulate(buys)), k=n_o)
    order_times = sorted((since(c), c) for c in order_customers)
    del order_customers
    for k, (ts, c) in enumerate(order_times, 1):
        w.add("orders", {"id": k, "customer_id": c, "ordered_at": dt(ts),
                         "amount": round(min(rng.lognormvariate(4.0, 0.9), 20000.0), 2), "currency": "EUR",
                         "reference": f"SO-{k:08d}"})
        w.flush()
    w.flush(force=True)
    del order_times
    _progress("orders", n_o, started)

    # Survey answers go to resolved tickets of customers (one at most per ticket).
    done = [i for i, (st, (_, c)) in enumerate(zip(statuses, pairs)) if st in ("resolved", "closed") and c is not None]
    answered = set(rng.sample(done, min(args.responses, len(done))))
    del done

    channel, priority, kind = _weighted(rng, CHANNELS), _weighted(rng, PRIORITIES), _weighted(rng, TYPES)
    csat, nps, effort = _weighted(rng, CSAT), _weighted(rng, NPS), _weighted(rng, EFFORT)
    event_id = clock_id = response_id = follow_up_id = interaction_id = 0
    last_ticket: dict[int, int] = {}
    for i, ((ts, c), status) in enumerate(zip(pairs, statuses)):
        tid = i + 1
        ch, prio = channel(), priority()
        res_target, fr_target = RESOLUTION_H[prio] * 3600, FIRST_RESPONSE_H[prio] * 3600
        # The ticket's story as durations from its creation, squeezed if it would end after `limit`.
        fr = rng.lognormvariate(math.log(2 * 3600), 1.0) if status != "new" else None
        done_ = status in ("resolved", "closed")
        reopened = ((done_ and rng.random() < 0.04)
                    or (status == "open" and limit - ts > 2 * DAY and rng.random() < 0.15))
        steps = []  # (what, duration since the previous step)
        if fr is not None:
            steps.append(("first_response", fr))
        if reopened:
            steps += [("resolved", rng.lognormvariate(math.log(20 * 3600), 1.0)),
                      ("reopened", rng.uniform(0.5, 5) * DAY)]
        if done_:
            steps.append(("resolved", rng.lognormvariate(math.log(20 * 3600), 1.0)))
        if status == "closed":
            steps.append(("closed", 7 * DAY))
        total = sum(d for _, d in steps)
        if status == "closed" and ts + total > limit:
            steps.pop()
            status, total = "resolved", total - 7 * DAY
        scale = min(1.0, (limit - ts) / total) if total > 0 else 1.0
        at, times = ts, {}
        story = []
        for what, d in steps:
            at += d * scale
            story.append((what, at))
            times[what] = at  # the last "resolved" wins
        breach = rng.random() < 0.05
        merged = status == "closed" and c is not None and c in last_ticket and rng.random() < 0.003
        resolved_at = times.get("resolved") if done_ else None
        closed_at = times.get("closed")
        fr_at = times.get("first_response")
        open_ = not done_
        paused = status in ("pending_customer", "pending_third_party")
        res_due, fr_due = ts + res_target, ts + fr_target
        w.add("tickets", {
            "id": tid, "number": 10000 + tid, "subject": rng.choice(SUBJECTS), "customer_id": c,
            "requester_id": None, "channel": ch, "status": status, "priority": prio, "type": kind(),
            "team_id": None, "assignee_id": None, "product_id": None, "sla_policy_id": None,
            "merged_into_id": last_ticket[c] if merged else None,
            "created_at": dt(ts), "updated_at": dt(at), "first_response_at": dt(fr_at) if fr_at else None,
            "last_customer_message_at": dt(ts), "last_agent_reply_at": dt(fr_at) if fr_at else None,
            "resolved_at": dt(resolved_at) if resolved_at else None, "closed_at": dt(closed_at) if closed_at else None,
            "first_response_due_at": dt(fr_due), "next_response_due_at": None, "resolution_due_at": dt(res_due),
            "sla_due_at": dt(res_due) if open_ and not paused else None,
            "sla_warn_at": dt(ts + 0.8 * res_target) if open_ and not paused else None,
            "sla_state": ("breached" if breach else "paused" if paused else "running") if open_
            else ("breached" if breach else "met"),
            "version": 1,
        })
        if c is not None:
            last_ticket[c] = tid
        # Audit trail: created, then the status changes (the reopening: resolved -> open).
        event_id += 1
        w.add("ticket_events", _event(dt, event_id, tid, "created", None, None, None, ts, f'{{"channel": "{ch}"}}'))
        state = "new"
        for what, at in story:
            new = {"first_response": "open", "resolved": "resolved", "reopened": "open", "closed": "closed"}[what]
            if new == state:
                continue
            event_id += 1
            w.add("ticket_events", _event(dt, event_id, tid, "changed", "status", state, new, at, None))
            state = new
        if status in ("pending_customer", "pending_third_party") and state != status:
            event_id += 1
            w.add("ticket_events", _event(dt, event_id, tid, "changed", "status", state, status, at, None))
        # SLA clocks: first response and resolution; ~5 % of tickets breached one (or both).
        clock_id += 1
        fr_breached = breach and rng.random() < 0.3
        w.add("sla_clocks", _clock(dt, clock_id, tid, "first_response", ts, fr_due, fr_target, fr_at,
                                   min(fr_due, limit) if fr_breached else None, "running" if fr_at is None else "met"))
        clock_id += 1
        res_state = "met" if done_ else "paused" if paused else "running"
        w.add("sla_clocks", _clock(dt, clock_id, tid, "resolution", ts, res_due, res_target, resolved_at,
                                   min(res_due, limit) if breach else None, "breached" if breach else res_state))
        if ch == "phone" and c is not None:
            interaction_id += 1
            w.add("interactions", _interaction(dt, interaction_id, c, "call", "phone", "in", f"Appel : {SUBJECTS[0]}",
                                               ts, rng.randint(60, 900), tid))
        if i in answered:
            answered_at = min(resolved_at + rng.uniform(3600, 3 * DAY), limit)
            response_id += 1
            score = csat()
            row = {"id": response_id, "invitation_id": None, "customer_id": c, "ticket_id": tid, "agent_id": None,
                   "team_id": None, "csat": score, "nps": nps() if rng.random() < 0.3 else None,
                   "effort": effort() if rng.random() < 0.5 else None,
                   "comment": rng.choice(COMMENTS) if rng.random() < 0.2 else None,
                   "channel": "email" if rng.random() < 0.8 else "portal", "created_at": dt(answered_at)}
            w.add("survey_responses", row)
            interaction_id += 1
            w.add("interactions", _interaction(dt, interaction_id, c, "survey", row["channel"], "in",
                                               f"CSAT {score}/5", answered_at, None, tid))
            if score <= 2:
                follow_up_id += 1
                due = answered_at + DAY
                closed = limit - answered_at > 3 * DAY or rng.random() < 0.5
                w.add("follow_ups", {
                    "id": follow_up_id, "customer_id": c, "ticket_id": tid, "response_id": response_id,
                    "team_id": None, "owner_id": None, "reasons": '["csat"]', "state": "closed" if closed else "open",
                    "due_at": dt(due), "overdue_at": dt(due) if not closed and due < limit else None,
                    "outcome": "called_back" if closed else None, "note": None, "closed_by_id": None,
                    "closed_at": dt(min(due, limit)) if closed else None, "created_at": dt(answered_at)})
        w.flush()
        if tid % 100_000 == 0:
            _progress("tickets", tid, started)
    del pairs, statuses
    for c, ts in loose_calls:
        interaction_id += 1
        call = rng.random() < 0.7
        w.add("interactions", _interaction(dt, interaction_id, c, "call" if call else "email_in",
                                           "phone" if call else "email", "in",
                                           "Appel entrant" if call else "E-mail sans ticket", ts,
                                           rng.randint(30, 600) if call else None, None))
        w.flush()
    w.finish()
    seconds = round(time.perf_counter() - started, 1)
    _progress("done", sum(w.counts.values()), started)
    return {"rows": w.counts, "seconds": seconds, "now": now.isoformat()}


def _progress(what: str, count: int, started: float) -> None:
    _log(f"    {what}: {count} rows ({time.perf_counter() - started:.0f} s)")


def _status(rng: random.Random, age: float) -> str:
    if age < 3 * DAY:
        table = (("new", 8), ("open", 35), ("pending_customer", 15), ("pending_third_party", 5), ("resolved", 27),
                 ("closed", 10))
    elif age < 30 * DAY:
        table = (("open", 5), ("pending_customer", 4), ("pending_third_party", 3), ("resolved", 10), ("closed", 78))
    else:
        table = (("pending_customer", 2), ("pending_third_party", 2), ("open", 1), ("resolved", 4), ("closed", 991))
    r = rng.random() * sum(w for _, w in table)
    for status, weight in table:
        r -= weight
        if r < 0:
            return status
    return table[-1][0]


def _event(dt, eid, tid, action, field, old, new, ts, data) -> dict:
    return {"id": eid, "ticket_id": tid, "actor_id": None, "action": action, "field": field, "old_value": old,
            "new_value": new, "data": data, "created_at": dt(ts)}


def _clock(dt, cid, tid, metric, started, due, target, stopped, breached, state) -> dict:
    return {"id": cid, "ticket_id": tid, "metric": metric, "state": state, "started_at": dt(started),
            "due_at": dt(due), "warn_at": dt(started + 0.8 * target), "stopped_at": dt(stopped) if stopped else None,
            "elapsed_seconds": int((stopped - started) if stopped else 0), "target_seconds": target,
            "warned_at": None, "breached_at": dt(breached) if breached else None, "updated_at": dt(stopped or started)}


def _interaction(dt, iid, customer_id, kind, channel, direction, summary, ts, duration, ticket_id) -> dict:
    return {"id": iid, "customer_id": customer_id, "kind": kind, "channel": channel, "direction": direction,
            "summary": summary, "occurred_at": dt(ts), "duration_seconds": duration,
            "agent_id": None, "ticket_id": ticket_id, "call_id": None, "data": None}


# --- the measures ----------------------------------------------------------------------------------


def make_app(instance: Path, database_url: str | None):
    from bench.scenarios import make_app as _make_app

    return _make_app(str(instance), database_url)


def reset_scores(app) -> dict:
    """As before a first run: no stored boundaries, no scores, no segment entries on the timelines."""
    from sqlalchemy import delete, update

    from helpdesk.extensions import db
    from helpdesk.models import Customer, Interaction, Setting
    from helpdesk.scores.settings import BOUNDARIES_KEY, RECOMPUTED_KEY

    score_columns = ("csat_score", "nps_score", "nps_class", "effort_score", "rfm_recency", "rfm_frequency",
                     "rfm_monetary", "rfm_recency_days", "rfm_order_count", "rfm_amount", "contacts_90d",
                     "reopen_rate", "breaches_suffered", "customer_score", "score_explanation", "tactical_segment",
                     "scores_updated_at")
    with app.app_context():
        s = db.session
        started = time.perf_counter()
        s.execute(delete(Setting).where(Setting.key.in_((BOUNDARIES_KEY, RECOMPUTED_KEY))))
        values = {name: None for name in score_columns if hasattr(Customer, name)}
        s.execute(update(Customer).values(**values).execution_options(synchronize_session=False))
        segments = s.execute(delete(Interaction).where(Interaction.kind == "segment")).rowcount
        s.commit()
        db.session.remove()
    return {"seconds": round(time.perf_counter() - started, 1), "segment_entries_deleted": segments}


def run_recompute(app, counter: QueryCounter, label: str, log=_log) -> dict:
    from helpdesk.extensions import db
    from helpdesk.models.types import utcnow
    from helpdesk.scores.service import recompute_all

    log(f"- recompute_all ({label}) ...")
    with app.app_context():
        load_before = os.getloadavg()[0]
        q0 = counter.count
        started = time.perf_counter()
        count = recompute_all(db.session, utcnow())
        seconds = time.perf_counter() - started
        statements = counter.count - q0
        segments = _segment_entries(db.session)
        db.session.remove()
    result = {"what": f"recompute_all, {label}", "seconds": round(seconds, 2), "customers": count,
              "sql_statements": statements, "rss_hwm_mb": round(rss_hwm_mb(), 1),
              "segment_entries_total": segments, "target": f"< {RECOMPUTE_TARGET_S:g} s",
              "ok": seconds < RECOMPUTE_TARGET_S, "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    log(f"  {seconds:.1f} s, {count} customers, {statements} statements, RSS {result['rss_hwm_mb']} MB")
    return result


def _segment_entries(session) -> int:
    from sqlalchemy import func, select

    from helpdesk.models import Interaction

    return session.scalar(select(func.count()).select_from(Interaction).where(Interaction.kind == "segment"))


def breakdown(app, log=_log) -> dict:
    """Each aggregate statement of the full recompute on its own (executed and fetched): how much of
    a run is SQL. Best effort, as these are the engine's internals: `aggregates.statements()` run
    with `aggregates.parameters()` when the engine has them, else every public builder of
    helpdesk.scores.aggregates taking (session, now, settings, customer_id) and returning a SELECT."""
    import inspect

    from sqlalchemy import Select

    from helpdesk.extensions import db
    from helpdesk.models.types import utcnow
    from helpdesk.scores import aggregates
    from helpdesk.scores.service import load_settings

    out = {}
    with app.app_context():
        s = db.session
        now = utcnow()
        settings = load_settings(s)
        todo: list[tuple[str, Any]] = []  # (name, () -> (statement, parameters))
        if hasattr(aggregates, "statements") and hasattr(aggregates, "parameters"):
            built = aggregates.statements(s, one_customer=False)
            params = aggregates.parameters(now, settings)
            for name, stmt in vars(built).items():
                todo.append((name, lambda stmt=stmt: (stmt, params)))
        else:
            given = {"session": s, "now": now, "settings": settings}
            for name, fn in vars(aggregates).items():
                if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != aggregates.__name__:
                    continue
                wanted = inspect.signature(fn).parameters
                if set(wanted) <= {*given, "customer_id"}:
                    todo.append((name, lambda fn=fn, wanted=wanted: (
                        fn(**{k: v for k, v in given.items() if k in wanted}), {})))
        for name, make in todo:
            try:
                stmt, params = make()
                if not isinstance(stmt, Select):
                    continue
                started = time.perf_counter()
                rows = len(s.execute(stmt, params).all())
                out[name] = {"seconds": round(time.perf_counter() - started, 2), "rows": rows}
            except Exception as error:  # noqa: BLE001  (a changed builder must not hide the other figures)
                s.rollback()
                out[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
            log(f"  aggregate {name}: {out[name]}")
        db.session.remove()
    return out


def run_updates(app, counter: QueryCounter, n: int, log=_log) -> dict:
    """A survey answer is recorded (untimed, in the same transaction), then
    update_customer_scores(customer) + commit is timed, for n random customers with orders."""
    from sqlalchemy import insert, select

    from helpdesk.extensions import db
    from helpdesk.models import Order, SurveyResponse
    from helpdesk.models.types import utcnow
    from helpdesk.scores.service import update_customer_scores

    rng = random.Random(2026)
    log(f"- update_customer_scores + commit, {n} customers ...")
    with app.app_context():
        customers = list(db.session.scalars(select(Order.customer_id).distinct()))
        db.session.remove()
    customers.sort()
    picked = rng.sample(customers, min(n + 3, len(customers)))
    warm, timed = picked[:3], picked[3:]
    csat = _weighted(rng, CSAT)
    times, statements = [], []
    load_before = os.getloadavg()[0]
    with app.app_context():
        for i, customer_id in enumerate(warm + timed):
            s = db.session
            now = utcnow()
            s.execute(insert(SurveyResponse), [{"customer_id": customer_id, "csat": csat(),
                                                "nps": rng.choice((None, None, 9, 6)), "channel": "email",
                                                "created_at": now}])
            q0 = counter.count
            t0 = time.perf_counter()
            update_customer_scores(s, customer_id, now)
            s.commit()
            elapsed = (time.perf_counter() - t0) * 1000
            if i >= len(warm):
                times.append(elapsed)
                statements.append(counter.count - q0)
            db.session.remove()
    ordered = sorted(times)
    result = {"what": "update_customer_scores + commit", "n": len(times),
              "p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(percentile(ordered, 95), 2),
              "max_ms": round(ordered[-1], 2), "mean_ms": round(statistics.fmean(ordered), 2),
              "sql_per_call": round(statistics.fmean(statements), 1), "sql_max": max(statements),
              "target": f"< {UPDATE_TARGET_MS:g} ms p95", "ok": percentile(ordered, 95) < UPDATE_TARGET_MS,
              "rss_hwm_mb": round(rss_hwm_mb(), 1), "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    log(f"  p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms, "
        f"{result['sql_per_call']} SQL statements per call")
    return result


def engine_fingerprint() -> dict:
    """A hash of helpdesk/scores/*.py (and the newest file's time): which engine the figures are of."""
    import hashlib

    files = sorted((ROOT / "helpdesk" / "scores").glob("*.py"))
    digest = hashlib.sha1(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]
    newest = max((f.stat().st_mtime for f in files), default=0)
    return {"sha1": digest, "files": len(files),
            "newest_change": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(newest))}


def table(marker: dict, recomputes: list[dict], update: dict | None) -> str:
    from bench.report import _table

    rows = []
    if marker.get("built_now_this_run"):
        rows.append(("data set build (migrate, inserts, ANALYZE)", f"{marker['build_seconds']:.1f} s", "-", ""))
    for r in recomputes:
        rows.append((r["what"], f"{r['seconds']:.1f} s", r["target"], "OK" if r["ok"] else "MISS"))
    if recomputes:
        peak = max(r["rss_hwm_mb"] for r in recomputes)
        rows.append(("  peak RSS (process high-water mark)", f"{peak:.0f} MB", "-", ""))
        rows.append(("  SQL statements per full run", str(recomputes[-1]["sql_statements"]), "-", ""))
    if update:
        rows.append((f"update one customer, p95 (n={update['n']})", f"{update['p95_ms']:.1f} ms", update["target"],
                     "OK" if update["ok"] else "MISS"))
        rows.append(("  p50 / max", f"{update['p50_ms']:.1f} / {update['max_ms']:.1f} ms", "-", ""))
        rows.append(("  SQL statements per update (mean / max)", f"{update['sql_per_call']} / {update['sql_max']}",
                     "-", ""))
    return _table(("what", "measured", "target", "met?"), rows, right={1})


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.build_only:
        print(json.dumps(build(args)))
        return 0
    instance = instance_for(args)
    dataset = Dataset(args.tickets, args.customers, instance, args.database_url)
    started = time.time()
    marker = prepare(args, dataset)

    import helpdesk.scores.aggregates  # noqa: F401  (imported now: the fingerprint is of what runs)
    import helpdesk.scores.service  # noqa: F401
    from helpdesk.extensions import db

    engine = engine_fingerprint()  # the engine is being worked on: say which one was measured
    app = make_app(instance, args.database_url)
    with app.app_context():
        counter = QueryCounter(db.engine)
    baseline_rss = round(rss_hwm_mb(), 1)
    recomputes, parts, update, reset = [], None, None, None
    if args.runs:
        reset = reset_scores(app)
        _log(f"reset before the first run (untimed): {reset}")
        for k in range(args.runs):
            label = "1st run (no boundaries, no scores)" if k == 0 else f"run {k + 1} (boundaries and scores stored)"
            recomputes.append(run_recompute(app, counter, label))
        if not args.no_breakdown:
            _log("- each aggregate statement on its own ...")
            parts = breakdown(app)
    if args.n:
        update = run_updates(app, counter, args.n)

    if engine_fingerprint()["sha1"] != engine["sha1"]:
        engine["changed_during_run"] = True
        _log("warning: helpdesk/scores changed during the run (the figures are of the version imported at the start)")
    doc = {
        "meta": {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "duration_s": round(time.time() - started, 1),
            "database": "postgresql" if args.database_url else "sqlite",
            "instance": str(instance),
            "dataset": {k: v for k, v in marker.items() if k != "built_now_this_run"},
            "built_this_run": bool(marker.get("built_now_this_run")),
            "scores_engine": engine,
            "rss_before_mb": baseline_rss,
            "machine": {"cpus": os.cpu_count(), "load_avg_end": [round(x, 2) for x in os.getloadavg()],
                        "python": platform.python_version(), "platform": platform.platform()},
        },
        "reset": reset,
        "recompute": recomputes,
        "aggregates": parts,
        "update": update,
    }
    print(f"\nCustomer scores ({doc['meta']['database']}, {args.customers} customers, {args.orders} orders, "
          f"{args.tickets} tickets, {args.responses} answers; engine {engine['sha1']}; "
          f"load avg {doc['meta']['machine']['load_avg_end']} on {os.cpu_count()} CPUs)\n")
    print(table(marker, recomputes, update))
    if parts:
        sql = sum(p.get("seconds", 0) for p in parts.values())
        print(f"\naggregate statements alone: {sql:.1f} s in all ("
              + ", ".join(f"{k} {v['seconds']:.1f} s" for k, v in parts.items() if "seconds" in v) + ")")
    print()
    print(json.dumps(doc, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
