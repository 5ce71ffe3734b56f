"""Figures as the lead pages write them (report pages and dashboard panels alike), in the reader's locale."""
from __future__ import annotations

from datetime import date

from collections.abc import Callable, Iterable

from babel.dates import format_skeleton
from flask_babel import format_decimal, get_locale
from markupsafe import Markup


def business_duration(seconds: float | None) -> str:
    """Business time as people say it: 45 s, 12 min, 3 h 05 min (hours are business hours)."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{format_decimal(value, format='#,##0.0')} %"


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def short_day(day: date) -> str:
    return format_skeleton("MMMd", day, locale=str(get_locale()))


def select_options(choices: Iterable[tuple[int, str]]) -> Callable[[int | None], Markup]:
    """The <option>s of a drop-down shown on many rows (every at-risk ticket's "reassign to"),
    rendered once: the returned function gives them with one value selected."""
    rendered = str(Markup("").join(Markup('<option value="{}">{}</option>').format(value, label)
                                   for value, label in choices))

    def with_selected(selected: int | None) -> Markup:
        if selected is None:
            return Markup(rendered)
        return Markup(rendered.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1))

    return with_selected
