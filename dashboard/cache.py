"""One process-wide cache shared by every browser session.

Keys are (workspace fingerprint, endpoint, params): never the raw key. Entries expire by kind
(lists and details in minutes; series that ended long ago, which Braze no longer restates, in a
day). Identical concurrent requests wait for one fetch (single flight). Failures are not cached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypeVar, cast, get_args

import pandas as pd
from cachetools import TLRUCache

T = TypeVar("T")

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


@dataclass(frozen=True)
class _Entry:
    value: Any
    ttl: float


def _freeze(value: Any) -> Hashable:
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


class DataCache:
    """A bounded TTL cache with single flight; safe to share between threads."""

    def __init__(self, maxsize: int = 4096) -> None:
        self._store: TLRUCache = TLRUCache(
            maxsize=maxsize, ttu=lambda _key, entry, now: now + entry.ttl
        )
        self._lock = threading.Lock()
        self._inflight: dict[tuple, Future] = {}
        self._generation: dict[str | None, int] = {}  # bumped by clear(): "Refresh" wins
        self.hits = 0
        self.misses = 0

    def get_or_fetch(self, key: tuple, fetch: Callable[[], T], ttl: float) -> T:
        with self._lock:
            entry = self._store.get(key)
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
        with self._lock:
            if self._generation_of(key) == generation:  # not cleared while fetching
                self._store[key] = _Entry(value, ttl)
            self._inflight.pop(key, None)
        future.set_result(value)
        return _share(value)

    def clear(self, fingerprint: str | None = None) -> int:
        """Drop one workspace's entries (or all); returns how many were dropped."""
        with self._lock:
            self._generation[fingerprint] = self._generation.get(fingerprint, 0) + 1
            keys = [
                k for k in list(self._store.keys()) if fingerprint is None or k[0] == fingerprint
            ]
            for k in keys:
                self._store.pop(k, None)
            return len(keys)

    def _generation_of(self, key: tuple) -> tuple[int, int]:
        return (self._generation.get(None, 0), self._generation.get(key[0], 0))

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)


def _share(value: T) -> T:
    """Hand each caller its own frame so no page can mutate what other sessions see."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return cast(T, value.copy(deep=False))  # copy-on-write (pandas 3): cheap and isolated
    return value


CACHE = DataCache()


def cached(
    fingerprint: str,
    endpoint: str,
    params: Mapping[str, Any],
    fetch: Callable[[], T],
    kind: CacheKind,
) -> T:
    return CACHE.get_or_fetch(make_key(fingerprint, endpoint, params), fetch, TTL_SECONDS[kind])


def clear_workspace(fingerprint: str) -> int:
    return CACHE.clear(fingerprint)
