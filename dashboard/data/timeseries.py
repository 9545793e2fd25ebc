"""Series for the sidebar's range, shared by the KPI, events, revenue and News Feed pages.

Daily series are UTC days, as Braze counts them. Hourly series cover the range's days on the
sidebar's clock: Braze's hours are UTC, so the local range is converted to a UTC window, the
UTC days that hold it are fetched, and the hours outside it are dropped.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.data.common import SeriesSource, load_series
from dashboard.filters import Filters
from dashboard.settings import Workspace

HOURLY_MAX_DAYS = 7  # hourly series are for short ranges: 7 days is 168 points per line
UTC = ZoneInfo("UTC")


def hour_range(filters: Filters) -> tuple[datetime, datetime]:
    """The range's first and (exclusive) last instant on ``filters.timezone``'s clock, in UTC."""
    zone = ZoneInfo(filters.timezone)
    first = datetime.combine(filters.start, time(0), tzinfo=zone)
    after = datetime.combine(filters.end + timedelta(days=1), time(0), tzinfo=zone)
    return first.astimezone(UTC), after.astimezone(UTC)


def load_range(
    ws: Workspace, source: SeriesSource, filters: Filters, *, unit: str = "day", **params: Any
) -> pd.DataFrame:
    """Braze's raw series (``time`` + its columns) for the range: UTC days or local hours.

    Windows of at most 100 days (or hours) are fetched back to back by ``load_series``.
    """
    if unit != "hour":
        return load_series(ws, source, start=filters.start, end=filters.end, **params)
    first, after = hour_range(filters)
    raw = load_series(
        ws,
        source,
        start=first.date(),
        end=(after - timedelta(hours=1)).date(),
        unit="hour",
        **params,
    )
    if raw.empty:
        return raw
    times = pd.to_datetime(raw["time"], utc=True)
    keep = (times >= pd.Timestamp(first)) & (times < pd.Timestamp(after))
    return raw[keep.to_numpy()].reset_index(drop=True)


def empty_series() -> pd.DataFrame:
    """A typed empty ``time`` (UTC) + ``value`` frame."""
    return pd.DataFrame(
        {
            "time": pd.Series([], dtype="datetime64[ns, UTC]"),
            "value": pd.Series([], dtype="float64"),
        }
    )


def total(frame: pd.DataFrame | None) -> float | None:
    """Sum of the known points; None when nothing is known (not zero)."""
    if frame is None or frame.empty:
        return None
    values = frame["value"].dropna()
    return float(values.sum()) if not values.empty else None


def value_series(raw: pd.DataFrame, column: str) -> pd.DataFrame:
    """A stitched Braze series -> ``time`` (UTC) + ``value`` (float, missing points NA)."""
    if raw.empty or column not in raw:
        return empty_series()
    times = pd.to_datetime(raw["time"], utc=True)
    values = pd.to_numeric(raw[column], errors="coerce").astype("float64")
    return pd.DataFrame({"time": times, "value": values.to_numpy()}).reset_index(drop=True)


def range_series(
    ws: Workspace,
    source: SeriesSource,
    column: str,
    filters: Filters,
    *,
    unit: str = "day",
    **params: Any,
) -> pd.DataFrame:
    """One column of any series for the range as ``time`` (UTC) + ``value``."""
    return value_series(load_range(ws, source, filters, unit=unit, **params), column)


def time_column(unit: str) -> str:
    """The CSV header for a series' time: always UTC, so spreadsheets can join exports."""
    return "hour_utc" if unit == "hour" else "date_utc"


def format_times(times: pd.Series, unit: str) -> pd.Series:
    """UTC times as CSV text: ``2024-03-01T09:00:00Z`` per hour, ``2024-03-01`` per day."""
    fmt = "%Y-%m-%dT%H:%M:%SZ" if unit == "hour" else "%Y-%m-%d"
    return pd.to_datetime(times, utc=True).dt.strftime(fmt).astype("string")


def local_column(timezone: str) -> str:
    """The CSV header for an hour on the sidebar's clock, naming the zone."""
    return f"hour_local ({timezone})"


def format_local(times: pd.Series, timezone: str) -> pd.Series:
    """UTC times as ISO 8601 text on ``timezone``'s clock, with the offset (DST-safe)."""
    local = pd.to_datetime(times, utc=True).dt.tz_convert(timezone)
    return pd.Series([t.isoformat() for t in local], index=times.index, dtype="string")


def percent_change(current: float | None, previous: float | None) -> float | None:
    """Relative change, or None when there is nothing sensible to compare with."""
    if current is None or previous is None or pd.isna(current) or pd.isna(previous):
        return None
    if previous == 0:
        return None
    return (current - previous) / abs(previous)
