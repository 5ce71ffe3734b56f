"""Issue 12's walk-through, in a real browser with CSRF on: a new admin sets up a second team from
nothing (invites two agents, a calendar with a holiday and a Saturday morning, a team, a policy for
best customers, a product), rotates the telephony secret and points a call at it, then deactivates
an agent who is connected to the console: their session, token and live connection stop at once."""
import re

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import BusinessCalendar, OutboxMessage, Product, SLAPolicy, Team, User
from tests.conftest import PASSWORD


def _login(page, server, email):
    page.goto(server + "/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_a_new_admin_sets_up_a_second_team_and_cuts_off_a_connected_agent(app, protected_server, browser, factory,
                                                                           auth, client):
    server = protected_server
    factory.user("admin", email="root@example.com", name="Rose Root")
    leaving = factory.user("agent", email="leo@example.com", name="Léo Partant")
    admin = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    admin.set_default_timeout(10_000)
    _login(admin, server, "root@example.com")

    # Two agents invited by e-mail: no password typed, a set-password link is sent.
    for email, name in (("ana@example.com", "Ana Nouvelle"), ("bob@example.com", "Bob Nouveau")):
        admin.goto(server + "/admin/people/new")
        admin.get_by_label("Adresse e-mail").fill(email)
        admin.get_by_label("Nom", exact=True).fill(name)
        admin.get_by_label("Rôle").select_option("agent")
        admin.get_by_role("button", name="Créer le compte").click()
        admin.wait_for_load_state()
        assert admin.locator(".flash").first.is_visible()
    with app.app_context():
        invited = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(["ana@example.com", "bob@example.com"])))}
        assert all(u.password_hash is None for u in invited.values()) and len(invited) == 2
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "ana@example.com")) is not None

    # A calendar: weekdays (the form starts with 09:00-12:30, 13:30-18:00), a Saturday morning,
    # French holidays, Christmas Eve closed; the preview first, then saved.
    admin.goto(server + "/admin/calendars/new")
    admin.get_by_label("Nom du calendrier").fill("Hotline du samedi")
    admin.get_by_label("Samedi, plage 1, début").fill("09:00")
    admin.get_by_label("Samedi, plage 1, fin").fill("12:00")
    admin.get_by_label("Jours fériés du pays").select_option("FR")
    admin.get_by_label("Jours fermés en plus").fill("24/12/2026")
    admin.get_by_role("button", name="Aperçu sans enregistrer").click()
    assert admin.locator("#calendar-preview").is_visible()
    assert admin.get_by_label("Samedi, plage 1, fin").input_value() == "12:00"  # what was typed is kept
    admin.get_by_role("button", name="Enregistrer", exact=True).click()
    admin.wait_for_load_state()
    assert "Calendrier Hotline du samedi créé." in admin.content()
    with app.app_context():
        calendar = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == "Hotline du samedi"))
        assert calendar.hours["sat"] == [["09:00", "12:00"]] and calendar.hours["mon"] == [["09:00", "12:30"], ["13:30", "18:00"]]
        assert calendar.holidays_country == "FR" and calendar.closed_days == ["2026-12-24"]

    # The second team, on that calendar, with the two invited agents.
    admin.goto(server + "/admin/teams")
    admin.get_by_label("Nom de l'équipe").fill("Niveau 2")
    admin.get_by_label("Calendrier ouvré").select_option(label="Hotline du samedi")
    admin.get_by_label("Ana Nouvelle (ana@example.com)").check()
    admin.get_by_label("Bob Nouveau (bob@example.com)").check()
    admin.get_by_role("button", name="Créer l'équipe").click()
    admin.wait_for_load_state()
    assert "Équipe Niveau 2 créée." in admin.content()

    # A policy for the team's best customers.
    admin.goto(server + "/admin/sla-policies/new")
    admin.get_by_label("Nom de la politique").fill("Meilleurs clients N2")
    admin.locator("#policy-form fieldset").filter(has_text="Segments issus des scores").get_by_label("Meilleurs clients").check()
    admin.locator("#policy-form fieldset").filter(has_text="Équipes").get_by_label("Niveau 2").check()
    admin.get_by_label("Première réponse (minutes ouvrées)").fill("30")
    admin.get_by_label("Résolution (minutes ouvrées)").fill("240")
    admin.get_by_role("button", name="Enregistrer", exact=True).click()
    admin.wait_for_load_state()
    assert "Politique Meilleurs clients N2 créée" in admin.content()

    # A product in the catalogue.
    admin.goto(server + "/admin/products/new")
    admin.get_by_label("Référence (SKU)").fill("box-fibre-7")
    admin.get_by_label("Nom", exact=True).fill("Box Fibre 7")
    admin.get_by_label("Garantie (mois)").fill("24")
    admin.get_by_role("button", name="Enregistrer", exact=True).click()
    admin.wait_for_load_state()
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "Niveau 2"))
        assert team.calendar_id == calendar.id and sorted(m.email for m in team.members) == ["ana@example.com", "bob@example.com"]
        policy = db.session.scalar(select(SLAPolicy).where(SLAPolicy.name == "Meilleurs clients N2"))
        assert policy.conditions == {"tactical_segment": ["best"], "team": [team.id]}
        assert db.session.scalar(select(Product).where(Product.sku == "BOX-FIBRE-7")).warranty_months == 24

    # The telephony secret, rotated and shown once; a call posted with it is taken, the old one refused.
    admin.goto(server + "/admin/integrations")
    admin.locator("#telephony").get_by_role("button").click()
    admin.wait_for_load_state()
    secret = admin.locator("#secret-value").inner_text().strip()
    assert len(secret) >= 32 and secret in admin.locator("#bridge-compat").inner_text()
    call = {"event": "newCall", "call_id": "n2-1", "from": "+33612345678", "to": "+33140000000", "direction": "in"}
    assert client.post("/api/v1/cti/events", json=call, headers={"X-CTI-Token": secret}).status_code == 200
    assert client.post("/api/v1/cti/events", json={**call, "call_id": "n2-2"},
                       headers={"X-CTI-Token": "test-cti-token"}).status_code == 401
    admin.goto(server + "/admin/integrations")
    assert secret not in admin.content()

    # An agent connected to the console (browser session with its live connection, and an API token)...
    agent = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    agent.set_default_timeout(10_000)
    _login(agent, server, "leo@example.com")
    agent.goto(server + "/console")
    agent.wait_for_function("window.helpdeskLive && window.helpdeskLive.socket.connected")
    token = auth.token("leo@example.com")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # ...is deactivated by the admin: everything stops at once.
    admin.goto(f"{server}/admin/people/{leaving}")
    admin.get_by_role("button", name="Désactiver le compte").click()
    admin.wait_for_load_state()
    agent.wait_for_function("!window.helpdeskLive.socket.connected", timeout=5_000)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    agent.goto(server + "/console")
    assert re.search(r"/login", agent.url)
    agent.context.close()
    admin.context.close()
