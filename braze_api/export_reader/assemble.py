"""Join the Arrow parts of every block into pandas frames, once, at the end.

Parts stay Arrow until then (compact, and string columns convert without copying into
pandas' Arrow-backed ``str``). A column missing from a part is null there; a column whose type
differs between parts (number here, text there) becomes text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from braze_api.dates import ZONE_WORD_PATTERN, time_values

from .fast import Part
from .model import LONG_TABLES, NUMBER_COLUMNS, TIME_COLUMNS, USER_COLUMNS, USERS


class Assembler:
    """Collects parts (by table and column, with their row offsets) and builds the frames."""

    def __init__(self) -> None:
        self.columns: dict[str, dict[str, list[tuple[int, pa.Array]]]] = {
            name: {} for name in (USERS, *LONG_TABLES)
        }
        self.rows: dict[str, int] = dict.fromkeys(self.columns, 0)

    @property
    def users(self) -> int:
        return self.rows[USERS]

    def add(self, part: Part) -> None:
        for table, columns in part.items():
            start = self.rows[table]
            store = self.columns[table]
            length = 0
            for name, values in columns.items():
                store.setdefault(name, []).append((start, values))
                length = len(values)
            self.rows[table] = start + length

    def frames(self) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """(users, long tables); releases the Arrow parts as it goes."""
        users = self._frame(USERS, ("user_id",))
        tables = {name: self._frame(name, ("user_id", *cols)) for name, cols in LONG_TABLES.items()}
        return users, tables

    def _frame(self, table: str, empty_columns: tuple[str, ...]) -> pd.DataFrame:
        total = self.rows[table]
        store = self.columns.pop(table)
        if not total:
            return pd.DataFrame({c: pd.Series([], dtype="str") for c in empty_columns})
        out: dict[str, Any] = {}
        for name in _ordered(table, list(store)):
            out[name] = _column(name, store.pop(name), total)
        return pd.DataFrame(out, index=pd.RangeIndex(total), copy=False)


def _ordered(table: str, names: list[str]) -> list[str]:
    """Documented columns in their order, then the others by name: the same columns in the same
    order however the export was cut into blocks (a rare field may first show up anywhere)."""
    known = USER_COLUMNS if table == USERS else ("user_id", *LONG_TABLES[table])
    present = set(names)
    return [c for c in known if c in present] + sorted(present.difference(known))


def _column(name: str, pieces: list[tuple[int, pa.Array]], total: int) -> Any:
    """One pandas column (array) from the pieces of every part, padded with nulls."""
    target = _common_type([values.type for _, values in pieces])
    chunks: list[pa.Array] = []
    at = 0
    for start, values in pieces:
        if start > at:
            chunks.append(pa.nulls(start - at, target))
        chunks.append(values if values.type == target else values.cast(target))
        at = start + len(values)
    if at < total:
        chunks.append(pa.nulls(total - at, target))
    column = pa.chunked_array(chunks, type=target)
    if name in TIME_COLUMNS:
        return _times(column)
    values = _to_pandas(column)
    if name in NUMBER_COLUMNS and not pd.api.types.is_numeric_dtype(values.dtype):
        return pd.to_numeric(pd.Series(values), errors="coerce").array
    return values


def _times(column: pa.ChunkedArray) -> Any:
    """UTC timestamps; Arrow parses the usual ISO 8601 with a zone, ``braze_api.dates`` the rest
    (``2020-07-10 15:00:00.000 UTC``, bare days), exactly as the single lookup's frames do."""
    if pa.types.is_string(column.type):
        for candidate in (column, _zone_as_offset(column)):
            try:
                return candidate.cast(pa.timestamp("us", "UTC")).to_pandas().array
            except pa.ArrowException:
                continue
    return time_values(pd.Series(_to_pandas(column), dtype="object")).array


def _zone_as_offset(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``2020-07-10 15:00:00.000 UTC`` → ``2020-07-10 15:00:00.000+00:00`` (Arrow reads that)."""
    return pc.replace_substring_regex(column, ZONE_WORD_PATTERN, "+00:00")


def _common_type(types: list[pa.DataType]) -> pa.DataType:
    kinds = {t for t in types if not pa.types.is_null(t)}
    if not kinds:
        return pa.string()
    if len(kinds) == 1:
        return kinds.pop()
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in kinds):
        return pa.float64()
    return pa.string()


def _to_pandas(values: pa.ChunkedArray) -> Any:
    """Arrow-backed ``str`` for text; numpy numbers (float when some are missing); booleans."""
    kind = values.type
    if pa.types.is_boolean(kind):
        if values.null_count:
            mask = values.is_null().to_numpy()
            return pd.arrays.BooleanArray(values.fill_null(False).to_numpy(), mask)
        return values.to_numpy()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pd.array(values.to_pandas(), dtype="str")
    if pa.types.is_integer(kind) and values.null_count:
        return values.cast(pa.float64()).to_numpy()
    return values.to_numpy()
