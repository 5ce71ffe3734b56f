"""Portal accounts as people meet them: signing up and confirming the address by the e-mailed link,
the customer card found only by a proved address, forgetting a password without anyone learning who
has an account, single-use expiring links, a reset ending every other session and API token, rate
limits, and the profile's dated consent history. Key flows run with CSRF on, as in production."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from config import TestingConfig
from helpdesk.models import ApiToken, ConsentEvent, Customer, CustomerEmail, CustomerPhone, OutboxMessage, User, UserToken
from tests.conftest import PASSWORD
from tests.forms import csrf_token, post_form  # noqa: F401

NEW_PASSWORD = "a brand new passphrase"


class ProtectedConfig(TestingConfig):
    WTF_CSRF_ENABLED = True
    ACCOUNT_EMAIL_RATE_LIMIT = "3 per hour"


KEYS = ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_KEY_PREFIX", "REDIS_URL", "SOCKETIO_CHANNEL")


@pytest.fixture()
def protected(app):
    """The same database served with CSRF on and a production-like mail budget."""
    from helpdesk import create_app

    return create_app(ProtectedConfig, **{k: app.config[k] for k in KEYS})


def is_checked(page: str, input_id: str) -> bool:
    return "checked" in re.search(r'<input[^>]*id="' + input_id + '"[^>]*>', page).group(0)


def without_csrf(page: str) -> str:
    return re.sub(r'(name="csrf-token" content|name="csrf_token" type="hidden" value)="[^"]+"', "", page)


def mails(app, to: str | None = None) -> list[OutboxMessage]:
    from helpdesk.extensions import db

    with app.app_context():
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            stmt = stmt.where(OutboxMessage.to_address == to)
        return list(db.session.scalars(stmt))


def link_in(mail: OutboxMessage, kind: str) -> str:
    """The path of the link of this kind in the mail's text (and the same link is in its HTML)."""
    pattern = {"verify": r"/verify/[A-Za-z0-9_\-]+(?:\?consents=[a-z,%C]+)?", "reset": r"/password/reset/[A-Za-z0-9_\-]+"}[kind]
    path = re.search(r"https?://[^/\s]+(" + pattern + ")", mail.body_text).group(1)
    assert path.split("?")[0] in mail.body_html
    return path


def user_row(app, email: str) -> User | None:
    from helpdesk.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def sign_up(client, email="lea@example.com", name="Léa Martin", password=PASSWORD, **extra):
    data = {"name": name, "email": email, "password": password, "password_confirm": password, "locale": "fr", **extra}
    return post_form(client, "/portal/signup", data)


def login(client, email, password=PASSWORD, **extra):
    return post_form(client, "/login", {"email": email, "password": password, **extra})


def confirm(client, path: str, **consents):
    return post_form(client, path.split("?")[0], {k: "y" for k, v in consents.items() if v}, page=path)


# --- sign-up and verification -------------------------------------------------------------------------


def test_sign_up_links_the_existing_customer_only_once_the_address_is_proved(app, protected, factory):
    customer_id = factory.customer("Léa Martin", email="lea@example.com")
    factory.ticket(customer_id, subject="Facture de novembre")
    client = protected.test_client()

    response = sign_up(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/portal/sent/signup")
    assert "Si cette adresse peut être utilisée" in client.get(response.headers["Location"]).get_data(as_text=True)

    # Not yet proved: the account exists, but no customer card (and so no ticket) is attached.
    user = user_row(app, "lea@example.com")
    assert user.role == "customer" and user.email_verified_at is None and user.customer_id is None
    refused = login(client, "lea@example.com")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "pas encore confirmée" in page and "Renvoyer le lien de confirmation" in page
    assert client.get("/portal").status_code == 302

    (mail,) = mails(app, "lea@example.com")
    assert mail.kind == "account_verify"
    path = link_in(mail, "verify")
    # Opening the link (as a mail scanner does) proves nothing and changes nothing.
    opened = client.get(path)
    assert opened.status_code == 200 and "Confirmer mon adresse" in opened.get_data(as_text=True)
    assert user_row(app, "lea@example.com").email_verified_at is None

    confirmed = confirm(client, path)
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/login")
    user = user_row(app, "lea@example.com")
    assert user.email_verified_at is not None and user.customer_id == customer_id
    assert login(client, "lea@example.com").status_code == 302
    assert "Facture de novembre" in client.get("/portal").get_data(as_text=True)


def test_the_customer_is_matched_by_a_further_address_or_made(app, protected, factory):
    from helpdesk.extensions import db

    customer_id = factory.customer("Paul Durand", email="paul@work.example.com")
    with app.app_context():
        db.session.add(CustomerEmail(customer_id=customer_id, email="paul@home.example.com"))
        db.session.commit()
    client = protected.test_client()
    sign_up(client, email="Paul@Home.example.com", name="Paul")
    sign_up(protected.test_client(), email="nouveau@example.com", name="Nina Nouveau")
    confirm(client, link_in(mails(app, "paul@home.example.com")[0], "verify"))
    confirm(client, link_in(mails(app, "nouveau@example.com")[0], "verify"))

    assert user_row(app, "paul@home.example.com").customer_id == customer_id
    made = user_row(app, "nouveau@example.com").customer_id
    with app.app_context():
        customer = db.session.get(Customer, made)
        assert made != customer_id and (customer.name, customer.email) == ("Nina Nouveau", "nouveau@example.com")


def test_consents_chosen_at_sign_up_are_recorded_when_the_address_is_confirmed(app, protected):
    from helpdesk.extensions import db

    client = protected.test_client()
    sign_up(client, email="nina@example.com", consent_marketing="y")
    path = link_in(mails(app, "nina@example.com")[0], "verify")
    page = client.get(path).get_data(as_text=True)
    assert is_checked(page, "consent_marketing")  # the sign-up's choice, shown again
    assert not is_checked(page, "consent_surveys")
    confirm(client, path, consent_marketing=True)
    with app.app_context():
        customer = db.session.get(Customer, user_row(app, "nina@example.com").customer_id)
        assert (customer.consent_marketing, customer.consent_surveys) == (True, False)
        events = db.session.scalars(select(ConsentEvent).where(ConsentEvent.customer_id == customer.id)).all()
        assert [(e.consent, e.granted, e.source) for e in events] == [("marketing", True, "signup")]
        assert events[0].recorded_at is not None


def test_sign_up_form_consents_are_unticked_and_a_refused_form_keeps_what_was_typed(app):
    client = app.test_client()
    page = client.get("/portal/signup").get_data(as_text=True)
    assert not is_checked(page, "consent_surveys") and not is_checked(page, "consent_marketing")
    for autocomplete in ("name", "email", "new-password"):
        assert f'autocomplete="{autocomplete}"' in page
    response = client.post("/portal/signup", data={"name": "Léa Martin", "email": "lea@example.com",
                                                   "password": "short", "password_confirm": "short", "locale": "fr"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Léa Martin"' in page and 'value="lea@example.com"' in page
    assert 'value="short"' not in page  # passwords are never sent back
    assert "doit faire au moins 8 caractères" in page and 'aria-invalid="true"' in page
    assert user_row(app, "lea@example.com") is None and mails(app) == []


def test_the_two_passwords_must_match(app):
    response = app.test_client().post("/signup", data={"name": "Léa", "email": "lea@example.com", "password": PASSWORD,
                                                       "password_confirm": PASSWORD + "!", "locale": "fr"})
    assert response.status_code == 400
    assert "ne sont pas identiques" in response.get_data(as_text=True)
    assert user_row(app, "lea@example.com") is None


def test_the_contract_paths_take_the_contract_fields(app):
    """API.md: /signup with name, email, password (no confirmation field at all)."""
    response = app.test_client().post("/signup", data={"name": "Léa", "email": "lea@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert user_row(app, "lea@example.com") is not None


def test_signing_up_with_an_address_that_has_an_account_mails_its_owner_and_says_the_same(app, protected, factory):
    factory.user("customer", email="lea@example.com", name="Léa Martin")
    known = sign_up(protected.test_client(), email="lea@example.com", password="attacker password")
    unknown = sign_up(protected.test_client(), email="nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    (mail,) = mails(app, "lea@example.com")
    assert mail.kind == "account_exists" and "vous en avez déjà un" in mail.body_text
    reset_path = link_in(mail, "reset")
    # The account is not taken over: its password is the owner's, and the link lets the owner in.
    client = protected.test_client()
    assert login(client, "lea@example.com", "attacker password").status_code == 400
    assert post_form(client, reset_path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 302


def test_an_unconfirmed_account_cannot_get_an_api_token(app, client):
    sign_up(client)
    response = client.post("/api/v1/auth/token", json={"email": "lea@example.com", "password": PASSWORD})
    assert response.status_code == 401


def test_resending_the_confirmation_link(app, factory):
    factory.user("customer", email="verified@example.com")
    client = app.test_client()
    sign_up(client)
    first = link_in(mails(app, "lea@example.com")[0], "verify")
    for address in ("lea@example.com", "verified@example.com", "nobody@example.com"):
        response = post_form(client, "/portal/verify/resend", {"email": address})
        assert response.headers["Location"].endswith("/portal/sent/resend")
    assert [m.kind for m in mails(app)] == ["account_verify", "account_verify"]  # only the waiting account
    second = link_in(mails(app, "lea@example.com")[1], "verify")
    assert client.get(first.split("?")[0]).status_code == 410  # the new link replaced the old one
    assert confirm(client, second).status_code == 302


# --- forgotten password and reset ---------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(app, protected, factory):
    factory.user("customer", email="lea@example.com")
    answers = []
    for address in ("lea@example.com", "nobody@example.com"):
        client = protected.test_client()
        response = post_form(client, "/portal/forgot", {"email": address})
        answers.append((response.status_code, response.headers["Location"],
                        without_csrf(client.get(response.headers["Location"]).get_data(as_text=True))))
    assert answers[0] == answers[1]
    assert "Si un compte existe à cette adresse" in answers[0][2]
    assert [(m.to_address, m.kind) for m in mails(app)] == [("lea@example.com", "account_reset")]


def test_a_reset_link_is_single_use_and_sets_the_password(app, protected, factory):
    factory.user("customer", email="lea@example.com")
    client = protected.test_client()
    post_form(client, "/password/forgot", {"email": "lea@example.com"})
    path = link_in(mails(app, "lea@example.com")[0], "reset")
    assert "valable 60 minutes" in mails(app)[0].body_text
    assert client.get(path).status_code == 200  # opening the link does not spend it
    refused = post_form(client, path, {"password": NEW_PASSWORD, "password_confirm": "something else"})
    assert refused.status_code == 400  # a refused form does not spend it either
    done = post_form(client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/portal")
    assert client.get("/portal").status_code == 200  # logged in afresh

    again = protected.test_client()
    assert again.get(path).status_code == 410
    assert "déjà servi" in again.get(path).get_data(as_text=True)
    assert login(again, "lea@example.com").status_code == 400
    assert login(again, "lea@example.com", NEW_PASSWORD).status_code == 302


def test_an_expired_or_wrong_purpose_link_is_refused(app, client, factory):
    from helpdesk.extensions import db

    factory.user("customer", email="lea@example.com")
    client.post("/portal/forgot", data={"email": "lea@example.com"})
    path = link_in(mails(app)[0], "reset")
    with app.app_context():
        row = db.session.scalar(select(UserToken))
        row.expires_at = row.created_at + timedelta(minutes=60) - timedelta(hours=2)  # an hour ago
        db.session.commit()
    response = client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 410 and "expiré" in response.get_data(as_text=True)
    assert client.post("/login", data={"email": "lea@example.com", "password": NEW_PASSWORD}).status_code == 400

    sign_up(client, email="nina@example.com")
    verify_token = link_in(mails(app, "nina@example.com")[0], "verify").split("/")[-1].split("?")[0]
    assert client.get(f"/password/reset/{verify_token}").status_code == 404
    assert client.get("/portal/reset/not-a-token").status_code == 404


def test_reset_links_last_one_hour(app, client, factory):
    from helpdesk.extensions import db

    factory.user("customer", email="lea@example.com")
    client.post("/portal/forgot", data={"email": "lea@example.com"})
    with app.app_context():
        row = db.session.scalar(select(UserToken))
        assert row.purpose == "reset_password" and row.expires_at - row.created_at == timedelta(hours=1)


def test_a_password_reset_ends_every_other_session_and_api_token(app, protected, factory, auth):
    factory.user("customer", email="lea@example.com")
    api_token = auth.token("lea@example.com")
    laptop, phone, remembered = protected.test_client(), protected.test_client(), protected.test_client()
    login(laptop, "lea@example.com")
    login(remembered, "lea@example.com", remember="y")
    remembered.delete_cookie("session")  # the browser was closed: the remember-me cookie logs it back in
    for client in (laptop, remembered):
        assert client.get("/portal").status_code == 200
    assert protected.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200

    post_form(phone, "/portal/forgot", {"email": "lea@example.com"})
    post_form(phone, link_in(mails(app)[0], "reset"), {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert phone.get("/portal").status_code == 200  # the session that reset goes on
    assert laptop.get("/portal").status_code == 302  # every other one has ended
    remembered.delete_cookie("session")
    assert remembered.get("/portal").status_code == 302
    revoked = protected.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {api_token}"})
    assert revoked.status_code == 401
    from helpdesk.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 0


def test_a_reset_link_also_proves_the_address_of_an_unconfirmed_account(app, protected, factory):
    customer_id = factory.customer("Léa Martin", email="lea@example.com")
    client = protected.test_client()
    sign_up(client)
    post_form(client, "/portal/forgot", {"email": "lea@example.com"})
    reset_path = link_in(mails(app, "lea@example.com")[-1], "reset")
    post_form(client, reset_path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    user = user_row(app, "lea@example.com")
    assert user.email_verified_at is not None and user.customer_id == customer_id


# --- rate limits and CSRF -------------------------------------------------------------------------------


def test_account_mails_are_rate_limited_per_address_and_per_client(app, protected, factory):
    factory.user("customer", email="lea@example.com")
    # One address asked from three different client addresses: the address's budget (3) runs out.
    for n in range(3):
        client = protected.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert post_form(client, "/portal/forgot", {"email": "lea@example.com"}).status_code == 302
    client = protected.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    limited = post_form(client, "/portal/forgot", {"email": "lea@example.com"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Trop de demandes" in limited.get_data(as_text=True)
    assert len(mails(app)) == 3

    # One client trying three addresses: its own budget runs out too, whatever the form.
    client = protected.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    for address in ("a@example.com", "b@example.com"):
        assert post_form(client, "/portal/forgot", {"email": address}).status_code == 302
    assert sign_up(client, email="c@example.com").status_code == 302
    assert post_form(client, "/portal/verify/resend", {"email": "d@example.com"}).status_code == 429


def test_account_forms_without_their_csrf_token_are_refused(app, protected, factory):
    factory.user("customer", email="lea@example.com")
    client = protected.test_client()
    data = {"name": "Léa", "email": "nina@example.com", "password": PASSWORD, "password_confirm": PASSWORD, "locale": "fr"}
    assert client.post("/portal/signup", data=data).status_code == 400
    assert client.post("/portal/forgot", data={"email": "lea@example.com"}).status_code == 400
    assert user_row(app, "nina@example.com") is None and mails(app) == []
    login(client, "lea@example.com")
    assert client.post("/portal/profile", data={"name": "Pirate", "locale": "fr"}).status_code == 400
    assert client.post("/portal/profile/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                         "password_confirm": NEW_PASSWORD}).status_code == 400
    assert user_row(app, "lea@example.com").name != "Pirate"


# --- profile --------------------------------------------------------------------------------------------


def profile_data(**changes):
    data = {"name": "Léa Martin", "phones-0": "", "locale": "fr", "preferred_channel": "",
            "consent_email": "y", "consent_surveys": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_profile_is_for_a_logged_in_customer(app, client, factory, auth):
    assert client.get("/portal/profile").status_code == 302
    factory.user("agent", email="agent@example.com")
    auth.login("agent@example.com")
    assert client.get("/portal/profile").status_code == 403
    assert client.post("/portal/profile", data=profile_data()).status_code == 403


def test_profile_changes_and_each_consent_change_is_recorded_with_its_date(app, protected, factory):
    from helpdesk.extensions import db

    factory.user("customer", email="lea@example.com", name="Léa")
    client = protected.test_client()
    login(client, "lea@example.com")
    page = client.get("/portal/profile").get_data(as_text=True)
    assert "Aucun changement enregistré" in page
    for autocomplete in ("name", "tel", "current-password", "new-password"):
        assert f'autocomplete="{autocomplete}"' in page

    response = post_form(client, "/portal/profile", profile_data(
        name="Léa Martin-Dubois", **{"phones-0": "06 12 34 56 78", "phones-1": "+44 20 7946 0958"},
        preferred_channel="phone", consent_marketing="y", consent_surveys=None))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lea@example.com"))
        customer = user.customer
        assert (user.name, customer.name, customer.preferred_channel) == ("Léa Martin-Dubois",) * 2 + ("phone",)
        assert sorted(p.number for p in customer.phones) == ["+33612345678", "+442079460958"]
        assert (customer.consent_marketing, customer.consent_surveys, customer.consent_email) == (True, False, True)
        events = db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.consent)).all()
        assert [(e.consent, e.granted, e.source, e.user_id) for e in events] == [
            ("marketing", True, "portal", user.id), ("surveys", False, "portal", user.id)]
        assert all(e.recorded_at is not None for e in events)
    page = client.get("/portal/profile").get_data(as_text=True)
    assert "Historique de mes consentements" in page and "Offres commerciales" in page and "retiré" in page
    assert page.count("<time datetime=") >= 2

    # Saving again without changing a consent records nothing more.
    post_form(client, "/portal/profile", profile_data(name="Léa Martin-Dubois", **{"phones-0": "+33612345678"},
                                                      consent_marketing="y", consent_surveys=None))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 2
        assert [p.number for p in db.session.scalars(select(CustomerPhone))] == ["+33612345678"]


def test_a_refused_profile_keeps_what_was_typed(app, client, factory, auth):
    from helpdesk.extensions import db

    factory.user("customer", email="lea@example.com", name="Léa")
    auth.login("lea@example.com")
    response = client.post("/portal/profile", data=profile_data(name="Léa Nouvelle", **{"phones-0": "pas un numéro"}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Léa Nouvelle"' in page and 'value="pas un numéro"' in page
    assert "Ce numéro de téléphone n&#39;est pas valide." in page or "Ce numéro de téléphone n'est pas valide." in page
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.email == "lea@example.com")) == "Léa"


def test_changing_the_password_on_the_profile_needs_the_current_one_and_ends_other_sessions(app, protected, factory):
    factory.user("customer", email="lea@example.com")
    here, elsewhere = protected.test_client(), protected.test_client()
    login(here, "lea@example.com")
    login(elsewhere, "lea@example.com")
    wrong = post_form(here, "/portal/profile/password", {"current_password": "not it", "password": NEW_PASSWORD,
                                                         "password_confirm": NEW_PASSWORD}, page="/portal/profile")
    assert wrong.status_code == 400 and "pas votre mot de passe actuel" in wrong.get_data(as_text=True)
    assert elsewhere.get("/portal").status_code == 200

    done = post_form(here, "/portal/profile/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                        "password_confirm": NEW_PASSWORD}, page="/portal/profile")
    assert done.status_code == 302
    assert here.get("/portal").status_code == 200
    assert elsewhere.get("/portal").status_code == 302
    assert login(protected.test_client(), "lea@example.com", NEW_PASSWORD).status_code == 302


def test_account_links_in_the_top_bar(app, client, factory, auth):
    page = client.get("/portal/forgot").get_data(as_text=True)
    assert "Se connecter" in page and "Créer un compte" in page
    factory.user("customer", email="lea@example.com")
    auth.login("lea@example.com")
    page = client.get("/portal").get_data(as_text=True)
    assert 'href="/portal/profile"' in page and "Mon compte" in page
