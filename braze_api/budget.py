"""A workspace's rate budget: Braze's per-endpoint limits and the pause after a 429.

The client asks the budget before each HTTP attempt (``admit``) and tells it how the attempt
ended (``done``). One budget object per workspace is shared by every client and session of the
process (``dashboard.traffic``), so all of them together stay inside Braze's limits:

- **Per-endpoint limits**: a sliding window per Braze bucket (``BRAZE_LIMITS``, from Braze's
  "API rate limits" page). A request is admitted only while its bucket has room in the window.
- **429 pause**: a 429 (or a response reporting ``X-RateLimit-Remaining: 0``) pauses every
  request of that bucket until its reset. For most endpoints the bucket is the workspace's
  shared default bucket, so the whole workspace waits.
- **One probe at a time**: a bucket that has not answered yet in this process, or whose pause
  just ended, admits a single request and holds the others until it answers. So a fan-out of a
  hundred requests against a rate-limited endpoint sends one, not a hundred.

``admit`` never sleeps: it reserves and returns ``Verdict(0)``, or returns how long to wait
before asking again. The caller sleeps (without holding a request slot) and decides when a wait
is too long. That keeps the interface small enough to move into Redis (issue 16).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "BRAZE_LIMITS",
    "DEFAULT_LIMIT",
    "EndpointLimit",
    "LocalRateBudget",
    "braze_bucket_of",
    "RateBudget",
    "Verdict",
]

PROBE_POLL = 0.05  # how often waiters look again while a probe is out
PROBE_LEASE = 120.0  # a probe that never reported (its thread died) is given up after this
# A request leaves its window this much later than its admission: Braze counts arrivals, and
# two requests admitted a window apart can arrive closer together than that.
WINDOW_MARGIN = 0.25


@dataclass(frozen=True)
class EndpointLimit:
    """``requests`` per ``per_seconds`` for the paths of one Braze bucket."""

    name: str
    requests: int
    per_seconds: float
    paths: tuple[str, ...] = ()  # exact Braze paths; empty: every path not listed elsewhere

    def describe(self) -> str:
        unit = {60.0: "minute", 3600.0: "hour", 86400.0: "day"}.get(float(self.per_seconds))
        per = f"per {unit}" if unit else f"per {self.per_seconds:g} s"
        return f"{self.requests:,} requests {per} ({self.name})"


# Braze's documented defaults (api_limits.md, "Rate limits by request type"). /users/export/ids
# allows 2,500 a minute for workspaces onboarded before 22 August 2024 and 250 after: we keep
# to the lower one, since the client cannot tell which applies.
DEFAULT_LIMIT = EndpointLimit("the workspace's default bucket", 250_000, 3600.0)
BRAZE_LIMITS: tuple[EndpointLimit, ...] = (
    EndpointLimit("/users/export/ids", 250, 60.0, ("/users/export/ids",)),
    EndpointLimit(
        "/events/list and /purchases/product_list, shared",
        1_000,
        3600.0,
        ("/events/list", "/purchases/product_list"),
    ),
    EndpointLimit("GET /events", 1_000, 3600.0, ("/events",)),
    EndpointLimit("/campaigns/data_series", 50_000, 60.0, ("/campaigns/data_series",)),
    DEFAULT_LIMIT,
)


def braze_bucket_of(path: str) -> EndpointLimit:
    """Braze's bucket (``BRAZE_LIMITS``) that counts requests to ``path``."""
    return next((lim for lim in BRAZE_LIMITS if path in lim.paths), DEFAULT_LIMIT)


@dataclass(frozen=True)
class Verdict:
    """``wait == 0``: admitted (one request reserved). Else seconds to wait, and why."""

    wait: float
    reason: str = ""
    probe: bool = False  # the admitted request is its bucket's probe: report it in ``done``
    bucket: str = ""
    at: float = 0.0  # when it was admitted (tells this probe from a later one)
    # waiting on another request's answer (the probe), not on Braze's limit: bounded by that
    # request's deadline, so callers need not count it against their rate-limit patience
    behind_probe: bool = False


class RateBudget(Protocol):
    """What the client needs from a workspace's shared budget (in process, or Redis later)."""

    def admit(self, path: str) -> Verdict:
        """Reserve one request for ``path`` now, or say how long to wait before asking again."""
        ...

    def done(self, verdict: Verdict, *, paused_until: float | None) -> None:
        """An admitted request ended; ``paused_until`` (epoch s) when Braze said to stop."""
        ...

    def room(self, path: str) -> tuple[int, EndpointLimit]:
        """How many more requests ``path``'s bucket admits in its window now (0 while paused),
        and the bucket: what a view checks before it fans out."""
        ...


@dataclass
class _Bucket:
    limit: EndpointLimit
    sent: deque[float] = field(default_factory=deque)  # admission times within the window
    paused_until: float = 0.0
    probing: bool = True  # cold, or just after a pause: one request at a time
    probe_since: float | None = None


class LocalRateBudget:
    """The in-process ``RateBudget``: thread-safe, one per workspace."""

    def __init__(
        self,
        limits: Sequence[EndpointLimit] = BRAZE_LIMITS,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        defaults = [lim for lim in limits if not lim.paths]
        if len(defaults) != 1:
            raise ValueError(
                "limits need exactly one default bucket (an EndpointLimit without paths)"
            )
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets = {lim.name: _Bucket(lim) for lim in limits}
        self._default = defaults[0].name
        self._by_path = {path: lim.name for lim in limits for path in lim.paths}

    def bucket_of(self, path: str) -> EndpointLimit:
        return self._buckets[self._by_path.get(path, self._default)].limit

    def admit(self, path: str) -> Verdict:
        name = self._by_path.get(path, self._default)
        with self._lock:
            bucket = self._buckets[name]
            now = self._clock()
            if now < bucket.paused_until:
                return Verdict(
                    bucket.paused_until - now,
                    f"Braze asked to pause {bucket.limit.name}",
                    bucket=name,
                )
            window = bucket.limit.per_seconds + WINDOW_MARGIN
            while bucket.sent and bucket.sent[0] <= now - window:
                bucket.sent.popleft()
            if len(bucket.sent) >= bucket.limit.requests:
                return Verdict(
                    bucket.sent[0] + window - now,
                    f"Braze allows {bucket.limit.describe()}",
                    bucket=name,
                )
            probe = False
            if bucket.probing:
                lease_over = (
                    bucket.probe_since is not None and now - bucket.probe_since > PROBE_LEASE
                )
                if bucket.probe_since is not None and not lease_over:
                    return Verdict(
                        PROBE_POLL,
                        f"waiting for Braze's answer on {bucket.limit.name}",
                        bucket=name,
                        behind_probe=True,
                    )
                bucket.probe_since = now
                probe = True
            bucket.sent.append(now)
            return Verdict(0.0, probe=probe, bucket=name, at=now)

    def room(self, path: str) -> tuple[int, EndpointLimit]:
        name = self._by_path.get(path, self._default)
        with self._lock:
            bucket = self._buckets[name]
            now = self._clock()
            if now < bucket.paused_until:
                return 0, bucket.limit
            window = bucket.limit.per_seconds + WINDOW_MARGIN
            while bucket.sent and bucket.sent[0] <= now - window:
                bucket.sent.popleft()
            return max(0, bucket.limit.requests - len(bucket.sent)), bucket.limit

    def done(self, verdict: Verdict, *, paused_until: float | None) -> None:
        with self._lock:
            bucket = self._buckets.get(verdict.bucket)
            if bucket is None:
                return
            if paused_until is not None:
                bucket.paused_until = max(bucket.paused_until, paused_until)
                bucket.probing = True
                bucket.probe_since = None
            elif verdict.probe and bucket.probe_since == verdict.at:
                bucket.probing = False  # the probe got through: everyone may go
                bucket.probe_since = None
