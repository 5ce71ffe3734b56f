"""python -m bench.reports --instance DIR [--database-url URL] [--prepare] [--days 30,365] [--today YYYY-MM-DD] [--n 10]

Times the lead's dashboard, its live redraw, each report page and API report, and the year's
tickets CSV on an existing data set of any size: requests through the app in this process (no
socket), as the lead, p50 / p95 / max and SQL statements per request, for each period length ending
on --today (default: the last ticket's day). For data sets that the
main harness cannot log into (e.g. bench.scores' 1M tickets); see README.md.

--prepare (once per data set; skipped when done) gives a data set built by bench.scores what its
generator leaves out and the reports filter and group by: a lead to log in as, 4 teams and 40 agents, every ticket a
team and an assignee (round-robin), 0-2 public agent replies, survey answers their ticket's agent
and team, and a promise on one ticket in 20 (four in five kept), then ANALYZE (VACUUM ANALYZE on
PostgreSQL). Every --prepare then runs the SLA sweep once, as a live helpdesk's background pass
does every 30 s: the generator leaves open tickets past their due time that nothing has breached
(10,000 at 1M), which a live dashboard never shows as "at risk".
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone

from bench.registry import QueryCounter, percentile
from bench.scenarios import make_app


LEAD = ("bench-lead@example.com", "bench-lead-password")
VIEWS = ("sla", "volume", "satisfaction", "agents")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n\n")[1])
    p.add_argument("--instance", required=True, help="instance folder (SQLite database, unless --database-url)")
    p.add_argument("--database-url", default=None)
    p.add_argument("--days", default="30,365", help="comma-separated period lengths")
    p.add_argument("--today", default=None, help="last day of the periods (default: the newest ticket's)")
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--prepare", action="store_true", help="add teams, agents, assignments and promises first")
    p.add_argument("--no-csv", action="store_true", help="skip the year's tickets CSV")
    args = p.parse_args(argv)

    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    app = make_app(args.instance, args.database_url)
    with app.app_context():
        session = db.session
        if args.prepare:
            prepare(session)
            sweep_once(session)
        newest = session.scalar(select(func.max(Ticket.created_at)))
        today = date.fromisoformat(args.today) if args.today else newest.date()
        counter = QueryCounter(db.engine)
        db.session.remove()

    client = app.test_client()
    r = client.post("/login", data={"email": LEAD[0], "password": LEAD[1]})
    assert r.status_code in (302, 303), f"login as {LEAD[0]}: {r.status_code} (run with --prepare once)"
    token = client.post("/api/v1/auth/token", json={"email": LEAD[0], "password": LEAD[1], "name": "bench"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def timed(label: str, days: int | str, url: str, n: int, **kw) -> None:
        get(url, **kw)  # warm-up
        timings, before, size = [], counter.count, 0
        for _ in range(n):
            started = time.perf_counter()
            size = get(url, **kw)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(f"{label:26} {days:>5} {statistics.median(timings):8.1f} {percentile(timings, 95):8.1f} "
              f"{timings[-1]:8.1f} {(counter.count - before) / n:6.1f} {size / 1024:9.0f}", flush=True)

    def get(url: str, headers=None) -> int:
        """The whole body, read piece by piece as a browser downloading it would."""
        r = client.get(url, headers=headers, buffered=False)
        try:
            size = sum(len(piece) for piece in r.iter_encoded())
            assert r.status_code == 200, f"GET {url}: {r.status_code}"
        finally:
            r.close()
        return size

    print(f"{'GET':26} {'days':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'q/req':>6} {'kB':>9}")
    timed("/lead (dashboard)", "-", "/lead", args.n)
    timed("/lead/panels (live redraw)", "-", "/lead/panels", args.n)
    live_redraw(app, client, headers, get, args.n)
    keep_after = app.config["REPORT_KEEP_AFTER_MS"]
    for days in (int(d) for d in args.days.split(",")):
        query = f"range=custom&from={(today - timedelta(days=days - 1)).isoformat()}&to={today.isoformat()}"
        # Computed from the tickets on every request (nothing kept): what the first view costs.
        app.config["REPORT_KEEP_AFTER_MS"] = 10 ** 9
        for view in VIEWS:
            timed(f"page {view}, computed", days, f"/lead/reports?view={view}&{query}", args.n)
        # As served: a report longer than REPORT_KEEP_AFTER_MS to compute is kept (the warm-up
        # request computes it), the next requests read what was kept.
        app.config["REPORT_KEEP_AFTER_MS"] = keep_after
        forget_kept(app)
        for view in VIEWS:
            timed(f"page {view}", days, f"/lead/reports?view={view}&{query}", args.n)
        for view in VIEWS:
            timed(f"api {view}", days, f"/api/v1/reports/{view}?{query}", args.n, headers=headers)
    if not args.no_csv:
        query = f"range=custom&from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"
        before = _rss_mb()
        _reset_peak_rss()
        timed("tickets.csv, a year", 365, f"/lead/reports/tickets.csv?{query}", 1)
        print(f"  tickets.csv: process memory {before:.0f} MB before, peak {_peak_rss_mb():.0f} MB while "
              "streaming", flush=True)
    return 0


def forget_kept(app) -> None:
    """Empty the kept report figures (helpdesk.reports.kept)."""
    from sqlalchemy import delete

    from helpdesk.extensions import db
    from helpdesk.models import KeptReport

    with app.app_context():
        db.session.execute(delete(KeptReport))
        db.session.commit()
        db.session.remove()


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024


def _rss_mb() -> float:
    return _status_mb("VmRSS:")


def _peak_rss_mb() -> float:
    return _status_mb("VmHWM:")


def _reset_peak_rss() -> None:
    """VmHWM starts again from the current size (Linux: writing 5 to clear_refs)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


LEAD_JS_COALESCING_MS = 50  # lead.js waits this long after an event before it fetches /lead/panels


def live_redraw(app, client, headers, get, n: int) -> None:
    """From a ticket change to the lead's panels redrawn: a lead's Socket.IO client (in this
    process) receives the change's event; lead.js then waits LEAD_JS_COALESCING_MS and fetches
    /lead/panels. Timed from the moment the event is in the client to the panels read, plus that
    wait (the network between browser and server is left out)."""
    from sqlalchemy import select

    from helpdesk.extensions import db, socketio
    from helpdesk.models import Ticket
    from helpdesk.models.tickets import OPEN_TICKETS
    from helpdesk.realtime.events import NAMESPACE

    with app.app_context():
        ticket_id, version = db.session.execute(
            select(Ticket.id, Ticket.version).where(OPEN_TICKETS).order_by(Ticket.id.desc()).limit(1)).one()
        db.session.remove()
    socket = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=client)
    assert socket.is_connected(NAMESPACE), "the lead's socket was refused"
    timings = []
    for i in range(n + 1):
        socket.get_received(NAMESPACE)
        r = client.patch(f"/api/v1/tickets/{ticket_id}", headers=headers,
                         json={"priority": "high" if i % 2 else "normal", "version": version})
        assert r.status_code == 200, f"PATCH ticket: {r.status_code} {r.get_data(as_text=True)[:200]}"
        version = r.get_json()["version"]
        received = time.perf_counter()
        names = [event["name"] for event in socket.get_received(NAMESPACE)]
        assert "ticket:updated" in names, f"no ticket:updated event for the lead (got {names})"
        get("/lead/panels")
        if i:  # the first one warms up
            timings.append((time.perf_counter() - received) * 1000 + LEAD_JS_COALESCING_MS)
    socket.disconnect(NAMESPACE)
    timings.sort()
    print(f"{'event -> panels redrawn':26} {'-':>5} {statistics.median(timings):8.1f} {percentile(timings, 95):8.1f} "
          f"{timings[-1]:8.1f}   (incl. lead.js' {LEAD_JS_COALESCING_MS} ms coalescing wait)", flush=True)


TEAMS, AGENTS, PROMISE_EVERY = 4, 40, 20


def sweep_once(session) -> None:
    """The SLA sweep at this moment: warnings and breaches due now claimed (and mailed) once."""
    from helpdesk.sla.sweep import sweep

    started = time.perf_counter()
    report = sweep(session, datetime.now(timezone.utc), batch=5000)
    print(f"prepare: SLA sweep, {report.breaches} breaches and {report.warnings} warnings claimed "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


def prepare(session) -> None:
    from sqlalchemy import func, insert, select, text

    from helpdesk.models import Promise, Team, Ticket, User

    if session.scalar(select(func.count(Team.id)).where(Team.name.like("Bench team %"))):
        print("prepare: done before", file=sys.stderr)
        return
    started = time.perf_counter()
    now = datetime.now(timezone.utc)
    session.execute(insert(Team), [{"name": f"Bench team {k}", "created_at": now, "updated_at": now}
                                   for k in range(1, TEAMS + 1)])
    session.execute(insert(User), [{"email": f"bench-agent{k}@example.com", "name": f"Agent {k}", "role": "agent",
                                    "locale": "fr", "active": True, "availability": "offline",
                                    "is_org_admin": False, "created_at": now} for k in range(1, AGENTS + 1)])
    from helpdesk.auth.security import hash_password

    session.execute(insert(User), [{"email": LEAD[0], "name": "Bench lead", "role": "lead", "locale": "fr",
                                    "active": True, "availability": "offline", "is_org_admin": False,
                                    "password_hash": hash_password(LEAD[1]), "created_at": now}])
    first_team = session.scalar(select(func.min(Team.id)).where(Team.name.like("Bench team %")))
    first_agent = session.scalar(select(func.min(User.id)).where(User.email.like("bench-agent%")))
    session.execute(text("UPDATE tickets SET assignee_id = :agent + (id * 7) % :agents, team_id = :team + id % :teams, "
                         "agent_replies = id % 3"),
                    {"agent": first_agent, "agents": AGENTS, "team": first_team, "teams": TEAMS})
    session.execute(text("UPDATE survey_responses SET agent_id = (SELECT assignee_id FROM tickets t "
                         "WHERE t.id = survey_responses.ticket_id), team_id = (SELECT team_id FROM tickets t "
                         "WHERE t.id = survey_responses.ticket_id)"))
    rows = session.execute(select(Ticket.id, Ticket.customer_id, Ticket.assignee_id, Ticket.created_at)
                           .where(Ticket.id % PROMISE_EVERY == 0)).all()
    promises = []
    for ticket_id, customer_id, owner_id, created in rows:
        created = created.replace(tzinfo=timezone.utc) if created.tzinfo is None else created
        due = created + timedelta(days=1)
        kept = (ticket_id // PROMISE_EVERY) % 5 != 4
        settled = due < now
        promises.append({"ticket_id": ticket_id, "customer_id": customer_id, "owner_id": owner_id,
                         "created_by_id": owner_id, "what": "Rappeler le client", "due_at": due,
                         "warn_at": due - timedelta(hours=1), "created_at": created,
                         "state": ("kept" if kept else "broken") if settled else "pending",
                         "kept_by": "reply" if kept and settled else None,
                         "kept_at": due - timedelta(hours=3) if kept and settled else None,
                         "broken_at": due if settled and not kept else None})
    for k in range(0, len(promises), 10_000):
        session.execute(insert(Promise), promises[k:k + 10_000])
    session.commit()
    if session.get_bind().dialect.name == "postgresql":  # rewritten rows: index-only scans need a fresh visibility map
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()
    print(f"prepare: {TEAMS} teams, {AGENTS} agents, every ticket assigned, {len(promises)} promises "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
