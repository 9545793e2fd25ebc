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
from typing import Any

import numpy as np
import pandas as pd

from braze_api.dates import to_time as to_time  # the one date parser (also the export reader's)

TIME_DTYPE = "datetime64[ns, UTC]"
_INT64_LIMIT = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


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


def str_array(values: Any) -> Any:
    """`pd.array(values, dtype="str")`, but a lone surrogate (JSON's "\\ud800" decodes to
    one; Arrow refuses to encode it) becomes U+FFFD instead of failing the whole column."""
    try:
        return pd.array(values, dtype="str")
    except UnicodeEncodeError:
        return pd.array([_valid_text(v) for v in values], dtype="str")


def _valid_text(value: Any) -> Any:
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def text_column(values: Iterable[Any]) -> pd.Series:
    """A pandas string column; containers rendered as compact JSON."""
    return pd.Series(str_array([text(v) for v in values]))


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


def frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """A DataFrame from same-length columns with a clean RangeIndex (rows line up by position).

    Series are shared copy-on-write (pandas tracks them); bare arrays are taken without a
    copy, so pass only arrays built for this frame.
    """
    data = {
        k: v.reset_index(drop=True) if isinstance(v, pd.Series) and not _plain_index(v) else v
        for k, v in columns.items()
    }
    return pd.DataFrame(data, copy=False)


def _plain_index(series: pd.Series) -> bool:
    index = series.index
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def time_array(stamps: Sequence[pd.Timestamp]) -> pd.api.extensions.ExtensionArray:
    """A UTC datetime array from `to_time` stamps, without pandas' per-object inference."""
    nanos = np.fromiter((stamp.value for stamp in stamps), np.int64, count=len(stamps))
    return pd.DatetimeIndex(nanos.view("M8[ns]")).tz_localize("UTC").array


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
    return sorted(by_time.items(), key=_nanos)  # int keys: Timestamp comparisons are slow


def _nanos(pair: tuple[pd.Timestamp, Any]) -> int:
    return pair[0].value  # `to_time` stamps are all UTC nanoseconds: the same order


def data_list(body: Any, key: str = "data") -> list:
    """The list under body[key], or body itself when it is already a list."""
    if isinstance(body, list | tuple):
        return list(body)
    return as_list(as_dict(body).get(key))
