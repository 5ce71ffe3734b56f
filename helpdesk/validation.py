"""Reading fields of user input (JSON bodies, forms) with the error messages every endpoint shares."""
from __future__ import annotations


def text_field(data: dict, name: str, errors: dict, *, required: bool = False, max_length: int = 300,
               strip: bool = True) -> str | None:
    """The text in data[name], or None; a problem is written to errors[name] (missing, not text, too long).
    `strip=False` keeps leading spaces that mean something (Markdown bodies)."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "is required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be a string"
        return None
    if strip:
        value = value.strip()
    if len(value) > max_length:
        errors[name] = f"at most {max_length} characters"
        return None
    return value
