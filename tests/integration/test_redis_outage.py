"""Redis unreachable: one server process keeps serving (logins, tickets; the rate limits then count
in its memory), nothing written is lost, and the status page says live events are degraded."""
from tests.conftest import PASSWORD
from tests.net import free_port

KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "SOCKETIO_CHANNEL")


def test_the_app_keeps_serving_without_redis_and_says_so(app, factory):
    from config import TestingConfig
    from helpdesk import create_app
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    factory.user("admin", email="root@example.com")
    served = create_app(TestingConfig, **{k: app.config[k] for k in KEYS}, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = served.test_client()
    token = client.post("/api/v1/auth/token", json={"email": "root@example.com", "password": PASSWORD})
    assert token.status_code == 201  # the login's rate limit is counted in memory meanwhile
    created = client.post("/api/v1/tickets", json={"subject": "Panne", "body": "x"},
                          headers={"Authorization": f"Bearer {token.get_json()['token']}"})
    assert created.status_code == 201
    with served.app_context():
        assert db.session.get(Ticket, created.get_json()["id"]) is not None
    assert client.post("/login", data={"email": "root@example.com", "password": PASSWORD}).status_code == 302
    page = client.get("/admin/status").get_data(as_text=True)
    assert "Redis ne répond pas" in page
