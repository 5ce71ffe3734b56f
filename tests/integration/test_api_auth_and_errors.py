"""The API token flow and the JSON error shape of API.md."""
from datetime import datetime

import pytest

from tests.conftest import PASSWORD


def _error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_token_is_issued_and_works(client, auth, factory):
    factory.user("agent", email="a@example.com")
    response = client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert datetime.fromisoformat(body["expires_at"]).utcoffset() is not None
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == "a@example.com"


def test_token_is_stored_hashed(app, auth, factory):
    from helpdesk.extensions import db
    from helpdesk.models import ApiToken

    factory.user("agent", email="a@example.com")
    token = auth.token("a@example.com")
    with app.app_context():
        stored = db.session.query(ApiToken).one()
        assert token not in (stored.token_hash, stored.prefix)
        assert len(stored.token_hash) == 64


def test_wrong_password_gives_401(client, factory):
    factory.user("agent", email="a@example.com")
    response = client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": "nope"})
    _error(response, 401, "invalid_credentials")


def test_unknown_email_gives_the_same_401(client):
    response = client.post("/api/v1/auth/token", json={"email": "who@example.com", "password": "nope"})
    _error(response, 401, "invalid_credentials")


def test_missing_token_gives_401(client):
    _error(client.get("/api/v1/tickets"), 401, "unauthorized")


def test_garbage_token_gives_401(client):
    _error(client.get("/api/v1/tickets", headers={"Authorization": "Bearer hdk_nonsense"}), 401, "invalid_token")


def test_malformed_json_gives_400_naming_the_body(client):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    error = _error(response, 400, "malformed_json")
    assert "body" in error["details"]["fields"]


def test_json_that_is_not_an_object_gives_400(client):
    _error(client.post("/api/v1/auth/token", json=["a", "b"]), 400, "malformed_json")


def test_missing_fields_are_each_named(client):
    error = _error(client.post("/api/v1/auth/token", json={}), 400, "validation_error")
    assert set(error["details"]["fields"]) == {"email", "password"}


def test_wrong_content_type_gives_415(client):
    _error(client.post("/api/v1/auth/token", data="email=a", content_type="text/plain"), 415, "unsupported_media_type")


def test_unknown_api_path_is_json_404(client):
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_json_405(client):
    _error(client.delete("/api/v1/auth/token"), 405, "method_not_allowed")


def test_expired_token_is_refused(app, client, auth, factory):
    from datetime import timedelta

    from helpdesk.extensions import db
    from helpdesk.models import ApiToken, utcnow

    factory.user("agent", email="a@example.com")
    token = auth.token("a@example.com")
    with app.app_context():
        db.session.query(ApiToken).one().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    _error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401, "invalid_token")


def test_token_is_not_accepted_outside_the_api(client, auth, factory):
    factory.user("agent", email="a@example.com")
    token = auth.token("a@example.com")
    response = client.get("/console", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302  # pages use the browser session only


def test_failed_create_leaves_the_database_as_it_was(app, client, auth, factory):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, User

    factory.user("admin", email="root@example.com")
    headers = {"Authorization": f"Bearer {auth.token('root@example.com')}"}
    with app.app_context():
        before = (db.session.query(User).count(), db.session.query(Customer).count())
    response = client.post("/api/v1/users", json={"email": "not-an-email", "role": "pilot", "password": "x"}, headers=headers)
    error = _error(response, 400, "validation_error")
    assert set(error["details"]["fields"]) == {"email", "role", "password"}
    duplicate = client.post("/api/v1/users", json={"email": "root@example.com", "role": "agent"}, headers=headers)
    _error(duplicate, 409, "duplicate")
    with app.app_context():
        assert (db.session.query(User).count(), db.session.query(Customer).count()) == before
