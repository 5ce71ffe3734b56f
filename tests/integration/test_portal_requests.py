"""A customer's requests in the portal: submitting one about a product with files, the confirmation,
the list (search, filters, an org admin's view), the public conversation, closing and reopening."""
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from tests.conftest import PASSWORD, counted_get

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4 facture"


@pytest.fixture()
def alice(app, factory, auth):
    """Alice, a customer owning a box under warranty, an old phone and a contract-covered server."""
    from helpdesk.extensions import db
    from helpdesk.models import CustomerProduct, Product, User

    user_id = factory.user("customer", email="alice@example.com", name="Alice Martin")
    factory.user("customer", email="bob@example.com", name="Bob Durand")
    today = date.today()
    with app.app_context():
        customer_id = db.session.get(User, user_id).customer_id
        box = CustomerProduct(customer_id=customer_id, product=Product(sku="BOX-1", name="Box Fibre"), serial="SN42",
                              purchased_at=today - timedelta(days=30), warranty_until=date(2099, 3, 12))
        phone = CustomerProduct(customer_id=customer_id, product=Product(sku="TEL-1", name="Téléphone Duo"),
                                purchased_at=today - timedelta(days=900), warranty_until=today - timedelta(days=10))
        server = CustomerProduct(customer_id=customer_id, product=Product(sku="SRV-1", name="Serveur NAS"),
                                 purchased_at=today - timedelta(days=400), plan="Sérénité Pro",
                                 contract_until=date(2098, 1, 31))
        db.session.add_all([box, phone, server])
        db.session.commit()
        ids = {"box": box.id, "phone": phone.id, "server": server.id}
    auth.login("alice@example.com")
    return {"user_id": user_id, "customer_id": customer_id, **ids}


def _submit(client, product_id, files=(), **data):
    form = {"product_id": str(product_id), "subject": "La box redémarre sans arrêt", "body": "Depuis hier soir."}
    form.update(data)
    if files:
        form["attachments"] = list(files)
    return client.post("/portal/requests/new", data=form, content_type="multipart/form-data")


def _ticket_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/requests/(\d+)/submitted$", response.headers["Location"]).group(1))


def _counts(app) -> dict:
    from helpdesk.extensions import db
    from helpdesk.models import Attachment, Message, Ticket, TicketEvent

    with app.app_context():
        counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (Ticket, Message, Attachment, TicketEvent)}
    root = Path(app.instance_path) / "attachments"
    counts["files"] = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
    return counts


def _sla_policy(app, minutes=240, resolution=960):
    from helpdesk.extensions import db
    from helpdesk.models import BusinessCalendar, SLAPolicy

    with app.app_context():
        calendar = BusinessCalendar(name="Bureau", timezone="Europe/Paris",
                                    hours={d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
        db.session.add(SLAPolicy(name="Standard", rank=100, calendar=calendar, conditions={},
                                 first_response_minutes=minutes, resolution_minutes=resolution))
        db.session.commit()


# --- submitting ---------------------------------------------------------------------------------


def test_the_form_lists_my_products_with_their_warranty_or_contract(client, alice):
    page = client.get("/portal/requests/new").get_data(as_text=True)
    assert "Box Fibre" in page and "SN42" in page and "sous garantie jusqu'au 12/03/2099" in page
    assert "Téléphone Duo" in page and "garantie expirée" in page
    assert "contrat Sérénité Pro jusqu'au 31/01/2098" in page
    assert "Autre / aucun en particulier" in page
    # The limits are stated: count, size, types.
    assert "5 fichiers au plus" in page and "10 Mo chacun" in page and ".pdf" in page and ".png" in page


def test_the_form_states_the_sla_my_contract_gives_me(app, client, alice):
    _sla_policy(app)
    page = client.get("/portal/requests/new").get_data(as_text=True)
    assert "Réponse sous 4 h ouvrées, résolution visée sous 16 h ouvrées." in page


def test_a_request_about_a_product_with_several_files_lands_on_the_first_message(app, client, alice):
    ticket_id = _ticket_id(_submit(client, alice["box"], files=[(io.BytesIO(PNG), "photo.png"),
                                                                 (io.BytesIO(PDF), "facture.pdf")]))
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        first = ticket.messages[0]
        assert (ticket.channel, ticket.customer_id, ticket.product_id) == ("portal", alice["customer_id"], alice["box"])
        assert sorted(a.filename for a in first.attachments) == ["facture.pdf", "photo.png"]
    page = client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    assert "photo.png" in page and "facture.pdf" in page and "Box Fibre" in page


def test_other_means_no_product(app, client, alice):
    ticket_id = _ticket_id(_submit(client, ""))
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    with app.app_context():
        assert db.session.get(Ticket, ticket_id).product_id is None


@pytest.mark.parametrize("upload, expected", [
    ((io.BytesIO(b"MZ\x90\x00 not a program"), "outil.exe"), "« outil.exe » : ce type de fichier n&#39;est pas accepté."),
    ((io.BytesIO(b"MZ\x90\x00 renamed"), "capture.png"), "« capture.png » : ce type de fichier n&#39;est pas accepté."),
    ((io.BytesIO(b"x" * 2048), "journal.txt"), "« journal.txt » dépasse la taille maximale de"),
])
def test_a_refused_file_is_named_everything_typed_is_kept_and_nothing_is_stored(app, client, alice, upload, expected):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    before = _counts(app)
    response = _submit(client, alice["server"], files=[(io.BytesIO(PDF), "facture.pdf"), upload],
                       subject="Mon NAS ne démarre plus", body="Il clignote en orange.")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert expected in page
    assert 'value="Mon NAS ne démarre plus"' in page and "Il clignote en orange." in page
    assert re.search(rf'value="{alice["server"]}"[^>]*checked|checked[^>]*value="{alice["server"]}"', page)
    assert _counts(app) == before  # no ticket, message, event, attachment row, nor file on disk


def test_too_many_files_are_refused(app, client, alice):
    app.config["PORTAL_MAX_ATTACHMENTS"] = 2
    before = _counts(app)
    files = [(io.BytesIO(PDF), f"f{i}.pdf") for i in range(3)]
    response = _submit(client, alice["box"], files=files)
    assert response.status_code == 400
    assert "Vous pouvez joindre au plus 2 fichiers." in response.get_data(as_text=True)
    assert _counts(app) == before


def test_missing_fields_are_explained_next_to_them_and_the_rest_is_kept(app, client, alice):
    response = _submit(client, alice["box"], subject="", body="Le texte que j'ai tapé")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Indiquez le sujet de votre demande." in page
    assert 'aria-describedby="subject-error"' in page and 'aria-invalid="true"' in page
    assert "Le texte que j&#39;ai tapé" in page
    assert _counts(app)["Ticket"] == 0


def test_the_confirmation_gives_the_number_the_sla_and_the_acknowledgement(app, client, alice):
    _sla_policy(app)
    response = _submit(client, alice["box"])
    ticket_id = _ticket_id(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"#{10000 + ticket_id}" in page
    assert "Réponse sous 4 h ouvrées" in page
    assert "Nous vous avons envoyé un accusé de réception à alice@example.com." in page
    assert f'href="/portal/requests/{ticket_id}"' in page


def test_a_confirmation_of_someone_elses_request_is_not_found(client, alice, auth):
    ticket_id = _ticket_id(_submit(client, alice["box"]))
    auth.logout()
    auth.login("bob@example.com")
    assert client.get(f"/portal/requests/{ticket_id}/submitted").status_code == 404


# --- my requests -------------------------------------------------------------------------------


def test_my_requests_show_status_product_and_last_update_with_search_and_filters(app, client, alice):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    box = _ticket_id(_submit(client, alice["box"], subject="Box muette"))
    nas = _ticket_id(_submit(client, alice["server"], subject="NAS lent"))
    with app.app_context():
        db.session.get(Ticket, nas).status = "resolved"
        db.session.commit()
    page = client.get("/portal").get_data(as_text=True)
    assert "Box muette" in page and "NAS lent" in page and "Serveur NAS" in page and "Résolu" in page
    assert "<time datetime=" in page

    def subjects(url):
        return re.findall(r'<a href="/portal/requests/\d+">([^<#]+)</a>', client.get(url).get_data(as_text=True))

    assert subjects("/portal?q=muette") == ["Box muette"]
    assert subjects(f"/portal?q=%23{10000 + nas}") == ["NAS lent"]
    assert subjects("/portal?status=open") == ["Box muette"]
    assert subjects("/portal?status=done") == ["NAS lent"]
    assert subjects(f"/portal?product={alice['server']}") == ["NAS lent"]
    assert "Aucune demande ne correspond" in client.get("/portal?q=imprimante").get_data(as_text=True)
    assert box


def test_the_list_pages_by_keyset(app, client, alice, factory):
    for n in range(23):
        factory.ticket(alice["customer_id"], subject=f"Demande {n:02d}")
    first = client.get("/portal").get_data(as_text=True)
    assert "Demande 22" in first and "Demande 02" not in first
    older = re.search(r'href="(/portal\?before=\d+)"', first).group(1)
    second = client.get(older).get_data(as_text=True)
    assert "Demande 02" in second and "Demande 22" not in second


def test_the_list_costs_the_same_statements_for_few_or_many_requests(app, client, alice, factory):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    def add(n):
        for _ in range(n):
            ticket_id = factory.ticket(alice["customer_id"])
            with app.app_context():
                db.session.get(Ticket, ticket_id).product_id = alice["box"]
                db.session.commit()

    add(2)
    few, _ = counted_get(app, client, "/portal")
    add(15)
    many, response = counted_get(app, client, "/portal")
    assert response.get_data(as_text=True).count("Box Fibre") >= 15
    assert many == few


@pytest.fixture()
def organization(app, factory, alice):
    """Alice's company: Alice is its org admin, Carla a colleague; Bob is not in it."""
    from helpdesk.extensions import db
    from helpdesk.models import Customer, Organization, User

    carla_id = factory.user("customer", email="carla@example.com", name="Carla Petit")
    with app.app_context():
        org = Organization(name="ACME")
        db.session.add(org)
        db.session.flush()
        alice_user = db.session.get(User, alice["user_id"])
        alice_user.is_org_admin = True
        alice_user.customer.organization_id = org.id
        carla = db.session.get(User, carla_id)
        carla.customer.organization_id = org.id
        db.session.commit()
        carla_customer = carla.customer_id
        bob_customer = db.session.scalar(select(Customer.id).where(Customer.email == "bob@example.com"))
    return {"carla_customer": carla_customer, "bob_customer": bob_customer}


def test_an_org_admin_sees_and_follows_the_organizations_requests(app, client, alice, organization, factory, auth):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket, User

    with app.app_context():
        carla_user = db.session.scalar(select(User.id).where(User.email == "carla@example.com"))
    colleague = factory.ticket(organization["carla_customer"], subject="Imprimante de Carla", requester_id=carla_user)
    stranger = factory.ticket(organization["bob_customer"], subject="Télé de Bob")
    _ticket_id(_submit(client, alice["box"], subject="Ma box"))

    mine = client.get("/portal").get_data(as_text=True)
    assert "Ma box" in mine and "Imprimante de Carla" not in mine and "Celles de mon organisation" in mine
    theirs = client.get("/portal?scope=organization").get_data(as_text=True)
    assert "Ma box" in theirs and "Imprimante de Carla" in theirs and "Carla Petit" in theirs
    assert "Télé de Bob" not in theirs
    assert "Imprimante de Carla" in client.get(f"/portal/requests/{colleague}").get_data(as_text=True)
    assert client.post(f"/portal/requests/{colleague}/reply", data={"body": "Je relance pour Carla."}).status_code == 302
    assert client.get(f"/portal/requests/{stranger}").status_code == 404
    with app.app_context():
        assert db.session.get(Ticket, colleague).messages[-1].body_source == "Je relance pour Carla."


def test_a_plain_customer_sees_only_their_own_requests(app, client, alice, organization, factory, auth):
    alices = _ticket_id(_submit(client, alice["box"], subject="Ma box"))
    auth.logout()
    auth.login("carla@example.com")
    page = client.get("/portal?scope=organization").get_data(as_text=True)
    assert "Ma box" not in page and "Celles de mon organisation" not in page
    assert client.get(f"/portal/requests/{alices}").status_code == 404


# --- the request's page ----------------------------------------------------------------------------


def _note_with_file(app, ticket_id):
    from helpdesk.extensions import db
    from helpdesk.models import Attachment, Message, User, utcnow

    with app.app_context():
        agent = db.session.scalar(select(User).where(User.role == "agent"))
        note = Message(ticket_id=ticket_id, kind="note", author_id=agent.id, body="<p>SECRET: client procédurier</p>",
                       created_at=utcnow())
        event = Message(ticket_id=ticket_id, kind="event", body="<p>SYSTEM: escalade niveau 2</p>", created_at=utcnow())
        db.session.add_all([note, event])
        db.session.flush()
        hidden = Attachment(ticket_id=ticket_id, message_id=note.id, filename="dossier-interne.pdf",
                            content_type="application/pdf", size=4, sha256="0" * 64, created_at=utcnow())
        loose = Attachment(ticket_id=ticket_id, message_id=None, filename="sans-message.pdf",
                           content_type="application/pdf", size=4, sha256="1" * 64, created_at=utcnow())
        db.session.add_all([hidden, loose])
        db.session.commit()
        return hidden.id, loose.id


def test_internal_notes_system_events_and_their_files_never_reach_the_customer(app, client, alice, factory):
    factory.user("agent", email="agent@example.com")
    ticket_id = _ticket_id(_submit(client, alice["box"], files=[(io.BytesIO(PDF), "facture.pdf")]))
    hidden, loose = _note_with_file(app, ticket_id)
    page = client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    assert "SECRET" not in page and "SYSTEM" not in page and "dossier-interne.pdf" not in page
    assert client.get(f"/portal/attachments/{hidden}").status_code == 404
    assert client.get(f"/portal/attachments/{loose}").status_code == 404
    public = re.search(r'href="/portal/attachments/(\d+)">facture.pdf', page).group(1)
    download = client.get(f"/portal/attachments/{public}")
    assert download.status_code == 200 and download.data == PDF


def test_another_customers_ticket_and_attachment_are_not_found(app, client, alice, auth):
    ticket_id = _ticket_id(_submit(client, alice["box"], files=[(io.BytesIO(PDF), "facture.pdf")]))
    page = client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    public = re.search(r'href="/portal/attachments/(\d+)"', page).group(1)
    auth.logout()
    auth.login("bob@example.com")
    assert client.get(f"/portal/requests/{ticket_id}").status_code == 404
    assert client.get(f"/portal/attachments/{public}").status_code == 404
    assert client.post(f"/portal/requests/{ticket_id}/reply", data={"body": "intrus"}).status_code == 404
    assert client.post(f"/portal/requests/{ticket_id}/status", data={"status": "closed"}).status_code == 404


def test_a_reply_carries_several_files_and_a_refused_one_keeps_the_text(app, client, alice):
    ticket_id = _ticket_id(_submit(client, alice["box"]))
    refused = client.post(f"/portal/requests/{ticket_id}/reply", content_type="multipart/form-data",
                          data={"body": "Voici les photos", "attachments": [(io.BytesIO(b"MZ"), "virus.exe")]})
    assert refused.status_code == 400
    assert "« virus.exe »" in refused.get_data(as_text=True) and "Voici les photos" in refused.get_data(as_text=True)
    assert _counts(app)["Message"] == 1
    sent = client.post(f"/portal/requests/{ticket_id}/reply", content_type="multipart/form-data",
                       data={"body": "Voici les photos", "attachments": [(io.BytesIO(PNG), "avant.png"),
                                                                         (io.BytesIO(PNG + b"2"), "apres.png")]})
    assert sent.status_code == 302
    page = client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    assert "Voici les photos" in page and "avant.png" in page and "apres.png" in page


def test_the_request_page_states_the_sla_it_runs_under(app, client, alice):
    _sla_policy(app, minutes=90, resolution=None)
    ticket_id = _ticket_id(_submit(client, alice["box"]))
    page = client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    assert "Réponse sous 1 h 30 ouvrées." in page


def test_close_then_reopen_within_the_window(app, client, alice):
    ticket_id = _ticket_id(_submit(client, alice["box"]))
    url = f"/portal/requests/{ticket_id}"
    assert client.post(f"{url}/status", data={"status": "closed"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Fermé" in page and ">Rouvrir<" in page and "jusqu'au" in page
    client.post(f"{url}/status", data={"status": "open"})
    assert "Mon problème est résolu" in client.get(url).get_data(as_text=True)


def test_after_the_window_a_new_request_is_offered_instead_of_reopening(app, client, alice):
    from helpdesk.extensions import db
    from helpdesk.models import Ticket, utcnow

    ticket_id = _ticket_id(_submit(client, alice["box"], subject="Box en panne"))
    url = f"/portal/requests/{ticket_id}"
    client.post(f"{url}/status", data={"status": "closed"})
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        ticket.resolved_at = ticket.closed_at = utcnow() - timedelta(days=app.config["PORTAL_REOPEN_DAYS"] + 1)
        db.session.commit()
    page = client.get(url).get_data(as_text=True)
    number = f"#{10000 + ticket_id}"
    assert ">Rouvrir<" not in page and "Votre réponse" not in page
    assert f"Ouvrez une nouvelle demande en mentionnant {number}" in page
    assert f"/portal/requests/new?follow_up={ticket_id}" in page
    # Neither the button's request nor a reply reopens it.
    assert client.post(f"{url}/status", data={"status": "open"}).status_code == 302
    assert client.post(f"{url}/reply", data={"body": "Ça recommence"}).status_code == 400
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).status == "closed"
    prefilled = client.get(f"/portal/requests/new?follow_up={ticket_id}").get_data(as_text=True)
    assert f"Suite de la demande {number} : Box en panne" in prefilled
    assert re.search(rf'checked[^>]*value="{alice["box"]}"|value="{alice["box"]}"[^>]*checked', prefilled)


def test_the_portal_is_in_english_on_request(client, alice):
    page = client.get("/portal/requests/new?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in page


# --- with CSRF on, as customers meet it ----------------------------------------------------------------


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


def _protected_client(app):
    from helpdesk import create_app

    keys = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL")
    client = create_app(ProtectedConfig, **{k: app.config[k] for k in keys}).test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": token})
    return client


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_submit_reply_and_close_with_csrf_on(app, alice):
    client = _protected_client(app)
    form = {"product_id": str(alice["box"]), "subject": "Sans jeton", "body": "..."}
    assert client.post("/portal/requests/new", data=form).status_code == 400
    assert _counts(app)["Ticket"] == 0

    token = _token(client.get("/portal/requests/new").get_data(as_text=True))
    response = client.post("/portal/requests/new", content_type="multipart/form-data",
                           data={**form, "subject": "Avec jeton", "csrf_token": token,
                                 "attachments": [(io.BytesIO(PDF), "facture.pdf")]})
    ticket_id = _ticket_id(response)
    page = client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)
    token = _token(page)
    assert client.post(f"/portal/requests/{ticket_id}/reply", data={"body": "Merci"}).status_code == 400
    assert client.post(f"/portal/requests/{ticket_id}/reply", data={"body": "Merci", "csrf_token": token}).status_code == 302
    assert client.post(f"/portal/requests/{ticket_id}/status", data={"status": "closed"}).status_code == 400
    assert client.post(f"/portal/requests/{ticket_id}/status",
                       data={"status": "closed", "csrf_token": token}).status_code == 302
    assert "Fermé" in client.get(f"/portal/requests/{ticket_id}").get_data(as_text=True)


def test_the_sla_tier_is_planned_on_a_ticket_that_is_never_saved(app, alice):
    from helpdesk.extensions import db
    from helpdesk.models import Customer, utcnow
    from helpdesk.portal.service import customer_sla_tier

    _sla_policy(app)
    with app.app_context():
        tier = customer_sla_tier(db.session, db.session.get(Customer, alice["customer_id"]), utcnow())
        assert (tier.policy_name, tier.first_response_minutes, tier.business_hours) == ("Standard", 240, True)
        assert not db.session.new and not db.session.dirty
        db.session.commit()
    assert _counts(app)["Ticket"] == 0


@pytest.mark.parametrize("minutes, business, said", [
    (240, True, "4 h ouvrées"), (60, True, "1 h ouvrée"), (90, True, "1 h 30 ouvrées"),
    (30, True, "30 minutes ouvrées"), (2880, False, "2 jours"), (480, False, "8 h"), (None, True, None),
])
def test_sla_delays_in_plain_words(app, minutes, business, said):
    from helpdesk.portal.wording import delay_text

    with app.test_request_context("/portal"):
        assert delay_text(minutes, business) == said


def test_no_acknowledgement_is_announced_without_an_address(app, client, alice):
    from helpdesk.extensions import db
    from helpdesk.models import Customer

    with app.app_context():
        db.session.get(Customer, alice["customer_id"]).email = None
        db.session.commit()
    response = _submit(client, alice["box"])
    _ticket_id(response)
    assert "accusé de réception" not in client.get(response.headers["Location"]).get_data(as_text=True)
