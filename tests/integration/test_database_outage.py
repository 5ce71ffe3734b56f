"""The database stops answering under traffic, then comes back: API requests get 503 with Retry-After
in the JSON error shape, pages a friendly page, nothing half-done is kept, the log says so once when
it starts and once when it ends (no traceback per request), and service resumes by itself.

On PostgreSQL the outage is real: the app talks to the server through a TCP proxy that is cut (every
connection closed, new ones refused) and restored. On SQLite the folder holding the database file is
moved away and back (each request opens the file: NullPool), as a disk unmounted would."""
import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy.pool import NullPool

from tests.conftest import DATABASE_URL, PASSWORD
from tests.net import CuttableProxy

KEYS = ("INSTANCE_PATH", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")


@pytest.fixture()
def outage(app, tmp_path):
    """(client of an app whose database can be cut, cut(), restore())."""
    from config import TestingConfig
    from helpdesk import create_app

    overrides = {k: app.config[k] for k in KEYS}
    if DATABASE_URL:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        host_port = url.split("@", 1)[1].split("/", 1)[0]
        host, _, port = host_port.partition(":")
        proxy = CuttableProxy((host, int(port or 5432)))
        overrides["SQLALCHEMY_DATABASE_URI"] = url.replace(host_port, f"127.0.0.1:{proxy.port}")
        cut, restore, close = proxy.cut, proxy.restore, proxy.close
    else:
        folder = tmp_path / "disk"
        folder.mkdir()
        source = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        shutil.copyfile(source, folder / "helpdesk.db")
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / 'helpdesk.db'}"
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": NullPool}
        away = tmp_path / "unmounted"
        cut, restore, close = (lambda: folder.rename(away)), (lambda: away.rename(folder)), (lambda: None)
    served = create_app(TestingConfig, **overrides)
    yield served, cut, restore
    close()


def test_an_outage_answers_503_logs_once_and_service_resumes_by_itself(outage, caplog, monkeypatch):
    from helpdesk import outages
    from helpdesk.auth.service import create_user
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    served, cut, restore = outage
    client = served.test_client()
    with served.app_context():
        create_user(email="paul@example.com", role="agent", password=PASSWORD)
        db.session.commit()
    token = client.post("/api/v1/auth/token", json={"email": "paul@example.com", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with served.app_context():
        tickets_before = db.session.query(Ticket).count()

    caplog.set_level(logging.INFO)
    cut()
    answers = [client.get("/api/v1/me", headers=headers) for _ in range(10)]
    answers.append(client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x"}, headers=headers))
    assert {a.status_code for a in answers} == {503}
    assert all(a.headers["Retry-After"] == str(outages.RETRY_AFTER) for a in answers)
    assert answers[0].get_json()["error"]["code"] == "service_unavailable"
    page = client.get("/login")
    assert page.status_code == 503 and "Service momentanément indisponible" in page.get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en"})
    assert "Service temporarily unavailable" in english.get_data(as_text=True)

    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(problems) == 1 and "database unreachable" in problems[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.WARNING)  # no traceback

    restore()
    monkeypatch.setattr(outages, "PROBE_EVERY", 0.0)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with served.app_context():
        assert db.session.query(Ticket).count() == tickets_before  # the refused creation left nothing


def test_the_background_pass_waits_for_the_database_quietly(outage, caplog):
    from helpdesk.extensions import db
    from helpdesk.sla.background import background_pass

    served, cut, restore = outage
    caplog.set_level(logging.INFO)
    cut()
    with served.app_context():
        for _ in range(3):
            background_pass(served, db.session)
            db.session.remove()
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(problems) == 1 and "database unreachable" in problems[0].getMessage()
    assert all(r.exc_info is None for r in problems)
    restore()
    from helpdesk import outages

    outages_probe = outages.PROBE_EVERY
    try:
        outages.PROBE_EVERY = 0.0
        with served.app_context():
            report = background_pass(served, db.session)
            db.session.remove()
    finally:
        outages.PROBE_EVERY = outages_probe
    assert report.sweep is not None  # back to work
    assert any("reachable again" in r.getMessage() for r in caplog.records)
