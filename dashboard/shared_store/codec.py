"""Values in Redis: JSON, Arrow IPC for a DataFrame, or tagged JSON for small results. Never pickle.

A shared store must not be able to run code in the dashboard, so only data formats are
accepted. Tagged JSON carries tuples and the frozen dataclasses a module ``register``s (by
name, from an allow-list: decoding never imports or calls anything else), holding only plain
values. ``encode`` returns None for anything else (such values stay in the process).
"""

from __future__ import annotations

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
    name = f"{type(value).__module__}.{type(value).__qualname__}"
    if _REGISTERED.get(name) is type(value):
        fields = dataclasses.fields(cast(Any, value))
        return {"~d": name, "f": {f.name: _tag(getattr(value, f.name), depth + 1) for f in fields}}
    raise _Refused


def _untag(value: Any) -> Any:
    if isinstance(value, list):
        return [_untag(v) for v in value]
    if isinstance(value, dict):
        if "~t" in value:
            return tuple(_untag(v) for v in value["~t"])
        if "~f" in value:
            return float(value["~f"])
        cls = _REGISTERED.get(value.get("~d", ""))
        if cls is None:
            raise ValueError("an unregistered type in the shared cache")
        return cls(**{k: _untag(v) for k, v in value["f"].items()})
    return value


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


def encode(value: Any) -> bytes | None:
    if isinstance(value, pd.DataFrame):
        try:
            table = pa.Table.from_pandas(value, preserve_index=None)  # RangeIndex as metadata
        except (pa.ArrowException, TypeError, ValueError):
            return None
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = _ARROW + sink.getvalue().to_pybytes()
        return data if _same_frame(value, decode(data)) else None  # exact, or not shared
    if type(value) in (dict, list) and _plain_json(value):
        return _JSON + json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    if type(value) is tuple or type(value) in _REGISTERED.values():
        try:
            tagged = _tag(value)
        except _Refused:
            return None
        data = _TAGGED + json.dumps(tagged, separators=(",", ":"), ensure_ascii=False).encode()
        return data if decode(data) == value else None  # exact, or not shared
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
        with pa.ipc.open_stream(pa.py_buffer(body)) as reader:
            table = reader.read_all()
        frame = table.to_pandas()
        for name in table.schema.names:  # list cells come back as arrays: make them lists again
            kind = table.schema.field(name).type
            if name in frame.columns and (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
                frame[name] = pd.Series(
                    [_as_list(v) for v in frame[name]], index=frame.index, dtype=object
                )
        return frame
    if tag == _TAGGED:
        return _untag(json.loads(body))
    raise ValueError("unknown value format in the shared cache")
