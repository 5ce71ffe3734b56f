"""Socket tests: the app served on loopback with Socket.IO, real python-socketio clients."""
from __future__ import annotations

import queue

import pytest
import socketio as socketio_client


class Listener:
    """A connected client that records every server event it receives."""

    def __init__(self, url: str, token: str | None = None, headers: dict | None = None):
        self.events: "queue.Queue[tuple[str, dict]]" = queue.Queue()
        self.client = socketio_client.Client(reconnection=False)
        self.client.on("*", self._record, namespace="/console")
        self.client.connect(url, namespaces=["/console"], auth={"token": token} if token else None,
                            headers=headers or {}, transports=["polling"], wait_timeout=5)

    def _record(self, event, data=None):
        self.events.put((event, data))

    def wait_for(self, name: str, timeout: float = 5.0, predicate=None):
        while True:
            event, data = self.events.get(timeout=timeout)
            if event == name and (predicate is None or predicate(data)):
                return data

    def received(self, name: str, within: float = 0.5) -> list[dict]:
        found = []
        try:
            while True:
                event, data = self.events.get(timeout=within)
                if event == name:
                    found.append(data)
        except queue.Empty:
            return found

    def emit(self, event: str, data: dict):
        return self.client.call(event, data, namespace="/console", timeout=5)

    def close(self):
        self.client.disconnect()


@pytest.fixture()
def connect(live_server):
    listeners: list[Listener] = []

    def _connect(token: str | None = None, headers: dict | None = None) -> Listener:
        listener = Listener(live_server, token, headers)
        listeners.append(listener)
        return listener

    yield _connect
    for listener in listeners:
        try:
            listener.close()
        except Exception:
            pass
