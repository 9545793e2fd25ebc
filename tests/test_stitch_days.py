"""stitch / in_days / comparison.between: the day trims every warm series page runs.

The fast paths (one window already in order; days compared as instants) must give exactly
what the general path (concat, dedupe, sort, ``.dt.date``) gives.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.data.common import in_days, stitch
from dashboard.data.comparison import between


def reference_stitch(parts: list[pd.DataFrame], start: date, end: date) -> pd.DataFrame:
    """The general path, as stitch was written before its fast path."""
    parts = [p for p in parts if p is not None and not p.empty]
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.drop_duplicates(subset="time", keep="last").sort_values("time")
    days = frame["time"].dt.date
    return frame[(days >= start) & (days <= end)].reset_index(drop=True)


def series(times: list[str], values: list[float] | None = None) -> pd.DataFrame:
    stamps = pd.to_datetime(pd.Series(times), utc=True, format="ISO8601")
    return pd.DataFrame(
        {"time": stamps, "value": values if values is not None else range(len(times))}
    )


EDGES = [
    "2024-02-29T00:00:00Z",
    "2024-02-29T23:59:59.999999Z",
    "2024-03-01T00:00:00Z",
    "2024-02-28T23:59:59Z",
    "2024-03-01T12:00:00Z",
]


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2024, 2, 29), date(2024, 2, 29)), (date(2024, 2, 28), date(2024, 3, 1))],
)
def test_in_days_matches_the_date_of_each_time(start: date, end: date) -> None:
    utc = pd.to_datetime(pd.Series(EDGES), utc=True, format="ISO8601")
    for times in (utc, utc.dt.tz_localize(None), utc.astype("datetime64[s, UTC]")):
        days = times.dt.date
        expected = ((days >= start) & (days <= end)).to_numpy()
        assert in_days(times, start, end).tolist() == expected.tolist()


def test_in_days_reads_another_zone_by_its_own_calendar() -> None:
    local = pd.to_datetime(pd.Series(EDGES), utc=True, format="ISO8601").dt.tz_convert(
        "America/New_York"
    )
    day = date(2024, 2, 28)  # 00:00Z on the 29th is the evening of the 28th in New York
    assert in_days(local, day, day).tolist() == [True, False, False, True, False]
    assert (local.dt.date == day).tolist() == [True, False, False, True, False]


def test_one_ordered_window_is_trimmed_without_changing_the_cached_part() -> None:
    part = series(["2024-02-27T00:00:00Z", "2024-02-28T00:00:00Z", "2024-02-29T00:00:00Z"])
    before = part.copy()
    out = stitch([part], date(2024, 2, 28), date(2024, 2, 29))
    assert out["value"].tolist() == [1, 2]
    assert list(out.index) == [0, 1]
    out.loc[0, "value"] = 99  # a caller changing its result must not reach the cache's frame
    pd.testing.assert_frame_equal(part, before)


def test_one_unordered_or_repeated_window_takes_the_general_path() -> None:
    unordered = series(["2024-02-29T00:00:00Z", "2024-02-28T00:00:00Z"])
    repeated = series(["2024-02-28T00:00:00Z", "2024-02-28T00:00:00Z"], [1.0, 2.0])
    for part in (unordered, repeated):
        pd.testing.assert_frame_equal(
            stitch([part], date(2024, 2, 1), date(2024, 3, 1)),
            reference_stitch([part], date(2024, 2, 1), date(2024, 3, 1)),
        )


days_strategy = st.lists(
    st.integers(min_value=0, max_value=40 * 24 - 1), min_size=1, max_size=30
).map(lambda hours: [f"{pd.Timestamp('2024-02-10T00:00Z') + pd.Timedelta(hours=h)}" for h in hours])


@settings(max_examples=80, deadline=None)
@given(
    windows=st.lists(days_strategy, min_size=1, max_size=3),
    first=st.integers(min_value=0, max_value=40),
    length=st.integers(min_value=0, max_value=40),
)
def test_stitch_equals_the_general_path(windows: list[list[str]], first: int, length: int) -> None:
    start = date(2024, 2, 10) + pd.Timedelta(days=first).to_pytimedelta()
    end = start + pd.Timedelta(days=length).to_pytimedelta()
    parts = [series(times) for times in windows]
    pd.testing.assert_frame_equal(stitch(parts, start, end), reference_stitch(parts, start, end))
    whole = reference_stitch(parts, date(2024, 1, 1), date(2024, 12, 31))
    days = whole["time"].dt.date
    expected = whole[((days >= start) & (days <= end)).to_numpy()].reset_index(drop=True)
    pd.testing.assert_frame_equal(between(whole, start, end), expected)
