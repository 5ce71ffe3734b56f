"""CSRF protection and login rate limiting, with the protections switched on as in production."""
import re

from config import TestingConfig
from tests.conftest import PASSWORD


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True
    LOGIN_RATE_LIMIT = "3 per minute"


def _app(app):
    from helpdesk import create_app

    return create_app(ProtectedConfig, **{k: app.config[k] for k in ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL")})


def test_login_form_without_csrf_token_is_refused(app, factory):
    factory.user("agent", email="a@example.com")
    client = _app(app).test_client()
    response = client.post("/login", data={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/console").status_code == 302


def test_login_form_with_its_csrf_token_works(app, factory):
    factory.user("agent", email="a@example.com")
    client = _app(app).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "a@example.com", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console")


def test_repeated_failed_logins_are_rate_limited(app, factory):
    factory.user("agent", email="a@example.com")
    client = _app(app).test_client()
    for _ in range(3):
        response = client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": "wrong"})
        assert response.status_code == 401
    response = client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_api_call_with_session_cookie_needs_csrf_header(app, factory):
    factory.user("admin", email="root@example.com")
    client = _app(app).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": "root@example.com", "password": PASSWORD, "csrf_token": token})
    body = {"email": "new@example.com", "role": "agent", "password": PASSWORD}
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_request"
    accepted = client.post("/api/v1/users", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
