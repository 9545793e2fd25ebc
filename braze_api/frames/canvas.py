"""Canvas `/canvas/data_series` and `/canvas/data_summary` → totals, variants, steps, channels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from ._coerce import TIME_DTYPE, as_dict, dicts, frame, last_per_time, text_column
from ._columnar import metric_table
from .messages import message_frame

#: Metrics of Canvas totals and variants (per step: all but entries).
CANVAS_METRICS: tuple[str, ...] = ("entries", "conversions", "conversions_by_entry_time", "revenue")
STEP_METRICS: tuple[str, ...] = ("revenue", "conversions", "conversions_by_entry_time")


class CanvasFrames(NamedTuple):
    """The four tidy views of one Canvas response (series frames lead with `time`).

    totals: entries, conversions, conversions_by_entry_time, revenue.
    variants: variant_id, variant_name + the same metrics.
    steps: step_id, step_name, revenue, conversions, conversions_by_entry_time — one row per
        step (per time); the step's own revenue, never repeated per channel.
    step_channels: step_id, step_name, channel, variation_name, is_control + every message
        metric; carries no step revenue/conversions so sums over it never double count.
    """

    totals: pd.DataFrame
    variants: pd.DataFrame
    steps: pd.DataFrame
    step_channels: pd.DataFrame


def _canvas_data(body: Any) -> dict:
    """Today's `data` object; the old list shape contributes its first object."""
    data = as_dict(body).get("data")
    if isinstance(data, list):
        objects = dicts(data)
        if objects and "stats" not in objects[0] and "time" in objects[0]:
            return {"stats": objects}
        return objects[0] if objects else {}
    return as_dict(data)


def _stats_entries(body: Any) -> list:
    data = as_dict(body).get("data")
    if isinstance(data, list) and all("stats" in d for d in dicts(data)):
        return [s for d in dicts(data) for s in dicts(d.get("stats"))]
    return dicts(_canvas_data(body).get("stats"))


def _scalars(entry: Mapping[str, Any], drop: tuple[str, ...]) -> dict:
    return {k: v for k, v in entry.items() if k not in drop and not isinstance(v, dict | list)}


def _build(points: list[tuple[Any, dict]], with_time: bool) -> CanvasFrames:
    """Build the four frames from (time or None, stats object) pairs."""
    totals, variants, steps, step_messages = [], [], [], []
    t_times, v_times, s_times = [], [], []
    for stamp, stats in points:
        totals.append(_scalars(as_dict(stats.get("total_stats")), ("time",)))
        t_times.append(stamp)
        for variant_id, variant in as_dict(stats.get("variant_stats")).items():
            if isinstance(variant, Mapping):
                variants.append(
                    {**_scalars(variant, ("name",)), "_id": variant_id, **_named(variant)}
                )
                v_times.append(stamp)
        for step_id, step in as_dict(stats.get("step_stats")).items():
            if not isinstance(step, Mapping):
                continue
            steps.append({**_scalars(step, ("name",)), "_id": step_id, **_named(step)})
            s_times.append(stamp)
            step_messages.append(step.get("messages"))

    def lead(times: list, rows: list[dict], kind: str) -> dict[str, pd.Series]:
        cols = {"time": pd.Series(times, dtype=TIME_DTYPE)} if with_time else {}
        if kind:
            cols[f"{kind}_id"] = text_column([str(r["_id"]) for r in rows])
            cols[f"{kind}_name"] = text_column([r["_name"] for r in rows])
        return cols

    skip = ("_id", "_name", "time", "variant_id", "variant_name", "step_id", "step_name")
    step_lead = {k: v.array for k, v in lead(s_times, steps, "step").items()}
    return CanvasFrames(
        totals=frame({**lead(t_times, totals, ""), **metric_table(totals, CANVAS_METRICS)}),
        variants=frame(
            {
                **lead(v_times, variants, "variant"),
                **metric_table(variants, CANVAS_METRICS, skip=skip),
            }
        ),
        steps=frame(
            {**lead(s_times, steps, "step"), **metric_table(steps, STEP_METRICS, skip=skip)}
        ),
        step_channels=message_frame(step_messages, step_lead, skip),
    )


def _named(entry: Mapping[str, Any]) -> dict:
    name = entry.get("name")
    return {"_name": name if isinstance(name, str) and name else None}


def canvas_series_frames(body: Any) -> CanvasFrames:
    """`/canvas/data_series` → CanvasFrames, each with a leading UTC `time` column.

    Absent variant_stats/step_stats (no include_* flag) give empty frames with the right
    columns. Deleted steps (include_deleted_step_data) are rows like any other.
    """
    return _build(last_per_time(_stats_entries(body)), with_time=True)


def canvas_summary_frames(body: Any) -> CanvasFrames:
    """`/canvas/data_summary` → CanvasFrames without a time column (one rollup)."""
    data = _canvas_data(body)
    return _build([(None, data)] if data else [], with_time=False)
