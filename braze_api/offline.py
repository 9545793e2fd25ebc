"""``no_requests()``: a context in which no ``BrazeClient`` sends anything.

The dashboard's ``fan_out`` first serves every item it can from its cache in the calling
thread; inside that try, a request would be sent one at a time, so the client refuses instead
and the item is left for the pool. ``RequestsRefused`` is a ``BaseException`` so no
``except Exception`` on the way (retries, per-part error handling) turns it into a failure.
Threads started inside do not inherit the context.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_REFUSING: contextvars.ContextVar[bool] = contextvars.ContextVar("no_requests", default=False)


class RequestsRefused(BaseException):
    """A request (or a cache fill) was asked for inside ``no_requests()``; nothing was sent."""


@contextlib.contextmanager
def no_requests() -> Iterator[None]:
    token = _REFUSING.set(True)
    try:
        yield
    finally:
        _REFUSING.reset(token)


def refusing() -> bool:
    """Whether this thread is inside ``no_requests()``."""
    return _REFUSING.get()
