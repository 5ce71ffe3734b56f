"""In a real browser: each role logs in, lands on its page, and logs out."""
import pytest

from tests.conftest import PASSWORD


@pytest.mark.parametrize("role, path, heading", [
    ("agent", "/console", "Console agent"),
    ("lead", "/lead", "Pilotage des équipes"),
    ("admin", "/admin", "Administration"),
    ("customer", "/portal", "Bonjour"),
])
def test_role_logs_in_and_out(live_server, page, factory, role, path, heading):
    factory.user(role, email=f"{role}@example.com", name=f"Camille {role}")
    page.goto(live_server + "/")
    page.get_by_label("Adresse e-mail").fill(f"{role}@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + path)
    assert heading in page.locator("h1").first.inner_text()
    assert f"Camille {role}" in page.locator(".whoami").inner_text()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(live_server + "/login")
    assert "Vous êtes déconnecté." in page.content()


def test_wrong_password_is_explained_in_the_form(live_server, page, factory):
    factory.user("agent", email="agent@example.com")
    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("agent@example.com")
    page.get_by_label("Mot de passe").fill("wrong password")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text() == "E-mail ou mot de passe incorrect."
    assert page.get_by_label("Adresse e-mail").input_value() == "agent@example.com"


def test_switch_to_english(live_server, page):
    page.goto(live_server + "/login")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("button", name="Log in").is_visible()
