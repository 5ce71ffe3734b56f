"""Every error code a service can give a field has words on the pages, and no field error is a
sentence: the codes are read from the source, so a new code without words fails here."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel

from helpdesk.auth.security import password_problem
from helpdesk.errors import FieldErrors, Invalid
from helpdesk.promises.rules import parse_due_at
from helpdesk.tickets.lifecycle import transition_problem
from helpdesk.wording import field_problem, field_problems

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for folder in ("helpdesk", "knowledge_base") for p in (ROOT / folder).rglob("*.py")
           if "translations" not in p.parts]

VALUE = r"""f?(?:"(?P<double>[^"\n]*)"|'(?P<single>[^'\n]*)')"""
# The ways a service writes a field's problem: errors[name] = "...", errors.add(name, "..."),
# report(errors, name, "..."), Invalid({"field": "..."}), {"fields": {"field": "..."}}, the report
# filters' bad(name, "code", message).
PATTERNS = [
    re.compile(r'\b(?:errors|fields)\[[^\]\n]+\]\s*=\s*' + VALUE),
    re.compile(r'\berrors\.add\([^,\n]+,\s*' + VALUE),
    re.compile(r'\breport\(\s*errors,\s*[^,\n]+,\s*' + VALUE),
    re.compile(r'\bInvalid\(\{\s*[^:{}\n]+:\s*' + VALUE),
    re.compile(r'\{"fields":\s*\{\s*"[^"]+":\s*' + VALUE),
    re.compile(r'\bbad\(\s*[^,\n]+,\s*' + VALUE),
]
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _written_codes() -> dict[str, set[str]]:
    """Each value a service writes as a field's problem -> the files writing it."""
    found: dict[str, set[str]] = {}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            for match in pattern.finditer(text):
                value = match.group("double") if match.group("double") is not None else match.group("single")
                found.setdefault(value, set()).add(str(path.relative_to(ROOT)))
    return found


def _returned_codes() -> set[str]:
    """The codes the pure rules return for a field (they are written as `return "..."`)."""
    now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    codes = {transition_problem("open", new, staff=staff) for new in ("archived", "new", "open", "pending_third_party")
             for staff in (True, False)}
    codes |= {transition_problem("pending_customer", "open", staff=False)}
    codes |= {password_problem("short"), password_problem("x" * 2000)}
    codes |= {parse_due_at(value)[1] for value in (None, "jeudi", 12, "2026-12-03T10:00:00")}
    from helpdesk.customers.orders import _moment

    codes |= {_moment(value) for value in ("", "01/03/2026", "2026-03-07 09:30:00")}
    from helpdesk.promises.rules import check_promise

    for due in (now - timedelta(days=1), now + timedelta(days=365)):
        codes |= set(check_promise("rappeler", due, now)[1].values())
    return {code for code in codes if isinstance(code, str)}


@pytest.fixture()
def babel_app():
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield app


def test_the_source_writes_codes_and_the_scan_finds_them():
    codes = _written_codes()
    assert {"required", "too_long", "not_a_choice", "must_be_list", "too_many_tags", "unknown_team"} <= set(codes)
    sentences = {value: sorted(files) for value, files in codes.items() if not CODE.match(value)}
    assert sentences == {}, "field errors must be codes, not sentences"


def test_every_code_a_service_gives_has_words(babel_app):
    fallback = field_problem("a code nobody wrote")
    codes = set(_written_codes()) | _returned_codes()
    without_words = sorted(code for code in codes if field_problem(code) == fallback)
    assert without_words == []


def test_limits_carried_by_the_error_are_said(babel_app):
    from helpdesk.tagging import tags_from_input

    errors = FieldErrors()
    assert tags_from_input(None, ["x" * 65], errors) is None
    error = Invalid(errors)
    assert error.details == {"fields": {"tags": "too_many_tags"},
                             "limits": {"tags": {"max_tags": 20, "max_length": 64}}}
    assert field_problems(error) == {"tags": "Au plus 20 étiquettes de 64 caractères chacune."}
    assert field_problems(Invalid({"title": "too_long"}, limits={"title": {"max_length": 300}})) == {
        "title": "Ce texte est trop long (300 caractères au plus)."}


def test_the_words_do_not_depend_on_the_message(babel_app):
    one = Invalid({"subject": "required"}, message="Some fields are invalid.")
    other = Invalid({"subject": "required"}, message="The subject is required, please fill it in.")
    assert field_problems(one) == field_problems(other) == {"subject": "Ce champ est obligatoire."}
