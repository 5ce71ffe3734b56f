"""In a real browser: the queue follows new tickets live, and catches up after a dropped connection."""
from tests.conftest import PASSWORD


def _login(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("ana@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/console")


def test_queue_updates_live_and_resyncs_after_reconnect(app, live_server, page, factory, client, auth):
    factory.user("agent", email="ana@example.com")
    token = auth.token("ana@example.com")
    headers = {"Authorization": f"Bearer {token}"}
    _login(page, live_server)
    page.goto(live_server + "/console?view=open")
    page.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")
    assert page.locator("table.queue").count() == 0  # nothing open yet
    client.post("/api/v1/tickets", json={"subject": "Arrivé en direct", "body": "x"}, headers=headers)
    page.locator("table.queue").get_by_text("Arrivé en direct").wait_for()

    page.evaluate("window.helpdeskLive.socket.disconnect()")
    client.post("/api/v1/tickets", json={"subject": "Arrivé pendant la coupure", "body": "x"}, headers=headers)
    page.wait_for_timeout(500)
    assert page.locator("table.queue").get_by_text("Arrivé pendant la coupure").count() == 0
    page.evaluate("window.helpdeskLive.socket.connect()")
    page.locator("table.queue").get_by_text("Arrivé pendant la coupure").wait_for()


def test_open_ticket_follows_changes_but_never_loses_a_draft(app, live_server, page, factory, client, auth):
    factory.user("agent", email="ana@example.com")
    factory.user("agent", email="bob@example.com")
    bob = {"Authorization": f"Bearer {auth.token('bob@example.com')}"}
    ticket = client.post("/api/v1/tickets", json={"subject": "Box muette", "body": "x", "priority": "normal"}, headers=bob).get_json()
    _login(page, live_server)
    page.goto(f"{live_server}/console/tickets/{ticket['id']}")
    page.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")
    page.wait_for_timeout(300)  # the watch is acknowledged

    version = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bob).get_json()["version"]
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": version, "priority": "urgent"}, headers=bob)
    page.locator(".page-head .prio-urgent").wait_for()  # redrawn in place, no reload

    page.locator("#body").fill("Bonjour, je regarde tout de suite")
    version = client.get(f"/api/v1/tickets/{ticket['id']}", headers=bob).get_json()["version"]
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": version, "priority": "low"}, headers=bob)
    page.get_by_text("Ce ticket vient d'être modifié par quelqu'un d'autre.").wait_for()
    assert page.locator("#body").input_value() == "Bonjour, je regarde tout de suite"
