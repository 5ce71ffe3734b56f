"""Report objects to JSON and back, so that kept figures (helpdesk.reports.kept) come back as the
same frozen dataclasses the pages, the API and the CSV files read.

A report is made of dataclasses, lists, tuples, dicts with string keys, dates, datetimes, numbers,
strings and None; `plain` turns it into JSON-ready values and `revive` rebuilds it from its type
hints. A report's `filters` are left out: they are the request's own (see kept.py).
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Any

SKIPPED_FIELDS = ("filters",)


def plain(value: Any) -> Any:
    """JSON-ready values for a report (its `filters` left out)."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in SKIPPED_FIELDS}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def revive(cls: type, data: dict, **extra: Any) -> Any:
    """The `cls` dataclass back from `plain(...)`; `extra` gives the fields left out (filters)."""
    return _revive(cls, data, skipped=extra)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _revive(hint: Any, data: Any, skipped: dict | None = None) -> Any:
    if data is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _revive(next(a for a in args if a is not type(None)), data)
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        values = {f.name: _revive(hints[f.name], data[f.name]) for f in dataclasses.fields(hint)
                  if f.init and f.name in data}
        for name, value in (skipped or {}).items():
            values.setdefault(name, value)
        return hint(**values)
    if origin is list:
        return [_revive(args[0], item) for item in data]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_revive(args[0], item) for item in data)
        return tuple(_revive(a, item) for a, item in zip(args, data))
    if origin is dict:
        return {key: _revive(args[1], item) for key, item in data.items()}
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    if hint is float:
        return float(data)
    return data
