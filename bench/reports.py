"""python -m bench.reports --instance DIR [--database-url URL] [--days 30,365] [--today YYYY-MM-DD] [--n 10]

Times each report's service function (the one the page and the API call) on an existing data set of
any size, in one process with the app, without HTTP: p50 / p95 / max and SQL statements per call,
for each period length ending on --today (default: the last ticket's day). For data sets that the
main harness cannot log into (e.g. a copy of bench.scores' 1M tickets); see README.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone

from bench.registry import QueryCounter, percentile
from bench.scenarios import make_app


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n\n")[1])
    p.add_argument("--instance", required=True, help="instance folder (SQLite database, unless --database-url)")
    p.add_argument("--database-url", default=None)
    p.add_argument("--days", default="30,365", help="comma-separated period lengths")
    p.add_argument("--today", default=None, help="last day of the periods (default: the newest ticket's)")
    p.add_argument("--n", type=int, default=10)
    args = p.parse_args(argv)

    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.models import Ticket
    from helpdesk.reports import agents, satisfaction, sla, volume
    from helpdesk.reports.filters import parse_filters

    reports = {"sla": sla.sla_report, "volume": volume.volume_report, "agents": agents.agents_report,
               "satisfaction": satisfaction.satisfaction_report}
    app = make_app(args.instance, args.database_url)
    with app.app_context():
        session = db.session
        counter = QueryCounter(db.engine)
        newest = session.scalar(select(func.max(Ticket.created_at)))
        today = date.fromisoformat(args.today) if args.today else newest.date()
        print(f"{'report':14} {'days':>5} {'tickets':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'q/call':>6}")
        for days in (int(d) for d in args.days.split(",")):
            filters = parse_filters(session, {"from": (today - timedelta(days=days - 1)).isoformat(),
                                              "to": today.isoformat()}, datetime.now(timezone.utc))
            tickets = session.scalar(select(func.count(Ticket.id)).where(
                Ticket.created_at >= filters.start, Ticket.created_at < filters.end))
            for name, report in reports.items():
                report(session, filters)  # warm-up
                timings, before = [], counter.count
                for _ in range(args.n):
                    started = time.perf_counter()
                    report(session, filters)
                    timings.append((time.perf_counter() - started) * 1000)
                timings.sort()
                p95 = percentile(timings, 95)
                print(f"{name:14} {days:5d} {tickets:8d} {statistics.median(timings):8.1f} {p95:8.1f} "
                      f"{timings[-1]:8.1f} {(counter.count - before) / args.n:6.1f}", flush=True)
        db.session.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
