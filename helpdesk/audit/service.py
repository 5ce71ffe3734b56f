"""The audit log: every admin change (and every role or permission change) recorded in the same
transaction as the change itself, so a change and its record commit or roll back together.

`record` is called by the services that make the changes, with the fields before and after; the
difference is kept field by field, secrets only as "changed". Reading: newest first, filtered by
period, actor and object, for the admin page, its CSV and GET /api/v1/admin/audit.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import Invalid
from helpdesk.models import AuditEvent, User

ACTIONS = ("created", "updated", "deactivated", "reactivated", "invited", "imported", "revoked", "rotated",
           "deleted", "resent", "reprocessed")
OBJECT_TYPES = ("user", "team", "calendar", "sla_policy", "product", "api_token", "telephony_secret",
                "survey_settings", "settings", "mail", "tag", "canned_response")
SECRET = "(secret)"
PAGE_SIZE = 50
CSV_HEADER = ("id", "occurred_at", "actor_id", "actor", "action", "object_type", "object_id", "object", "field",
              "before", "after")


def plain(value: Any) -> Any:
    """A value as JSON keeps it: dates and datetimes in ISO 8601, Decimals as text, sets as sorted lists."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(plain(v) for v in value) if isinstance(value, (set, frozenset)) else [plain(v) for v in value]
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def differences(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                secrets: frozenset[str] | set[str] = frozenset()) -> dict[str, list]:
    """{field: [before, after]} for the fields whose value changed (a creation: before is None; a
    deletion: after is None). A secret field shows only that it changed, never its value."""
    before, after = dict(before or {}), dict(after or {})
    out: dict[str, list] = {}
    for name in sorted(set(before) | set(after)):
        old, new = plain(before.get(name)), plain(after.get(name))
        if old == new:
            continue
        if name in secrets:
            out[name] = [SECRET if old is not None else None, SECRET if new is not None else None]
        else:
            out[name] = [old, new]
    return out


def record(session: Session, actor, action: str, object_type: str, object_id: int | None, label: str | None,
           changes: Mapping[str, list] | None, now: datetime) -> AuditEvent | None:
    """Add one audit row to the caller's transaction. An update that changed nothing records nothing."""
    if action not in ACTIONS or object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown audit action or object: {action!r}, {object_type!r}")
    if action == "updated" and not changes:
        return None
    event = AuditEvent(occurred_at=now, actor_id=getattr(actor, "id", None),
                       actor_name=(getattr(actor, "name", None) or getattr(actor, "email", None) or "system")[:200],
                       action=action, object_type=object_type, object_id=object_id,
                       object_label=(label or "")[:300] or None, changes=dict(changes or {}))
    session.add(event)
    return event


# --- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    start: datetime | None = None  # inclusive, UTC
    end: datetime | None = None  # exclusive, UTC
    actor_id: int | None = None
    object_type: str | None = None
    object_id: int | None = None

    def query_args(self, zone: str) -> dict[str, str]:
        args: dict[str, str] = {}
        tz = ZoneInfo(zone)
        if self.start is not None:
            args["from"] = self.start.astimezone(tz).date().isoformat()
        if self.end is not None:
            args["to"] = (self.end.astimezone(tz) - timedelta(days=1)).date().isoformat()
        if self.actor_id is not None:
            args["actor"] = str(self.actor_id)
        if self.object_type:
            args["object"] = self.object_type + (f":{self.object_id}" if self.object_id is not None else "")
        return args


def parse_filters(args: Mapping[str, str], zone: str) -> AuditFilters:
    """`from`, `to` (days, both included, in `zone`), `actor` (a user id), `object` ("product" or
    "product:12"). Every bad one is named (Invalid, code per field)."""
    errors: dict[str, str] = {}
    tz = ZoneInfo(zone)
    start = end = None
    for name in ("from", "to"):
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            errors[name] = "bad_date"
            continue
        midnight = datetime.combine(day if name == "from" else day + timedelta(days=1), datetime.min.time(), tz)
        if name == "from":
            start = midnight
        else:
            end = midnight
    if start is not None and end is not None and end <= start:
        errors["to"] = "range_reversed"
    actor_id = None
    raw_actor = (args.get("actor") or "").strip()
    if raw_actor:
        if raw_actor.isdigit():
            actor_id = int(raw_actor)
        else:
            errors["actor"] = "not_a_user"
    object_type = object_id = None
    raw_object = (args.get("object") or "").strip()
    if raw_object:
        kind, _, ident = raw_object.partition(":")
        if kind not in OBJECT_TYPES or (ident and not ident.isdigit()):
            errors["object"] = "unknown_object"
        else:
            object_type, object_id = kind, int(ident) if ident else None
    if errors:
        raise Invalid(errors, message="Some audit filters are invalid.")
    return AuditFilters(start, end, actor_id, object_type, object_id)


def _select(filters: AuditFilters):
    e = AuditEvent
    stmt = select(e)
    if filters.start is not None:
        stmt = stmt.where(e.occurred_at >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(e.occurred_at < filters.end)
    if filters.actor_id is not None:
        stmt = stmt.where(e.actor_id == filters.actor_id)
    if filters.object_type is not None:
        stmt = stmt.where(e.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(e.object_id == filters.object_id)
    return stmt


def list_events(session: Session, filters: AuditFilters, *, before_id: int | None = None,
                limit: int = PAGE_SIZE) -> tuple[list[AuditEvent], int | None]:
    """A page, newest first, and the id to continue from (None on the last page). One statement."""
    stmt = _select(filters)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    rows = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def csv_rows(session: Session, filters: AuditFilters, batch: int = 1000) -> Iterator[tuple]:
    """Every matching event, newest first, one line per changed field, read in keyset pages."""
    before_id = None
    while True:
        rows, before_id = list_events(session, filters, before_id=before_id, limit=batch)
        for e in rows:
            base = (e.id, e.occurred_at.isoformat(), e.actor_id, e.actor_name, e.action, e.object_type, e.object_id,
                    e.object_label)
            if not e.changes:
                yield (*base, None, None, None)
            for field_name, (old, new) in sorted((e.changes or {}).items()):
                yield (*base, field_name, _cell(old), _cell(new))
        if before_id is None:
            return


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def as_json(event: AuditEvent) -> dict:
    return {"id": event.id, "occurred_at": event.occurred_at.isoformat(),
            "actor": {"id": event.actor_id, "name": event.actor_name}, "action": event.action,
            "object": {"type": event.object_type, "id": event.object_id, "label": event.object_label},
            "changes": {name: {"before": old, "after": new} for name, (old, new) in sorted((event.changes or {}).items())}}


def actors(session: Session) -> list[tuple[int, str]]:
    """The staff who appear in the log, for the filter's list."""
    ids = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return list(session.execute(select(User.id, User.name).where(User.id.in_(ids)).order_by(User.name)).tuples())
