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

from dashboard.data.common import SeriesSource
from dashboard.data.timeseries import range_series
from dashboard.filters import Comparison, Filters
from dashboard.settings import Workspace


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
