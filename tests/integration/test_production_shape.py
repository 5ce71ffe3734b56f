"""The production shape, started as `make production` starts it: two server processes (the
documented gunicorn command with gevent workers), the background worker and the search worker,
on PostgreSQL and Redis on loopback. A call posted to one process pops on an agent connected to the
other; a breach the worker finds reaches agents on both; the breach is announced once however many
processes run; the status command sees every process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import DATABASE_URL, PASSWORD, REDIS_URL, _pg_url
from tests.net import free_port
from tests.sockets.conftest import Listener

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture()
def shape(tmp_path):
    """A fresh database on the PostgreSQL server of the run (or the machine's), migrated; yields
    (env, start(cmd) -> Popen)."""
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres" if DATABASE_URL else SERVER
    name = f"shape_{uuid.uuid4().hex[:10]}"
    engine = create_engine(_pg_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    env = {**os.environ, "HELPDESK_ENV": "production", "SECRET_KEY": uuid.uuid4().hex,
           "DATABASE_URL": admin_url.rsplit("/", 1)[0] + "/" + name, "REDIS_URL": REDIS_URL or "redis://127.0.0.1:6379/0",
           "SOCKETIO_CHANNEL": f"shape-{name}", "RATELIMIT_KEY_PREFIX": f"shape-{name}",
           "INSTANCE_PATH": str(tmp_path / "instance"), "CTI_TOKEN": "shape-cti-secret",
           "SESSION_COOKIE_SECURE": "0", "LOGIN_RATE_LIMIT": "1000 per minute", "KB_INDEX_DELAY_SECONDS": "0.2"}
    processes: list[subprocess.Popen] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(name_: str, *cmd: str, **extra: str) -> subprocess.Popen:
        out = open(logs / f"{name_}.log", "wb")
        proc = subprocess.Popen(list(cmd), cwd=ROOT, env={**env, **extra}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        processes.append(proc)
        return proc

    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    try:
        yield env, start, logs
    finally:
        for proc in processes:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _people(env: dict) -> dict:
    """An agent for each server process, in one team with a 24/7 policy of 60 minutes."""
    code = """
import json, os
from helpdesk import create_app
from helpdesk.auth.service import create_user
from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, SLAPolicy, Team
app = create_app()
with app.app_context():
    calendar = BusinessCalendar(name="24/7", timezone="UTC", hours={d: [["00:00", "24:00"]] for d in
                                ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    team = Team(name="Niveau 1", calendar=calendar)
    db.session.add_all([calendar, team, SLAPolicy(name="Tous", rank=10, conditions={}, first_response_minutes=60)])
    db.session.flush()
    ids = {}
    for email, name in (("ana@example.com", "Ana"), ("ben@example.com", "Ben")):
        ids[email] = create_user(email=email, role="agent", password=%r, name=name, team_ids=[team.id]).id
    db.session.commit()
    print(json.dumps({"team": team.id, **ids}))
""" % PASSWORD
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _serve(start, name: str) -> str:
    port = free_port()
    start(name, str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app", PORT=str(port), HOST="127.0.0.1",
          WEB_PROCESSES="1", LOG_LEVEL="warning")
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/login", timeout=1)
            return base
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{name} did not start")


def _token(base: str, email: str) -> str:
    return requests.post(base + "/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=10).json()["token"]


def test_the_production_shape_shares_calls_and_breaches_and_does_each_job_once(shape):
    env, start, logs = shape
    people = _people(env)
    first, second = _serve(start, "web-1"), _serve(start, "web-2")
    start("background", str(BIN / "flask"), "--app", "wsgi", "sla", "worker", "--interval", "0.5")
    start("search", str(BIN / "flask"), "--app", "wsgi", "kb", "worker", "--quiet")
    ana = Listener(first, _token(first, "ana@example.com"))
    ben_token = _token(second, "ben@example.com")
    ben = Listener(second, ben_token)
    try:
        # A call posted to the first process pops on Ben, who is connected to the second.
        call = {"event": "newCall", "call_id": "shape-1", "from": "+33612345678", "to": "+33140000000",
                "direction": "in", "agent_email": "ben@example.com"}
        posted = requests.post(first + "/api/v1/cti/events", json=call, headers={"X-CTI-Token": "shape-cti-secret"},
                               timeout=10)
        assert posted.status_code == 200, posted.text
        assert ben.wait_for("call:incoming", timeout=10)["call_id"] == "shape-1"

        # A ticket of the team, its first response overdue: the worker's sweep finds the breach and
        # both agents hear of it, whichever process they are connected to.
        ticket = requests.post(second + "/api/v1/tickets", json={"subject": "Panne", "body": "x", "team": people["team"]},
                               headers={"Authorization": f"Bearer {ben_token}"}, timeout=10).json()
        engine = create_engine(_pg_url(env["DATABASE_URL"]))
        with engine.begin() as connection:
            connection.execute(text("UPDATE sla_clocks SET due_at = now() - interval '1 minute', "
                                    "warn_at = now() - interval '2 minutes', warned_at = now() - interval '2 minutes' "
                                    "WHERE ticket_id = :t AND metric = 'first_response'"), {"t": ticket["id"]})
        for listener in (ana, ben):
            event = listener.wait_for("sla:breached", timeout=15, predicate=lambda e: e["ticket_id"] == ticket["id"])
            assert event["metric"] == "first_response"
        time.sleep(2)  # more passes of the worker (and of the servers' standby tasks): none claims it again
        with engine.connect() as connection:
            breaches = connection.execute(text("SELECT count(*) FROM ticket_events WHERE ticket_id = :t "
                                               "AND action = 'sla_breached'"), {"t": ticket["id"]}).scalar()
        engine.dispose()
        assert breaches == 1

        # Every process is seen, and the background work is the worker's.
        status = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "status", "--json"], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        report = json.loads(status.stdout)
        kinds = sorted(p["kind"] for p in report["processes"] if p["alive"])
        assert kinds == ["background", "web", "web"], report
        assert report["background_by"] == "worker" and report["redis"]["ok"] and report["search"]["worker"]
    finally:
        ana.close()
        ben.close()
