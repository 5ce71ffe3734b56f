"""In a real browser, on a phone-sized screen and with the keyboard: a customer submits a request about
their product with a file, sees its number on the confirmation, opens it and replies."""
import re
from datetime import date

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.e2e.screen import fits_the_screen, focused_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_customer_submits_a_request_on_a_phone_and_replies(app, factory, phone, protected_server, tmp_path):
    from helpdesk.extensions import db
    from helpdesk.models import CustomerProduct, Product, Ticket, User

    user_id = factory.user("customer", email="lea@example.com", name="Léa Martin")
    with app.app_context():
        customer_id = db.session.get(User, user_id).customer_id
        db.session.add(CustomerProduct(customer_id=customer_id, product=Product(sku="BOX", name="Box Fibre"),
                                       serial="SN42", warranty_until=date(2099, 3, 12)))
        db.session.commit()
    photo = tmp_path / "voyant.png"
    photo.write_bytes(PNG)
    page = phone

    page.goto(protected_server + "/login")
    page.get_by_label("Adresse e-mail").fill("lea@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    page.wait_for_url(protected_server + "/portal")
    assert fits_the_screen(page)

    page.goto(protected_server + "/portal/requests/new")
    assert fits_the_screen(page)
    product = page.get_by_label(re.compile("Box Fibre"))
    assert page.get_by_text("sous garantie jusqu'au 12/03/2099").is_visible()
    product.focus()
    page.keyboard.press("Space")
    assert product.is_checked()
    page.keyboard.press("Tab")  # out of the product group, to the subject
    assert focused_id(page) == "subject"
    page.keyboard.type("Le voyant de la box clignote")
    page.keyboard.press("Tab")
    assert focused_id(page) == "body"
    page.keyboard.type("Depuis ce matin, plus d'internet.")
    page.keyboard.press("Tab")
    assert focused_id(page) == "attachments"
    page.get_by_label("Pièces jointes (facultatif)").set_input_files(str(photo))  # the file picker is the OS's
    assert page.get_by_text("5 fichiers au plus").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Envoyer la demande"
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/portal/requests/\d+/submitted$"))
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        number, ticket_id = ticket.display_number, ticket.id
        assert [a.filename for a in ticket.messages[0].attachments] == ["voyant.png"]
    assert page.get_by_role("heading", name="Votre demande est enregistrée").is_visible()
    assert page.locator(".ticket-number strong").inner_text() == number
    assert page.get_by_text("accusé de réception à lea@example.com").is_visible()
    assert fits_the_screen(page)

    page.get_by_role("link", name="Voir ma demande").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(protected_server + f"/portal/requests/{ticket_id}")
    assert page.get_by_text("Depuis ce matin, plus d'internet.").is_visible()
    assert page.get_by_role("link", name="voyant.png").is_visible()
    assert fits_the_screen(page)

    page.get_by_label("Votre réponse").focus()
    page.keyboard.type("J'ai redémarré, toujours pareil.")
    page.keyboard.press("Tab")
    assert focused_id(page) == "attachments"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Envoyer"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Votre message a été envoyé.")
    assert page.get_by_text("J'ai redémarré, toujours pareil.").is_visible()
    assert fits_the_screen(page)


def test_labels_on_the_request_form_are_read_by_a_screen_reader(app, factory, page, protected_server):
    factory.user("customer", email="lea@example.com", name="Léa Martin")
    page.goto(protected_server + "/login")
    page.get_by_label("Adresse e-mail").fill("lea@example.com")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(protected_server + "/portal")
    page.goto(protected_server + "/portal/requests/new")
    assert page.get_by_role("group", name="Produit concerné").is_visible()
    assert page.get_by_label("Autre / aucun en particulier").is_checked()
    for label in ("Sujet", "Décrivez votre demande", "Pièces jointes (facultatif)"):
        assert page.get_by_label(label).is_visible()
    # Sent empty: the focus goes to the first field in error, which names its error.
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_selector(".field-error")
    assert focused_id(page) == "subject"
    assert page.get_by_label("Sujet").get_attribute("aria-describedby") == "subject-error"
