"""Values in Redis: JSON, Arrow IPC for a DataFrame, msgpack or tagged JSON for small results.
Never pickle.

A shared store must not be able to run code in the dashboard, so only data formats are
accepted. The frozen dataclasses a module ``register``s (by name, from an allow-list: decoding
never imports or calls anything else) travel as msgpack decoded straight into their typed
fields by ``msgspec`` (frames inside as bytes); tagged JSON carries tuples, and
registered values msgpack cannot give back exactly. A frame travels as its column buffers
(``frame_codec``: rebuilt straight into pandas blocks) when its index and columns allow, else
as Arrow IPC; one whose Arrow types alone give back its dtypes is marked so, and decoded
without reading the pandas metadata (about twice as fast as with it). Every encoding is decoded once and compared before it is used: exact, or not shared.
``encode`` returns None for anything else (such values stay in the process).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
from typing import Any, cast

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard.shared_store import frame_codec

__all__ = ["decode", "encode", "register"]

_JSON = b"J"
_ARROW = b"A"  # Arrow IPC, dtypes from the pandas metadata
_ARROW_PLAIN = b"F"  # Arrow IPC whose Arrow types alone give the dtypes (RangeIndex)
_COLUMNS = b"C"  # the columns' buffers in msgpack (``frame_codec``): the fastest to read back
_TAGGED = b"T"
_MSGPACK = b"M"  # b"M" + a registered name + b"\n" + msgpack of its fields

_REGISTERED: dict[str, type] = {}
_DECODERS: dict[str, msgspec.msgpack.Decoder] = {}

#: Arrow type -> the pandas dtype the dashboard's frames use for it (the rest: Arrow's default).
_PLAIN_TYPES: dict[pa.DataType, Any] = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def register(cls: type) -> type:
    """Allow instances of the dataclass ``cls`` (plain fields only) in the shared store."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    name = f"{cls.__module__}.{cls.__qualname__}"
    _REGISTERED[name] = cls
    _DECODERS.pop(name, None)
    return cls


def _enc_hook(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return _frame_bytes(value)
    raise NotImplementedError  # refused: the value stays in the process


def _dec_hook(kind: type, value: Any) -> Any:
    if kind is pd.DataFrame and isinstance(value, bytes):
        return _decode_frame(value)
    raise NotImplementedError(f"{kind!r} in the shared cache")


_MSGPACK_ENCODER = msgspec.msgpack.Encoder(enc_hook=_enc_hook)


def _decoder(name: str) -> msgspec.msgpack.Decoder:
    decoder = _DECODERS.get(name)
    if decoder is None:
        cls = _REGISTERED.get(name)
        if cls is None:
            raise ValueError("an unregistered type in the shared cache")
        decoder = _DECODERS[name] = msgspec.msgpack.Decoder(cls, dec_hook=_dec_hook)
    return decoder


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


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as its column buffers (``_COLUMNS``) when they give it back exactly, else tagged
    Arrow IPC: ``_ARROW_PLAIN`` when that does, else ``_ARROW``; ``_Refused`` when none does."""
    columns = frame_codec.encode(frame)
    if columns is not None:
        try:
            if _same_frame(frame, _decode_frame(_COLUMNS + columns)):
                return _COLUMNS + columns
        except (TypeError, ValueError):
            pass
    body = _arrow(frame)
    for tag in (_ARROW_PLAIN, _ARROW):
        try:
            if _same_frame(frame, _decode_frame(tag + body)):
                return tag + body
        except (TypeError, ValueError):
            continue
    raise _Refused


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
    if type(a) is float and type(b) is float and math.isnan(a) and math.isnan(b):
        return True  # a number Braze did not give (NaN) reads back as NaN
    return bool(type(a) is type(b) and a == b)


def _msgpack(value: Any) -> bytes | None:
    """A registered dataclass as typed msgpack, if that gives it back exactly."""
    name = f"{type(value).__module__}.{type(value).__qualname__}"
    try:
        data = _MSGPACK + name.encode() + b"\n" + _MSGPACK_ENCODER.encode(value)
        return data if _same(value, decode(data)) else None
    except (_Refused, NotImplementedError, TypeError, ValueError, msgspec.MsgspecError):
        return None
    except pa.ArrowException:
        return None


def encode(value: Any) -> bytes | None:
    if isinstance(value, pd.DataFrame):
        try:
            return _frame_bytes(value)  # exact, or not shared
        except _Refused:
            return None
    if type(value) in _REGISTERED.values():
        data = _msgpack(value)
        if data is not None:
            return data
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
    if tag in (_ARROW, _ARROW_PLAIN, _COLUMNS):
        return _decode_frame(data)
    if tag == _MSGPACK:
        name, _, packed = bytes(body).partition(b"\n")
        try:
            return _decoder(name.decode("ascii", "replace")).decode(packed)
        except (msgspec.MsgspecError, NotImplementedError) as error:
            raise ValueError("a damaged value in the shared cache") from error
    if tag == _TAGGED:
        return json.loads(body, object_hook=_untag)
    raise ValueError("unknown value format in the shared cache")


def _decode_frame(data: bytes) -> pd.DataFrame:
    tag = data[:1]
    if tag == _COLUMNS:
        return frame_codec.decode(memoryview(data)[1:])
    if tag not in (_ARROW, _ARROW_PLAIN):
        raise ValueError("unknown frame format in the shared cache")
    return _frame(memoryview(data)[1:], plain=tag == _ARROW_PLAIN)


def _frame(body: bytes | memoryview, plain: bool = False) -> pd.DataFrame:
    try:
        with pa.ipc.open_stream(pa.py_buffer(body)) as reader:
            table = reader.read_all()
        # One thread: these frames are small, and a pool costs more than it saves on them.
        if plain:  # dtypes from the Arrow types: the pandas metadata is not read
            frame = table.to_pandas(
                ignore_metadata=True, types_mapper=_PLAIN_TYPES.get, use_threads=False
            )
        else:
            frame = table.to_pandas(use_threads=False)
    except pa.ArrowException as error:
        raise ValueError("a damaged frame in the shared cache") from error
    for name in table.schema.names:  # list cells come back as arrays: make them lists again
        kind = table.schema.field(name).type
        if name in frame.columns and (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
            frame[name] = pd.Series(
                [_as_list(v) for v in frame[name]], index=frame.index, dtype=object
            )
    return frame
