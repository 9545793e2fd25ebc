"""One process-wide cache shared by every browser session.

Keys are (workspace fingerprint, endpoint, params): never the raw key. Entries expire by kind
(lists and details in minutes; series that ended long ago, which Braze no longer restates, in a
day). Identical concurrent requests wait for one fetch (single flight). Failures are not cached.

Bounded by bytes, not entries (issue 16: an entry count evicted everything past ~1,365 ranked
campaigns): each entry's size is estimated (a frame's deep memory usage, a body's JSON length),
and raw response bodies and derived results (leaderboard rows, sums) have separate budgets, so
the small derived entries a repeat view needs are never pushed out by large bodies.

With ``REDIS_URL`` set, shareable values (JSON bodies, frames) also go through the shared cache
and single flight of ``dashboard.shared_store.cache``, so replicas fetch each call once between
them; this process's cache stays in front (and is all there is while Redis is down).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
import os
import sys
import threading
import time
from collections import ChainMap
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypeVar, cast, get_args

import msgspec
import pandas as pd
from cachetools import TLRUCache

from braze_api.offline import RequestsRefused, no_requests
from dashboard.shared_store.cache import shared_cache, shares

T = TypeVar("T")

#: Raw response bodies (and the frames pivoted straight from them) vs results derived from them.
Tier = Literal["raw", "derived"]
DEFAULT_CACHE_MB = 512  # DASHBOARD_CACHE_MB overrides; derived results get a quarter of it

#: How long an entry lives depends on what it holds; a typo here is a type error, not a KeyError.
CacheKind = Literal["list", "details", "series_recent", "series_settled"]
CACHE_KINDS: tuple[CacheKind, ...] = get_args(CacheKind)

TTL_SECONDS: Mapping[CacheKind, float] = {
    "list": 5 * 60,
    "details": 10 * 60,
    "series_recent": 10 * 60,
    "series_settled": 24 * 60 * 60,
}
RESTATEMENT_DAYS = 14  # Braze restates roughly the last two weeks


def series_kind(window_end: date, today: date) -> CacheKind:
    """Series whose window ended more than two weeks ago no longer change."""
    return (
        "series_settled"
        if window_end < today - timedelta(days=RESTATEMENT_DAYS)
        else "series_recent"
    )


class CacheMiss(RequestsRefused):
    """Raised under ``cache_only()`` where a value is not in this process's cache.

    A ``BaseException`` (as ``RequestsRefused``) so a loader's own ``except Exception`` (kept
    per part of a page) can never swallow it and cache or show it as a failure.
    """


@dataclass
class Probe:
    """One ``cache_only()`` pass: how many cache lookups it made (hits and misses)."""

    lookups: int = 0


_CACHE_ONLY: contextvars.ContextVar[Probe | None] = contextvars.ContextVar(
    "cache_only", default=None
)


@contextlib.contextmanager
def cache_only() -> Iterator[Probe]:
    """Serve ``cached`` from this process's entries only; anything else raises ``CacheMiss``.

    Used by ``fan_out`` to serve the hits in the calling thread before it starts a pool for
    the misses. A lookup here neither fetches, waits for an in-flight fetch, nor asks Redis
    (those are the pool's work), and every ``BrazeClient`` refuses to send
    (``braze_api.offline.no_requests``: ``RequestsRefused``, which ``CacheMiss`` is). Threads
    started inside do not inherit the mode. The yielded ``Probe`` counts the lookups made
    inside (a nested pass adds its own to it).
    """
    outer = _CACHE_ONLY.get()
    probe = Probe()
    token = _CACHE_ONLY.set(probe)
    try:
        with no_requests():
            yield probe
    finally:
        _CACHE_ONLY.reset(token)
        if outer is not None:
            outer.lookups += probe.lookups


def only_cached() -> bool:
    """Whether this thread is inside ``cache_only()``."""
    return _CACHE_ONLY.get() is not None


@dataclass(frozen=True)
class _Entry:
    value: Any
    ttl: float
    size: int = 1
    born: float = dataclasses.field(default_factory=time.monotonic)  # the TLRU's clock


_JSON_ENCODER = msgspec.json.Encoder(enc_hook=str)  # default=str, as json.dumps is called
_SCALARS = frozenset({int, float, str, bool, type(None), bytes, pd.Timestamp})
_SAMPLE = 16  # items walked per long tuple/list/set when sizing (the rest scaled from them)


def estimate_bytes(value: Any, depth: int = 0) -> int:
    """Roughly what ``value`` costs in memory (frames: deep memory usage; bodies: JSON length).

    A body's JSON is measured with ``msgspec`` (≈10× faster than ``json.dumps``, which cost
    more than decoding the body did on every cold fetch); ``json.dumps`` covers what it refuses.
    Anything else is walked (``_walk``).
    """
    kind = type(value)
    if kind in _SCALARS:
        return sys.getsizeof(value)
    if isinstance(value, pd.DataFrame | pd.Series):
        usage = value.memory_usage(deep=True)
        return int(usage.sum() if isinstance(usage, pd.Series) else usage)
    return _walk(value, depth, set())


def _json_length(value: dict | list) -> int | None:
    """A body's compact JSON length (None: not JSON even with ``default=str``)."""
    try:
        return len(_JSON_ENCODER.encode(value))
    except (TypeError, ValueError, OverflowError, RecursionError, msgspec.MsgspecError):
        pass
    try:
        return len(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return None


def _walk(value: Any, depth: int, seen: set[int]) -> int:
    """The walk behind ``estimate_bytes`` for tuples (sums, rows), sets, dicts and dataclasses.

    Scalar leaves are sized inline (no call each); a container met twice inside one value
    (the window totals both periods' sums share) is counted once, as it is held once; a long
    container (a window's per-day totals) is sized from an even sample of ``_SAMPLE`` items,
    scaled, so sizing costs ~``_SAMPLE`` walks per level instead of one per item.
    """
    kind = type(value)
    if kind in _SCALARS or depth >= 8:
        return sys.getsizeof(value)
    if isinstance(value, dict | list):  # a body, or one inside a value: its JSON length
        length = _json_length(value)
        if length is not None:
            return length
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, tuple | list | set | frozenset):
        items = value if isinstance(value, tuple | list) else list(value)
        count = len(items)
        if count > _SAMPLE:
            step = count / _SAMPLE
            items = [items[int(i * step)] for i in range(_SAMPLE)]
        total = 0
        for item in items:
            total += sys.getsizeof(item) if type(item) in _SCALARS else _walk(item, depth + 1, seen)
        return 56 + (total * count // len(items) if count > _SAMPLE else total)
    if isinstance(value, dict):
        return 64 + sum(
            _walk(k, depth + 1, seen) + _walk(v, depth + 1, seen) for k, v in value.items()
        )
    if isinstance(value, pd.DataFrame | pd.Series):
        return estimate_bytes(value)
    if hasattr(type(value), "__dataclass_fields__"):  # a dataclass instance (not a class)
        return 64 + sum(
            _walk(getattr(value, f.name), depth + 1, seen) for f in dataclasses.fields(value)
        )
    return sys.getsizeof(value)


def _cache_bytes() -> int:
    try:
        megabytes = float(os.environ.get("DASHBOARD_CACHE_MB", DEFAULT_CACHE_MB))
    except ValueError:
        megabytes = DEFAULT_CACHE_MB
    return max(1, int(megabytes * 1024 * 1024))


_FLAT = frozenset({str, int, float, bool, type(None)})


def _freeze(value: Any) -> Hashable:
    if type(value) is dict and all(type(v) in _FLAT for v in value.values()):
        return tuple(sorted((str(k), v) for k, v in value.items()))  # most params: flat
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [_freeze(v) for v in value]
        return (
            tuple(sorted(items, key=repr)) if isinstance(value, set | frozenset) else tuple(items)
        )
    return value


def make_key(fingerprint: str, endpoint: str, params: Mapping[str, Any]) -> tuple:
    return (fingerprint, endpoint, _freeze(params))


def _tlru(max_bytes: int) -> TLRUCache:
    return TLRUCache(
        maxsize=max_bytes,
        ttu=lambda _key, entry, now: now + entry.ttl,
        getsizeof=lambda entry: entry.size,
    )


class DataCache:
    """A byte-bounded TTL cache with single flight; safe to share between threads.

    ``max_bytes`` is split: raw bodies get three quarters, derived results one quarter (or
    ``derived_bytes``), each evicting only its own entries.
    """

    def __init__(self, max_bytes: int | None = None, derived_bytes: int | None = None) -> None:
        total = _cache_bytes() if max_bytes is None else max_bytes
        derived = max(1, total // 4) if derived_bytes is None else derived_bytes
        self.max_bytes = total
        self._raw: TLRUCache = _tlru(max(1, total - derived))
        self._derived: TLRUCache = _tlru(derived)
        self._lock = threading.Lock()
        self._inflight: dict[tuple, Future] = {}
        self._generation: dict[str | None, int] = {}  # bumped by clear(): "Refresh" wins
        self.hits = 0
        self.misses = 0

    @property
    def _store(self) -> ChainMap:
        """Every entry, derived first (a live read-only view, for tests and diagnostics)."""
        return ChainMap(self._derived, self._raw)

    def bytes_used(self, tier: Tier | None = None) -> int:
        with self._lock:
            if tier is None:
                return int(self._raw.currsize + self._derived.currsize)
            return int((self._raw if tier == "raw" else self._derived).currsize)

    def get_or_fetch(self, key: tuple, fetch: Callable[[], T], ttl: float, tier: Tier = "raw") -> T:
        with self._lock:
            entry = self._derived.get(key)
            if entry is None:
                entry = self._raw.get(key)
            if entry is not None:
                self.hits += 1
                return _share(entry.value)
            waiting = self._inflight.get(key)
            if waiting is None:
                future: Future = Future()
                self._inflight[key] = future
                self.misses += 1
                generation = self._generation_of(key)
        if waiting is not None:
            return _share(waiting.result())
        try:
            value = fetch()
        except BaseException as exc:
            with self._lock:
                self._inflight.pop(key, None)
            future.set_exception(exc)
            raise
        size = getattr(fetch, "size", None) or estimate_bytes(value)  # outside the lock: slow
        size = max(1, size)
        ttl = getattr(fetch, "ttl", None) or ttl  # a value read from Redis: its time left there
        with self._lock:
            if self._generation_of(key) == generation:  # not cleared while fetching
                store = self._raw if tier == "raw" else self._derived
                with contextlib.suppress(ValueError):  # larger than the budget: keep nothing
                    store[key] = _Entry(value, ttl, size)
            self._inflight.pop(key, None)
        future.set_result(value)
        return _share(value)

    def get_many(self, keys: Sequence[tuple]) -> list[Any]:
        """Each key's live value here (counted as a hit), else ``NOT_CACHED``; never fetches
        nor waits. One lock for the lot: a warm leaderboard's 20,000 rows in one pass."""
        found: list[Any] = []
        with self._lock, self._derived.timer, self._raw.timer:  # one clock reading
            for key in keys:
                try:
                    entry = self._derived[key]
                except KeyError:
                    try:
                        entry = self._raw[key]
                    except KeyError:
                        found.append(NOT_CACHED)
                        continue
                found.append(_share(entry.value))
            self.hits += sum(1 for value in found if value is not NOT_CACHED)
        return found

    def seconds_left(self, keys: Sequence[tuple]) -> float | None:
        """The least time any of ``keys``' entries has left; None if one has no live entry."""
        least = float("inf")
        with self._lock, self._derived.timer, self._raw.timer:
            now = time.monotonic()
            for key in keys:
                try:
                    entry = self._derived[key]
                except KeyError:
                    try:
                        entry = self._raw[key]
                    except KeyError:
                        return None
                least = min(least, entry.born + entry.ttl - now)
        return least if least > 0 else None

    def absent(self, keys: Sequence[tuple]) -> list[tuple]:
        """The keys with no live entry here (and no fetch in flight)."""
        with self._lock:
            return [
                k
                for k in keys
                if k not in self._derived and k not in self._raw and k not in self._inflight
            ]

    def put_many(self, values: Mapping[tuple, tuple[Any, float, int]], tier: Tier) -> None:
        """Keep ``{key: (value, seconds to live, size in bytes)}`` (values read elsewhere, e.g.
        from Redis); a key that gained an entry or a fetch meanwhile is left alone."""
        if not values:
            return
        store = self._raw if tier == "raw" else self._derived
        with self._lock:
            for key, (value, ttl, size) in values.items():
                if key in self._derived or key in self._raw or key in self._inflight:
                    continue
                with contextlib.suppress(ValueError):  # larger than the budget: keep nothing
                    store[key] = _Entry(value, ttl, max(1, size))

    def peek(self, key: tuple) -> Any:
        """The entry's value (counted as a hit), else raise ``CacheMiss``; never fetches."""
        with self._lock:
            entry = self._derived.get(key)
            if entry is None:
                entry = self._raw.get(key)
            if entry is None:
                raise CacheMiss(key[1])
            self.hits += 1
        return _share(entry.value)

    def drop(self, key: tuple) -> bool:
        """Drop one entry here (not a fetch in flight); whether there was one."""
        with self._lock:
            return (self._derived.pop(key, None) or self._raw.pop(key, None)) is not None

    def clear(self, fingerprint: str | None = None) -> int:
        """Drop one workspace's entries (or all); returns how many were dropped."""
        with self._lock:
            self._generation[fingerprint] = self._generation.get(fingerprint, 0) + 1
            dropped = 0
            for store in (self._raw, self._derived):
                keys = [k for k in list(store.keys()) if fingerprint is None or k[0] == fingerprint]
                for k in keys:
                    store.pop(k, None)
                dropped += len(keys)
            return dropped

    def _generation_of(self, key: tuple) -> tuple[int, int]:
        return (self._generation.get(None, 0), self._generation.get(key[0], 0))

    def __len__(self) -> int:
        with self._lock:
            return len(self._raw) + len(self._derived)


def _share(value: T) -> T:
    """Hand each caller its own frame so no page can mutate what other sessions see."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return cast(T, value.copy(deep=False))  # copy-on-write (pandas 3): cheap and isolated
    return value


class _NotCached:
    def __repr__(self) -> str:
        return "NOT_CACHED"


NOT_CACHED: Any = _NotCached()  # ``get_many`` / ``cached_many``: no live entry for that key

CACHE = DataCache()


def cached(
    fingerprint: str,
    endpoint: str,
    params: Mapping[str, Any],
    fetch: Callable[[], T],
    kind: CacheKind,
    *,
    tier: Tier = "derived",
    ttl: float | None = None,
) -> T:
    """``tier="raw"`` for response bodies (``dashboard.data.common.call``), else a derived result.
    ``ttl``: a shorter life than the kind's (a result built from entries that expire sooner)."""
    _follow_refreshes(fingerprint)
    key = make_key(fingerprint, endpoint, params)
    probe = _CACHE_ONLY.get()
    if probe is not None:
        probe.lookups += 1
        return cast(T, CACHE.peek(key))
    ttl = TTL_SECONDS[kind] if ttl is None else max(0.001, min(ttl, TTL_SECONDS[kind]))
    return CACHE.get_or_fetch(key, _through_shared(key, fetch, ttl), ttl, tier)


REFRESH_CHECK = 2.0  # seconds between looks at whether another replica pressed "Refresh data"
_generations: dict[str, tuple[float, int]] = {}  # fingerprint -> (looked at, generation seen)
_generations_lock = threading.Lock()


def _follow_refreshes(fingerprint: str) -> None:
    """With Redis: drop this process's copies of a workspace another replica refreshed (looked
    up at most every ``REFRESH_CHECK`` seconds, so warm hits stay in-process)."""
    now = time.monotonic()
    with _generations_lock:
        seen = _generations.get(fingerprint)
        if seen is not None and now - seen[0] < REFRESH_CHECK:
            return
        _generations[fingerprint] = (now, seen[1] if seen is not None else -1)
    shared = shared_cache()
    generation = shared.generation(fingerprint) if shared is not None else None
    if generation is None:
        return
    with _generations_lock:
        _generations[fingerprint] = (now, generation)
    if seen is not None and seen[1] not in (-1, generation):
        CACHE.clear(fingerprint)


def missing(
    fingerprint: str,
    endpoint: str,
    params: Sequence[Mapping[str, Any]],
    kind: CacheKind,
    *,
    tier: Tier = "derived",
) -> list[int]:
    """Positions in ``params`` that ``cached`` would have to fetch, after reading every one this
    process lacks from the replicas' shared cache in one batched round trip (so a warm fan-out
    through Redis is one round trip per 500 lookups, not one each).

    Entries read from Redis keep only the time they have left there.
    """
    keys = [make_key(fingerprint, endpoint, p) for p in params]
    absent = CACHE.absent(keys)
    if absent and _copy_from_shared(absent, endpoint, kind, tier):
        absent = CACHE.absent(absent)
    gone = set(absent)
    return [i for i, key in enumerate(keys) if key in gone]


def cached_many(
    fingerprint: str,
    endpoint: str,
    params: Sequence[Mapping[str, Any]],
    kind: CacheKind,
    *,
    tier: Tier = "derived",
) -> list[Any]:
    """What ``cached`` holds for each of ``params``, else ``NOT_CACHED``; nothing is fetched or
    waited for. Entries this process lacks are read from the replicas' shared cache first, in
    one batched round trip (as ``missing``). A warm fan-out's lookups in one pass, instead of
    one ``cached`` call (key, lock, clock) per item."""
    _follow_refreshes(fingerprint)
    keys = [make_key(fingerprint, endpoint, p) for p in params]
    values = CACHE.get_many(keys)
    probe = _CACHE_ONLY.get()
    if probe is not None:  # this process's entries only
        probe.lookups += len(keys)
        return values
    gaps = [i for i, value in enumerate(values) if value is NOT_CACHED]
    if gaps and _copy_from_shared([keys[i] for i in gaps], endpoint, kind, tier):
        for i, value in zip(gaps, CACHE.get_many([keys[i] for i in gaps]), strict=True):
            values[i] = value
    return values


@dataclass(frozen=True)
class Wanted:
    """One entry a view is about to read through ``cached``: its name, params, kind and tier
    (what that ``cached`` call passes)."""

    endpoint: str
    params: Mapping[str, Any]
    kind: CacheKind
    tier: Tier = "derived"


def read_ahead(fingerprint: str, wanted: Sequence[Wanted]) -> None:
    """Copy what the replicas' shared cache holds for ``wanted`` (entries of several names,
    e.g. a detail view's details and series) that this process lacks, in one round trip, so the
    view's own ``cached`` calls find them here instead of one read each. Nothing is fetched;
    with no shared cache, under ``cache_only()``, or when this process has them all, nothing is
    sent. Copies keep only the time they have left there (as ``missing``)."""
    if not wanted or _CACHE_ONLY.get() is not None:
        return
    _follow_refreshes(fingerprint)
    by_key = {make_key(fingerprint, w.endpoint, w.params): w for w in wanted if shares(w.endpoint)}
    absent = CACHE.absent(list(by_key))
    shared = shared_cache() if absent else None
    if shared is None:
        return
    found = shared.get_many(absent)
    for tier in ("raw", "derived"):
        CACHE.put_many(
            {
                key: (value, min(TTL_SECONDS[by_key[key].kind], left), 2 * size)
                for key, (value, left, size) in found.items()
                if by_key[key].tier == tier
            },
            tier,
        )


def _copy_from_shared(keys: list[Any], endpoint: str, kind: CacheKind, tier: Tier) -> bool:
    """Copy what the replicas' shared cache holds for ``keys`` into this process's cache, in
    one batched round trip; False when there is no shared cache for ``endpoint`` (then
    nothing changed). Copies keep only the time they have left there; their size is the
    stored bytes, twice over for the objects they decode to (no deep walk)."""
    shared = shared_cache() if shares(endpoint) else None
    if shared is None:
        return False
    found = shared.get_many(keys)
    ttl = TTL_SECONDS[kind]
    CACHE.put_many({k: (v, min(ttl, left), 2 * n) for k, (v, left, n) in found.items()}, tier)
    return True


def seconds_left(
    fingerprint: str, endpoint: str, params: Sequence[Mapping[str, Any]]
) -> float | None:
    """The least time this process's entries for ``params`` have left (None if one is missing):
    a result built from them may be kept that long, no longer."""
    return CACHE.seconds_left([make_key(fingerprint, endpoint, p) for p in params])


def forget(fingerprint: str, endpoint: str, params: Mapping[str, Any]) -> bool:
    """Drop this process's entry for ``params`` (e.g. a result derived from entries that are
    gone); the replicas' shared copy, if any, keeps its own expiry."""
    return CACHE.drop(make_key(fingerprint, endpoint, params))


class _ThroughShared:
    """On a miss here, ask the replicas' shared cache (when configured and up). Then ``size``
    is the value's stored bytes, twice over (cheaper than a deep walk of what they decode to),
    and ``ttl`` the time it has left in Redis, so this copy expires with the shared one."""

    def __init__(self, key: tuple, fetch: Callable[[], Any], ttl: float) -> None:
        self._key, self._fetch, self._ttl = key, fetch, ttl
        self.size: int | None = None
        self.ttl: float | None = None

    def __call__(self) -> Any:
        shared = shared_cache()
        if shared is None:
            return self._fetch()
        value = shared.get_or_fetch(self._key, self._fetch, self._ttl)
        if shared.stored_bytes is not None:
            self.size = 2 * shared.stored_bytes
        if shared.seconds_left is not None:
            self.ttl = min(self._ttl, shared.seconds_left)
        return value


def _through_shared(key: tuple, fetch: Callable[[], T], ttl: float) -> Callable[[], T]:
    return _ThroughShared(key, fetch, ttl) if shares(str(key[1])) else fetch


def clear_workspace(fingerprint: str) -> int:
    """Drop the workspace's entries here and in the shared cache; other replicas drop their
    in-process copies within ``REFRESH_CHECK`` seconds (``_follow_refreshes``)."""
    dropped = CACHE.clear(fingerprint)
    shared = shared_cache()
    if shared is not None:
        shared.clear(fingerprint)
        if shared.generation_after_clear is not None:  # this replica has already dropped its own
            with _generations_lock:
                _generations[fingerprint] = (time.monotonic(), shared.generation_after_clear)
    return dropped
