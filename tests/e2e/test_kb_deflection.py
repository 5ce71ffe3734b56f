"""In a real browser: a customer typing a request's subject sees a suggested article appear."""
from tests.conftest import PASSWORD


def test_a_customer_typing_a_subject_sees_a_suggested_article(app, live_server, page, factory):
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    app.config.update(KB_INDEX_ON_COMMIT=True)
    agent = factory.user("agent", email="agent@example.com")
    factory.user("customer", email="client@example.com", name="Camille Client")
    with app.app_context():
        service.create_article(db.session, db.session.get(User, agent), {
            "title": "Réinitialiser le mot de passe de votre espace client", "status": "published",
            "body": "Cliquez sur « Mot de passe oublié » et suivez le courriel."}, utcnow())
        db.session.commit()

    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("client@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/portal")
    page.goto(live_server + "/portal/requests/new")
    page.locator("#subject").press_sequentially("je ne peux plus reinitialiser mon mot de pa", delay=20)
    suggestion = page.locator("#suggestions a.kb-suggested")
    suggestion.first.wait_for(state="visible")
    assert suggestion.first.inner_text() == "Réinitialiser le mot de passe de votre espace client"
    assert "attempt=" in suggestion.first.get_attribute("href")
    assert page.locator("#kb_attempt").input_value() != ""
