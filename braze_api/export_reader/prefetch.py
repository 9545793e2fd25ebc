"""Run an iterator one step ahead in a background thread.

Decompressing the next piece of the zip (zlib, CRC) releases the GIL, as does pyarrow's
parsing, so on a machine with a spare core reading and parsing overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Literal, TypeVar

T = TypeVar("T")
# (True, item) carries an item; (False, error) an error to re-raise; (False, None) the end.
_Entry = tuple[Literal[True], T] | tuple[Literal[False], BaseException | None]


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield what ``items`` yields, produced ``depth`` items ahead; its errors re-raise here."""
    pending: queue.Queue[_Entry[T]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: _Entry[T]) -> bool:
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
        put((False, None))

    thread = threading.Thread(target=produce, name="export-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            entry = pending.get()
            if entry[0]:
                yield entry[1]
            elif entry[1] is None:
                return
            else:
                raise entry[1]
    finally:
        stop.set()
        thread.join()
