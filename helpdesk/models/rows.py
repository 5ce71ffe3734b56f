"""Writing one new row with a Core INSERT and keeping its object in the session as if loaded.

For hot paths (a ticket's creation): the ORM's unit of work (dependency sort, per-object
bookkeeping, fetching back defaults) cost more than the INSERTs themselves. The object built in
Python is written as it is and attached to the session as persistent, its attributes committed, so
the rest of the request (serialising, live events, notifications) reads it without a query.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import inspect, insert
from sqlalchemy.orm import Session, make_transient_to_detached


@lru_cache(maxsize=None)
def _insert_returning_id(table, key: str | None):
    if key is None:
        # Ids in the rows' order: one statement per row on SQLite, whose RETURNING promises no order.
        return insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return insert(table).returning(table.c.id, table.c[key])  # one statement; rows told apart by `key`


def _default(column) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_scalar:
        return default.arg
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps a zero-argument function to take a context
    return None


def insert_as_loaded(session: Session, obj: Any) -> Any:
    """INSERT the transient `obj` (every column: what it was given, else the column's Python default,
    else NULL; one set to None is NULL) in one statement, give it the id the database chose, and
    attach it to `session` as persistent with nothing left to flush. Foreign keys must be given as
    ids: relationships set on `obj` are kept as loaded values (set them with set_committed_value)
    but are not read for keys.
    Session hooks that watch flushes (search indexing) do not see it: callers note it themselves."""
    insert_all_as_loaded(session, [obj])
    return obj


def insert_all_as_loaded(session: Session, objs: list[Any], key: str | None = None) -> list[Any]:
    """`insert_as_loaded` for several new objects of one class. `key`: a column whose values tell the
    objects apart (e.g. a ticket's clocks by metric), so they take one statement on every database."""
    if not objs:
        return objs
    mapper = inspect(objs[0]).mapper
    table = mapper.local_table
    rows = []
    for obj in objs:
        state = inspect(obj)
        if not state.transient or state.mapper is not mapper:
            raise ValueError(f"{obj!r} is not a new {mapper.class_.__name__}")
        rows.append(_row(state, mapper, table))
    result = session.execute(_insert_returning_id(table, key if len(objs) > 1 else None), rows)
    if key is None or len(objs) == 1:
        ids = result.scalars().all()
    else:
        by_key = {row[1]: row[0] for row in result}
        if len(by_key) != len(objs):
            raise ValueError(f"{key} does not tell these {mapper.class_.__name__} rows apart")
        ids = [by_key[row[key]] for row in rows]
    for obj, new_id in zip(objs, ids, strict=True):
        inspect(obj).dict["id"] = new_id
        make_transient_to_detached(obj)
        session.add(obj)
    return objs


def _row(state, mapper, table) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.table is not table or column.primary_key:
            continue
        # As the unit of work does: a column never set takes its default; one set to None is NULL.
        value = state.dict[prop.key] if prop.key in state.dict else _default(column)
        state.dict[prop.key] = value  # known, not left to load
        values[column.key] = value
    return values
