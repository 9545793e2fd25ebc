"""The one parser for the dates and times Braze writes in Export responses.

Braze writes the same instant several ways: ``2021-06-28T17:02:43.032Z``,
``2021-07-07T20:45:24.000+00:00``, a bare day ``2021-06-28``, and (``created_at`` in user
exports) ``2020-07-10 15:00:00.000 UTC``. The frames (one value at a time, ``to_time``) and the
segment/control-group export reader (whole columns, ``time_values``) both parse with this
module, so a format one accepts the other accepts too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import pandas as pd

_DATE_PREFIX = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
#: A zone written as a word at the end ("UTC", "GMT", "Z"), with the spaces before it.
ZONE_WORD_PATTERN = r"\s*(?i:UTC|GMT|Z)\s*$"
_ZONE_WORD = re.compile(ZONE_WORD_PATTERN)
MAX_TEXT = 64  # longer strings are not dates


def normalise(value: str) -> str:
    """ISO 8601 text for a Braze date string: a trailing " UTC" becomes "+00:00"."""
    text = value.strip()
    return _ZONE_WORD.sub("+00:00", text) if _ZONE_WORD.search(text) else text


def to_time(value: Any) -> pd.Timestamp | None:
    """A UTC timestamp (ns) from a date/datetime string or object; naive values are UTC.

    Only strings that start like a date are parsed (so "now"/"today" never become the
    current time); anything unparseable or out of range is None.
    """
    if isinstance(value, str):
        return _text_time(value) if len(value) <= MAX_TEXT else None
    if isinstance(value, datetime | date | pd.Timestamp):
        return _stamp(value)
    return None


@lru_cache(maxsize=8192)
def _text_time(value: str) -> pd.Timestamp | None:
    """Parsed once per distinct string: windows and campaigns repeat the same days."""
    return _stamp(normalise(value)) if _DATE_PREFIX.match(value) else None


def _stamp(candidate: Any) -> pd.Timestamp | None:
    try:
        stamp = pd.Timestamp(candidate)
        if pd.isna(stamp):
            return None
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return stamp.as_unit("ns")
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None


def time_values(values: Iterable[Any]) -> pd.Series:
    """A whole column of date strings → UTC datetimes (NaT where unreadable), vectorised.

    The common ISO 8601 forms go through one ``pd.to_datetime``; the few values it cannot read
    are tried once each (per distinct text) with ``to_time``, so the column agrees with it.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
    series = series.reset_index(drop=True)
    is_text = series.map(lambda v: isinstance(v, str)).astype(bool)
    cleaned = series.where(is_text, None)
    text = cleaned.astype("object").map(lambda v: normalise(v) if isinstance(v, str) else None)
    out = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    missing = out.isna() & is_text
    if bool(missing.any()):
        fixed = {v: to_time(v) for v in pd.unique(series[missing])}
        repaired = series[missing].map(fixed)
        out = out.astype("datetime64[ns, UTC]")
        out[missing] = pd.to_datetime(repaired, utc=True)
    return out
