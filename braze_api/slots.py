"""Request slots: how many HTTP attempts a workspace may have in flight at once.

The client holds a slot only for the HTTP attempt itself (connect, headers, body); retry
backoff and rate-limit waits happen outside it, so a slow-retrying endpoint never starves the
others. One ``RequestSlots`` per workspace is shared by every client and session of the process
(``dashboard.traffic``); issue 16 can put a Redis-backed one behind the same method.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

__all__ = ["DEFAULT_MAX_IN_FLIGHT", "LocalSlots", "RequestSlots"]

DEFAULT_MAX_IN_FLIGHT = 8


class RequestSlots(Protocol):
    def hold(self) -> AbstractContextManager[None]:
        """Block until a slot is free; keep it for the ``with`` block."""
        ...


class LocalSlots:
    """In-process slots: a bounded semaphore."""

    def __init__(self, limit: int = DEFAULT_MAX_IN_FLIGHT) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError("limit must be an integer ≥ 1")
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak = 0  # the most attempts seen in flight at once (for tests and the sidebar)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._semaphore:
            with self._lock:
                self._in_flight += 1
                self.peak = max(self.peak, self._in_flight)
            try:
                yield
            finally:
                with self._lock:
                    self._in_flight -= 1
