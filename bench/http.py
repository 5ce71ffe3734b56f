"""Over HTTP: the app served by the production server (gunicorn.conf.py: one gevent worker process) on loopback, one client;
and the search-indexing worker process that runs beside the server in production."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.dataset import ROOT, Dataset
from bench.registry import scenario
from bench.scenarios import (
    AGENT,
    CARD_TARGET,
    CREATE_TARGET,
    QUEUE_TARGET,
    SEARCH_WORDS,
    TICKET_TARGET,
    Context,
    create_payload,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker_pid(master: int) -> int | None:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return int(children[0]) if children else None
    except OSError:
        return None


@contextmanager
def gunicorn(dataset: Dataset, log=print):
    """Serve wsgi:app like production does; yields (base_url, worker pid)."""
    import requests

    port = free_port()
    gunicorn_bin = str(Path(sys.executable).parent / "gunicorn")
    # The production server: gunicorn.conf.py (gevent workers), one process.
    cmd = [gunicorn_bin, "-c", "gunicorn.conf.py", "wsgi:app"]
    log(f"  $ HELPDESK_ENV=production BACKGROUND_TASKS=0 INSTANCE_PATH={dataset.instance} "
        f"{'DATABASE_URL=' + dataset.database_url + ' ' if dataset.database_url else ''}"
        f"PORT={port} WEB_PROCESSES=1 gunicorn -c gunicorn.conf.py wsgi:app")
    base = f"http://127.0.0.1:{port}"
    env = {"PORT": str(port), "HOST": "127.0.0.1", "WEB_PROCESSES": "1", "LOG_LEVEL": "warning"}
    with _process(dataset, cmd, "gunicorn.log", stop_timeout=20, env=env) as proc:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {dataset.instance / 'gunicorn.log'}")
            try:
                requests.get(base + "/login", timeout=2)
                break
            except requests.RequestException:  # not up yet, or busy starting
                time.sleep(0.1)
        yield base, _worker_pid(proc.pid) or proc.pid


@contextmanager
def kb_worker(dataset: Dataset, log=print):
    """`flask kb worker` on the data set, as deployed beside the server: the app's processes then
    only journal changed ids and this process indexes them. Yields a function that waits until
    the journal is written and returns the seconds it took."""
    from knowledge_base.index import IndexStore, lock_is_held

    cmd = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "kb", "worker", "--quiet"]
    log("  $ flask --app wsgi kb worker   (search indexing in its own process)")
    store = IndexStore(dataset.instance / "search")
    with _process(dataset, cmd, "kb-worker.log", stop_timeout=60) as proc:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"kb worker exited ({proc.returncode}); see {dataset.instance / 'kb-worker.log'}")
            if lock_is_held(store.worker_lock_path):
                break
            time.sleep(0.05)

        def caught_up(timeout: float = 300.0) -> float:
            started = time.monotonic()
            while store.journal_size() and time.monotonic() - started < timeout:
                time.sleep(0.05)
            return time.monotonic() - started

        yield caught_up


@contextmanager
def _process(dataset: Dataset, cmd: list[str], log_name: str, stop_timeout: float, env: dict | None = None):
    """`cmd` in its own process group (the data set's environment and `env`), output appended to
    instance/<log_name>; stopped (SIGTERM, then SIGKILL after `stop_timeout` s) on the way out."""
    errlog = open(dataset.instance / log_name, "ab")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dataset.env(**(env or {})), stdout=errlog, stderr=errlog,
                            start_new_session=True)
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=stop_timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        errlog.close()


def login(ctx: Context, base: str) -> None:
    import requests

    s = requests.Session()
    page = s.get(base + "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    data = {"email": AGENT[0], "password": AGENT[1]}
    if token:
        data["csrf_token"] = token.group(1)
    r = s.post(base + "/login", data=data, allow_redirects=False)
    if r.status_code != 302:
        raise RuntimeError(f"login over HTTP failed: {r.status_code} {r.text[:300]}")
    api = requests.Session()
    r = api.post(base + "/api/v1/auth/token", json={"email": AGENT[0], "password": AGENT[1], "name": "bench-http"})
    if r.status_code != 201:
        raise RuntimeError(f"token over HTTP failed: {r.status_code} {r.text[:300]}")
    api.headers["Authorization"] = f"Bearer {r.json()['token']}"
    ctx.base_url, ctx.http, ctx.http_api = base, s, api


def _get(session, url: str) -> None:
    r = session.get(url, allow_redirects=False)
    if r.status_code != 200:
        raise AssertionError(f"GET {url}: {r.status_code} {r.text[:200]}")


def _http_get(path_of, api: bool = False):
    def fn(ctx: Context):
        session = ctx.http_api if api else ctx.http
        return lambda i: _get(session, ctx.base_url + path_of(ctx, i))
    return fn


HTTP = dict(transport="http", mem_runs=0)

for _view in ("mine", "team", "open", "breached"):
    scenario(f"http queue {_view}", target=QUEUE_TARGET, peer="ticket list" if _view == "open" else None, **HTTP)(
        _http_get(lambda ctx, i, v=_view: f"/console?view={v}"))
scenario("http queue open, deep page", target=QUEUE_TARGET, **HTTP)(
    _http_get(lambda ctx, i: f"/console?view=open&cursor={ctx.deep_cursor}" if ctx.deep_cursor else "/console?view=open"))
scenario("http ticket page", target=TICKET_TARGET, peer="ticket page", **HTTP)(
    _http_get(lambda ctx, i: f"/console/tickets/{ctx.open_ids[(i + 101) % len(ctx.open_ids)]}"))
scenario("http api ticket get", target=TICKET_TARGET, **HTTP)(
    _http_get(lambda ctx, i: f"/api/v1/tickets/{ctx.open_ids[(i + 201) % len(ctx.open_ids)]}", api=True))
scenario("http api ticket list", target=QUEUE_TARGET, **HTTP)(
    _http_get(lambda ctx, i: "/api/v1/tickets?status=open,new", api=True))
scenario("http search", peer="search", **HTTP)(
    _http_get(lambda ctx, i: f"/api/v1/tickets?q={SEARCH_WORDS[(i + 3) % len(SEARCH_WORDS)]}", api=True))
scenario("http customer card", target=CARD_TARGET, **HTTP)(
    _http_get(lambda ctx, i: f"/api/v1/customers/{ctx.top_customer.get('id')}", api=True))


@scenario("http api ticket create", target=CREATE_TARGET, throughput=True, peer="ticket creation", **HTTP)
def http_create(ctx: Context):
    """POST /api/v1/tickets over HTTP, sequential, one client, one server process"""
    def op(i):
        r = ctx.http_api.post(ctx.base_url + "/api/v1/tickets", json=create_payload(ctx, 100000 + i))
        if r.status_code != 201:
            raise AssertionError(f"POST /api/v1/tickets: {r.status_code} {r.text[:300]}")
    return op
