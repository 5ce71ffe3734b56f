"""In a real browser, with the keyboard alone and on a phone-sized screen: a visitor signs up, a refused
form keeps what was typed and takes them to the problem, and a customer's profile fits a phone."""
import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.screen import fits_the_screen, focused_id


# The sign-up form's fields in the order they are seen, each with the label a screen reader announces.
SIGNUP_FIELDS = [
    ("name", "Nom"),
    ("email", "Adresse e-mail"),
    ("password", "Mot de passe"),
    ("password_confirm", "Confirmez le mot de passe"),
    ("locale", "Langue"),
    ("consent_surveys", "J'accepte de recevoir des questionnaires de satisfaction"),
    ("consent_marketing", "J'accepte de recevoir des offres commerciales"),
]


def test_a_visitor_signs_up_with_the_keyboard_alone_on_a_phone(app, phone, protected_server):
    from sqlalchemy import select

    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage, User

    page = phone
    page.goto(protected_server + "/login")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.wait_for_url(protected_server + "/portal/signup")
    assert fits_the_screen(page)

    # Every input has a label, and Tab walks them in the order they are shown, top to bottom.
    tops = []
    for field_id, label in SIGNUP_FIELDS:
        control = page.get_by_label(label, exact=True)
        assert control.get_attribute("id") == field_id
        tops.append(control.bounding_box()["y"])
    assert tops == sorted(tops)
    assert focused_id(page) == "name"  # the form is ready to type in
    for field_id, _label in SIGNUP_FIELDS[1:]:
        page.keyboard.press("Tab")
        assert focused_id(page) == field_id
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Créer mon compte")

    # Filled by keyboard only, with a password too short: the form comes back with the problem.
    page.locator("#name").focus()
    page.keyboard.type("Léa Martin")
    page.keyboard.press("Tab")
    page.keyboard.type("lea@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("court")
    page.keyboard.press("Tab")
    page.keyboard.type("court")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    expect(page.get_by_role("alert")).to_contain_text("doit faire au moins 8 caractères")
    assert page.get_by_label("Nom", exact=True).input_value() == "Léa Martin"
    assert page.get_by_label("Adresse e-mail", exact=True).input_value() == "lea@example.com"
    assert page.get_by_label("Mot de passe", exact=True).input_value() == ""  # never sent back
    password = page.get_by_label("Mot de passe", exact=True)
    assert focused_id(page) == "password"  # taken straight to the field to fix
    assert password.get_attribute("aria-invalid") == "true"
    expect(password).to_have_accessible_description(re.compile("doit faire au moins 8 caractères"))
    assert fits_the_screen(page)

    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")  # language: French, as shown
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # surveys: yes
    page.keyboard.press("Tab")  # marketing: left unticked
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Vérifiez votre messagerie")
    assert fits_the_screen(page)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lea@example.com"))
        assert user.name == "Léa Martin" and user.email_verified_at is None
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "lea@example.com"))
        assert "consents=surveys" in mail.body_text and "marketing" not in mail.body_text.split("consents=")[1].split()[0]


def test_the_profile_fits_a_phone_and_its_fields_are_labelled(app, factory, phone, protected_server):
    factory.user("customer", email="lea@example.com", name="Léa Martin")
    page = phone
    page.goto(protected_server + "/login")
    page.get_by_label("Adresse e-mail").fill("lea@example.com")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(protected_server + "/portal")
    page.get_by_role("link", name="Mon compte").click()
    page.wait_for_url(protected_server + "/portal/profile")
    assert fits_the_screen(page)
    for label in ("Nom", "Téléphone 1", "Langue", "Comment préférez-vous être contacté ?", "Mot de passe actuel",
                  "Nouveau mot de passe", "Confirmez le nouveau mot de passe"):
        assert page.get_by_label(label, exact=True).is_visible()

    page.get_by_label("Téléphone 1", exact=True).fill("06 12 34 56 78")
    page.get_by_label("J'accepte de recevoir des offres commerciales").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_selector("text=Votre profil est enregistré")
    assert page.get_by_label("Téléphone 1", exact=True).input_value() == "+33612345678"
    history = page.get_by_role("table")
    expect(history).to_contain_text("Offres commerciales")
    expect(history).to_contain_text("accordé")
    assert fits_the_screen(page)
