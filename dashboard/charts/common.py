"""What every chart shares: the palette, axis titles, and the memo that builds each once.

Colours are mid-tone so they hold contrast on white and on near-black; backgrounds stay
transparent and font colours unset so Streamlit's theme supplies them (``vega.CONFIG``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa
from cachetools import LRUCache
from pandas.arrays import (
    ArrowExtensionArray,
    DatetimeArray,
    NumpyExtensionArray,
    TimedeltaArray,
)
from pandas.core.arrays.masked import BaseMaskedArray

T = TypeVar("T")

PALETTE: tuple[str, ...] = (
    "#3B82F6",  # blue
    "#8B5CF6",  # violet
    "#10B981",  # green
    "#F59E0B",  # amber
    "#EF4444",  # red
    "#06B6D4",  # cyan
    "#EC4899",  # pink
    "#84CC16",  # lime
)


def _stems(text: str) -> set[str]:
    return {word.rstrip("s") for word in re.findall(r"[a-z]+", text.lower())}


def axis_title(name: str, unit: str = "") -> str:
    """An axis title: "Name (unit)" only when the unit adds something ("DAU (users)",
    "Revenue (USD)"); "Sessions", never "Sessions (sessions)" or "Purchases (count)": a
    count's name already says what it counts."""
    words = _stems(unit)
    if not unit or unit.lower() == "count" or (words and words <= _stems(name)):
        return name
    return f"{name} ({unit})"


# ---- memo: build each chart (or derived table) once per distinct input ---------------

_MEMO: LRUCache = LRUCache(maxsize=256)  # a chart spec with its frames: a few kB to 200 kB
_MEMO_LOCK = threading.Lock()


def _digest_part(h: hashlib.blake2b, value: Any) -> None:
    """Feed one argument into the hash: frames by content, plain values by type and repr."""
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        h.update(
            repr((type(value).__name__, list(frame.columns), list(map(str, frame.dtypes)))).encode()
        )
        for values in _column_values(frame):
            _digest_values(h, values)
        _digest_index(h, frame.index)
    elif value is None or isinstance(value, str | int | float | bool):
        h.update(f"{type(value).__name__}:{value!r}".encode())
    elif isinstance(value, tuple | list):
        h.update(f"{type(value).__name__}[{len(value)}]".encode())
        for item in value:
            _digest_part(h, item)
    elif dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen:  # type: ignore[union-attr]
        # An immutable value object (e.g. display.Currency): its type and fields are its key.
        h.update(f"{type(value).__qualname__}:{value!r}".encode())
    else:
        raise TypeError(f"memoized cannot key on {type(value).__name__}")


_ARROW_PLAIN = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_boolean,
    pa.types.is_timestamp,
    pa.types.is_date,
)


def _column_values(frame: pd.DataFrame) -> list[Any]:
    """Each column's array, straight from pandas' block manager (``iloc`` costs ~20x more)."""
    try:
        manager = getattr(frame, "_mgr")  # noqa: B009 (private: not typed)
        return [manager.iget_values(i) for i in range(frame.shape[1])]
    except AttributeError:
        return [frame.iloc[:, i].array for i in range(frame.shape[1])]


def _digest_values(h: hashlib.blake2b, values: Any) -> None:
    """One column's content: its raw buffers where they hold all of it, else pandas' hash.

    Raw buffers (numpy data; a masked array's data and mask; an Arrow array's offset, length
    and buffers, for flat types only) are read in microseconds where ``hash_pandas_object``
    takes about a millisecond per column (16 ms for the 119-row leaderboard). Equal bytes
    mean equal content, so a key can miss for equal data laid out differently but never hit
    for different data.
    """
    h.update(len(values).to_bytes(8, "little"))
    try:
        if isinstance(values, BaseMaskedArray):
            h.update(b"masked")
            h.update(np.ascontiguousarray(getattr(values, "_data")).tobytes())  # noqa: B009
            h.update(np.ascontiguousarray(getattr(values, "_mask")).tobytes())  # noqa: B009
            return
        if isinstance(values, ArrowExtensionArray):
            chunks = getattr(values, "_pa_array").chunks  # noqa: B009 (private: not typed)
            if all(any(t(c.type) for t in _ARROW_PLAIN) for c in chunks):
                h.update(b"arrow")
                for chunk in chunks:
                    h.update(f"{chunk.type}:{chunk.offset}:{len(chunk)}".encode())
                    for buffer in chunk.buffers():
                        h.update(b"-" if buffer is None else b"+")
                        if buffer is not None:
                            h.update(buffer)
                return
        if isinstance(values, DatetimeArray | TimedeltaArray):  # NaT is a value in asi8
            h.update(f"times:{values.dtype}".encode())
            h.update(np.ascontiguousarray(values.view("i8")).tobytes())
            return
        if isinstance(values, NumpyExtensionArray):
            values = values.to_numpy()
        if isinstance(values, np.ndarray) and values.dtype.kind in "biufcmM":
            h.update(f"numpy:{values.dtype.str}".encode())
            h.update(np.ascontiguousarray(values).tobytes())
            return
    except AttributeError:  # pandas moved an internal: fall through to its public hash
        pass
    column = pd.Series(values, copy=False)  # object cells, datetimes with a zone, categories...
    h.update(b"pandas")
    try:
        hashed = pd.util.hash_pandas_object(column, index=False)
    except TypeError:  # unhashable cells (lists): hash their text instead
        hashed = pd.util.hash_pandas_object(column.map(repr), index=False)
    h.update(hashed.to_numpy().tobytes())


def _digest_index(h: hashlib.blake2b, index: pd.Index) -> None:
    if isinstance(index, pd.RangeIndex):
        h.update(f"range:{index.start}:{index.stop}:{index.step}:{index.name!r}".encode())
        return
    h.update(repr((type(index).__name__, list(index.names), str(index.dtype))).encode())
    h.update(pd.util.hash_pandas_object(index).to_numpy().tobytes())


def memo_key(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple:
    """The builder itself plus a content hash of its arguments (frames by value)."""
    h = hashlib.blake2b(digest_size=20)
    _digest_part(h, list(args))
    _digest_part(h, [(k, kwargs[k]) for k in sorted(kwargs)])
    return (builder, h.hexdigest())


def memoized(builder: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``builder(*args, **kwargs)``, built once per distinct input content and reused after.

    For pure builders (chart specs, derived tables): a warm page run then builds nothing it
    built before, and hashing the inputs' frames takes well under 1 ms. The key is the inputs' content, so new data (another range, a refresh) never
    gets a stale result, and a result only ever holds what its own inputs hold. A figure is
    shared between sessions: treat it as read-only (``widgets.show_chart`` only reads it). Frames
    are handed out as shallow copies (copy-on-write), so no caller can change the shared one.
    """
    key = memo_key(builder, *args, **kwargs)
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
    if hit is None:
        hit = builder(*args, **kwargs)
        with _MEMO_LOCK:
            _MEMO[key] = hit
    if isinstance(hit, pd.DataFrame | pd.Series):
        # A shallow copy keeps the type (pandas copies through _constructor): still a T.
        return cast(T, hit.copy(deep=False))
    return hit
