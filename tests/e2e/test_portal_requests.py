"""In a real browser, on a phone-sized screen and with the keyboard: a customer submits a request about
their product with a file, sees its number on the confirmation, opens it and replies."""
import re
import threading
from datetime import date

import pytest
from sqlalchemy import select

from config import TestingConfig
from tests.conftest import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture()
def protected_server(app):
    """The same database served with CSRF on, as customers meet it."""
    from werkzeug.serving import make_server

    from helpdesk import create_app

    keys = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")
    served = create_app(ProtectedConfig, **{k: app.config[k] for k in keys})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def phone(browser):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


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
    assert _fits(page)

    page.goto(protected_server + "/portal/requests/new")
    assert _fits(page)
    product = page.get_by_label(re.compile("Box Fibre"))
    assert page.get_by_text("sous garantie jusqu'au 12/03/2099").is_visible()
    product.focus()
    page.keyboard.press("Space")
    assert product.is_checked()
    page.keyboard.press("Tab")  # out of the product group, to the subject
    assert _focused_id(page) == "subject"
    page.keyboard.type("Le voyant de la box clignote")
    page.keyboard.press("Tab")
    assert _focused_id(page) == "body"
    page.keyboard.type("Depuis ce matin, plus d'internet.")
    page.keyboard.press("Tab")
    assert _focused_id(page) == "attachments"
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
    assert _fits(page)

    page.get_by_role("link", name="Voir ma demande").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(protected_server + f"/portal/requests/{ticket_id}")
    assert page.get_by_text("Depuis ce matin, plus d'internet.").is_visible()
    assert page.get_by_role("link", name="voyant.png").is_visible()
    assert _fits(page)

    page.get_by_label("Votre réponse").focus()
    page.keyboard.type("J'ai redémarré, toujours pareil.")
    page.keyboard.press("Tab")
    assert _focused_id(page) == "attachments"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Envoyer"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Votre message a été envoyé.")
    assert page.get_by_text("J'ai redémarré, toujours pareil.").is_visible()
    assert _fits(page)


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
    assert _focused_id(page) == "subject"
    assert page.get_by_label("Sujet").get_attribute("aria-describedby") == "subject-error"
