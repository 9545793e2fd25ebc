"""The KPI page's data: five daily series for the range and the period before it.

Each series is loaded on its own, so one failing endpoint leaves its error on its result while
the others still arrive. Summaries are computed here, not in the page, so they can be tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from dashboard.cache import cached, series_kind
from dashboard.data.common import (
    KPI_DAU,
    KPI_MAU,
    KPI_NEW_USERS,
    KPI_UNINSTALLS,
    SESSIONS,
    LoadResult,
    SeriesSource,
    fan_out,
    load_series,
)
from dashboard.data.timeseries import HOURLY_MAX_DAYS, hour_range, range_series
from dashboard.filters import Filters, utc_today
from dashboard.settings import Workspace

# metric -> its series; all take length / ending_at / app_id.
SOURCES: Mapping[str, SeriesSource] = {
    "mau": KPI_MAU,
    "dau": KPI_DAU,
    "new_users": KPI_NEW_USERS,
    "uninstalls": KPI_UNINSTALLS,
    "sessions": SESSIONS,
}
METRICS: tuple[str, ...] = tuple(SOURCES)
# MAU is already a 30-day rolling count, so its latest value is the headline; DAU's average;
# the rest are counts of events, so their total.
SUMMARY: Mapping[str, str] = {
    "mau": "latest",
    "dau": "mean",
    "new_users": "sum",
    "uninstalls": "sum",
    "sessions": "sum",
}


def daily_frame(raw: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``time`` (UTC) + value -> ``date`` (plain day) + ``metric`` (float, NA kept)."""
    if raw.empty or metric not in raw:
        return pd.DataFrame(
            {"date": pd.Series([], dtype="datetime64[ns]"), metric: pd.Series([], dtype="float64")}
        )
    times = pd.to_datetime(raw["time"])
    if times.dt.tz is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    values = pd.to_numeric(raw[metric], errors="coerce").astype("float64")
    return pd.DataFrame(
        {"date": times.dt.normalize().astype("datetime64[ns]"), metric: values.to_numpy()}
    )


def summarise(frame: pd.DataFrame | None, metric: str) -> float | None:
    """The card's headline: latest MAU, average DAU, or the total of a count."""
    if frame is None or metric not in frame:
        return None
    values = frame[metric].dropna()
    if values.empty:
        return None
    how = SUMMARY[metric]
    if how == "latest":
        return float(values.iloc[-1])
    if how == "mean":
        return float(values.mean())
    return float(values.sum())


@dataclass(frozen=True)
class KpiPage:
    """Everything the KPI page draws; each series is a LoadResult holding a frame or an error."""

    filters: Filters
    current: Mapping[str, LoadResult]
    previous: Mapping[str, LoadResult]
    hourly: LoadResult | None = None

    def frame(self, metric: str) -> pd.DataFrame | None:
        result = self.current[metric]
        return result.value if result.ok else None

    def value(self, metric: str) -> float | None:
        return summarise(self.frame(metric), metric)

    def previous_value(self, metric: str) -> float | None:
        result = self.previous[metric]
        return summarise(result.value, metric) if result.ok else None

    def error(self, metric: str) -> BaseException | None:
        return self.current[metric].error

    @property
    def is_empty(self) -> bool:
        """True when nothing failed and no series has a single value in the range."""
        results = self.current.values()
        return all(r.ok for r in results) and all(
            r.value is None or r.value.drop(columns="date").dropna(how="all").empty for r in results
        )

    def daily(self) -> pd.DataFrame:
        """The loaded series joined on date, plus DAU/MAU stickiness where both exist."""
        joined: pd.DataFrame | None = None
        for metric in METRICS:
            frame = self.frame(metric)
            if frame is None:
                continue
            joined = frame if joined is None else joined.merge(frame, on="date", how="outer")
        if joined is None:
            return pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]")})
        if {"dau", "mau"} <= set(joined.columns):
            mau = joined["mau"].where(joined["mau"] > 0)
            joined["stickiness"] = joined["dau"] / mau
        return joined.sort_values("date").reset_index(drop=True)


def _load_daily(ws: Workspace, metric: str, filters: Filters) -> pd.DataFrame:
    raw = load_series(
        ws, SOURCES[metric], start=filters.start, end=filters.end, app_id=filters.app_id
    )
    return daily_frame(raw, metric)


def _load_hourly(ws: Workspace, filters: Filters) -> pd.DataFrame:
    """Sessions per hour of the range's days on the sidebar's clock: ``time`` (UTC), sessions."""
    series = range_series(ws, SESSIONS, "sessions", filters, unit="hour", app_id=filters.app_id)
    return series.rename(columns={"value": "sessions"})


class _PartialPage(Exception):
    """Carries a page with a failed series out of the cache's fetch, so it is not cached."""

    def __init__(self, page: KpiPage) -> None:
        super().__init__("a KPI series failed to load")
        self.page = page


def _fetch_kpi_page(ws: Workspace, filters: Filters, want_hourly: bool) -> KpiPage:
    previous = filters.previous_period()
    tasks: list[tuple[str, str]] = [("current", m) for m in METRICS]
    tasks += [("previous", m) for m in METRICS]
    if want_hourly:
        tasks.append(("hourly", "sessions"))

    def run(task: tuple[str, str]) -> pd.DataFrame:
        period, metric = task
        if period == "hourly":
            return _load_hourly(ws, filters)
        return _load_daily(ws, metric, filters if period == "current" else previous)

    results = fan_out(run, tasks)
    by_task = {r.item: r for r in results}
    page = KpiPage(
        filters=filters,
        current=MappingProxyType({m: by_task[("current", m)] for m in METRICS}),
        previous=MappingProxyType({m: by_task[("previous", m)] for m in METRICS}),
        hourly=by_task.get(("hourly", "sessions")),
    )
    if not all(r.ok for r in results):
        raise _PartialPage(page)
    return page


def _isolated(page: KpiPage, filters: Filters) -> KpiPage:
    """The page with the caller's filters and shallow-copied frames: the cache shares ``page``.

    (Filters that differ only in a timezone no series depends on share one cached page.)
    """

    def own(result: LoadResult) -> LoadResult:
        if not isinstance(result.value, pd.DataFrame):
            return result
        return LoadResult(item=result.item, value=result.value.copy(deep=False))

    return KpiPage(
        filters=filters,
        current=MappingProxyType({m: own(r) for m, r in page.current.items()}),
        previous=MappingProxyType({m: own(r) for m, r in page.previous.items()}),
        hourly=own(page.hourly) if page.hourly is not None else None,
    )


def load_kpi_page(ws: Workspace, filters: Filters, *, hourly: bool = False) -> KpiPage:
    """Load the range, the previous period of the same length and (optionally) hourly sessions.

    Everything runs concurrently through the shared cache; failures stay on their result. The
    finished page is cached too (only when nothing failed), so a warm rerun starts no thread.
    """
    want_hourly = hourly and filters.days <= HOURLY_MAX_DAYS
    # hourly ranges on a local clock can reach into the next UTC day
    last_day = hour_range(filters)[1].date() if want_hourly else filters.end
    params = {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "comparison": filters.comparison,
        "app_id": filters.app_id,
        "hourly": want_hourly,
        "timezone": filters.timezone if want_hourly else None,
    }
    try:
        page = cached(
            ws.fingerprint,
            "kpis.page",
            params,
            lambda: _fetch_kpi_page(ws, filters, want_hourly),
            series_kind(last_day, utc_today()),
        )
    except _PartialPage as partial:
        page = partial.page  # not cached; single-flight followers get the same one
    return _isolated(page, filters)


def export_table(daily: pd.DataFrame) -> pd.DataFrame:
    """The joined daily frame as people read it in a spreadsheet: whole counts, ratio rounded."""
    table = daily.copy()
    for metric in METRICS:
        if metric in table:
            table[metric] = table[metric].round().astype("Int64")
    if "stickiness" in table:
        table = table.rename(columns={"stickiness": "dau_mau_ratio"})
        table["dau_mau_ratio"] = table["dau_mau_ratio"].round(4)
    return table
