"""Values in Redis: JSON, Arrow IPC for a DataFrame, or tagged JSON for small results. Never pickle.

A shared store must not be able to run code in the dashboard, so only data formats are
accepted. Tagged JSON carries tuples and the frozen dataclasses a module ``register``s (by
name, from an allow-list: decoding never imports or calls anything else), holding plain
values and frames (Arrow IPC, base64 inside the JSON). ``encode`` returns None for anything else (such values stay in the process).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["decode", "encode", "register"]

_JSON = b"J"
_ARROW = b"A"
_TAGGED = b"T"

_REGISTERED: dict[str, type] = {}


def register(cls: type) -> type:
    """Allow instances of the dataclass ``cls`` (plain fields only) in the shared store."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    _REGISTERED[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return cls


class _Refused(Exception):
    pass


def _tag(value: Any, depth: int = 0) -> Any:
    if depth > 32:
        raise _Refused
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"~f": repr(value)}
    if isinstance(value, list):
        return [_tag(v, depth + 1) for v in value]
    if type(value) is tuple:
        return {"~t": [_tag(v, depth + 1) for v in value]}
    if isinstance(value, pd.DataFrame) and depth > 0:  # a frame field of a registered dataclass
        return {"~a": base64.b64encode(_arrow(value)).decode("ascii")}
    name = f"{type(value).__module__}.{type(value).__qualname__}"
    if _REGISTERED.get(name) is type(value):
        fields = dataclasses.fields(cast(Any, value))
        return {"~d": name, "f": {f.name: _tag(getattr(value, f.name), depth + 1) for f in fields}}
    raise _Refused


def _untag(tagged: dict[str, Any]) -> Any:
    """One tag object back to its value (``json.loads`` calls this innermost first)."""
    if "~t" in tagged:
        return tuple(tagged["~t"])
    if "~f" in tagged:
        return float(tagged["~f"])
    if "~a" in tagged:
        return _frame(base64.b64decode(tagged["~a"], validate=True))
    if "~d" not in tagged:
        return tagged  # a dataclass's field table, read just below
    cls = _REGISTERED.get(tagged["~d"])
    if cls is None or not isinstance(tagged.get("f"), dict):
        raise ValueError("an unregistered type in the shared cache")
    return cls(**tagged["f"])


def _plain_json(value: Any, depth: int = 0) -> bool:
    """True for values JSON carries back exactly (str keys, finite numbers, lists not tuples)."""
    if depth > 64:
        return False
    if value is None or isinstance(value, bool | str | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v, depth + 1) for k, v in value.items())
    return False


def _arrow(frame: pd.DataFrame) -> bytes:
    try:
        table = pa.Table.from_pandas(frame, preserve_index=None)  # RangeIndex as metadata
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise _Refused from error
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _same(a: Any, b: Any) -> bool:
    """Exactly equal, frames compared as frames (``==`` on a frame is elementwise)."""
    if isinstance(a, pd.DataFrame):
        return _same_frame(a, b)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, tuple | list):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    return bool(type(a) is type(b) and a == b)


def encode(value: Any) -> bytes | None:
    if isinstance(value, pd.DataFrame):
        try:
            data = _ARROW + _arrow(value)
        except _Refused:
            return None
        return data if _same_frame(value, decode(data)) else None  # exact, or not shared
    if type(value) in (dict, list) and _plain_json(value):
        return _JSON + json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    if type(value) is tuple or type(value) in _REGISTERED.values():
        try:
            tagged = _tag(value)
        except _Refused:
            return None
        data = _TAGGED + json.dumps(tagged, separators=(",", ":"), ensure_ascii=False).encode()
        try:
            return data if _same(value, decode(data)) else None  # exact, or not shared
        except (pa.ArrowException, TypeError, ValueError):
            return None
    return None


def _as_list(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


def _same_frame(a: pd.DataFrame, b: Any) -> bool:
    try:
        return (
            isinstance(b, pd.DataFrame)
            and a.dtypes.equals(b.dtypes)
            and a.index.equals(b.index)
            and a.index.dtype == b.index.dtype
            and list(a.columns) == list(b.columns)
            and a.equals(b)
        )
    except (TypeError, ValueError):
        return False


def decode(data: bytes) -> Any:
    tag, body = data[:1], data[1:]
    if tag == _JSON:
        return json.loads(body)
    if tag == _ARROW:
        return _frame(body)
    if tag == _TAGGED:
        return json.loads(body, object_hook=_untag)
    raise ValueError("unknown value format in the shared cache")


def _frame(body: bytes) -> pd.DataFrame:
    try:
        with pa.ipc.open_stream(pa.py_buffer(body)) as reader:
            table = reader.read_all()
    except pa.ArrowException as error:
        raise ValueError("a damaged frame in the shared cache") from error
    frame = table.to_pandas()
    for name in table.schema.names:  # list cells come back as arrays: make them lists again
        kind = table.schema.field(name).type
        if name in frame.columns and (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
            frame[name] = pd.Series(
                [_as_list(v) for v in frame[name]], index=frame.index, dtype=object
            )
    return frame
