"""`memoized`: a pure builder runs once per distinct input content, and never serves stale output."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.charts.common import memo_key, memoized
from dashboard.charts.kpis import daily_figure
from tests.vega_specs import data_of


def _frame(values: list[float]) -> pd.DataFrame:
    dates = pd.date_range("2024-03-01", periods=len(values), tz="UTC")
    return pd.DataFrame({"date": dates, "dau": pd.Series(values, dtype="float64")})


def test_equal_content_reuses_the_figure_and_new_content_rebuilds() -> None:
    calls: list[int] = []

    def build(frame: pd.DataFrame, metric: str) -> dict:
        calls.append(1)
        return daily_figure(frame, metric)

    first = memoized(build, _frame([1.0, 2.0, 3.0]), "dau")
    again = memoized(build, _frame([1.0, 2.0, 3.0]), "dau")  # another object, same content
    assert again is first and len(calls) == 1
    changed = memoized(build, _frame([1.0, 2.0, 4.0]), "dau")  # one cell differs
    assert changed is not first and len(calls) == 2
    assert data_of(changed)["value"].tolist() == [1.0, 2.0, 4.0]
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


# ---- the fast key (raw buffers per column) never confuses different data ------------------


def _key(frame: pd.DataFrame) -> tuple:
    return memo_key(len, frame)


def test_arrow_text_slices_at_different_offsets_get_different_keys() -> None:
    names = pd.Series(["a", "b", "c", "d", "e", "f"], dtype="string[pyarrow]")
    first = pd.DataFrame({"name": names.iloc[:3].reset_index(drop=True)})
    second = pd.DataFrame({"name": names.iloc[3:].reset_index(drop=True)})  # same buffers
    assert _key(first) != _key(second)
    assert _key(second) == _key(second.copy())


def test_missing_values_are_part_of_the_key() -> None:
    counts = pd.Series([1.0, 2.0, 3.0], dtype="Float64")
    hidden = counts.copy()
    hidden[1] = pd.NA  # the buffer may keep 2.0 under the mask
    assert _key(pd.DataFrame({"sent": counts})) != _key(pd.DataFrame({"sent": hidden}))
    text = pd.Series(["x", None, "z"], dtype="str")
    assert _key(pd.DataFrame({"t": text})) != _key(
        pd.DataFrame({"t": pd.Series(["x", "", "z"], dtype="str")})
    )
    flags = pd.Series([True, None, False], dtype="boolean")
    assert _key(pd.DataFrame({"f": flags})) != _key(pd.DataFrame({"f": flags.fillna(True)}))


def test_times_keep_their_zone_and_missing_days() -> None:
    days = pd.Series(pd.date_range("2024-03-01", periods=3, tz="UTC"))
    assert _key(pd.DataFrame({"time": days})) != _key(
        pd.DataFrame({"time": days.dt.tz_convert("Europe/Paris")})
    )
    gap = days.copy()
    gap[1] = pd.NaT
    assert _key(pd.DataFrame({"time": days})) != _key(pd.DataFrame({"time": gap}))


def test_equal_content_laid_out_differently_still_hits() -> None:
    frame = pd.DataFrame(
        {
            "name": pd.Series(["a", "b", "c"], dtype="str"),
            "sent": pd.Series([1.0, None, 3.0], dtype="Float64"),
            "flag": pd.Series([True, False, None], dtype="boolean"),
            "n": [1, 2, 3],
            "time": pd.date_range("2024-03-01", periods=3, tz="UTC"),
        }
    )
    assert _key(frame) == _key(frame.copy()) == _key(frame.copy(deep=False))
    # (the same content in other buffers, e.g. two concatenated chunks, may miss: never stale)


def test_a_leaderboard_with_one_number_changed_draws_a_new_figure() -> None:
    from dashboard.charts.campaigns import top_campaigns_figure

    board = pd.DataFrame(
        {
            "campaign_id": pd.Series(["c1", "c2", "c3"], dtype="str"),
            "name": pd.Series(["Spring", "Summer", "Autumn"], dtype="str"),
            "sent": pd.Series([300.0, 200.0, 100.0], dtype="Float64"),
        }
    )
    first = memoized(top_campaigns_figure, board, "sent", "Messages sent")
    assert memoized(top_campaigns_figure, board.copy(), "sent", "Messages sent") is first
    changed = board.copy()
    changed.loc[2, "sent"] = 150.0
    second = memoized(top_campaigns_figure, changed, "sent", "Messages sent")
    assert second is not first
    assert 150.0 in second["datasets"]["main"]["value"].tolist()
    assert 100.0 in first["datasets"]["main"]["value"].tolist()  # the first kept its numbers
