"""A frame as its column buffers in msgpack, rebuilt into pandas blocks without conversion.

The dashboard's frames are small (tens to a few thousand rows) and typed: nullable Int64 /
Float64 / boolean counts, numpy floats, UTC times, Arrow-backed text. Arrow IPC gives them back
exactly but spends most of a read rebuilding pandas dtypes column by column (1-2 ms a frame).
Here each column travels as its raw buffers (values, mask; Arrow text as validity, offsets and
data) and is rebuilt as the same pandas array around a copy of those bytes, all columns in one
block manager: several times faster. Nullable columns of one dtype, when a frame has several
(a series' counts), travel as one group: their values and masks back to back, copied once and
rebuilt as one row each of a 2-D array, not one buffer per column. Only a frame with a default RangeIndex and text column
names, whose every column is one of the kinds below, is written this way (``encode`` returns
None otherwise); the caller checks every encoding decodes to an equal frame before sharing it.

Decoding reads data only: the kinds and dtypes come from a fixed list, every buffer's length is
checked against the row count, and Arrow text is validated in full before use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
from pandas._libs.internals import BlockPlacement  # type: ignore[import-not-found]
from pandas.core.arrays.string_arrow import ArrowStringArray
from pandas.core.internals import BlockManager  # type: ignore[import-not-found]
from pandas.core.internals.api import _make_block  # type: ignore[import-not-found]
from pandas.core.internals.blocks import ExtensionBlock  # type: ignore[import-not-found]

__all__ = ["decode", "encode"]

# Masked (nullable) pandas dtypes by name: the array type and its values' numpy dtype.
_MASKED: dict[str, tuple[Any, np.dtype]] = {
    name: (dtype.construct_array_type(), np.dtype(dtype.numpy_dtype))
    for name in ("Int64", "Int32", "Float64", "Float32", "boolean")
    for dtype in [cast(Any, pd.api.types.pandas_dtype(name))]
}
_BOOL = np.dtype(bool)
# Plain numpy dtypes by name.
_NUMPY: dict[str, np.dtype] = {
    name: np.dtype(name) for name in ("float64", "float32", "int64", "int32", "bool")
}
_UNITS = ("s", "ms", "us", "ns")


class _Column(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    kind: str  # "masked", "grouped" (the next column of its dtype's group), "numpy", "time", ...
    dtype: str  # the dtype's name (time: its unit; text: "str" or "string")
    data: bytes = b""  # values (text: the Arrow data buffer)
    extra: bytes | None = None  # masked: the mask; text: the offsets
    valid: bytes | None = None  # text: the Arrow validity bitmap (None: no nulls)
    zone: str | None = None  # time: the time zone (None: naive)
    cells: list[Any] | None = None  # cells: an object column's values (text, numbers, lists)


class _Group(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    """The values and masks of ``count`` nullable columns of one dtype, column after column."""

    dtype: str
    count: int
    data: bytes
    mask: bytes


class _Frame(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    rows: int
    names: list[str]
    columns: list[_Column]
    groups: list[_Group] = []  # absent in frames written before groups (read as before)


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(_Frame)

_TEXT_DTYPES = {
    "str": pd.StringDtype("pyarrow", na_value=np.nan),
    "string": pd.StringDtype("pyarrow", na_value=pd.NA),
}


class _Unsupported(Exception):
    pass


def _text_column(array: Any, rows: int) -> _Column:  # pandas' own fields: read, not changed
    name = next((k for k, v in _TEXT_DTYPES.items() if array.dtype == v), None)
    if name is None or not isinstance(array, ArrowStringArray):
        raise _Unsupported
    chunked = cast(Any, array)._pa_array  # the Arrow data behind the column (read, not changed)
    text = chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
    if text.type != pa.large_string() or text.offset != 0:
        text = pa.array(text.to_pylist(), type=pa.large_string())  # a slice: compact it
    valid, offsets, data = text.buffers()
    end = int(np.frombuffer(offsets, np.int64, count=rows + 1)[-1]) if rows else 0
    return _Column(
        kind="text",
        dtype=name,
        data=data.to_pybytes()[:end] if data is not None else b"",
        extra=offsets.to_pybytes()[: 8 * (rows + 1)],
        valid=None
        if text.null_count == 0 or valid is None
        else valid.to_pybytes()[: -(-rows // 8)],
    )


def _column(series: pd.Series, rows: int) -> _Column:
    array: Any = series.array  # its buffers (``_data``, ``_mask``, ``_ndarray``) are read
    dtype = series.dtype
    if isinstance(array, pd.arrays.IntegerArray | pd.arrays.FloatingArray | pd.arrays.BooleanArray):
        if str(dtype) not in _MASKED:
            raise _Unsupported
        return _Column(
            kind="masked",
            dtype=str(dtype),
            data=cast(Any, array)._data.tobytes(),
            extra=cast(Any, array)._mask.tobytes(),
        )
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        unit = np.datetime_data(array._ndarray.dtype)[0]
        if unit not in _UNITS:
            raise _Unsupported
        zone = str(dtype.tz) if isinstance(dtype, pd.DatetimeTZDtype) else None
        return _Column(kind="time", dtype=unit, data=array._ndarray.tobytes(), zone=zone)
    if isinstance(dtype, np.dtype) and dtype.name in _NUMPY:
        return _Column(kind="numpy", dtype=dtype.name, data=series.to_numpy().tobytes())
    if isinstance(dtype, pd.StringDtype):
        return _text_column(array, rows)
    if isinstance(dtype, np.dtype) and dtype.kind == "O":  # e.g. a campaign's tags (lists)
        return _Column(kind="cells", dtype="object", cells=series.tolist())
    raise _Unsupported


def encode(frame: pd.DataFrame) -> bytes | None:
    """The frame's buffers as msgpack, or None when a column or the index is of another kind."""
    index = frame.index
    if not (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
        and frame.columns.is_unique
        and all(type(name) is str for name in frame.columns)
        and frame.columns.dtype == pd.Index(list(frame.columns)).dtype
    ):
        return None
    rows = len(frame)
    try:
        columns = [_column(frame.iloc[:, i], rows) for i in range(frame.shape[1])]
    except (_Unsupported, AttributeError, TypeError, ValueError, pa.ArrowException):
        return None
    groups = _group(columns)
    try:
        return _ENCODER.encode(
            _Frame(rows=rows, names=list(frame.columns), columns=columns, groups=groups)
        )
    except (TypeError, ValueError, OverflowError):  # a cell msgpack cannot carry
        return None


def _group(columns: list[_Column]) -> list[_Group]:
    """Move the buffers of every masked dtype held by two columns or more into one group (in
    column order); those columns become ``grouped`` placeholders. One column stays as it is."""
    by_dtype: dict[str, list[int]] = {}
    for i, column in enumerate(columns):
        if column.kind == "masked":
            by_dtype.setdefault(column.dtype, []).append(i)
    groups = []
    for dtype, places in by_dtype.items():
        if len(places) < 2:
            continue
        groups.append(
            _Group(
                dtype=dtype,
                count=len(places),
                data=b"".join(columns[i].data for i in places),
                mask=b"".join(cast(bytes, columns[i].extra) for i in places),
            )
        )
        for i in places:
            columns[i] = _Column(kind="grouped", dtype=dtype)
    return groups


def _buffer(data: bytes | None, dtype: np.dtype, rows: int) -> np.ndarray:
    if data is None or len(data) != rows * dtype.itemsize:
        raise ValueError("a frame column of the wrong length in the shared cache")
    return np.frombuffer(data, dtype).copy()  # writable, owned by the frame


def _text(column: _Column, rows: int) -> ArrowStringArray:
    dtype = _TEXT_DTYPES.get(column.dtype)
    if dtype is None or column.extra is None or len(column.extra) != 8 * (rows + 1):
        raise ValueError("a damaged text column in the shared cache")
    if column.valid is not None and len(column.valid) != -(-rows // 8):
        raise ValueError("a damaged text column in the shared cache")
    buffers = [
        None if column.valid is None else pa.py_buffer(column.valid),
        pa.py_buffer(column.extra),
        pa.py_buffer(column.data),
    ]
    text = pa.Array.from_buffers(pa.large_string(), rows, buffers)
    text.validate(full=True)  # offsets inside the data, valid UTF-8: before pandas reads it
    return cast(Any, ArrowStringArray)(pa.chunked_array([text]), dtype=dtype)


def _block(column: _Column, rows: int) -> Any:
    if column.kind == "masked":
        masked = _MASKED.get(column.dtype)
        if masked is None:
            raise ValueError("an unknown column type in the shared cache")
        array_type, values_dtype = masked
        # The buffers were checked (dtype, length) above: no second validation by __init__.
        return array_type._simple_new(
            _buffer(column.data, values_dtype, rows), _buffer(column.extra, _BOOL, rows)
        )
    if column.kind == "numpy":
        kind = _NUMPY.get(column.dtype)
        if kind is None:
            raise ValueError("an unknown column type in the shared cache")
        return _buffer(column.data, kind, rows).reshape(1, rows)
    if column.kind == "time":
        if column.dtype not in _UNITS:
            raise ValueError("an unknown time unit in the shared cache")
        values = _buffer(column.data, np.dtype(f"M8[{column.dtype}]"), rows)
        if column.zone is None:
            return values.reshape(1, rows)
        zoned = pd.DatetimeTZDtype(cast(Any, column.dtype), column.zone)
        return cast(Any, pd.arrays.DatetimeArray)._simple_new(values, dtype=zoned)
    if column.kind == "text":
        return _text(column, rows)
    if column.kind == "cells":
        if column.cells is None or len(column.cells) != rows:
            raise ValueError("a damaged object column in the shared cache")
        cells = np.empty((1, rows), dtype=object)
        for i, cell in enumerate(column.cells):  # one by one: lists stay cells, not a 2-D array
            cells[0, i] = cell
        return cells
    raise ValueError("an unknown column kind in the shared cache")


def _grouped(groups: list[_Group], rows: int) -> dict[str, Iterator[Any]]:
    """Each group's columns as masked arrays over the rows of two 2-D arrays (one copy of each
    buffer, its length checked), handed out in order by the dtype's iterator."""
    arrays: dict[str, Iterator[Any]] = {}
    for group in groups:
        masked = _MASKED.get(group.dtype)
        if masked is None or group.count < 2 or group.dtype in arrays:
            raise ValueError("a damaged column group in the shared cache")
        array_type, values_dtype = masked
        values = _buffer(group.data, values_dtype, rows * group.count).reshape(group.count, rows)
        mask = _buffer(group.mask, _BOOL, rows * group.count).reshape(group.count, rows)
        new = array_type._simple_new  # lengths checked with the group's: no second validation
        arrays[group.dtype] = iter([new(v, m) for v, m in zip(values, mask, strict=True)])
    return arrays


_COLUMN_INDEXES: dict[tuple[str, ...], pd.Index] = {}  # an Index is immutable: frames share it


def _column_index(names: list[str]) -> pd.Index:
    key = tuple(names)
    index = _COLUMN_INDEXES.get(key)
    if index is None:
        if len(_COLUMN_INDEXES) >= 512:  # a bound, not a cache policy: start again
            _COLUMN_INDEXES.clear()
        index = _COLUMN_INDEXES[key] = pd.Index(names)
    return index


def decode(data: bytes | memoryview) -> pd.DataFrame:
    """The frame, one block per column put straight into a block manager.

    Masked and Arrow text arrays are extension blocks as they are (their kind says so);
    ``_make_block`` (what ``create_dataframe_from_blocks`` calls for each) would look their
    block type up and re-check their shape, a third of a read. Anything else goes through it.
    The frame is the one ``create_dataframe_from_blocks`` gives (``encode``'s caller compares
    them exactly). Block placements are shared between frames, as pandas' own copies do.
    """
    try:
        frame = _DECODER.decode(data)
    except msgspec.MsgspecError as error:
        raise ValueError("a damaged frame in the shared cache") from error
    rows = frame.rows
    if rows < 0 or len(frame.names) != len(frame.columns):
        raise ValueError("a damaged frame in the shared cache")
    places = _PLACES
    blocks = []
    try:
        grouped = _grouped(frame.groups, rows)
        for i, column in enumerate(frame.columns):
            kind = column.kind
            place = places[i] if i < len(places) else BlockPlacement(slice(i, i + 1))
            if kind == "grouped":
                values = next(grouped[column.dtype], None)
                if values is None:
                    raise ValueError("a column group of the wrong size in the shared cache")
                blocks.append(ExtensionBlock(values, place, ndim=2))
            elif kind == "masked" or kind == "text":
                blocks.append(ExtensionBlock(_block(column, rows), place, ndim=2))
            else:
                blocks.append(_make_block(_block(column, rows), np.array([i], dtype=np.intp)))
        if any(next(left, None) is not None for left in grouped.values()):
            raise ValueError("a column group of the wrong size in the shared cache")
    except (pa.ArrowException, TypeError, KeyError) as error:
        raise ValueError("a damaged frame in the shared cache") from error
    columns = _column_index(frame.names)
    index = pd.RangeIndex._simple_new(range(rows))  # type: ignore[attr-defined]
    manager = BlockManager(tuple(blocks), [columns, index], verify_integrity=False)
    return cast(Any, pd.DataFrame)._from_mgr(manager, manager.axes)


_PLACES = tuple(BlockPlacement(slice(i, i + 1)) for i in range(256))  # immutable: shared
