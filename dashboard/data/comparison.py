"""The range compared with the period before it: one place that decides both, and the one
"span" (period before + range) every compared loader fetches.

The leaderboards (campaigns, Canvases), the revenue and events pages and the overview all
ask for the span's windows (``span``), laid back from the range's end, and split each item's
days into the two periods. So a 30-day range costs one ≤100-day request per campaign or
series (instead of one per period), and whichever page loads it first serves the others.

When ``dashboard.filters`` exposes its own "previous period" function, ``previous`` is the
only line to point at it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from dashboard.cache import cached, forget, seconds_left, series_kind
from dashboard.data.common import SeriesSource, window_requests
from dashboard.data.timeseries import range_series, total
from dashboard.filters import Comparison, Filters, utc_today
from dashboard.settings import Workspace

TOTALS_ENDPOINT = "comparison.totals"  # derived: one series' (total now, total before)
TOTALS_MARGIN = 1.0  # seconds: compared totals expire this long before their first window


def previous(filters: Filters) -> Filters:
    """The period the range is compared with: the same number of days just before it."""
    return filters.previous_period()


def span(filters: Filters) -> Filters:
    """The period before and the range, as one range (what the compared loaders fetch)."""
    return Filters(
        start=previous(filters).start,
        end=filters.end,
        app_id=filters.app_id,
        timezone=filters.timezone,
    )


def span_days(start: date, end: date, compare: Comparison = "days") -> tuple[date, date]:
    """``span`` for a bare [start, end] and comparison rule: the first and last day fetched."""
    whole = span(Filters(start=start, end=end, comparison=compare))
    return whole.start, whole.end


def between(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The rows of a ``time`` (UTC) frame whose day is in [start, end]."""
    if frame.empty or "time" not in frame:
        return frame.reset_index(drop=True)
    days = pd.to_datetime(frame["time"], utc=True).dt.date
    return frame[((days >= start) & (days <= end)).to_numpy()].reset_index(drop=True)


def split(frame: pd.DataFrame, filters: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A span frame cut into (the range, the period before)."""
    before = previous(filters)
    return between(frame, filters.start, filters.end), between(frame, before.start, before.end)


def compared_series(
    ws: Workspace, source: SeriesSource, column: str, filters: Filters, **params: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A daily series (``time`` + ``value``) for (the range, the period before), fetched as
    the span's windows: one request for ranges of up to 50 days."""
    whole = range_series(ws, source, column, span(filters), unit="day", **params)
    return split(whole, filters)


Totals = tuple[float | None, float | None]  # (the range, the period before); None = no data


def compared_totals(
    ws: Workspace, source: SeriesSource, column: str, filters: Filters, **params: Any
) -> Totals:
    """The sums of ``compared_series``'s two periods (``total``: None when no point is known),
    kept as a small derived entry beside the series' windows, so a warm table of many series
    is lookups rather than pandas work per series.

    Keyed by the series (source, column, parameters), the range and the comparison rule. It
    never outlives the windows it was summed from: it is kept only as long as the shortest-
    lived of them, and served only while every one of them is still cached here; when one is
    gone (expired, evicted, refreshed) the totals are dropped and summed again from the
    windows fetched anew.
    """
    whole = span(filters)
    windows = [request for _, request in window_requests(whole.start, whole.end, **params)]
    key = {
        "series": source.name,
        "column": column,
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "compare": filters.comparison,
        **{name: value for name, value in params.items() if value is not None},
    }
    kind = series_kind(filters.end, utc_today())
    summed: Totals | None = None
    left = seconds_left(ws.fingerprint, source.name, windows)
    if left is None:  # a window is not cached here (any more): what was summed from it goes
        forget(ws.fingerprint, TOTALS_ENDPOINT, key)
        summed = _totals(compared_series(ws, source, column, filters, **params))
        left = seconds_left(ws.fingerprint, source.name, windows)
        if left is None:  # not kept (larger than the cache's budget): nothing to vouch for it
            return summed
    if left <= TOTALS_MARGIN:  # the windows are about to go: sum them, keep nothing
        return (
            summed
            if summed is not None
            else _totals(compared_series(ws, source, column, filters, **params))
        )
    done = summed

    def sums() -> Totals:
        return (
            done
            if done is not None
            else _totals(compared_series(ws, source, column, filters, **params))
        )

    # the entry is born after ``left`` was read: the margin keeps it from outliving them
    return cached(ws.fingerprint, TOTALS_ENDPOINT, key, sums, kind, ttl=left - TOTALS_MARGIN)


def _totals(periods: tuple[pd.DataFrame, pd.DataFrame]) -> Totals:
    now, before = periods
    return total(now), total(before)
