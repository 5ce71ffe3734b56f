"""Phone numbers in any format to E.164, with the `phonenumbers` library (pure, no Flask)."""
from __future__ import annotations

import phonenumbers


def normalise_phone(raw: str, default_region: str = "FR") -> str | None:
    """E.164 ("+33612345678") for a number written any usual way, or None when it is not a number.

    "0033 6 12 34 56 78" is an international prefix written out; phonenumbers handles it for the
    default region's own international prefix (00 in France).
    """
    if not raw or not isinstance(raw, str):
        return None
    text = raw.strip()
    if len(text) > 40:
        return None
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """The number as people read it: national format at home, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
