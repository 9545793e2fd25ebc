"""`memoized`: a pure builder runs once per distinct input content, and never serves stale output."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.charts.common import memo_key, memoized
from dashboard.charts.kpis import daily_figure


def _frame(values: list[float]) -> pd.DataFrame:
    dates = pd.date_range("2024-03-01", periods=len(values), tz="UTC")
    return pd.DataFrame({"date": dates, "dau": pd.Series(values, dtype="float64")})


def test_equal_content_reuses_the_figure_and_new_content_rebuilds() -> None:
    calls: list[int] = []

    def build(frame: pd.DataFrame, metric: str) -> go.Figure:
        calls.append(1)
        return daily_figure(frame, metric)

    first = memoized(build, _frame([1.0, 2.0, 3.0]), "dau")
    again = memoized(build, _frame([1.0, 2.0, 3.0]), "dau")  # another object, same content
    assert again is first and len(calls) == 1
    changed = memoized(build, _frame([1.0, 2.0, 4.0]), "dau")  # one cell differs
    assert changed is not first and len(calls) == 2
    assert list(changed.data[0].y) == [1.0, 2.0, 4.0]
    assert memoized(build, _frame([1.0, 2.0, 3.0]), metric="dau") is not first  # kwargs differ


@pytest.mark.parametrize(
    "other",
    [
        pd.DataFrame({"b": [1, 2], "a": [1, 2]}),  # column order
        pd.DataFrame({"a": [1, 2], "c": [1, 2]}),  # column name
        pd.DataFrame({"a": [1.0, 2.0], "b": [1, 2]}),  # dtype
        pd.DataFrame({"a": [1, 2], "b": [1, 2]}, index=[5, 6]),  # index
        pd.DataFrame({"a": [2, 1], "b": [2, 1]}),  # row order
    ],
)
def test_the_key_sees_names_types_index_and_order(other: pd.DataFrame) -> None:
    base = pd.DataFrame({"a": [1, 2], "b": [1, 2]})
    assert memo_key(len, base) == memo_key(len, base.copy())
    assert memo_key(len, base) != memo_key(len, other)


def test_list_cells_are_hashed_and_frames_come_back_as_private_copies() -> None:
    steps = pd.DataFrame({"step_id": ["a", "b"], "next": [["b"], []]})
    assert memo_key(len, steps) == memo_key(len, steps.copy())
    assert memo_key(len, steps) != memo_key(len, steps.assign(next=[["b"], ["a"]]))

    shared = memoized(pd.DataFrame.copy, steps)
    shared.loc[0, "step_id"] = "changed"  # a caller scribbling on its result...
    assert memoized(pd.DataFrame.copy, steps).loc[0, "step_id"] == "a"  # ...never reaches others


def test_two_builders_with_the_same_name_never_share_results() -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    first, second = (lambda f: "first"), (lambda f: "second")  # same qualified name
    assert (memoized(first, frame), memoized(second, frame)) == ("first", "second")


def test_arguments_it_cannot_key_on_are_refused() -> None:
    with pytest.raises(TypeError):
        memo_key(len, object())
