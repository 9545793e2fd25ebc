"""A hostile HTTP peer on loopback for attack tests: raw sockets, so it can misbehave freely.

Each accepted connection reads one request head (and its body, by Content-Length), counts
it, and hands the socket to the test's ``behaviour``: send a gzip bomb, drip the headers a
byte at a time, never finish the body... The server counts connections and requests, so a
test can check how often the client came back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket, "HostileServer"], None]


class HostileServer:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.connections = 0
        self.requests: list[bytes] = []  # request heads, in arrival order
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stopping.set()
        self._accepting.join(2)
        self._listener.close()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(2)

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                while not self.stopping.is_set():
                    head = _read_request(conn)
                    if head is None:
                        return
                    with self._lock:
                        self.requests.append(head)
                    self.behaviour(conn, self)
            except OSError:
                return  # the client hung up (or shut the socket down): that is the point


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head


def respond(
    conn: socket.socket,
    body: bytes,
    *,
    status: str = "200 OK",
    headers: dict[str, str] | None = None,
) -> None:
    """One complete, well-formed response (keep-alive)."""
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def drip(conn: socket.socket, server: HostileServer, data: bytes, every: float = 1.0) -> None:
    """Send ``data`` one byte per ``every`` seconds until done, stopped, or the client leaves."""
    for i in range(len(data)):
        if server.stopping.is_set():
            return
        conn.sendall(data[i : i + 1])
        with contextlib.suppress(TimeoutError):
            # wake early if the client shut the connection down
            conn.settimeout(every)
            if conn.recv(1, socket.MSG_PEEK) == b"":
                return
        time.sleep(0)
