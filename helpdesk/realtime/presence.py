"""Who has which ticket open: in this process alone, or in Redis so every server process sees everyone.

Each entry is one socket on one ticket and lives PRESENCE_TTL_SECONDS unless renewed: the console
re-sends `ticket:watch` every PRESENCE_RENEW_SECONDS while the page is open, so a server process
that dies (and never says goodbye for its sockets) leaves no ghost viewers behind for long.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Protocol

PRESENCE_TTL_SECONDS = 90
PRESENCE_RENEW_SECONDS = 30


@dataclass(frozen=True)
class Change:
    """The viewers of a ticket after a change, and whether they differ from before."""

    ticket_id: int
    viewers: list[dict]
    changed: bool


class PresenceStore(Protocol):
    def watch(self, ticket_id: int, sid: str, user_id: int, name: str, now: float) -> Change: ...

    def unwatch(self, ticket_id: int, sid: str, now: float) -> Change: ...

    def drop(self, sid: str, now: float) -> list[Change]: ...


def _viewers(entries) -> list[dict]:
    """One line per person (an agent may have the ticket open in two tabs), by user id."""
    seen: dict[int, str] = {}
    for user_id, name in entries:
        seen[user_id] = name
    return [{"user_id": uid, "name": name} for uid, name in sorted(seen.items())]


class MemoryPresence:
    """One server process on its own (no REDIS_URL)."""

    def __init__(self, ttl: float = PRESENCE_TTL_SECONDS):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._by_ticket: dict[int, dict[str, tuple[int, str, float]]] = {}

    def watch(self, ticket_id: int, sid: str, user_id: int, name: str, now: float) -> Change:
        with self._lock:
            before = self._list(ticket_id, None)
            self._by_ticket.setdefault(ticket_id, {})[sid] = (user_id, name, now + self.ttl)
            after = self._list(ticket_id, now)
        return Change(ticket_id, after, after != before)

    def unwatch(self, ticket_id: int, sid: str, now: float) -> Change:
        with self._lock:
            before = self._list(ticket_id, None)
            self._by_ticket.get(ticket_id, {}).pop(sid, None)
            after = self._list(ticket_id, now)
        return Change(ticket_id, after, after != before)

    def drop(self, sid: str, now: float) -> list[Change]:
        with self._lock:
            tickets = [tid for tid, sockets in self._by_ticket.items() if sid in sockets]
        return [self.unwatch(tid, sid, now) for tid in tickets]

    def _list(self, ticket_id: int, now: float | None) -> list[dict]:
        """The viewers; entries expired at `now` are forgotten first (None: as last announced)."""
        sockets = self._by_ticket.get(ticket_id, {})
        for sid in [s for s, (_, _, until) in sockets.items() if now is not None and until <= now]:
            del sockets[sid]
        return _viewers((user_id, name) for user_id, name, _ in sockets.values())


class RedisPresence:
    """Shared by every server process: per ticket a sorted set of sockets scored by expiry time, per
    socket the set of tickets it watches (so a disconnect can clean up)."""

    def __init__(self, redis, prefix: str, ttl: float = PRESENCE_TTL_SECONDS):
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl

    def _ticket_key(self, ticket_id: int) -> str:
        return f"{self.prefix}:presence:ticket:{ticket_id}"

    def _sid_key(self, sid: str) -> str:
        return f"{self.prefix}:presence:sid:{sid}"

    def watch(self, ticket_id: int, sid: str, user_id: int, name: str, now: float) -> Change:
        key = self._ticket_key(ticket_id)
        before = self._read(key, None)
        member = json.dumps([sid, user_id, name])
        pipe = self.redis.pipeline()
        pipe.zadd(key, {member: now + self.ttl})
        pipe.expire(key, int(self.ttl) + 1)
        pipe.sadd(self._sid_key(sid), ticket_id)
        pipe.expire(self._sid_key(sid), int(self.ttl) + 1)
        pipe.execute()
        after = self._read(key, now)
        return Change(ticket_id, after, after != before)

    def unwatch(self, ticket_id: int, sid: str, now: float) -> Change:
        key = self._ticket_key(ticket_id)
        before = self._read(key, None)
        mine = [m for m in self.redis.zrange(key, 0, -1) if json.loads(m)[0] == sid]
        pipe = self.redis.pipeline()
        if mine:
            pipe.zrem(key, *mine)
        pipe.srem(self._sid_key(sid), ticket_id)
        pipe.execute()
        after = self._read(key, now)
        return Change(ticket_id, after, after != before)

    def drop(self, sid: str, now: float) -> list[Change]:
        tickets = [int(t) for t in self.redis.smembers(self._sid_key(sid))]
        changes = [self.unwatch(tid, sid, now) for tid in tickets]
        self.redis.delete(self._sid_key(sid))
        return changes

    def _read(self, key: str, now: float | None) -> list[dict]:
        """The viewers; entries expired at `now` are removed first (None: as last announced)."""
        pipe = self.redis.pipeline()
        if now is not None:
            pipe.zremrangebyscore(key, "-inf", now)
        pipe.zrange(key, 0, -1)
        members = pipe.execute()[-1]
        entries = []
        for member in members:
            _, user_id, name = json.loads(member)
            entries.append((user_id, name))
        return _viewers(entries)


def presence_store(app) -> PresenceStore:
    """The app's store: Redis when REDIS_URL is set (several processes), else this process's memory."""
    store = app.extensions.get("presence")
    if store is None:
        url = app.config.get("REDIS_URL")
        if url:
            import redis

            store = RedisPresence(redis.Redis.from_url(url), prefix=app.config["SOCKETIO_CHANNEL"])
        else:
            store = MemoryPresence()
        app.extensions["presence"] = store
    return store


def clock() -> float:
    return time.time()
