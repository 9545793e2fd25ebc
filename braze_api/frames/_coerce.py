"""Forgiving scalar coercion and typed column building shared by the frame builders.

Braze documents that a missing field means null, false or empty, and real payloads carry
numbers as strings, nulls and keys nobody has documented yet. Everything here turns such
values into one predictable shape instead of raising.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

TIME_DTYPE = "datetime64[ns, UTC]"
_INT64_LIMIT = 2**63 - 1
_DATE_PREFIX = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def as_dict(value: Any) -> dict:
    """The value if it is a mapping, else an empty dict (wrong container = empty)."""
    return dict(value) if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list:
    """The value if it is a list/tuple, else an empty list (wrong container = empty)."""
    return list(value) if isinstance(value, list | tuple) else []


def dicts(value: Any) -> list[dict]:
    """Only the mapping elements of a list-like value."""
    return [dict(v) for v in as_list(value) if isinstance(v, Mapping)]


def num(value: Any) -> int | float | None:
    """A finite number from an int, float, bool or numeric string; None otherwise."""
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, np.integer):
        value = int(value)
    elif isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, int):
        return value if abs(value) <= _INT64_LIMIT else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            return None
        try:
            return num(int(text))
        except ValueError:
            pass
        try:
            return num(float(text))
        except ValueError:
            return None
    return None


def is_numeric_like(value: Any) -> bool:
    """True when the value is null or converts to a number (used to classify unknown keys)."""
    return value is None or num(value) is not None


def text(value: Any) -> str | None:
    """A display string: strings as is, scalars via str, containers as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float):
        return str(value)
    try:
        return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def name_text(value: Any) -> str | None:
    """A label: non-empty string form of a scalar, None for null/empty/containers."""
    if value is None or isinstance(value, dict | list | tuple):
        return None
    out = text(value)
    return out if out else None


def flag(value: Any) -> bool:
    """A boolean where absent/null means False; accepts "true"/"1" strings and numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y", "t"}
    number = num(value)
    return bool(number) if number is not None else False


def to_time(value: Any) -> pd.Timestamp | None:
    """A UTC timestamp from an ISO 8601 date/datetime string; naive values are taken as UTC.

    Only strings that start like a date are parsed (so "now"/"today" never become the
    current time); anything unparseable or out of range is None.
    """
    if isinstance(value, datetime | date | pd.Timestamp):
        candidate: Any = value
    elif isinstance(value, str) and _DATE_PREFIX.match(value) and len(value) <= 64:
        candidate = value.strip()
    else:
        return None
    try:
        stamp = pd.Timestamp(candidate)
        if stamp is pd.NaT or pd.isna(stamp):
            return None
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.as_unit("ns")
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None


def time_column(values: Iterable[Any]) -> pd.Series:
    """A tz-aware UTC datetime column (unparseable → NaT)."""
    return pd.Series([to_time(v) for v in values], dtype=TIME_DTYPE)


def number_column(values: Iterable[Any], *, as_float: bool = False) -> pd.Series:
    """Int64 when every present value is integral (and not forced float), else float64."""
    numbers = [num(v) for v in values]
    integral = all(n is None or isinstance(n, int) or float(n).is_integer() for n in numbers)
    bounded = all(n is None or abs(n) <= 2**53 for n in numbers)
    if integral and bounded and not as_float:
        return pd.Series([None if n is None else int(n) for n in numbers], dtype="Int64")
    return pd.Series([math.nan if n is None else float(n) for n in numbers], dtype="float64")


def text_column(values: Iterable[Any]) -> pd.Series:
    """A pandas string column; containers rendered as compact JSON."""
    return pd.Series([text(v) for v in values], dtype="str")


def bool_column(values: Iterable[Any], *, absent_false: bool = True) -> pd.Series:
    """A nullable boolean column; absent/null become False unless absent_false is off."""
    out = [flag(v) if (v is not None or absent_false) else None for v in values]
    return pd.Series(out, dtype="boolean")


def list_column(values: Iterable[Any]) -> pd.Series:
    """An object column holding lists of strings (non-lists become empty lists)."""
    return pd.Series(
        [[t for t in (name_text(x) for x in as_list(v)) if t is not None] for v in values],
        dtype="object",
    )


def is_float_metric(name: str) -> bool:
    """Money columns stay float64 even when every value happens to be whole."""
    return "revenue" in name


def metric_table(
    records: Sequence[Mapping[str, Any]],
    known: Sequence[str],
    *,
    skip: Iterable[str] = (),
    fill_zero: bool = True,
    known_text: Iterable[str] = (),
    force_numeric: Iterable[str] = (),
) -> dict[str, pd.Series]:
    """Columns for the known metrics plus every extra key seen, in first-seen order.

    Known metrics are always numeric. An unknown key is numeric when all its values convert,
    text otherwise (identifiers such as `variation_api_id`). Missing numeric values become 0
    when fill_zero, else NA; present-but-garbage values are NA. Container values are ignored
    for numeric keys.
    """
    skipped = set(skip)
    names: list[str] = [k for k in known if k not in skipped]
    seen = set(names)
    for record in records:
        for key in record:
            name = str(key)
            if name not in seen and name not in skipped:
                seen.add(name)
                names.append(name)
    known_set, text_set = set(known) | set(force_numeric), set(known_text)
    columns: dict[str, pd.Series] = {}
    for name in names:
        raw = [record.get(name) for record in records]
        present = [v for v in raw if v is not None]
        numeric = name in known_set or (
            name not in text_set and all(is_numeric_like(v) for v in present)
        )
        if not numeric:
            columns[name] = text_column(raw)
            continue
        filled = [
            (0 if fill_zero else None) if v is None else (v if num(v) is not None else None)
            for v in raw
        ]
        columns[name] = number_column(filled, as_float=is_float_metric(name))
    return columns


def frame(columns: Mapping[str, pd.Series]) -> pd.DataFrame:
    """A DataFrame from same-length columns with a clean RangeIndex."""
    return pd.DataFrame({k: v.reset_index(drop=True) for k, v in columns.items()})


def last_per_time(entries: Iterable[Any]) -> list[tuple[pd.Timestamp, dict]]:
    """(time, entry) pairs sorted by time; unparseable times dropped, duplicates last-wins."""
    by_time: dict[pd.Timestamp, dict] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        stamp = to_time(entry.get("time"))
        if stamp is None:
            continue
        by_time.pop(stamp, None)
        by_time[stamp] = dict(entry)
    return sorted(by_time.items(), key=lambda pair: pair[0])


def data_list(body: Any, key: str = "data") -> list:
    """The list under body[key], or body itself when it is already a list."""
    if isinstance(body, list | tuple):
        return list(body)
    return as_list(as_dict(body).get(key))
