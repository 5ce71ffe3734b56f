"""Parsing received e-mail: real-world-shaped messages from common clients, in French and English."""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from helpdesk.mail.inbound.parse import Unparseable, parse_email, sanitise_email_html, visible_part

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def load(name: str):
    return parse_email((CORPUS / name).read_bytes())


def test_thunderbird_french_reply_loses_the_quote_and_the_signature():
    mail = load("thunderbird_fr_reply.eml")
    assert mail.from_address == "marie.dupont@example.fr" and mail.from_name == "Marie Dupont"
    assert mail.visible_text.startswith("Bonjour,\n\nMerci pour votre réponse.")
    assert mail.visible_text.endswith("Bonne journée,\nMarie")
    assert "Pouvez-vous redémarrer" not in mail.visible_text and "06 12 34 56 78" not in mail.visible_text
    assert "Pouvez-vous redémarrer" in mail.text  # the original keeps everything
    assert "support+t-abcdefghijklmnop@helpdesk.local" in mail.delivered_to


def test_gmail_english_reply_with_a_wrapped_attribution_and_gmail_quote():
    mail = load("gmail_en_reply.eml")
    assert mail.visible_text.endswith("Thanks,\nJohn")
    assert "Could you tell us" not in mail.visible_text
    assert 'class="gmail_quote"' in mail.html and "Could you tell us" in mail.html
    assert mail.in_reply_to == "<hd.abcdefghijklmnop.bbbbbbbbbbbbbbbb@helpdesk.local>"


def test_outlook_french_reply_in_windows_1252_stops_at_de_envoye():
    mail = load("outlook_fr_reply.eml")
    assert mail.subject == "RE: [#10001] Mise à jour du firmware"
    assert "Pouvez-vous m’envoyer un technicien ?" in mail.visible_text
    assert "Envoyé :" not in mail.visible_text and "2.4.1" not in mail.visible_text
    assert mail.visible_text.endswith("Pierre Martin")


def test_apple_mail_reply_drops_sent_from_my_iphone_and_the_cite():
    mail = load("apple_mail_reply.eml")
    assert mail.from_name == "Sophie Lefèvre"
    assert mail.visible_text == "Bonjour,\n\nC’est bon, ça remarche depuis ce matin. Merci beaucoup !"


def test_html_only_mail_is_sanitised_and_its_remote_images_removed():
    mail = load("html_only_remote_images.eml")
    assert mail.subject == "Impossible de télécharger ma facture"
    assert mail.blocked_images == 3
    for forbidden in ("https://cdn.example.com", "tracker.example.com", "<script", "onclick", "alert(", "<style",
                      "srcset", "Votre commande"):
        assert forbidden not in mail.html
    assert 'href="https://boutique.example.com/facture/4521"' in mail.html  # links stay, inert
    assert "erreur 500" in mail.visible_text and "Claire Fontaine" in mail.visible_text


@pytest.mark.parametrize("name, subject, phrase", [
    ("qp_iso8859.eml", "Téléviseur en panne", "Ma télévision ne s'allume plus"),
    ("base64_cp1252.eml", "Remboursement de 49,90 euros", "J’ai été débitée deux fois de 49,90 €"),
    ("rfc2047_subject.eml", "Problème de facturation – commande n° 4521", "ma facture de février est fausse"),
])
def test_encodings_are_decoded(name, subject, phrase):
    mail = load(name)
    assert mail.subject == subject
    assert phrase in mail.visible_text


def test_accented_sender_names_are_decoded():
    assert load("qp_iso8859.eml").from_name == "Gérard Lefèbvre"
    assert load("base64_cp1252.eml").from_name == "Agnès Moreau"
    assert load("rfc2047_subject.eml").from_name == "Hélène Léger"
    assert "« œuvre-4521 »" in load("base64_cp1252.eml").visible_text


def test_a_forwarded_message_is_content_not_history():
    mail = load("forwarded.eml")
    assert "le colis 4521 annoncé livré vendredi" in mail.visible_text
    assert mail.subject == "Fwd: Livraison non reçue"


def test_attachments_and_inline_images_are_listed_with_decoded_names():
    mail = load("attachment_inline.eml")
    by_name = {a.filename: a for a in mail.attachments}
    assert set(by_name) == {"image-1.png", "facture-février.pdf", "setup.exe"}
    assert by_name["image-1.png"].content_id == "capture@example.fr" and by_name["image-1.png"].inline
    assert by_name["facture-février.pdf"].data.startswith(b"%PDF-")
    assert 'src="cid:capture@example.fr"' in mail.html  # inline images keep their cid: reference


@pytest.mark.parametrize("name, why", [
    ("out_of_office.eml", "Auto-Submitted"),
    ("bounce.eml", "Auto-Submitted"),
])
def test_machines_are_recognised(name, why):
    assert why in load(name).automatic


@pytest.mark.parametrize("header, value", [
    ("Precedence", "bulk"), ("Precedence", "junk"), ("Precedence", "list"), ("X-Autoreply", "yes"),
    ("Auto-Submitted", "auto-generated"),
])
def test_auto_reply_headers(header, value):
    message = _mail()
    message[header] = value
    assert parse_email(bytes(message)).automatic


def test_mailer_daemon_and_delivery_reports_are_bounces():
    assert parse_email(bytes(_mail(sender="MAILER-DAEMON@mx.example.org"))).automatic
    report = _mail()
    report.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; boundary="x"')
    assert parse_email(bytes(report)).automatic
    assert parse_email(bytes(_mail())).automatic is None
    message = _mail()
    message["Auto-Submitted"] = "no"
    assert parse_email(bytes(message)).automatic is None


def test_no_message_id_is_none():
    assert load("no_message_id.eml").message_id is None


def test_garbage_is_unparseable():
    with pytest.raises(Unparseable):
        parse_email(b"")
    with pytest.raises(Unparseable):
        parse_email(b"\r\n\r\n")


@pytest.mark.parametrize("text, expected", [
    ("Merci !\n\nLe lun. 3 mars 2025 à 10:12, Support <s@x.fr> a écrit :\n> avant", "Merci !"),
    ("Merci !\n\nLe lun. 3 mars 2025 à 10:12, Support <s@x.fr> a\nécrit :\n> avant", "Merci !"),
    ("Thanks\n\nOn Mon, 3 Mar 2025, Support wrote:\n> before", "Thanks"),
    ("Ok\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n", "Ok"),
    ("Ok\n\n-------- Message d'origine --------\nDe : Support\n", "Ok"),
    ("Ok\n\nDe : Support <s@x.fr>\nEnvoyé : lundi 3 mars 2025\nÀ : moi\n", "Ok"),
    ("Ok\n\nFrom: Support <s@x.fr>\nSent: Monday, March 3, 2025\n", "Ok"),
    ("Réponse\n> citation\nsuite", "Réponse\nsuite"),
    ("Bien à vous\n-- \nJean\n01 02 03 04 05", "Bien à vous"),
    ("> tout est cité", "> tout est cité"),  # nothing left: keep everything rather than nothing
    ("On a trouvé la panne, merci.\nOn vous rappelle ?", "On a trouvé la panne, merci.\nOn vous rappelle ?"),
    # A first sentence starting with "Le" is not the start of an attribution a blank line away.
    ("Le voyant reste rouge.\n\nLe support a écrit :\n> Bonjour", "Le voyant reste rouge."),
    ("Le voyant\nreste rouge.\n\nOn Mon, Support wrote:\n> Hi", "Le voyant\nreste rouge."),
])
def test_visible_part_rules(text, expected):
    assert visible_part(text) == expected


def test_sanitiser_keeps_cid_and_counts_remote_images():
    cleaned, blocked = sanitise_email_html('<img src="https://x/a.png"><img src="cid:a@b"><img src="HTTP://x/b.gif">'
                                           '<a href="javascript:alert(1)">x</a>')
    assert blocked == 2 and 'src="cid:a@b"' in cleaned and "javascript" not in cleaned


def _mail(sender: str = "client@example.fr") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@helpdesk.local"
    message["Subject"] = "Question"
    message["Message-ID"] = "<q-1@example.fr>"
    message.set_content("Bonjour")
    return message
