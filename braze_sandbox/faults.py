"""Fault injection (random shares and forced statuses) and the rate-limit headers.

Random faults draw from their own seeded RNG, so data stays identical whatever
the fault settings; /_sandbox/ paths are never faulted.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass

# (path prefix, requests per window, window seconds) as documented today
RATE_LIMITS = [
    ("/users/export/ids", 250, 60),
    ("/events/list", 1000, 3600),
    ("/purchases/product_list", 1000, 3600),
    ("/campaigns/data_series", 50000, 60),
]
DEFAULT_LIMIT = (250000, 3600)

STATUS_MESSAGES = {
    400: "Bad request (injected by the sandbox)",
    401: "Invalid API key (injected by the sandbox)",
    403: "This API key does not have permission for this endpoint (injected by the sandbox)",
    404: "Not found (injected by the sandbox)",
    429: "API rate limit exceeded (injected by the sandbox)",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


@dataclass
class Decision:
    """What to do with one request: a forced status, a truncated body, or nothing."""

    status: int | None = None
    truncate: bool = False
    reset_in: float | None = None  # a forced 429's X-RateLimit-Reset, seconds from now


def message_for(status: int) -> str:
    return STATUS_MESSAGES.get(status, f"HTTP {status} (injected by the sandbox)")


class RateLimiter:
    """Counts requests per bucket and window to report honest X-RateLimit-* headers."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def headers(
        self, path: str, exhausted: bool = False, reset_in: float | None = None
    ) -> dict[str, str]:
        bucket, limit, window = "default", *DEFAULT_LIMIT
        for prefix, lim, win in RATE_LIMITS:
            if path.startswith(prefix):
                bucket, limit, window = prefix, lim, win
        now = time.time()
        start = int(now // window * window)
        with self._lock:
            count = self._counts.get((bucket, start), 0) + 1
            self._counts[(bucket, start)] = count
        if exhausted and reset_in is not None:
            # what Braze documents on every response: the bucket's limit, 0 left, its reset
            return {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(math.ceil(now + reset_in)),
            }
        if exhausted:
            return {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(now) + 2),
                "Retry-After": "1",
            }
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - count)),
            "X-RateLimit-Reset": str(start + window),
        }


class Faults:
    """Random fault shares set at start, plus forced statuses for tests."""

    def __init__(self, seed: int, p_429: float, p_5xx: float, p_truncated: float) -> None:
        for name, p in (("p_429", p_429), ("p_5xx", p_5xx), ("p_truncated", p_truncated)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        self.p_429, self.p_5xx, self.p_truncated = p_429, p_5xx, p_truncated
        self._rng = random.Random(f"faults:{seed}")
        self._injections: list[list] = []  # [prefix, status, remaining or None, reset_in]
        self._lock = threading.Lock()

    def inject(
        self,
        path_prefix: str,
        status: int,
        times: int | None = None,
        reset_in: float | None = None,
    ) -> None:
        prefix = "/" + path_prefix.lstrip("/")
        with self._lock:
            self._injections.append([prefix, status, times, reset_in])

    def clear(self) -> None:
        with self._lock:
            self._injections.clear()

    def decide(self, path: str) -> Decision:
        with self._lock:
            for injection in self._injections:
                prefix, status, remaining, reset_in = injection
                if path.startswith(prefix) and (remaining is None or remaining > 0):
                    if remaining is not None:
                        injection[2] = remaining - 1
                    return Decision(status=status, reset_in=reset_in)
            roll = self._rng.random()
            kind = self._rng.choice([500, 502, 503])
        if roll < self.p_429:
            return Decision(status=429)
        if roll < self.p_429 + self.p_5xx:
            return Decision(status=kind)
        if roll < self.p_429 + self.p_5xx + self.p_truncated:
            return Decision(truncate=True)
        return Decision()
