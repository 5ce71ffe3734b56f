"""Loopback helpers for tests that start real servers."""
import socket


def free_port() -> int:
    """A TCP port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CuttableProxy:
    """A TCP forwarder on loopback to `target` (host, port) that can be cut, as a database server
    stopping would: `cut()` closes every connection and refuses new ones, `restore()` takes them again."""

    def __init__(self, target: tuple[str, int]):
        import threading

        self.target = target
        self.port = free_port()
        self._up = threading.Event()
        self._up.set()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stopping = False
        self._open()
        threading.Thread(target=self._accept, daemon=True).start()

    def _open(self) -> None:
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)

    def _accept(self) -> None:
        import threading

        while not self._stopping:
            self._up.wait()
            listener = self._listener
            try:
                client, _ = listener.accept()
            except OSError:
                continue  # cut: the listener was closed
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self._up.clear()
        try:  # wakes the thread blocked in accept() (closing alone would leave the port listening)
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()  # new connections are refused
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            for s in (client, server):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def restore(self) -> None:
        self._open()
        self._up.set()

    def close(self) -> None:
        self._stopping = True
        self.cut()
