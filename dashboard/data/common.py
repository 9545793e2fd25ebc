"""What every loader shares: cached and gated calls, windowed series, bounded fan-out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar, cast, overload

import pandas as pd

from braze_api import BrazeClient, frames
from dashboard.cache import CacheKind, Tier, cached, series_kind
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
    windows = (hour_windows if unit == "hour" else day_windows)(start, end, max_length)
    fixed = _drop_none(params)
    today = utc_today()

    def one(window: Window) -> pd.DataFrame:
        request = {**fixed, "length": window.length, "ending_at": window.ending_at.isoformat()}
        if unit == "hour":
            request["unit"] = "hour"
        return call(
            ws,
            source.name,
            request,
            lambda: source.method(client_for(ws))(**request),
            series_kind(window.end, today),
            then=to_frame,
        )

    parts = [r.unwrap() for r in fan_out(one, windows, raise_errors=True)]
    return stitch(parts, start, end)


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
) -> list[LoadResult[I, T]]:
    """Run ``fn`` over items concurrently (bounded); results in input order.

    Twice as many threads as request slots: while some threads pivot a response or wait out a
    retry, the slots stay busy with the others' requests (the slots, not the pool, bound what
    Braze sees).

    One failing item does not sink the rest: its error is kept on its result, unless
    ``raise_errors`` asks for the first failure to propagate (after all finish).
    ``on_progress`` is called from the calling thread, so it may touch Streamlit widgets.
    """
    items = list(items)
    results: list[LoadResult[I, T] | None] = [None] * len(items)
    if not items:
        return []
    if len(items) == 1:
        results[0] = _run(fn, items[0])
        if on_progress:
            on_progress(1, 1)
    else:
        pool = ThreadPoolExecutor(max_workers=min(max_workers, len(items)))
        try:
            futures = {pool.submit(_run, fn, item): i for i, item in enumerate(items)}
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if on_progress:
                    on_progress(done, len(items))
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


def _run(fn: Callable[[I], T], item: I) -> LoadResult[I, T]:
    try:
        return LoadResult(item=item, value=fn(item))
    except Exception as exc:  # kept on the result; the page decides how to show it
        return LoadResult(item=item, error=exc)
