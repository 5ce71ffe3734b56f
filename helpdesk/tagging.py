"""Tags shared by tickets and articles: names from user input to Tag rows (made when new)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import report
from helpdesk.models import Tag

MAX_TAGS = 20
MAX_TAG_LENGTH = 64


def tags_from_input(session: Session, value: Any, errors: dict, field_name: str = "tags") -> list[Tag] | None:
    """The Tag rows for a list of names (trimmed, lower-cased, de-duplicated), or None with
    errors[field_name] set to a code when the input is not a short list of short strings: must_be_list,
    or too_many_tags (with the limits max_tags and max_length)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        errors[field_name] = "must_be_list"
        return None
    names = list(dict.fromkeys(t.strip().lower() for t in value if t.strip()))
    if len(names) > MAX_TAGS or any(len(n) > MAX_TAG_LENGTH for n in names):
        report(errors, field_name, "too_many_tags", max_tags=MAX_TAGS, max_length=MAX_TAG_LENGTH)
        return None
    existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(names)))} if names else {}
    tags = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
        tags.append(tag)
    return tags
