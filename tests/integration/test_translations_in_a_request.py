"""Templates translate with the locale in force at the moment, also when a request switches it for a
while (a mail composed in the customer's language while an agent's French page is being served)."""
from flask import render_template_string
from flask_babel import force_locale, refresh


def _closed() -> str:
    return render_template_string(
        "{{ _('Fermé') }} / {{ ngettext('+ %(num)s jour fermé', '+ %(num)s jours fermés', 2) }}")


def test_a_locale_forced_inside_a_french_request_translates_and_the_request_stays_french(app):
    with app.test_request_context("/?lang=fr"):
        assert _closed() == "Fermé / + 2 jours fermés"
        with force_locale("en"):
            assert _closed() == "Closed / + 2 closed days"
        assert _closed() == "Fermé / + 2 jours fermés"


def test_an_english_request_translates_every_string_and_a_refresh_finds_the_new_locale(app):
    with app.test_request_context("/?lang=en"):
        assert _closed().startswith("Closed")
        with force_locale("fr"):
            assert _closed().startswith("Fermé")
        assert _closed().startswith("Closed")
        refresh()
        assert _closed().startswith("Closed")
