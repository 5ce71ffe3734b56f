"""The console's fast form markup writes what WTForms' own widgets write: same inputs, same escaping,
same selected option, so pages, scripts and browsers see no difference."""
from __future__ import annotations

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired
from wtforms.widgets import Select

from helpdesk.console.forms import ConsoleForm, QuickSelect

CHOICES = [("", "—"), ("7", 'Zoé "la" <Rousse> & co'), ("12", "Ana"), ('x"y', "quote in value")]


@pytest.fixture()
def request_context():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="widgets-test", WTF_CSRF_ENABLED=True)
    with app.test_request_context("/"):
        yield


class _Form(ConsoleForm):
    version = HiddenField()
    seen = HiddenField()
    fast = SelectField("Fast", choices=CHOICES, validate_choice=False, widget=QuickSelect(),
                       validators=[DataRequired()])
    slow = SelectField("Slow", choices=CHOICES, validate_choice=False, widget=Select(), validators=[DataRequired()])


def test_hidden_tag_writes_wtforms_markup_with_the_csrf_token(request_context):
    form = _Form(version='3"><script>', seen="41")
    fast = str(form.hidden_tag())
    assert fast == str(FlaskForm.hidden_tag(form))
    assert 'name="csrf_token" type="hidden" value="' in fast
    assert "<script>" not in fast and "&#34;&gt;&lt;script&gt;" in fast
    assert str(form.hidden_tag("seen", "nonexistent", form.fast)) == str(FlaskForm.hidden_tag(form, "seen", "nonexistent", form.fast))


@pytest.mark.parametrize("chosen", ["7", "12", 'x"y', "", None])
def test_quick_select_writes_the_options_wtforms_writes(request_context, chosen):
    form = _Form(fast=chosen, slow=chosen)
    fast = str(form.fast(class_="wide")).replace('id="fast" name="fast"', 'id="X" name="X"')
    slow = str(form.slow(class_="wide")).replace('id="slow" name="slow"', 'id="X" name="X"')
    assert fast == slow
    assert "required" in fast and "&lt;Rousse&gt;" in fast
    assert fast.count("selected") == (1 if chosen is not None else 0)
