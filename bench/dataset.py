"""The benchmark data set: one persistent instance folder per size, seeded once.

`prepare()` migrates (`flask db upgrade`), seeds (`flask demo seed`, idempotent) and computes the
SLA columns (`flask sla recompute`), each in a subprocess exactly as an operator would, and writes
`bench-dataset.json` in the instance folder so the next run with the same size skips all of it.
Then the customer scores are computed (`flask scores recompute`) so the customer-card scenarios
read cards that hold them; the marker's `scores_version` says it was done (a data set seeded before
it gets its scores once, on its next run).
With `open_tickets`, the most recently resolved/closed tickets are reopened (Core UPDATE, then an
SLA recompute) until that many tickets are open: the SLA-sweep target is stated "over 100,000 open
tickets", and the demo generator's realistic status mix leaves far fewer open than that.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "bench-dataset.json"
BENCH_SECRET = "bench-only-secret-key-not-for-production"
# Bump to have every existing data set's customer scores recomputed once more on its next run.
SCORES_VERSION = 1


def floor_arguments(argv, *, prog: str, doc: str, tickets: int, n: int) -> tuple[argparse.Namespace, Path]:
    """The floors' command line (bench.floor, bench.page_floor): which seeded data set, how many
    timed requests per round, how many rounds; and that data set's instance folder, which a run of
    `python -m bench` must have made."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=tickets, help="which data set of `python -m bench`")
    parser.add_argument("--n", type=int, default=n, help="timed requests per endpoint and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    instance = ROOT / "bench" / ".data" / str(args.tickets)
    if not (instance / MARKER).exists():
        raise SystemExit(f"no data set in {instance}: run `python -m bench --tickets {args.tickets}` first")
    return args, instance


def default_customers(tickets: int) -> int:
    return max(500, tickets // 10)


@dataclass
class Dataset:
    tickets: int
    customers: int
    instance: Path
    database_url: str | None = None
    open_tickets: int = 0  # reopen tickets until at least this many are open (0: leave the seed's mix)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "HELPDESK_ENV": "production",
            "SECRET_KEY": BENCH_SECRET,
            "INSTANCE_PATH": str(self.instance),
            "BACKGROUND_TASKS": "0",
            "SESSION_COOKIE_SECURE": "0",
            "LOGIN_RATE_LIMIT": "1000 per minute",
        })
        env.pop("REDIS_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        else:
            env.pop("DATABASE_URL", None)
        env.update(extra)
        return env

    @property
    def label(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def _marker(self) -> dict:
        try:
            return json.loads((self.instance / MARKER).read_text())
        except (OSError, ValueError):
            return {}

    def _flask(self, *args: str, log=print) -> float:
        """Run `flask --app wsgi <args>` on this data set; returns how long it took (s)."""
        cmd = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", *args]
        log(f"  $ flask --app wsgi {' '.join(args)}")
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=self.env(), check=True)
        seconds = time.perf_counter() - started
        log(f"    ({seconds:.1f} s)")
        return seconds

    def prepare(self, log=print) -> dict:
        """Make sure the data set exists at this size; returns its marker (what was seeded, when).
        Two runs on the same instance folder wait for each other instead of seeding side by side."""
        import fcntl

        self.instance.mkdir(parents=True, exist_ok=True)
        with open(self.instance / ".bench-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._prepare(log)

    def _prepare(self, log) -> dict:
        marker = self._marker()
        wanted = {"tickets": self.tickets, "customers": self.customers, "database": self.database_url or "sqlite"}
        if all(marker.get(k) == v for k, v in wanted.items()) and marker.get("sla_recomputed"):
            log(f"data set: {self.tickets} tickets / {self.customers} customers already seeded in {self.instance}")
            self._flask("db", "upgrade")  # a data set made by an older revision follows the schema
        else:
            log(f"data set: seeding {self.tickets} tickets / {self.customers} customers into "
                f"{self.database_url or self.instance}")
            self._flask("db", "upgrade")
            started = time.perf_counter()
            self._flask("demo", "seed", "--customers", str(self.customers), "--tickets", str(self.tickets), "--quiet")
            seed_seconds = time.perf_counter() - started
            started = time.perf_counter()
            self._sla_recompute(log)
            self._analyze(log)
            marker = {**wanted, "seeded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                      "seed_seconds": round(seed_seconds, 1),
                      "recompute_seconds": round(time.perf_counter() - started, 1), "sla_recomputed": True}
            self._write_marker(marker)
        if self.open_tickets and marker.get("open_topped_up", 0) < self.open_tickets:
            self._top_up_open(log)
            self._analyze(log)
            marker["open_topped_up"] = self.open_tickets
            self._write_marker(marker)
        if marker.get("scores_version", 0) < SCORES_VERSION:
            seconds = self._scores_recompute(log)
            if seconds is not None:
                marker.update(scores_version=SCORES_VERSION, scores_seconds=round(seconds, 1))
                self._write_marker(marker)
        return marker

    def _scores_recompute(self, log) -> float | None:
        """Every customer's scores and segment (after the SLA columns and the open top-up, which they
        read); returns the seconds it took, None when this revision has no `flask scores` yet."""
        if not (ROOT / "helpdesk" / "scores" / "cli.py").exists():
            log("  (no `flask scores recompute` in this revision: the cards hold no scores)")
            return None
        return self._flask("scores", "recompute", "--quiet", log=log)

    def _analyze(self, log) -> None:
        """Planner statistics after the bulk load: PostgreSQL's autovacuum may not have run yet (the
        seed COPYs whole tables in), and SQLite has none until ANALYZE. Without them the planner
        picks sequential scans for small IN-lists (seen: ticket_tags, 147k rows, 7-12 ms per queue)."""
        code = ("from sqlalchemy import text\nfrom wsgi import app\nfrom helpdesk.extensions import db\n"
                "with app.app_context():\n    db.session.execute(text('ANALYZE'))\n    db.session.commit()\n")
        log("  ANALYZE (planner statistics)")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env(), check=True)

    def _write_marker(self, marker: dict) -> None:
        (self.instance / MARKER).write_text(json.dumps(marker, indent=2) + "\n")

    def _sla_recompute(self, log) -> None:
        has_cli = "recompute" in (ROOT / "helpdesk" / "sla" / "cli.py").read_text() \
            if (ROOT / "helpdesk" / "sla" / "cli.py").exists() else False
        if has_cli:
            self._flask("sla", "recompute", "--quiet", log=log)
            return
        log("  (no `flask sla recompute`: calling helpdesk.sla.service.recompute_all in-process)")
        code = ("from wsgi import app\nfrom helpdesk.extensions import db\nfrom helpdesk.models.types import utcnow\n"
                "from helpdesk.sla.service import recompute_all\n"
                "with app.app_context():\n    print(recompute_all(db.session, utcnow()), 'recomputed')\n")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env(), check=True)

    def _top_up_open(self, log) -> None:
        """Reopen the most recent resolved/closed tickets until `open_tickets` are open, then recompute them."""
        code = f"""
from sqlalchemy import func, select, update
from wsgi import app
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.tickets import OPEN_STATUSES
with app.app_context():
    s = db.session
    have = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES)))
    need = {self.open_tickets} - have
    print(f"open tickets: {{have}}; reopening {{max(need, 0)}}")
    while need > 0:
        ids = list(s.scalars(select(Ticket.id).where(Ticket.status.in_(("resolved", "closed")))
                             .order_by(Ticket.created_at.desc()).limit(min(need, 20000))))
        if not ids:
            break
        s.execute(update(Ticket).where(Ticket.id.in_(ids)).values(status="open", resolved_at=None, closed_at=None,
                  sla_state=None).execution_options(synchronize_session=False))
        s.commit()
        need -= len(ids)
"""
        log(f"  reopening tickets until {self.open_tickets} are open (for the SLA sweep target)")
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env(), check=True)
        self._sla_recompute(log)
