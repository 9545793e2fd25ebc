"""CSV export that spreadsheets cannot execute.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-``, ``@``
(or a tab / carriage return) as a formula. Campaign and event names come from Braze users, so
every exported text cell is neutralised with a leading apostrophe (OWASP's advice).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as "-12" or "+3.5e2" cannot run anything, so it is left readable.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """Prefix ``'`` to a string a spreadsheet would read as a formula; other values pass."""
    if not isinstance(value, str) or not value.startswith(_TRIGGERS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def _is_text_column(column: pd.Series) -> bool:
    dtype = column.dtype
    return not (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
    )


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a BOM (so Excel picks the encoding), formula-safe."""
    safe = frame.copy()
    if not isinstance(safe.index, pd.RangeIndex):
        safe = safe.reset_index()
    for name in safe.columns:
        if _is_text_column(safe[name]):
            safe[name] = safe[name].astype(object).map(neutralise)
    safe.columns = [neutralise(str(name)) for name in safe.columns]
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
