"""What every loader shares: cached and gated calls, windowed series, bounded fan-out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar, cast, overload

import pandas as pd

from braze_api import BrazeClient, frames
from braze_api.offline import RequestsRefused
from dashboard.cache import CacheKind, CacheMiss, Tier, cache_only, cached, only_cached, series_kind
from dashboard.filters import utc_today
from dashboard.settings import Workspace, client_for
from dashboard.traffic import MAX_IN_FLIGHT
from dashboard.windows import Window, day_windows, hour_windows

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741
JSON = dict[str, Any]


@overload
def call(
    ws: Workspace,
    endpoint: str,
    params: Mapping[str, Any],
    fetch: Callable[[], T],
    kind: CacheKind,
    *,
    then: None = None,
    tier: Tier = "raw",
) -> T: ...


@overload
def call(
    ws: Workspace,
    endpoint: str,
    params: Mapping[str, Any],
    fetch: Callable[[], Any],
    kind: CacheKind,
    *,
    then: Callable[[Any], T],
    tier: Tier = "raw",
) -> T: ...


def call(
    ws: Workspace,
    endpoint: str,
    params: Mapping[str, Any],
    fetch: Callable[[], Any],
    kind: CacheKind,
    *,
    then: Callable[[Any], Any] | None = None,
    tier: Tier = "raw",
) -> Any:
    """Serve from the shared cache, else run ``fetch`` (a client call) and ``then`` on it.

    The request gate lives in the client (``dashboard.traffic``): each HTTP attempt holds one
    of the workspace's slots, and nothing else does: not the retry sleeps, rate-limit waits,
    nor ``then`` (typically the pivot to a frame).

    ``tier``: "raw" for bodies kept to derive from (evicted first, by bytes); "derived" for
    what a view reads directly on every repeat (the campaign list frame), kept with the other
    small results so large bodies never push it out.
    """

    def fetched() -> Any:
        raw = fetch()
        return then(raw) if then is not None else raw

    return cached(ws.fingerprint, endpoint, params, fetched, kind, tier=tier)


@dataclass(frozen=True)
class SeriesSource:
    """A ``length``-limited Braze series: its cache name and the typed client method serving it.

    ``method`` picks the method off a client (``lambda c: c.kpi.dau``), so a misspelt method is
    a type error; ``name`` keys the cache, one name per kind of value (see ARCHITECTURE.md).
    """

    name: str
    method: Callable[[BrazeClient], Callable[..., JSON]]


# The series the pages read; names are "<client group>.<method>".
KPI_MAU = SeriesSource("kpi.mau", lambda c: c.kpi.mau)
KPI_DAU = SeriesSource("kpi.dau", lambda c: c.kpi.dau)
KPI_NEW_USERS = SeriesSource("kpi.new_users", lambda c: c.kpi.new_users)
KPI_UNINSTALLS = SeriesSource("kpi.uninstalls", lambda c: c.kpi.uninstalls)
SESSIONS = SeriesSource("sessions.data_series", lambda c: c.sessions.data_series)
SEGMENT_SIZES = SeriesSource("segments.data_series", lambda c: c.segments.data_series)
EVENTS = SeriesSource("events.data_series", lambda c: c.events.data_series)
REVENUE = SeriesSource("purchases.revenue_series", lambda c: c.purchases.revenue_series)
PURCHASES = SeriesSource("purchases.quantity_series", lambda c: c.purchases.quantity_series)
CARD_SERIES = SeriesSource("feed.data_series", lambda c: c.feed.data_series)


def _drop_none(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def load_series(
    ws: Workspace,
    source: SeriesSource,
    *,
    start: date,
    end: date,
    unit: str = "day",
    max_length: int = 100,
    to_frame: Callable[[Any], pd.DataFrame] = frames.series_frame,
    **params: Any,
) -> pd.DataFrame:
    """Any range of a ``length``-limited series: fetched as back-to-back windows, stitched.

    Each window is cached on its own, so the settled (older) part of a long range outlives the
    recent part, which Braze may still restate.
    """
    today = utc_today()

    def one(planned: tuple[Window, dict[str, Any]]) -> pd.DataFrame:
        window, request = planned
        return call(
            ws,
            source.name,
            request,
            lambda: source.method(client_for(ws))(**request),
            series_kind(window.end, today),
            then=to_frame,
        )

    planned = window_requests(start, end, unit=unit, max_length=max_length, **params)
    parts = [r.unwrap() for r in fan_out(one, planned, raise_errors=True)]
    return stitch(parts, start, end)


def window_requests(
    start: date, end: date, *, unit: str = "day", max_length: int = 100, **params: Any
) -> list[tuple[Window, dict[str, Any]]]:
    """The windows ``load_series`` fetches for a range, each with its request parameters (its
    cache key's params): what a result derived from the series names to check they still live."""
    windows = (hour_windows if unit == "hour" else day_windows)(start, end, max_length)
    fixed = _drop_none(params)
    planned = []
    for window in windows:
        request = {**fixed, "length": window.length, "ending_at": window.ending_at.isoformat()}
        if unit == "hour":
            request["unit"] = "hour"
        planned.append((window, request))
    return planned


def stitch(parts: Iterable[pd.DataFrame], start: date, end: date) -> pd.DataFrame:
    """Concatenate windows, keep each time once, and trim to the requested days."""
    parts = [p for p in parts if p is not None and not p.empty]
    if not parts:
        return pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]")})
    frame = pd.concat(parts, ignore_index=True)
    if "time" not in frame.columns:
        return frame
    frame = frame.drop_duplicates(subset="time", keep="last").sort_values("time")
    days = frame["time"].dt.date
    return frame[(days >= start) & (days <= end)].reset_index(drop=True)


@dataclass(frozen=True)
class LoadResult(Generic[I, T]):
    item: I
    value: T | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> T:
        """The value; the item's error is raised instead when it failed."""
        if self.error is not None:
            raise self.error
        return cast(T, self.value)


def fan_out(
    fn: Callable[[I], T],
    items: Iterable[I],
    *,
    max_workers: int = 2 * MAX_IN_FLIGHT,
    on_progress: Callable[[int, int], None] | None = None,
    raise_errors: bool = False,
    cache_first: bool = True,
) -> list[LoadResult[I, T]]:
    """Run ``fn`` over items concurrently (bounded); results in input order.

    Hits first: each item is first tried in the calling thread under ``cache.cache_only()``
    (its cached values only: no fetch, no request). A pool starts only for the items that
    missed, and ``on_progress`` is called only then, so a warm run starts no thread and
    draws no progress bar. Inside that try any miss, and any request a client would send,
    raises (``RequestsRefused``) and leaves the item to the pool. An item that made no cache
    lookup at all (plain work) ends the tries: the rest go to the pool. Work that is never
    cached (user lookups) passes ``cache_first=False`` to skip them.

    Twice as many threads as request slots: while some threads pivot a response or wait out a
    retry, the slots stay busy with the others' requests (the slots, not the pool, bound what
    Braze sees).

    One failing item does not sink the rest: its error is kept on its result, unless
    ``raise_errors`` asks for the first failure to propagate (after all finish).
    ``on_progress(done, total)`` is called from the calling thread (hits count as done), so it
    may touch Streamlit widgets.
    """
    items = list(items)
    total = len(items)
    results: list[LoadResult[I, T] | None] = [None] * total
    if cache_first:
        for i, item in enumerate(items):
            results[i], lookups = _from_cache(fn, item)
            if results[i] is not None and lookups == 0:
                break  # fn reads no cache (plain work): the rest go straight to the pool
    misses = [i for i, r in enumerate(results) if r is None]
    if misses and only_cached():
        # A fan-out inside an outer item's cache-only try: that outer item is a miss, and
        # goes to the outer pool (threads started here would not be cache-only).
        raise CacheMiss("fan_out")
    hits = total - len(misses)
    if len(misses) == 1:
        results[misses[0]] = _run(fn, items[misses[0]])
        if on_progress:
            on_progress(total, total)
    elif misses:
        pool = ThreadPoolExecutor(max_workers=min(max_workers, len(misses)))
        try:
            futures = {pool.submit(_run, fn, items[i]): i for i in misses}
            for done, future in enumerate(as_completed(futures), start=hits + 1):
                results[futures[future]] = future.result()
                if on_progress:
                    on_progress(done, total)
        except BaseException:
            # A rerun or stop (Streamlit raises from on_progress) must not wait for, or spend
            # rate limit on, the requests still queued.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    final = [r for r in results if r is not None]
    if raise_errors:
        for r in final:
            if r.error is not None:
                raise r.error
    return final


def _from_cache(fn: Callable[[I], T], item: I) -> tuple[LoadResult[I, T] | None, int]:
    """``fn(item)`` served from the cache alone (None when any part of it missed), and how
    many cache lookups it made."""
    with cache_only() as probe:
        try:
            result: LoadResult[I, T] | None = LoadResult(item=item, value=fn(item))
        except RequestsRefused:  # a cache miss, or a request it would have sent
            result = None
        except Exception as exc:  # raised by fn itself on cached values: the same in a pool
            result = LoadResult(item=item, error=exc)
    return result, probe.lookups


def _run(fn: Callable[[I], T], item: I) -> LoadResult[I, T]:
    try:
        return LoadResult(item=item, value=fn(item))
    except Exception as exc:  # kept on the result; the page decides how to show it
        return LoadResult(item=item, error=exc)
