"""In a real browser, on a phone-sized screen and with the keyboard alone: the customer follows the
e-mailed link, changes the preselected rating, answers, and the answer is recorded once."""
import re

from sqlalchemy import select

from tests.e2e.screen import fits_the_screen


def _survey_link(app, client, factory, auth) -> str:
    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage

    factory.user("agent", email="agent@example.com")
    customer_id = factory.customer("Léa Martin", email="lea@example.com")
    headers = {"Authorization": f"Bearer {auth.token('agent@example.com')}"}
    ticket = client.post("/api/v1/tickets", json={"subject": "Box", "body": "Panne", "customer_id": customer_id},
                         headers=headers).get_json()
    client.patch(f"/api/v1/tickets/{ticket['id']}", json={"version": ticket["version"], "status": "resolved"}, headers=headers)
    with app.app_context():  # the survey came with the resolution mail
        body = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == "resolved"))
    return re.search(r"(/survey/[A-Za-z0-9_\-]+)\?csat=2", body).group(1)


def test_a_customer_answers_on_a_phone_with_the_keyboard_only(app, client, factory, auth, browser, protected_server):
    from helpdesk.extensions import db
    from helpdesk.models import SurveyResponse

    link = _survey_link(app, client, factory, auth)
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{protected_server}{link}?csat=2")  # the customer clicked "2" in the e-mail
    assert page.get_by_role("radio", name=re.compile("^2 ")).is_checked()
    with app.app_context():
        assert db.session.scalar(select(SurveyResponse)) is None  # opening the link recorded nothing
    # Nothing overflows sideways on a 375 px screen.
    assert fits_the_screen(page)

    page.get_by_role("radio", name=re.compile("^2 ")).focus()
    page.keyboard.press("ArrowRight")  # 2 -> 3 within the CSAT group
    page.keyboard.press("ArrowRight")  # 3 -> 4
    assert page.get_by_role("radio", name=re.compile("^4 ")).is_checked()
    page.keyboard.press("Tab")  # into the effort group
    page.keyboard.press("Space")  # first choice: 1, very easy
    page.keyboard.press("Tab")  # into the NPS group (asked on a first survey)
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    page.keyboard.type("Réponse rapide")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Merci pour votre réponse !")
    with app.app_context():
        answer = db.session.scalar(select(SurveyResponse))
        assert (answer.csat, answer.effort, answer.nps, answer.comment) == (4, 1, 9, "Réponse rapide")
    context.close()


def test_every_question_has_a_label_a_screen_reader_reads(app, client, factory, auth, page, protected_server):
    link = _survey_link(app, client, factory, auth)
    page.goto(f"{protected_server}{link}")
    for legend in ("Êtes-vous satisfait", "Était-il facile", "Recommanderiez-vous"):
        assert page.get_by_role("group", name=re.compile(legend)).is_visible()
    assert page.get_by_role("radio", name=re.compile("Très satisfait")).is_visible()
    assert page.get_by_label(re.compile("Un commentaire")).is_visible()
