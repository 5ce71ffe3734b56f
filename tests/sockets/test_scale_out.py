"""Two server processes behind Redis: a call posted to one reaches an agent connected to the other."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.redis



@pytest.fixture()
def two_servers(app):
    from helpdesk.extensions import db

    with app.app_context():
        db.engine.dispose()
    channel = f"scale-{uuid.uuid4().hex}"
    env = {**os.environ, "HELPDESK_ENV": "testing", "INSTANCE_PATH": app.instance_path,
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://"),
           "REDIS_URL": app.config["REDIS_URL"], "SOCKETIO_CHANNEL": channel, "CTI_TOKEN": "test-cti-token"}
    processes, urls = [], []
    for _ in range(2):
        port = free_port()
        processes.append(subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env={**env, "PORT": str(port)},
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        for _ in range(100):
            try:
                requests.get(url + "/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
    yield urls
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_call_posted_to_one_process_pops_on_the_other(two_servers, factory, client, auth):
    from tests.sockets.conftest import Listener

    factory.user("agent", email="ana@example.com", availability="available")
    token = auth.token("ana@example.com")
    first, second = two_servers
    listener = Listener(second, token)
    try:
        response = requests.post(first + "/api/v1/cti/events", headers={"X-CTI-Token": "test-cti-token"},
                                 json={"event": "newCall", "call_id": "multi-1", "from": "0612345678", "direction": "in"})
        assert response.status_code == 200
        assert listener.wait_for("call:incoming", timeout=10)["call_id"] == "multi-1"
    finally:
        listener.close()


def test_agents_on_two_processes_see_each_other_on_a_ticket(two_servers, factory, auth):
    from tests.sockets.conftest import Listener

    factory.user("agent", email="ana@example.com", name="Ana Agent")
    factory.user("agent", email="bob@example.com", name="Bob Agent")
    ana_token, bob_token = auth.token("ana@example.com"), auth.token("bob@example.com")
    first, second = two_servers
    created = requests.post(first + "/api/v1/tickets", headers={"Authorization": f"Bearer {ana_token}"},
                            json={"subject": "Fibre coupée", "body": "Depuis ce matin."})
    assert created.status_code == 201
    ticket_id = created.json()["id"]
    ana, bob = Listener(first, ana_token), Listener(second, bob_token)
    try:
        assert [v["name"] for v in ana.emit("ticket:watch", {"ticket_id": ticket_id})["viewers"]] == ["Ana Agent"]
        assert {v["name"] for v in bob.emit("ticket:watch", {"ticket_id": ticket_id})["viewers"]} == {"Ana Agent", "Bob Agent"}
        seen = ana.wait_for("presence", timeout=10, predicate=lambda d: len(d.get("viewers", [])) == 2)
        assert {v["name"] for v in seen["viewers"]} == {"Ana Agent", "Bob Agent"}
        bob.close()  # Bob's process tells everyone he left
        after = ana.wait_for("presence", timeout=10, predicate=lambda d: len(d.get("viewers", [])) == 1)
        assert after["viewers"][0]["name"] == "Ana Agent"
    finally:
        ana.close()


def test_deactivating_an_agent_on_one_process_closes_their_socket_on_the_other(two_servers, factory, auth):
    from tests.sockets.conftest import Listener

    factory.user("admin", email="root@example.com")
    nina_id = factory.user("agent", email="nina@example.com")
    first, second = two_servers
    nina = Listener(second, auth.token("nina@example.com"))
    try:
        response = requests.patch(f"{first}/api/v1/users/{nina_id}", json={"active": False},
                                  headers={"Authorization": f"Bearer {auth.token('root@example.com')}"})
        assert response.status_code == 200
        deadline = time.time() + 10
        while nina.client.connected and time.time() < deadline:
            time.sleep(0.05)
        assert not nina.client.connected
    finally:
        nina.close()
