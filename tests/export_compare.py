"""Frames from different export readers made comparable: rows as sorted tuples of plain values.

Readers differ in dtypes (Arrow-backed text or numpy objects, nullable booleans or floats)
and in how they spell a nested value as JSON text (``", "`` or ``","``; a struct's missing
key as ``null``). ``canonical`` maps each cell to one plain Python value so that two readers
agree exactly when they hold the same data.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pandas as pd

Rows = list[tuple[Any, ...]]


def plain(value: Any) -> Any:
    """One cell as None, bool, float, str or an ISO UTC time."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def without_nulls(value: Any) -> Any:
    """JSON data with null-valued object keys dropped (a struct lists keys a user lacks)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def attribute_value(kind: Any, value: Any) -> Any:
    """A custom attribute's text as data: JSON parsed for arrays/objects, numbers as float."""
    if value is None:
        return None
    if kind in ("array", "object"):
        return json.dumps(without_nulls(json.loads(value)), sort_keys=True, ensure_ascii=False)
    if kind == "number":
        return float(value)
    return value


def canonical(frame: pd.DataFrame, columns: list[str], table: str = "") -> Rows:
    """The frame's ``columns`` as sorted rows of plain values."""
    cols = [frame[c].tolist() if c in frame else [None] * len(frame) for c in columns]
    rows = [tuple(plain(v) for v in row) for row in zip(*cols, strict=True)]
    if table == "custom_attributes":
        at_type, at_value = columns.index("type"), columns.index("value")
        rows = [
            tuple(
                attribute_value(row[at_type], v) if i == at_value else v for i, v in enumerate(row)
            )
            for row in rows
        ]
    return sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))


def differences(ours: pd.DataFrame, theirs: pd.DataFrame, table: str) -> list[str]:
    """What differs between two frames of one table (empty when they hold the same data)."""
    problems = []
    a, b = set(ours.columns), set(theirs.columns)
    if a != b and (len(ours) or len(theirs)):
        problems.append(f"{table}: columns only ours {sorted(a - b)}, only theirs {sorted(b - a)}")
    columns = [c for c in ours.columns if c in b]
    x, y = canonical(ours, columns, table), canonical(theirs, columns, table)
    if x != y:
        for i, (p, q) in enumerate(zip(x, y, strict=False)):
            if p != q:
                diff = [(c, u, v) for c, u, v in zip(columns, p, q, strict=True) if u != v]
                problems.append(f"{table}: row {i} of {len(x)}/{len(y)} differs: {diff[:4]}")
                break
        else:
            problems.append(f"{table}: {len(x)} rows vs {len(y)}")
    return problems
