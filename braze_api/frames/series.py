"""Flat `{"data": [{"time": ..., <metric>: n}, ...]}` series → one row per time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._coerce import TIME_DTYPE, data_list, frame, last_per_time
from ._columnar import metric_table

#: The value column(s) each flat series endpoint documents, for callers that want them named.
SERIES_VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "mau": ("mau",),
    "dau": ("dau",),
    "new_users": ("new_users",),
    "uninstalls": ("uninstalls",),
    "sessions": ("sessions",),
    "events": ("count",),
    "revenue": ("revenue",),
    "quantity": ("purchase_quantity",),
    "segment": ("size",),
    "feed": ("clicks", "impressions", "unique_clicks", "unique_impressions"),
}
_VALUE_NAMES = tuple(dict.fromkeys(n for names in SERIES_VALUE_COLUMNS.values() for n in names))
# An unknown key is numeric when at least this share of its non-blank values are numbers.
_NUMERIC_SHARE = 0.5


def series_frame(body: Any, value_columns: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per time for KPI, sessions, events, revenue, quantity, segment and feed series.

    `time` is a tz-aware UTC timestamp (dates → midnight UTC, offsets converted), rows are
    sorted, a repeated time keeps its last entry (stitched windows may overlap), and rows with
    an unparseable time are dropped. `value_columns` are always present (NA when absent);
    any other key is kept too. The documented value names (SERIES_VALUE_COLUMNS) are always
    numeric, and so is any other key whose non-blank values are mostly numbers: one "" or
    "n/a" becomes NA instead of turning the column into text. Missing values are NA: a
    series point without its value is unknown, not zero.
    """
    pairs = last_per_time(data_list(body))
    known = [str(c) for c in (value_columns or ())]
    records = [entry for _, entry in pairs]
    metrics = metric_table(
        records,
        known,
        skip=("time",),
        fill_zero=False,
        force_numeric=_VALUE_NAMES,
        numeric_share=_NUMERIC_SHARE,
    )
    times = pd.Series([stamp for stamp, _ in pairs], dtype=TIME_DTYPE)
    return frame({"time": times, **metrics})
