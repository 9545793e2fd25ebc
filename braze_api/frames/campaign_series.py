"""Campaign and send series: the per-channel/per-variation long frame, the per-time totals
frame, and per-variation sums.

`/campaigns/data_series` and `/sends/data_series` share one shape:
`{"data": [{"time", "messages": {channel: [ {variation stats}, ... ]}, <totals>}]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._coerce import TIME_DTYPE, data_list, frame, last_per_time, time_array
from ._columnar import metric_table
from .messages import message_frame

#: Per-time fields at the top of each campaign series entry.
CAMPAIGN_TOTAL_FIELDS: tuple[str, ...] = (
    "unique_recipients",
    "conversions",
    "conversions1",
    "conversions2",
    "conversions3",
    "conversions_by_send_time",
    "conversions1_by_send_time",
    "conversions2_by_send_time",
    "conversions3_by_send_time",
    "revenue",
)


def campaign_series_frame(body: Any) -> pd.DataFrame:
    """Long frame for `/campaigns/data_series` and `/sends/data_series` (same shape).

    One row per (time, channel, variation_name) with every metric seen as a column (union
    over channels; a metric a row lacks is 0). Control entries are kept with is_control True.
    Unknown channels and metrics are kept. Columns: time, channel, variation_name,
    is_control, then metrics in first-seen order.
    """
    pairs = last_per_time(data_list(body))
    times = time_array([stamp for stamp, _ in pairs])
    return message_frame([entry.get("messages") for _, entry in pairs], {"time": times})


def campaign_totals_frame(body: Any) -> pd.DataFrame:
    """One row per time with the top-level totals (unique_recipients, conversions*, revenue).

    Missing fields are 0; extra numeric top-level fields are kept after the documented ones.
    """
    pairs = last_per_time(data_list(body))
    records = [
        {k: v for k, v in entry.items() if not isinstance(v, dict | list)} for _, entry in pairs
    ]
    metrics = metric_table(records, CAMPAIGN_TOTAL_FIELDS, skip=("time",))
    times = pd.Series([stamp for stamp, _ in pairs], dtype=TIME_DTYPE)
    return frame({"time": times, **metrics})


def variation_identity(long_frame: pd.DataFrame) -> Any:
    """What tells a campaign's variations apart, per row: its `variation_api_id` where Braze
    sends one, else its label (Braze's own position in the day's list must never decide)."""
    labels = long_frame["variation_name"].astype("string")
    if "variation_api_id" not in long_frame.columns:
        return ("name:" + labels.fillna("")).array
    ids = long_frame["variation_api_id"].astype("string")
    return ("id:" + ids).fillna("name:" + labels.fillna("")).array


def name_variations(long_frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """A copy whose `variation_name` is the name `/campaigns/details` gives each variation id
    (`names`: id → name, from `details.variation_names`); rows without a known id keep theirs.

    Two ids that share a name keep apart: the second and later get the id's first characters.
    """
    if long_frame is None or "variation_api_id" not in long_frame.columns or not names:
        return long_frame
    out = long_frame.copy()
    ids = out["variation_api_id"].astype("string")
    known = ids.isin(list(names)).fillna(False).astype(bool).to_numpy()
    if not known.any():
        return out
    # one label per id: an id whose name another id already took is told apart by the id
    taken: dict[tuple[str, str], str] = {}
    labels: dict[tuple[str, str], str] = {}
    for channel, vid in dict.fromkeys(
        zip(out["channel"].astype("string")[known], ids[known], strict=True)
    ):
        name = names[str(vid)]
        key = (str(channel), name)
        labels[(str(channel), str(vid))] = (
            name if taken.setdefault(key, vid) == vid else (f"{name} · {str(vid)[:8]}")
        )
    names_now = out["variation_name"].astype("object").to_numpy(copy=True)
    channels = out["channel"].astype("string").to_numpy(dtype=object)
    id_values = ids.to_numpy(dtype=object)
    for row in np.flatnonzero(known):
        names_now[row] = labels[(str(channels[row]), str(id_values[row]))]
    out["variation_name"] = pd.array(names_now, dtype="str")
    return out


def campaign_variation_totals(long_frame: pd.DataFrame) -> pd.DataFrame:
    """Sum every numeric metric per channel and variation over the whole window.

    A variation is its `variation_api_id` when Braze sends one (so two variations never
    merge because a later day lists them in another order), else its label. Its label is
    the group's first. is_control is True when any of the group's rows was a control; text
    columns are dropped, except variation_api_id. Groups keep first-appearance order (NA
    keys form groups of their own).
    """
    keys = ["channel", "variation_name"]
    if long_frame is None or not set(keys) <= set(long_frame.columns):
        return pd.DataFrame({"channel": [], "variation_name": [], "is_control": []}).astype(
            {"channel": "str", "variation_name": "str", "is_control": "boolean"}
        )
    arrays: dict[Any, Any] = {name: column.array for name, column in long_frame.items()}
    metrics = [
        c
        for c, values in arrays.items()
        if c not in (*keys, "is_control", "time")
        and pd.api.types.is_numeric_dtype(values.dtype)
        and not pd.api.types.is_bool_dtype(values.dtype)
    ]
    groups, first_rows = _group_codes([arrays["channel"], variation_identity(long_frame)])
    if "variation_api_id" in arrays:
        keys = [*keys, "variation_api_id"]
    if "is_control" in long_frame.columns:
        control = long_frame["is_control"].fillna(False).astype("boolean")
    else:
        control = pd.Series(False, index=long_frame.index, dtype="boolean")
    columns: dict[Any, Any] = {k: arrays[k].take(first_rows) for k in keys}
    order = np.argsort(groups, kind="stable")
    starts = (
        first_rows if not len(order) else np.searchsorted(groups[order], range(len(first_rows)))
    )
    any_control = _group_sums(control.to_numpy(dtype=np.int64)[:, None], order, starts)[:, 0]
    columns["is_control"] = pd.arrays.BooleanArray(any_control > 0, np.zeros(len(starts), bool))
    exact = [m for m in metrics if isinstance(arrays[m].dtype, pd.Int64Dtype)]
    if exact:  # integer sums are exact in any order: one numpy pass for all of them
        values = np.column_stack([arrays[m].to_numpy(np.int64, na_value=0) for m in exact])
        totals = _group_sums(values, order, starts)
        zero = np.zeros(len(starts), dtype=bool)
        columns.update(
            (m, pd.arrays.IntegerArray(totals[:, j].copy(), zero.copy()))
            for j, m in enumerate(exact)
        )
    rest = [m for m in metrics if m not in set(exact)]
    if rest:  # pandas' own (compensated) float summation
        table = pd.DataFrame({m: arrays[m] for m in rest}, copy=False)
        sums = table.groupby(pd.Index(groups), sort=False).sum(min_count=0)
        columns.update((m, sums[m].array.copy()) for m in rest)
    return frame({k: columns[k] for k in [*keys, "is_control", *metrics]})


def _group_sums(values: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Column sums of `values` (rows × columns) per group, given rows sorted by group."""
    if not len(order):
        return np.zeros((0, values.shape[1]), dtype=values.dtype)
    return np.add.reduceat(values[order], starts, axis=0)


def _group_codes(keys: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Group number per row over several key columns, numbered in order of first appearance
    (NA is a value like any other), and the first row of each group."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(key, use_na_sentinel=False)
        combined = combined * max(len(uniques), 1) + codes
    groups, _ = pd.factorize(combined)
    _, first_rows = np.unique(groups, return_index=True)
    return groups, first_rows
