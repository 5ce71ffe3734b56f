"""Who is on a ticket: the same rules in one process's memory and in Redis (several processes)."""
import uuid

import pytest

from helpdesk.realtime.presence import MemoryPresence, RedisPresence
from tests.conftest import REDIS_URL

TTL = 90


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request):
    if request.param == "memory":
        yield MemoryPresence(ttl=TTL)
        return
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"test-presence-{uuid.uuid4().hex}"
    yield RedisPresence(client, prefix=prefix, ttl=TTL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def names(change):
    return [v["name"] for v in change.viewers]


def test_viewers_join_and_leave_and_each_change_is_announced_once(store):
    first = store.watch(7, "sid-a", 1, "Nina", now=1000)
    assert (names(first), first.changed) == (["Nina"], True)
    second = store.watch(7, "sid-b", 2, "Léa", now=1001)
    assert (names(second), second.changed) == (["Nina", "Léa"], True)
    renewed = store.watch(7, "sid-a", 1, "Nina", now=1030)  # the page's heartbeat: nothing to announce
    assert (names(renewed), renewed.changed) == (["Nina", "Léa"], False)
    left = store.unwatch(7, "sid-b", now=1031)
    assert (names(left), left.changed) == (["Nina"], True)
    assert names(store.watch(8, "sid-c", 3, "Omar", now=1032)) == ["Omar"]  # tickets are apart


def test_two_tabs_of_one_agent_show_once_until_both_close(store):
    store.watch(7, "tab-1", 1, "Nina", now=1000)
    both = store.watch(7, "tab-2", 1, "Nina", now=1000)
    assert (names(both), both.changed) == (["Nina"], False)
    one_closed = store.unwatch(7, "tab-1", now=1001)
    assert (names(one_closed), one_closed.changed) == (["Nina"], False)
    assert store.unwatch(7, "tab-2", now=1002).viewers == []


def test_a_disconnect_leaves_every_ticket_of_that_socket(store):
    store.watch(7, "sid-a", 1, "Nina", now=1000)
    store.watch(8, "sid-a", 1, "Nina", now=1000)
    store.watch(8, "sid-b", 2, "Léa", now=1000)
    changes = {c.ticket_id: names(c) for c in store.drop("sid-a", now=1001)}
    assert changes == {7: [], 8: ["Léa"]}


def test_a_viewer_who_stopped_renewing_expires(store):
    """A server process that died never said goodbye for its sockets: they fade after the TTL."""
    store.watch(7, "sid-ghost", 1, "Nina", now=1000)
    store.watch(7, "sid-live", 2, "Léa", now=1000 + TTL - 10)
    later = store.watch(7, "sid-live", 2, "Léa", now=1000 + TTL + 1)
    assert (names(later), later.changed) == (["Léa"], True)
