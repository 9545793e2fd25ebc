"""Run an iterator one step ahead in a background thread.

Decompressing the next piece of the zip (zlib, CRC) releases the GIL, as does pyarrow's
parsing, so on a machine with a spare core reading and parsing overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield what ``items`` yields, produced ``depth`` items ahead; its errors re-raise here."""
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                pending.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
        except BaseException as err:  # handed to the consumer, re-raised there
            put((False, err))
            return
        put((False, _DONE))

    thread = threading.Thread(target=produce, name="export-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = pending.get()
            if ok:
                yield item  # type: ignore[misc]
            elif item is _DONE:
                return
            else:
                raise item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()
