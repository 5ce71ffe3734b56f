"""Logging in and out in the browser, and each role landing on its own page."""
import re

import pytest

from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "role, landing, heading",
    [("agent", "/console", "Console agent"), ("lead", "/lead", "Pilotage des équipes"),
     ("admin", "/admin", "Administration"), ("customer", "/portal", "Mes demandes")],
)
def test_each_role_lands_on_its_own_page(client, auth, factory, role, landing, heading):
    factory.user(role, email=f"{role}@example.com")
    response = auth.login(f"{role}@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(landing)
    page = client.get(landing)
    assert page.status_code == 200
    assert heading in page.get_data(as_text=True)


def test_wrong_password_shows_an_error_in_the_form(client, auth, factory):
    factory.user("agent", email="a@example.com")
    response = auth.login("a@example.com", "not the password")
    assert response.status_code == 400
    assert "E-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/console").status_code == 302  # still not logged in


def test_login_page_in_english_on_request(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in page and "Password" in page
    # the choice sticks for the next page
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_login_page_is_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Connexion" in page and "Mot de passe" in page


def test_pages_need_login_and_send_back_after(client, auth, factory):
    factory.user("agent", email="a@example.com")
    response = client.get("/console?view=unassigned")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    response = client.post("/login", data={"email": "a@example.com", "password": PASSWORD, "next": "/console?view=unassigned"})
    assert response.headers["Location"].endswith("/console?view=unassigned")


def test_next_cannot_send_to_another_site(client, factory):
    factory.user("agent", email="a@example.com")
    response = client.post("/login", data={"email": "a@example.com", "password": PASSWORD, "next": "//evil.example.org/x"})
    assert response.headers["Location"].endswith("/console")


def test_logout_ends_the_session(client, auth, factory):
    factory.user("agent", email="a@example.com")
    auth.login("a@example.com")
    assert client.get("/console").status_code == 200
    auth.logout()
    assert client.get("/console").status_code == 302


@pytest.mark.parametrize("role, forbidden", [("customer", "/console"), ("agent", "/admin"), ("agent", "/lead"), ("lead", "/admin"), ("admin", "/portal")])
def test_roles_cannot_open_other_roles_pages(client, auth, factory, role, forbidden):
    factory.user(role, email=f"{role}@example.com")
    auth.login(f"{role}@example.com")
    response = client.get(forbidden)
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(app, client, auth, factory):
    from helpdesk.extensions import db
    from helpdesk.models import User

    user_id = factory.user("agent", email="gone@example.com")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert auth.login("gone@example.com").status_code == 400


def test_session_cookie_is_httponly_and_samesite(client, auth, factory):
    factory.user("agent", email="a@example.com")
    response = auth.login("a@example.com")
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)
