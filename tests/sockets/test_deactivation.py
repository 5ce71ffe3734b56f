"""An admin deactivates an agent, or lowers their role, while the agent is connected to the console:
the agent's live connection is closed at once (and cannot come back), their API token stops
working; other people's connections stay."""
import time

import pytest


def _disconnected(listener, timeout: float = 5.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not listener.client.connected:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("change", [{"active": False}, {"role": "agent"}])
def test_the_change_closes_the_persons_live_connection(app, client, factory, auth, connect, change):
    factory.user("admin", email="root@example.com")
    factory.user("lead" if "role" in change else "agent", email="nina@example.com", name="Nina")
    factory.user("agent", email="paul@example.com", name="Paul")
    admin = {"Authorization": f"Bearer {auth.token('root@example.com')}"}
    nina_token, paul_token = auth.token("nina@example.com"), auth.token("paul@example.com")
    nina, paul = connect(nina_token), connect(paul_token)
    assert nina.client.connected and paul.client.connected
    nina_id = client.get("/api/v1/me", headers={"Authorization": f"Bearer {nina_token}"}).get_json()["id"]

    response = client.patch(f"/api/v1/users/{nina_id}", json=change, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert _disconnected(nina)
    assert paul.client.connected
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {nina_token}"}).status_code == 401
    with pytest.raises(Exception):
        connect(nina_token)  # the revoked token cannot open a new one


def test_a_password_reset_closes_the_persons_live_connections_too(app, factory, auth, connect):
    from helpdesk.auth.service import set_password
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow

    nina_id = factory.user("agent", email="nina@example.com")
    nina = connect(auth.token("nina@example.com"))
    with app.app_context():
        set_password(db.session.get(User, nina_id), "un tout nouveau mot de passe", utcnow())
        db.session.commit()
    assert _disconnected(nina)
