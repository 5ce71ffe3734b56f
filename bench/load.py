"""The production server under a call centre's load: N agents connected to one process by websocket
(the console's live connection), while tickets are created and ticket pages viewed at fixed rates,
for a few minutes. Prints latency per kind of request (p50, p95, max), errors, and the server
process's memory and open connections over time (they must not grow).

    python -m bench.load [--agents 500] [--seconds 300] [--create-rate 20] [--view-rate 20] [--call-rate 0]
                         [--tickets 20000] [--database-url URL] [--processes 1 --redis-url URL] [--json FILE]

The server is the documented production command (`gunicorn -c gunicorn.conf.py wsgi:app`, gevent
workers) on the bench data set (`bench.dataset`, seeded once). The agents are real Socket.IO
clients (python-socketio's asyncio client over websocket), each with its own account and API
token, spread over the data set's teams; every ticket created is announced to every connected
agent (the live queue), as in production. Requests are sent open-loop at the given rates (a slow
answer does not slow the next request down), so latency includes any queueing in the server.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.dataset import ROOT, Dataset, default_customers
from bench.http import _process, free_port

PASSWORD = "load-password"
CTI_TOKEN = "bench-load-cti-token"


def _accounts(dataset: Dataset, n: int) -> tuple[list[str], list[int], list[int], list[str]]:
    """N agent accounts with an API token each (made once, kept in the data set); returns their
    tokens, ticket ids to view, the customers creations are for (spread, as callers are: one
    customer's row is written by each of their tickets), and customers' phone numbers to call from."""
    os.environ.update(dataset.env())
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    from sqlalchemy import select

    from helpdesk import create_app
    from helpdesk.auth.security import hash_password, hash_token
    from helpdesk.extensions import db
    from helpdesk.models import ApiToken, Customer, CustomerPhone, Team, Ticket, User, utcnow

    app = create_app()
    tokens_file = dataset.instance / f"load-tokens-{n}.json"
    with app.app_context():
        if tokens_file.exists():
            tokens = json.loads(tokens_file.read_text())
        else:
            teams = list(db.session.scalars(select(Team).order_by(Team.id)))
            hashed = hash_password(PASSWORD)
            existing = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("load%@bench.local")))}
            tokens = []
            now = utcnow()
            for i in range(n):
                email = f"load{i}@bench.local"
                user = existing.get(email)
                if user is None:
                    user = User(email=email, name=f"Agent de charge {i}", role="agent", password_hash=hashed, active=True,
                                locale="fr")
                    if teams:
                        user.teams = [teams[i % len(teams)]]
                    db.session.add(user)
                    db.session.flush()
                token = f"load-{i}-" + os.urandom(16).hex()
                db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:12], name="bench.load",
                                        created_at=now, expires_at=now + timedelta(days=365)))
                tokens.append(token)
            db.session.commit()
            tokens_file.write_text(json.dumps(tokens))
        ticket_ids = list(db.session.scalars(select(Ticket.id).order_by(Ticket.id.desc()).limit(2000)))
        customer_ids = list(db.session.scalars(select(Customer.id).order_by(Customer.id).limit(2000)))
        phones = list(db.session.scalars(select(CustomerPhone.number).order_by(CustomerPhone.id).limit(2000)))
    return tokens, ticket_ids, customer_ids, phones


@contextmanager
def production_server(dataset: Dataset, processes: int, log=print, redis_url: str | None = None):
    """`gunicorn -c gunicorn.conf.py wsgi:app` on loopback; yields (base url, master pid)."""
    import requests

    port = free_port()
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
    env_extra = {"PORT": str(port), "HOST": "127.0.0.1", "WEB_PROCESSES": str(processes), "LOG_LEVEL": "warning",
                 "CTI_TOKEN": CTI_TOKEN}
    if redis_url:  # several processes share live events through it
        env_extra.update(REDIS_URL=redis_url, SOCKETIO_CHANNEL=f"bench-load-{port}")
    log(f"  $ PORT={port} WEB_PROCESSES={processes} gunicorn -c gunicorn.conf.py wsgi:app")
    with _process(dataset, cmd, "gunicorn-load.log", stop_timeout=30, env=env_extra) as proc:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {dataset.instance / 'gunicorn-load.log'}")
            try:
                requests.get(base + "/login", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base, proc.pid


def _workers(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def _process_figures(pid: int) -> tuple[float, int, int]:
    """(RSS MB, open file descriptors, established TCP connections) of a process."""
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    fds = os.listdir(f"/proc/{pid}/fd")
    sockets = 0
    for fd in fds:
        try:
            sockets += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:  # closed between the listing and the look
            pass
    return rss, len(fds), sockets


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


async def _run(base: str, master: int, tokens: list[str], ticket_ids: list[int], customer_ids: list[int],
               phones: list[str], args, log) -> dict:
    import aiohttp
    import socketio

    received = {"events": 0, "connects": 0, "drops": 0}
    clients: list = []
    connect_failures = 0

    async def connect(token: str) -> None:
        nonlocal connect_failures
        # With --kill-after, agents reconnect as the console does (socket.io's client retries).
        client = socketio.AsyncClient(reconnection=bool(args.kill_after), reconnection_delay=0.5,
                                      reconnection_delay_max=2)

        @client.on("*", namespace="/console")
        async def _any(event, data=None):
            received["events"] += 1

        @client.on("connect", namespace="/console")
        async def _connected():
            received["connects"] += 1

        @client.on("disconnect", namespace="/console")
        async def _dropped(*_reason):
            received["drops"] += 1

        try:
            await client.connect(base, namespaces=["/console"], auth={"token": token}, transports=["websocket"],
                                 wait_timeout=20)
            clients.append(client)
        except Exception as exc:  # counted, reported
            connect_failures += 1
            if connect_failures <= 3:
                log(f"  connect failed: {exc!r}")

    started = time.monotonic()
    for batch in range(0, len(tokens), 25):  # 25 at a time, as a morning's logins come in
        await asyncio.gather(*(connect(t) for t in tokens[batch:batch + 25]))
    log(f"  {len(clients)} agents connected in {time.monotonic() - started:.1f} s ({connect_failures} failed)")

    latencies: dict[str, list[float]] = {"create": [], "view": [], "call": []}
    errors: dict[str, int] = {"create": 0, "view": 0, "call": 0}
    samples: list[dict] = []
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:
        # The page views are an agent's, logged in with a session cookie as the console is.
        page = await (await http.get(base + "/login")).text()
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        await http.post(base + "/login", data={"email": "agent@demo.helpdesk.fr", "password": "demo-password",
                                               **({"csrf_token": csrf.group(1)} if csrf else {})}, allow_redirects=False)

        async def timed(kind: str, request, expected: int) -> None:
            """One request, its latency recorded under `kind`, an error counted unless `expected`."""
            t0 = time.perf_counter()
            try:
                async with request as r:
                    await r.read()
                    ok = r.status == expected
            except aiohttp.ClientError:
                ok = False
            latencies[kind].append((time.perf_counter() - t0) * 1000)
            errors[kind] += 0 if ok else 1

        async def create(i: int) -> None:
            body = {"subject": f"Charge : la box ne se connecte plus ({i})", "body": "Bonjour, ma box clignote.",
                    "customer_id": customer_ids[i % len(customer_ids)],
                    "priority": ("low", "normal", "high", "urgent")[i % 4], "channel": "phone"}
            await timed("create", http.post(base + "/api/v1/tickets", json=body,
                                            headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"}), 201)

        async def view(i: int) -> None:
            await timed("view", http.get(f"{base}/console/tickets/{random.choice(ticket_ids)}"), 200)

        async def call(i: int) -> None:
            """A customer calls an agent (the screen-pop), the agent answers, they hang up after 3 s:
            the three CTI events, each timed as a "call" request."""
            call_id = f"load-{os.getpid()}-{i}"
            agent = f"load{i % len(tokens)}@bench.local"
            caller = phones[i % len(phones)] if phones else f"+3361{i % 10_000_000:07d}"
            for event, pause in (("newCall", 1.0), ("answer", 3.0), ("hangup", 0)):
                await timed("call", http.post(base + "/api/v1/cti/events", headers={"X-CTI-Token": CTI_TOKEN},
                                              json={"event": event, "call_id": call_id, "from": caller, "to": "3000",
                                                    "direction": "in", "agent_email": agent}), 200)
                if pause:
                    await asyncio.sleep(pause)

        async def sample() -> None:
            while True:
                figures = []
                for pid in _workers(master):
                    try:
                        figures.append(_process_figures(pid))
                    except OSError:  # a worker restarting: counted as nothing this once
                        pass
                samples.append({"t": round(time.monotonic() - t_start, 1), "rss_mb": round(sum(f[0] for f in figures), 1),
                                "fds": sum(f[1] for f in figures), "sockets": sum(f[2] for f in figures),
                                "connected": sum(1 for c in clients if c.connected), "events": received["events"]})
                await asyncio.sleep(args.sample_every)

        t_start = time.monotonic()
        sampler = asyncio.create_task(sample())
        killed: dict = {}

        async def kill_one_worker() -> None:
            """SIGKILL one server process under traffic; gunicorn's master starts another."""
            await asyncio.sleep(args.kill_after)
            workers = _workers(master)
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed.update(pid=workers[0], at=round(time.monotonic() - t_start, 1))
                log(f"  killed server process {workers[0]} at {killed['at']} s")

        killer = asyncio.create_task(kill_one_worker()) if args.kill_after else None
        tasks = []
        rates = (("create", args.create_rate, create), ("view", args.view_rate, view),
                 ("call", args.call_rate, call))
        next_at = {kind: t_start for kind, _, _ in rates}
        counts = {kind: 0 for kind, _, _ in rates}
        while (now := time.monotonic()) - t_start < args.seconds:
            for kind, rate, fn in rates:
                while rate and next_at[kind] <= now:
                    tasks.append(asyncio.create_task(fn(counts[kind])))
                    counts[kind] += 1
                    next_at[kind] += 1 / rate
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
        await asyncio.sleep(1)
        sampler.cancel()
        if killer is not None:
            killer.cancel()
    still = sum(1 for c in clients if c.connected)
    drops = received["drops"]  # before the run's own disconnects below
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    result = {"agents": len(tokens), "connected": len(clients), "connect_failures": connect_failures,
              "still_connected_at_end": still, "seconds": args.seconds, "events_received": received["events"],
              "drops": drops, "reconnects": max(0, received["connects"] - len(clients)),
              "killed": killed or None, "samples": samples}
    for kind in latencies:
        values = latencies[kind]
        result[kind] = {"n": len(values), "errors": errors[kind], "p50_ms": round(_pct(values, 50), 1),
                        "p95_ms": round(_pct(values, 95), 1), "max_ms": round(max(values), 1) if values else None,
                        "mean_ms": round(statistics.fmean(values), 1) if values else None}
    return result


async def _saturate(base: str, tokens: list[str], customer_ids: list[int], clients: int, seconds: float) -> dict:
    """`clients` concurrent clients creating tickets back to back for `seconds`: creations per second."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client(k: int, http) -> None:
        nonlocal errors
        i = 0
        while time.monotonic() < deadline:
            body = {"subject": f"Débit : la box ne se connecte plus ({k}-{i})", "body": "Bonjour, ma box clignote.",
                    "customer_id": customer_ids[(k * 7919 + i) % len(customer_ids)], "priority": "normal",
                    "channel": "phone"}
            t0 = time.perf_counter()
            try:
                async with http.post(base + "/api/v1/tickets", json=body,
                                     headers={"Authorization": f"Bearer {tokens[k % len(tokens)]}"}) as r:
                    await r.read()
                    errors += r.status != 201
            except aiohttp.ClientError:
                errors += 1
            latencies.append((time.perf_counter() - t0) * 1000)
            i += 1

    started = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
        await asyncio.gather(*(client(k, http) for k in range(clients)))
    elapsed = time.monotonic() - started
    return {"clients": clients, "n": len(latencies), "errors": errors, "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(_pct(latencies, 50), 1), "p95_ms": round(_pct(latencies, 95), 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--agents", type=int, default=500)
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--create-rate", type=float, default=20, help="ticket creations per second (API)")
    p.add_argument("--view-rate", type=float, default=20, help="ticket pages viewed per second (console)")
    p.add_argument("--call-rate", type=float, default=0,
                   help="calls per second (CTI newCall to a connected agent, answer, hangup after 3 s)")
    p.add_argument("--tickets", type=int, default=20_000, help="size of the data set")
    p.add_argument("--processes", type=int, default=1, help="gunicorn worker processes (WEB_PROCESSES)")
    p.add_argument("--database-url", default=None)
    p.add_argument("--redis-url", default=None, help="needed with --processes > 1 (live events between them)")
    p.add_argument("--sample-every", type=float, default=10)
    p.add_argument("--kill-after", type=float, default=0, metavar="SECONDS",
                   help="SIGKILL one server process this long into the run (agents then reconnect)")
    p.add_argument("--saturate", type=int, default=0, metavar="CLIENTS",
                   help="instead: CLIENTS concurrent clients creating tickets back to back for --seconds (throughput)")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    suffix = "-pg" if args.database_url else ""
    dataset = Dataset(tickets=args.tickets, customers=default_customers(args.tickets),
                      instance=ROOT / "bench" / ".data" / f"{args.tickets}{suffix}", database_url=args.database_url)
    dataset.prepare()
    tokens, ticket_ids, customer_ids, phones = _accounts(dataset, args.agents)
    if args.processes > 1 and not args.redis_url:
        p.error("--processes > 1 needs --redis-url (the live events go from process to process through it)")
    with production_server(dataset, args.processes, redis_url=args.redis_url) as (base, master):
        if args.saturate:
            result = asyncio.run(_saturate(base, tokens, customer_ids, args.saturate, args.seconds))
            result.update(database=dataset.label, processes=args.processes, seconds=args.seconds)
            print(f"{args.processes} process(es), {args.saturate} clients: {result['per_second']} creations/s "
                  f"({result['n']} in {args.seconds:.0f} s, {result['errors']} errors, p50 {result['p50_ms']} ms, "
                  f"p95 {result['p95_ms']} ms)")
            print(json.dumps(result))
            return 0
        result = asyncio.run(_run(base, master, tokens, ticket_ids, customer_ids, phones, args, print))
    result.update(database=dataset.label, processes=args.processes, create_rate=args.create_rate,
                  view_rate=args.view_rate, call_rate=args.call_rate, tickets=args.tickets)
    _print(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}))
    return 0


def _print(r: dict) -> None:
    print(f"\n{r['connected']}/{r['agents']} agents connected ({r['connect_failures']} failed), "
          f"{r['still_connected_at_end']} still connected after {r['seconds']:.0f} s; "
          f"{r['events_received']} live events received")
    if r.get("killed"):
        print(f"server process {r['killed']['pid']} killed at {r['killed']['at']} s: {r['drops']} agents dropped, "
              f"{r['reconnects']} reconnections; connected over time: "
              + ", ".join(f"{x['t']:.0f}s {x['connected']}" for x in r["samples"]))
    print(f"{'':10} {'n':>7} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   target: no error, p95 < 200 ms")
    for kind in ("create", "view", "call"):
        k = r[kind]
        if not k["n"]:
            continue
        print(f"{kind:10} {k['n']:>7} {k['errors']:>7} {k['p50_ms']:>8} {k['p95_ms']:>8} {k['max_ms']:>8}")
    s = r["samples"]
    if s:
        print(f"server: RSS {s[0]['rss_mb']} -> {s[-1]['rss_mb']} MB (max {max(x['rss_mb'] for x in s)}), "
              f"open sockets {s[0]['sockets']} -> {s[-1]['sockets']} (max {max(x['sockets'] for x in s)}), "
              f"fds {s[0]['fds']} -> {s[-1]['fds']}")


if __name__ == "__main__":
    raise SystemExit(main())
