"""Run-time settings kept in the database (one JSON document per key), read as typed dataclasses.

A feature declares its settings as a frozen dataclass with defaults; `load` fills what was never
saved with those defaults, so adding a field needs no migration.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from helpdesk.models import Setting

T = TypeVar("T")


def read(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(Setting, key)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else None


def write(session: Session, key: str, value: dict[str, Any], now: datetime, actor_id: int | None = None) -> None:
    """Store `value` under `key` (flushes; the caller commits)."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=now, updated_by_id=actor_id))
    else:
        row.value = value
        row.updated_at = now
        row.updated_by_id = actor_id
    session.flush()


def load(session: Session, key: str, cls: type[T]) -> T:
    """The stored settings as `cls`; fields never stored (or no longer known) take the defaults."""
    stored = read(session, key) or {}
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in stored.items() if k in names})


def save(session: Session, key: str, settings: Any, now: datetime, actor_id: int | None = None) -> None:
    write(session, key, dataclasses.asdict(settings), now, actor_id)
