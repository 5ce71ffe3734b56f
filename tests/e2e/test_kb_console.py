"""In a real browser: during a call, the agent searches articles and past tickets from the ticket
page, sees why each matched, and inserts an article's link or text into the reply in one click."""
from tests.conftest import PASSWORD


def test_an_agent_finds_an_answer_and_inserts_it_into_the_reply(app, live_server, page, factory):
    from helpdesk.extensions import db
    from helpdesk.models import Message, User, utcnow
    from knowledge_base import service

    app.config.update(KB_INDEX_ON_COMMIT=True, KB_INDEX_SYNC=True)
    agent = factory.user("agent", email="ana@example.com")
    customer = factory.customer(name="Camille Client")
    with app.app_context():
        service.create_article(db.session, db.session.get(User, agent), {
            "title": "Débloquer une carte SIM avec le code PUK", "status": "published",
            "body": "Saisissez le **code PUK** imprimé sur le support de la carte SIM."}, utcnow())
        db.session.commit()
    solved = factory.ticket(customer_id=customer, subject="Carte SIM bloquée après trois essais")
    with app.app_context():
        db.session.add(Message(ticket_id=solved, kind="reply", body="<p>Code PUK communiqué par SMS.</p>"))
        db.session.commit()
    current = factory.ticket(customer_id=customer, subject="Téléphone bloqué")

    page.goto(live_server + "/login")
    page.get_by_label("Adresse e-mail").fill("ana@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/console")
    page.goto(f"{live_server}/console/tickets/{current}")

    page.locator("[data-kb-console-input]").press_sequentially("carte sim bloquee", delay=20)
    results = page.locator("[data-kb-console-results]")
    article = results.locator("a", has_text="Débloquer une carte SIM avec le code PUK")
    article.wait_for(state="visible")
    assert article.locator("mark").all_inner_texts() == ["carte", "SIM"]
    past = results.locator("a", has_text="Carte SIM bloquée après trois essais")
    assert past.count() == 1
    assert past.locator("mark").all_inner_texts() == ["Carte", "SIM", "bloquée"]

    reply = page.locator("#body")
    results.locator("[data-kb-insert=link]").first.click()
    assert "[Débloquer une carte SIM avec le code PUK](" in reply.input_value()
    results.locator("[data-kb-insert=text]").first.click()
    page.wait_for_function("document.getElementById('body').value.includes('imprimé sur le support')")
    # The text went in after the link, which stays.
    assert reply.input_value().index("[Débloquer une carte SIM") < reply.input_value().index("imprimé sur le support")
