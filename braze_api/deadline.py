"""An overall deadline per HTTP attempt: connect, headers and body together.

``requests``/urllib3 timeouts bound each socket read, so a server that drips one byte a
second never trips them. Here one watchdog thread per process keeps the open attempts'
deadlines; when one passes, it shuts down the sockets that attempt is using, and the blocked
read returns at once. Connections are tracked from the moment the pool hands one out to the
moment it is put back, so the watchdog never touches a connection another request now owns.

    with WATCHDOG.guard(seconds) as guard:   # the attempt, in this thread
        response = session.request(...)      # sockets taken from deadline pools are watched
        ... read the body, checking guard.remaining() between chunks ...
    guard.expired                            # True when the watchdog cut it off

``install(session)`` makes a session's adapters hand out watched connections (it wraps the
pool classes they use, so another adapter's own pool or connection class keeps working).
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import requests
from requests.adapters import HTTPAdapter

__all__ = ["WATCHDOG", "Guard", "Watchdog", "install"]


class Guard:
    """One attempt's deadline and the connections it holds."""

    def __init__(self, deadline_at: float) -> None:
        self.deadline_at = deadline_at
        self.expired = False
        self.connections: set[Any] = set()

    def remaining(self) -> float:
        return self.deadline_at - time.monotonic()


class Watchdog:
    """Shuts down the sockets of attempts whose deadline passed (one daemon thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap: list[tuple[float, int, Guard]] = []
        self._order = itertools.count()
        self._owner: dict[int, Guard] = {}  # id(connection) -> the guard holding it
        self._local = threading.local()
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, seconds: float) -> Iterator[Guard]:
        """Watch this thread's connections for ``seconds``; nests are not supported."""
        guard = Guard(time.monotonic() + seconds)
        with self._lock:
            # The watchdog sleeps until the earliest deadline; only a new earliest one needs
            # to wake it (with one deadline for every attempt, that is only the first).
            earliest = not self._heap or guard.deadline_at < self._heap[0][0]
            heapq.heappush(self._heap, (guard.deadline_at, next(self._order), guard))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="braze-deadline-watchdog", daemon=True
                )
                self._thread.start()
            elif earliest:
                self._wake.notify()
        self._local.guard = guard
        try:
            yield guard
        finally:
            self._local.guard = None
            with self._lock:
                for conn in guard.connections:
                    self._owner.pop(id(conn), None)
                guard.connections.clear()
                guard.deadline_at = float("-inf")  # done: the watchdog drops it

    def watch(self, conn: Any) -> None:
        """Called when a pool hands ``conn`` to this thread."""
        guard = getattr(self._local, "guard", None)
        if guard is None:
            return
        with self._lock:
            if guard.expired:
                _shut(conn)
                return
            guard.connections.add(conn)
            self._owner[id(conn)] = guard

    def release(self, conn: Any) -> None:
        """Called when ``conn`` goes back to its pool: no longer this attempt's."""
        with self._lock:
            guard = self._owner.pop(id(conn), None)
            if guard is not None:
                guard.connections.discard(conn)

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._heap:
                    deadline_at, _, guard = self._heap[0]
                    if deadline_at == guard.deadline_at and deadline_at > now:
                        break  # the earliest open attempt still has time
                    heapq.heappop(self._heap)
                    if deadline_at != guard.deadline_at:
                        continue  # finished in time: dropped now, not at its deadline
                    guard.expired = True
                    for conn in guard.connections:
                        _shut(conn)
                timeout = self._heap[0][0] - now if self._heap else 60.0
                self._wake.wait(max(0.005, min(timeout, 60.0)))


def _shut(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


WATCHDOG = Watchdog()


class _WatchedPool:
    """Mixin for urllib3 connection pools: report connections out and back to the watchdog."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        WATCHDOG.watch(conn)
        return conn

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            WATCHDOG.release(conn)
        super()._put_conn(conn)  # type: ignore[misc]


_watched_classes: dict[type, type] = {}
_classes_lock = threading.Lock()


def _watched(pool_class: type) -> type:
    if issubclass(pool_class, _WatchedPool):
        return pool_class
    with _classes_lock:
        cls = _watched_classes.get(pool_class)
        if cls is None:
            cls = type(f"Watched{pool_class.__name__}", (_WatchedPool, pool_class), {})
            _watched_classes[pool_class] = cls
        return cls


def install(session: requests.Session) -> None:
    """Make every HTTP adapter mounted on ``session`` hand out watched connections.

    Covers the adapter's pool manager and the proxy managers it creates later (when the
    environment names a proxy).
    """
    for adapter in session.adapters.values():
        if not isinstance(adapter, HTTPAdapter) or getattr(adapter, "_braze_watched", False):
            continue
        _watch_manager(adapter.poolmanager)
        make_proxy_manager = adapter.proxy_manager_for

        def proxy_manager_for(proxy: str, _make: Any = make_proxy_manager, **kwargs: Any) -> Any:
            return _watch_manager(_make(proxy, **kwargs))

        adapter.proxy_manager_for = proxy_manager_for  # type: ignore[method-assign]
        adapter._braze_watched = True  # type: ignore[attr-defined]


def _watch_manager(manager: Any) -> Any:
    manager.pool_classes_by_scheme = {
        scheme: _watched(cls) for scheme, cls in manager.pool_classes_by_scheme.items()
    }
    return manager
