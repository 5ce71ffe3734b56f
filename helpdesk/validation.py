"""Reading fields of user input (JSON bodies, forms) with the error codes every endpoint shares."""
from __future__ import annotations

from helpdesk.errors import report


def text_field(data: dict, name: str, errors: dict, *, required: bool = False, max_length: int = 300,
               strip: bool = True) -> str | None:
    """The text in data[name], or None; a problem is written to errors[name] as a code: required,
    not_text, too_long (with its max_length when `errors` is a FieldErrors).
    `strip=False` keeps leading spaces that mean something (Markdown bodies)."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "required"
        return None
    if not isinstance(value, str):
        errors[name] = "not_text"
        return None
    if strip:
        value = value.strip()
    if len(value) > max_length:
        report(errors, name, "too_long", max_length=max_length)
        return None
    return value
