"""Every French string of the interface has its English translation, and the compiled catalogue is current."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "helpdesk" / "translations" / "en" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = set()
    for folder in ("helpdesk", "knowledge_base"):
        for _file, _line, message, _comments, _context in extract_from_dir(ROOT / folder, METHODS, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _key(value):
    """Singular id of a message (plural messages carry a tuple of forms)."""
    return value[0] if isinstance(value, (tuple, list)) else value


def _done(string) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)


def test_every_interface_string_is_translated_to_english():
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="en")
    translated = {_key(m.id) for m in catalog if m.id and _done(m.string)}
    missing = sorted(_source_messages() - translated)
    assert missing == [], f"run the babel steps in the README; untranslated: {missing[:10]}"


def test_compiled_catalogue_matches_the_source_catalogue():
    with open(CATALOG / "messages.po", "rb") as handle:
        po = {_key(m.id): tuple(m.string) if isinstance(m.string, (tuple, list)) else m.string
              for m in read_po(handle, locale="en") if m.id and _done(m.string)}
    with open(CATALOG / "messages.mo", "rb") as handle:
        mo = {_key(m.id): tuple(m.string) if isinstance(m.string, (tuple, list)) else m.string for m in read_mo(handle) if m.id}
    assert mo == po, "run `pybabel compile -d helpdesk/translations`"
