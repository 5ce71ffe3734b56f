"""python -m bench [--tickets 100000] [--customers N] [--n 50] [--database-url URL] [--instance DIR]
                [--only scenario,...] [--no-http] [--no-inproc] [--peer] [--json out.json]

Makes (once) a data set of the given size, times the app's hot paths in-process and over HTTP,
and prints p50/p95 latency, throughput, SQL queries per request and peak memory as a table and
as JSON. Figures, not pass/fail: the exit status is 0 even when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from bench import calls as _calls  # noqa: F401  (registers the telephony and customer-card scenarios)
from bench import http as _http  # noqa: F401  (registers the HTTP scenarios)
from bench import scenarios as _scenarios  # noqa: F401  (registers the in-process scenarios)
from bench.dataset import ROOT, Dataset, default_customers
from bench.peer import run_peer
from bench.registry import SCENARIOS, QueryCounter, Runner
from bench.report import figures_table, peer_table


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    p.add_argument("--tickets", type=int, default=100_000, help="data set size (demo seed --tickets)")
    p.add_argument("--customers", type=int, default=None, help="default: tickets / 10 (at least 500)")
    p.add_argument("--open-tickets", type=int, default=None,
                   help="reopen tickets until this many are open (default: 100000 from 1M tickets up, else 0)")
    p.add_argument("--n", type=int, default=50, help="timed requests per scenario")
    p.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in the instance folder)")
    p.add_argument("--instance", default=None, help="instance folder (default bench/.data/<tickets>[-pg])")
    p.add_argument("--only", default=None, help="comma-separated scenario names or substrings (see --list)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--no-http", action="store_true", help="skip the gunicorn scenarios")
    p.add_argument("--no-inproc", action="store_true", help="skip the in-process scenarios")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc passes")
    p.add_argument("--peer", action="store_true", help="also run django-helpdesk's bench.py and print it beside ours")
    p.add_argument("--peer-n", type=int, default=10, help="requests per path for the peer (its pages take seconds)")
    p.add_argument("--json", default=None, help="also write the JSON document to this file")
    p.add_argument("--no-kb-worker", action="store_true",
                   help="index in the app's own processes instead of a `flask kb worker` beside them")
    return p.parse_args(argv)


def selected(only: str | None, transport: str) -> list:
    wanted = [w.strip().lower() for w in only.split(",")] if only else None
    out = []
    for sc in SCENARIOS.values():
        if sc.transport != transport:
            continue
        if wanted and not any(w == sc.name or w in sc.name for w in wanted):
            continue
        out.append(sc)
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for sc in SCENARIOS.values():
            print(f"{sc.transport:7} {sc.name:32} {str(sc.target or ''):14} {sc.description}")
        return 0
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731  (progress on stderr, figures on stdout)
    customers = args.customers or default_customers(args.tickets)
    suffix = "-pg" if args.database_url else ""
    instance = Path(args.instance or ROOT / "bench" / ".data" / f"{args.tickets}{suffix}").resolve()
    open_tickets = args.open_tickets if args.open_tickets is not None else (100_000 if args.tickets >= 1_000_000 else 0)
    dataset = Dataset(args.tickets, customers, instance, args.database_url, open_tickets)
    started = time.time()
    marker = dataset.prepare(log=log)

    from bench.scenarios import build_context, make_app
    from helpdesk.extensions import db

    app = make_app(str(instance), args.database_url)
    with app.app_context():
        counter = QueryCounter(db.engine)
    log("picking ids and logging in...")
    ctx = build_context(app)
    ctx.dataset = dataset
    log(f"data set: {json.dumps(ctx.facts)}; top customer {ctx.top_customer}; deep page {ctx.deep_page}")
    runner = Runner(ctx, args.n, counter, memory=not args.no_memory, log=log)

    indexing = {"where": "in-process thread" if args.no_kb_worker else "flask kb worker process"}
    with ExitStack() as processes:
        caught_up = None if args.no_kb_worker else processes.enter_context(_http.kb_worker(dataset, log=log))
        if not args.no_inproc:
            for sc in selected(args.only, "inproc"):
                log(f"- {sc.name} ...")
                r = runner.run(sc)
                log(f"  {_brief(r)}")
        http_scenarios = [] if args.no_http else selected(args.only, "http")
        if http_scenarios:
            log("over HTTP:")
            with _http.gunicorn(dataset, log=log) as (base, worker_pid):
                _http.login(ctx, base)
                ctx.server_pid = worker_pid
                for sc in http_scenarios:
                    log(f"- {sc.name} ...")
                    r = runner.run(sc)
                    log(f"  {_brief(r)}")
        if caught_up is not None:
            indexing["caught_up_after_s"] = round(caught_up(), 2)
            log(f"search index caught up {indexing['caught_up_after_s']} s after the last request")

    peer = run_peer(args.peer_n, log=log) if args.peer else None

    doc = {
        "meta": {
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "duration_s": round(time.time() - started, 1),
            "database": "postgresql" if args.database_url else "sqlite",
            "instance": str(instance),
            "dataset": {**marker, **ctx.facts, "top_customer": ctx.top_customer, "deep_page": ctx.deep_page},
            "n": args.n,
            "search_indexing": indexing,
            "machine": {"cpus": os.cpu_count(), "load_avg_end": [round(x, 2) for x in os.getloadavg()],
                        "python": platform.python_version(), "platform": platform.platform()},
        },
        "results": runner.results,
        "peer": peer,
    }
    label = f"{doc['meta']['database']}, {ctx.facts['tickets']} tickets, {ctx.facts['open_tickets']} open"
    label += f"; search indexing: {indexing['where']}"
    print(f"\nHelpdesk benchmark ({label}; n={args.n}; load avg {doc['meta']['machine']['load_avg_end']} "
          f"on {os.cpu_count()} CPUs)")
    print("q/req: SQL statements per request (in-process only); py MB: tracemalloc peak; "
          "RSS MB: high-water mark of this process (* = of the gunicorn worker)\n")
    print(figures_table(runner.results))
    if args.peer:
        print()
        if peer:
            print(f"Side by side with the peer ({peer.get('version') or 'django-helpdesk'}, SQLite, "
                  f"{peer['tickets']} tickets, over HTTP, one gunicorn worker, one client):\n")
        print(peer_table(runner.results, peer, f"{ctx.facts['tickets'] // 1000}k"))
    print()
    print(json.dumps(doc, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return 0


def _brief(r: dict) -> str:
    if "error" in r:
        return "ERROR " + r["error"]
    parts = [f"p50 {r['p50_ms']} ms", f"p95 {r['p95_ms']} ms", f"max {r['max_ms']} ms"]
    if r.get("per_second") is not None:
        parts.append(f"{r['per_second']}/s")
    if r.get("queries_per_req") is not None:
        parts.append(f"{r['queries_per_req']} q/req")
    if r.get("notes"):
        parts.append(json.dumps(r["notes"]))
    if r.get("ok") is not None:
        parts.append("OK" if r["ok"] else "MISS")
    return ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
