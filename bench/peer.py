"""The peer: django-helpdesk on this machine (../shared/peers/django_helpdesk from the project), timed by its own
bench.py over HTTP (one gunicorn worker, one client), so its figures sit beside ours."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

# The shared folder sits beside the project: ../shared/peers/django_helpdesk (PEER_DIR overrides it).
PEER_DIR = Path(os.environ.get("PEER_DIR") or Path(__file__).resolve().parents[1].parent / "shared" / "peers" / "django_helpdesk")
PEER_VENV = Path(os.environ.get("PEER_VENV", "/tmp/peer-dh"))
PEER_DATA = Path(os.environ.get("PEER_DATA", "/tmp/peer-dh-data"))

# Our path names -> the peer's result keys.
PEER_PATHS = {
    "ticket list": "ticket list data (25 rows, default filter)",
    "ticket list page": "ticket list page (HTML shell)",
    "ticket page": "ticket page (1-5 follow-ups)",
    "ticket creation": "ticket creation (REST API)",
    "search": "ticket search (keyword, 25 rows)",
}

SETUP = f"""django-helpdesk peer is not set up; to set it up (about 2 min install + 60 s seeding):
    python3 -m venv {PEER_VENV} && {PEER_VENV}/bin/pip install django-helpdesk gunicorn requests
    cd {PEER_DIR}
    {PEER_VENV}/bin/python manage.py migrate
    {PEER_VENV}/bin/python seed.py 100000
then run `python -m bench --peer` again."""


def peer_tickets() -> int | None:
    """How many tickets the peer's SQLite database holds (None: not set up)."""
    if os.environ.get("PEER_PG"):
        return -1  # PostgreSQL peer: trust the set-up
    db = PEER_DATA / "peer.sqlite3"
    if not (PEER_VENV / "bin" / "python").exists() or not db.exists():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("select count(*) from helpdesk_ticket").fetchone()[0]
    except sqlite3.Error:
        return None


def run_peer(n: int, log=print) -> dict | None:
    tickets = peer_tickets()
    if not tickets:
        log(SETUP)
        return None
    log(f"peer: django-helpdesk with {tickets if tickets > 0 else '?'} tickets: "
        f"{PEER_VENV}/bin/python bench.py {n}  (cwd {PEER_DIR})")
    proc = subprocess.run([str(PEER_VENV / "bin" / "python"), "bench.py", str(n)], cwd=PEER_DIR,
                          capture_output=True, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if proc.returncode != 0:
        log(f"peer bench failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        return None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        log(f"peer bench printed no JSON:\n{proc.stdout[-2000:]}")
        return None
    return {"tickets": tickets, "n": n, "results": json.loads(lines[-1]), "version": _peer_version()}


def _peer_version() -> str | None:
    try:
        out = subprocess.run([str(PEER_VENV / "bin" / "python"), "-c",
                              "import importlib.metadata as m;print(m.version('django-helpdesk'), m.version('django'))"],
                             capture_output=True, text=True, timeout=30).stdout.split()
        return f"django-helpdesk {out[0]}, Django {out[1]}" if len(out) == 2 else None
    except (OSError, subprocess.SubprocessError):
        return None
