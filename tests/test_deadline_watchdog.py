"""The deadline watchdog wakes only for a new earliest deadline (issue 19: no wake-up per
attempt), yet every attempt is still cut off at its own deadline, whatever order they open in.

Real sockets: each attempt blocks in ``recv`` on one end of a socket pair; the watchdog's
shutdown is what makes the read return.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from braze_api.deadline import Watchdog


class _Connection:
    """What the watchdog needs of a pooled connection: its socket (hashable, as urllib3's)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock


def _attempt(dog: Watchdog, seconds: float, out: dict[str, float], name: str) -> None:
    mine, theirs = socket.socketpair()
    try:
        started = time.monotonic()
        with dog.guard(seconds) as guard:
            dog.watch(_Connection(mine))
            mine.recv(1)  # nobody writes: only the watchdog's shutdown ends this
            out[name] = time.monotonic() - started
            assert guard.expired
    finally:
        mine.close()
        theirs.close()


@pytest.mark.parametrize("order", [(0.3, 0.6, 2.0), (2.0, 0.6, 0.3), (0.6, 0.3, 2.0)])
def test_every_attempt_is_cut_off_at_its_own_deadline(order: tuple[float, ...]) -> None:
    dog = Watchdog()
    took: dict[str, float] = {}
    threads = [
        threading.Thread(target=_attempt, args=(dog, seconds, took, str(seconds)))
        for seconds in order
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # open them in this order
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(took) == sorted(str(s) for s in order)
    for seconds in order:
        assert seconds - 0.05 <= took[str(seconds)] <= seconds + 0.6, took


def test_finished_attempts_leave_the_heap_without_waiting_for_their_deadline() -> None:
    dog = Watchdog()
    for _ in range(50):
        with dog.guard(60):
            pass
    took: dict[str, float] = {}
    _attempt(dog, 0.2, took, "short")  # an earlier deadline wakes the watchdog
    assert took["short"] < 1.5
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        with dog._lock:
            if not dog._heap:
                break
        time.sleep(0.02)
    with dog._lock:
        assert not dog._heap  # the 50 finished ones were dropped when it woke
