"""Shared fixtures: a fresh migrated database per test (SQLite by default, PostgreSQL when
DATABASE_URL is set), the app, a client, a CLI runner, and small factories."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from config import TestingConfig

DATABASE_URL = os.environ.get("DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")


def _pg_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgresql://", "postgres://")) else url


def pytest_collection_modifyitems(config, items):
    """Tests marked `redis` need REDIS_URL: they run in CI's PostgreSQL+Redis pass and are
    deselected (not skipped) in the embedded-default pass, which has no Redis by design."""
    if REDIS_URL:
        return
    selected = [item for item in items if "redis" not in item.keywords]
    deselected = [item for item in items if "redis" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(scope="session", autouse=True)
def required_services():
    """When the run names PostgreSQL or Redis, they must answer: a missing service fails, never skips."""
    if DATABASE_URL:
        engine = create_engine(_pg_url(DATABASE_URL))
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    yield


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, required_services):
    """Run the migrations once; each test then starts from a copy (SQLite) or a truncated copy (PostgreSQL)."""
    from flask_migrate import upgrade

    from helpdesk import create_app

    base = tmp_path_factory.mktemp("template")
    overrides = {"INSTANCE_PATH": str(base / "instance")}
    if DATABASE_URL:
        overrides["SQLALCHEMY_DATABASE_URI"] = DATABASE_URL
        # Start from an empty schema so the migrations themselves are exercised.
        engine = create_engine(_pg_url(DATABASE_URL))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        overrides["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(base / "template.db")
    app = create_app(TestingConfig, **overrides)
    with app.app_context():
        upgrade()
        from helpdesk.extensions import db

        db.engine.dispose()
    return base / "template.db"


def _truncate_all(app) -> None:
    from helpdesk.extensions import db

    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture()
def app(tmp_path, migrated_template):
    from helpdesk import create_app
    from helpdesk.extensions import db

    instance = tmp_path / "instance"
    instance.mkdir()
    overrides = {
        "INSTANCE_PATH": str(instance),
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "REDIS_URL": REDIS_URL,
        # Test runs sharing one Redis must not hear each other's live events.
        "SOCKETIO_CHANNEL": f"test-{uuid.uuid4().hex}",
    }
    if DATABASE_URL:
        overrides["SQLALCHEMY_DATABASE_URI"] = DATABASE_URL
    else:
        database = instance / "helpdesk.db"
        shutil.copyfile(migrated_template, database)
        overrides["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(database)
    app = create_app(TestingConfig, **overrides)
    if DATABASE_URL:
        with app.app_context():
            _truncate_all(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def live_server(app):
    """The app served on loopback in a thread (HTTP and Socket.IO), for browsers and socket clients."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def db_session(app):
    from helpdesk.extensions import db

    with app.app_context():
        yield db.session


PASSWORD = "correct horse battery"


class Factory:
    """Small builders for test data; each commits so requests see it."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role: str = "agent", email: str | None = None, password: str = PASSWORD, **fields):
        from helpdesk.auth.service import create_user
        from helpdesk.extensions import db

        known = {k: fields.pop(k) for k in ("name", "team_ids", "locale") if k in fields}
        with self.app.app_context():
            user = create_user(email=email or f"{role}{self._next()}@example.com", role=role, password=password, **known)
            for key, value in fields.items():  # anything else (availability, extension, ...) is set as is
                setattr(user, key, value)
            db.session.commit()
            return user.id

    def customer(self, name: str | None = None, **fields):
        from helpdesk.extensions import db
        from helpdesk.models import Customer

        with self.app.app_context():
            customer = Customer(name=name or f"Client {self._next()}", **fields)
            db.session.add(customer)
            db.session.commit()
            return customer.id

    def ticket(self, customer_id: int | None = None, subject: str = "Ma box ne se connecte plus", **fields):
        from helpdesk.extensions import db
        from helpdesk.models import Message, Ticket

        with self.app.app_context():
            ticket = Ticket(subject=subject, customer_id=customer_id, **fields)
            db.session.add(ticket)
            db.session.flush()
            ticket.number = 10000 + ticket.id
            db.session.add(Message(ticket=ticket, kind="reply", from_customer=True, body="<p>Bonjour, ça ne marche plus.</p>",
                                   created_at=ticket.created_at))
            db.session.commit()
            return ticket.id


@pytest.fixture()
def factory(app):
    return Factory(app)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")

    def token(self, email: str, password: str = PASSWORD) -> str:
        response = self._client.post("/api/v1/auth/token", json={"email": email, "password": password})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]


@pytest.fixture()
def auth(client):
    return AuthActions(client)


def counted_get(app, client, url: str, headers: dict | None = None):
    """GET `url` and count the SQL statements it ran: (count, response). The page must answer 200."""
    from sqlalchemy import event

    from helpdesk.extensions import db

    with app.app_context():
        engine = db.engine
    count = [0]

    def tally(*args):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", tally)
    try:
        response = client.get(url, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", tally)
    assert response.status_code == 200, response.status_code
    return count[0], response


@pytest.fixture()
def smtp(app):
    """Start a loopback SMTP server (aiosmtpd) and point the app at it: smtp() -> Inbox."""
    from aiosmtpd.controller import Controller

    from tests.mailserver import Inbox
    from tests.net import free_port

    controllers = []

    def start(refuse: str | None = None) -> "Inbox":
        port = free_port()
        inbox = Inbox(refuse)
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()
