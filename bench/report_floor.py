"""The floor under a long report computed exactly: the bare statements, not the app.

    .venv/bin/python -m bench.report_floor --instance bench/.data/scores-100000-1000000-1000000-365d
    .venv/bin/python -m bench.report_floor --instance bench/.data/scores-100000-1000000-1000000-365d-pg \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_scores

Times, best of --runs, on a data set bench.scores built (every ticket from the first one's day on,
so "the period" is the whole data set: a year for `--days 365`), four statements that the SLA
report cannot do without, each over the indexes the app has: the clocks counted by metric and
state (the compliance figures, without the per-priority join), one exact 90th percentile of the
resolution times, the median and 90th percentile of both time metrics (PostgreSQL's
percentile_cont; SQLite has no percentile function, so it is one ordered scan to the rank), and
the tickets counted by priority. If one of them alone is over the report's target, no code can
compute that report on the spot under it on this machine. Figures, not pass/fail.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sqlalchemy import create_engine, text

COUNT_CLOCKS = ("the clocks counted by metric and state (covering index, no join)",
                "select metric, state, count(*) from sla_clocks where started_at >= :start group by metric, state")
COUNT_TICKETS = ("the tickets counted by priority",
                 "select priority, count(*) from tickets where created_at >= :start group by priority")
STOPPED = "from sla_clocks where metric = :metric and started_at >= :start and stopped_at is not null"


def statements(dialect: str) -> list[tuple[str, str]]:
    if dialect == "postgresql":
        p90 = f"select percentile_cont(0.9) within group (order by elapsed_seconds) {STOPPED}"
        both = ("select metric, percentile_cont(0.5) within group (order by elapsed_seconds), "
                "percentile_cont(0.9) within group (order by elapsed_seconds) from sla_clocks "
                "where metric in ('first_response', 'resolution') and started_at >= :start "
                "and stopped_at is not null group by metric")
    else:  # the value at the 90th percentile's rank, counted from the nearer (top) end, as the app does
        p90 = f"select elapsed_seconds {STOPPED} order by elapsed_seconds desc limit 1 offset :from_top"
        both = None
    out = [COUNT_CLOCKS, ("one 90th percentile of the resolution times (one sort)", p90)]
    if both:
        out.append(("median and 90th percentile of first response and resolution", both))
    return out + [COUNT_TICKETS]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.report_floor", description=__doc__.split("\n\n")[1])
    p.add_argument("--instance", required=True, help="instance folder (SQLite database, unless --database-url)")
    p.add_argument("--database-url")
    p.add_argument("--runs", type=int, default=2)
    args = p.parse_args(argv)
    url = args.database_url or f"sqlite:///{Path(args.instance).resolve() / 'helpdesk.db'}"
    if url.startswith("postgresql://"):  # the driver the app uses (psycopg 3)
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url)
    figures = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("set jit = off"))  # as the app's connections (POSTGRES_JIT)
        start = conn.scalar(text("select min(created_at) from tickets"))
        tickets = conn.scalar(text("select count(*) from tickets"))
        stopped = conn.scalar(text(f"select count(*) {STOPPED}"), {"metric": "resolution", "start": start})
        params = {"start": start, "metric": "resolution", "from_top": stopped - 1 - int(0.9 * (stopped - 1))}
        print(f"{engine.dialect.name}: {tickets} tickets from {start}, {stopped} stopped resolution clocks")
        for label, sql in statements(engine.dialect.name):
            best, rows = float("inf"), None
            for _ in range(args.runs):
                started = time.perf_counter()
                rows = conn.execute(text(sql), params).all()
                best = min(best, time.perf_counter() - started)
            figures.append({"statement": label, "best_ms": round(best * 1000), "rows": len(rows)})
            print(f"{best * 1000:9.0f} ms  {label}")
    print(json.dumps({"database": engine.dialect.name, "tickets": tickets, "from": str(start), "figures": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
