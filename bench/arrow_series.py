"""Bench only (issue 19): campaign series bytes → the pages' frames through `pyarrow.json`.

An experiment measured against `frames.campaign_series_from_bytes`, not product code.
`pyarrow.json.read_json` parses the whole body (one JSON object) into nested Arrow arrays
(`data: list<struct<time, messages: struct<channel: list<struct<...>>>, totals...>>`), and the
long frame, totals frame and channel list are read off those arrays with no Python per row.

What an Arrow struct cannot say, and how this prototype gets it:
- each day's channel order: a struct keeps one field order for the whole body (channels in the
  order first seen), so a second decode (`msgspec`, `messages` as `dict[str, Raw]`, the one
  `series_bytes` already runs) gives each day's order, and rows are placed by it;
- the metric columns' first-seen order: the first row present per field, ties (keys first
  carried by the same entry) by the channel struct's field order, which is the first-seen
  order of that channel's keys. It only equals the entry's own key order when the days are
  read in the body's order, so times must be parseable and strictly increasing;
- absent vs null: both are null in Arrow. The prototype does not look for JSON nulls (a
  `bytes.find(b"null")` over the body costs about 0.1x `json.loads` by itself; see
  bench/RESULTS.md): it is only exact on null-free bodies such as the bench's.

Anything else the shapes cannot hold exactly (undocumented channels or keys, a count that is
not an int64 within ±2**53, NaN revenue, more than one JSON object, a parse error) raises
`Unsupported`; the product path would send such a body to the msgspec path.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from braze_api.frames._coerce import frame, str_array, time_array, to_time
from braze_api.frames.campaign_series import CAMPAIGN_TOTAL_FIELDS
from braze_api.frames.engagement import channel_kind
from braze_api.frames.series_bytes import (
    _COMMON,
    _DOCUMENTED_KEYS,
    _LIMIT,
    _MAX_NAMED,
    _NAMED_CLICK,
    _ORDER,
    CHANNEL_COUNTS,
    SeriesFrames,
    labels_and_controls,
)

_TIME_AS_TEXT = pa.schema([pa.field("data", pa.list_(pa.struct([pa.field("time", pa.string())])))])
_DAY_KEYS = frozenset(("time", "messages", *CAMPAIGN_TOTAL_FIELDS))
_TEXT = ("variation_name", "variation_api_id")


class Unsupported(Exception):
    """This body is not one the Arrow shapes hold exactly (the product would fall back)."""


def read_table(payload: bytes, use_threads: bool = False) -> pa.Table:
    """The body as a one-row table (`time` kept as text; everything else inferred)."""
    return pj.read_json(
        io.BytesIO(payload),
        read_options=pj.ReadOptions(block_size=len(payload) + 1, use_threads=use_threads),
        parse_options=pj.ParseOptions(
            explicit_schema=_TIME_AS_TEXT, unexpected_field_behavior="infer"
        ),
    )


def _valid(array: Any) -> np.ndarray | None:
    """Where an Arrow array holds a value (None when it has no nulls), off its bitmap."""
    if not array.null_count:
        return None
    bits = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    start = array.offset
    return np.unpackbits(bits, bitorder="little", count=start + len(array))[start:].view(bool)


def _values(array: Any, dtype: Any, valid: np.ndarray | None) -> np.ndarray:
    """A fixed-width Arrow array's values as numpy (no copy), 0 where it is null."""
    data = np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + len(array)]
    return data if valid is None else np.where(valid, data, 0)


def _ints(array: Any) -> np.ndarray:
    """An int64 Arrow array as numpy, nulls as 0."""
    return _values(array, np.int64, _valid(array))


def arrow_series_from_bytes(payload: bytes, use_threads: bool = False) -> SeriesFrames:
    try:
        table = read_table(payload, use_threads)
    except pa.ArrowInvalid as error:
        raise Unsupported(str(error)) from None
    if table.num_rows != 1 or "data" not in table.column_names:
        raise Unsupported("not one object with data")
    day_type = table.schema.field("data").type
    if not pa.types.is_list(day_type) or not pa.types.is_struct(day_type.value_type):
        raise Unsupported("data is no list of objects")
    days = table.column("data").chunk(0).values
    if not _DAY_KEYS.issuperset(f.name for f in days.type):
        raise Unsupported("undocumented day key")
    order = _ORDER.decode(payload).data  # each day's channel order (a struct keeps one)
    stamps = [to_time(text) for text in days.field("time").to_pylist()]
    nanos = [None if s is None else s.value for s in stamps]
    if None in nanos or any(a >= b for a, b in zip(nanos, nanos[1:], strict=False)):
        raise Unsupported("times not strictly increasing")
    times = time_array(stamps)
    totals = _totals(days, times)
    channels: dict[str, None] = {}
    for day in order:
        channels.update(dict.fromkeys(day.messages))
    long = _long(days, order, times)
    return SeriesFrames(long, totals, tuple(channels))


def _totals(days: Any, times: Any) -> pd.DataFrame:
    n = len(days)
    zero = np.zeros(n, dtype=bool)
    columns: dict[str, Any] = {"time": times}
    names = set(days.type.names)
    for name in CAMPAIGN_TOTAL_FIELDS:
        if name not in names:
            values = np.zeros(n, dtype=np.float64 if name == "revenue" else np.int64)
        else:
            array = days.field(name)
            kind = array.type
            if name == "revenue":
                if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
                    raise Unsupported("revenue type")
                values = pc.fill_null(array, 0).cast(pa.float64()).to_numpy()
                if np.isnan(values).any():
                    raise Unsupported("NaN")
            else:
                if kind != pa.int64():
                    raise Unsupported(f"{name}: {kind}")
                values = _ints(array)
                if len(values) and (values.min() < -_LIMIT or values.max() > _LIMIT):
                    raise Unsupported("out of range")
        columns[name] = values if name == "revenue" else pd.arrays.IntegerArray(values, zero)
    return frame(columns)


def _long(days: Any, order: list[Any], times: Any) -> pd.DataFrame:
    if "messages" not in days.type.names:
        raise Unsupported("no messages")  # (the product would build the empty frame)
    messages = days.field("messages")
    if not pa.types.is_struct(messages.type):
        raise Unsupported("messages type")
    layout = messages.type.names
    if not set(layout) <= set(CHANNEL_COUNTS):
        raise Unsupported("undocumented channel")
    n_days = len(days)
    # each day's place for each channel: the day's own order (blocks sort by day, then it)
    rank = np.zeros((n_days, len(layout)), dtype=np.int64)
    layouts = {tuple(day.messages) for day in order}
    if layouts == {tuple(layout)}:
        rank[:] = np.arange(len(layout))
    else:
        code_of = {name: code for code, name in enumerate(layout)}
        for index, day in enumerate(order):
            for place, name in enumerate(day.messages):
                rank[index, code_of[name]] = place
    parts = []  # (channel, entries StructArray, day of each entry)
    for code, channel in enumerate(layout):
        lists = messages.field(code)
        if pa.types.is_null(lists.type.value_type):
            continue  # only empty lists
        if not pa.types.is_struct(lists.type.value_type):
            raise Unsupported("entries type")
        entries = lists.flatten()
        if not len(entries):
            continue
        parent = pc.list_parent_indices(lists).to_numpy()
        parts.append((code, channel, entries, parent))
    if not parts:
        raise Unsupported("no entries")  # (the product would build the empty frame)
    keys = np.concatenate(
        [parent * len(layout) + rank[parent, code] for code, _, _, parent in parts]
    )
    sort = np.argsort(keys, kind="stable")  # row r of the frame is concatenated entry sort[r]
    n = len(sort)
    place = np.empty(n, dtype=np.intp)
    place[sort] = np.arange(n)
    block_keys = keys[sort]
    starts = np.flatnonzero(np.r_[True, block_keys[1:] != block_keys[:-1]]) if n else []
    sizes = np.diff(np.r_[starts, n]).astype(np.intp)
    # channel codes in first-row order (as the general way numbers them)
    first_row = {}
    offset = 0
    rows_of = []
    for _, channel, entries, _ in parts:
        rows = place[offset : offset + len(entries)]
        offset += len(entries)
        rows_of.append(rows)
        first_row[channel] = int(rows.min())
    names = sorted(first_row, key=first_row.__getitem__)
    name_code = {name: i for i, name in enumerate(names)}
    row_codes = np.empty(n, dtype=np.intp)
    # values
    fields: dict[str, int] = {}  # count field → row in the matrix
    first: dict[str, tuple[int, int, int]] = {}  # field → (first row, channel rank, field idx)
    columns: list[np.ndarray] = []
    money = np.zeros(n, dtype=np.float64)
    texts = {name: np.full(n, None, dtype=object) for name in _TEXT}
    present = {name: np.zeros(n, dtype=bool) for name in ("enrolled", "delivered")}
    named = 0
    for (_, channel, entries, _), rows in zip(parts, rows_of, strict=True):
        row_codes[rows] = name_code[channel]
        counts = CHANNEL_COUNTS[channel]
        for index, field in enumerate(entries.type):
            name = field.name
            array = entries.field(index)
            kind = field.type
            if pa.types.is_null(kind):
                raise Unsupported("null")
            valid = _valid(array)
            if valid is not None and not valid.any():
                continue
            at = int(rows[0] if valid is None else rows[np.argmax(valid)])
            if name not in first or first[name][0] > at:
                first[name] = (at, index, 0)
            if name in texts:
                if kind != pa.string():
                    raise Unsupported(f"{name}: {kind}")
                texts[name][rows] = array.to_numpy(zero_copy_only=False)
                continue
            if name == "revenue":
                if kind == pa.int64():
                    array = array.cast(pa.float64())
                elif kind != pa.float64():
                    raise Unsupported(f"revenue: {kind}")
                values = _values(array, np.float64, valid)
                if np.isnan(values).any():
                    raise Unsupported("NaN")
                money[rows] = values
                continue
            documented = name in counts or name in _COMMON
            if not documented and not (channel.endswith("_push") and _NAMED_CLICK.fullmatch(name)):
                raise Unsupported(f"undocumented key {channel}.{name}")
            if kind != pa.int64():
                raise Unsupported(f"{name}: {kind}")
            slot = fields.get(name)
            if slot is None:
                slot = fields[name] = len(columns)
                columns.append(np.zeros(n, dtype=np.int64))
                named += name not in _DOCUMENTED_KEYS
            columns[slot][rows] = _values(array, np.int64, valid)
            if name in present:
                present[name][rows] = True if valid is None else valid
    if named > _MAX_NAMED:
        raise Unsupported("too many named clicks")
    for column in columns:
        if column.min() < -_LIMIT or column.max() > _LIMIT:
            raise Unsupported("out of range")
    ints = {name: columns[slot] for name, slot in fields.items()}
    # labels and control rows, as the msgspec path reads them
    control, variation_column = labels_and_controls(
        texts, first, ints, present, n, row_codes, names, sizes
    )
    # metrics by first row; ties (one entry first carries both) by the channel's field order
    zero = np.zeros(n, dtype=bool)
    metrics: dict[str, Any] = {}
    for name in sorted((k for k in first if k != "variation_name"), key=first.__getitem__):
        if name == "revenue":
            metrics[name] = money
        elif name == "variation_api_id":
            metrics[name] = str_array(texts[name])
        else:
            metrics[name] = pd.arrays.IntegerArray(ints[name], zero)
    push = [code for code, name in enumerate(names) if channel_kind(name) == "push"]
    if push:
        need = np.isin(row_codes, push) & ~present["delivered"]
        if need.any():
            sent, bounces, current = (
                ints.get(name, np.zeros(n, dtype=np.int64))
                for name in ("sent", "bounces", "delivered")
            )
            filled = np.where(need, np.maximum(sent - bounces, 0), current)
            metrics["delivered"] = pd.arrays.IntegerArray(filled, zero)
    owner = np.repeat(block_keys[starts] // len(layout), sizes) if n else np.zeros(0, np.intp)
    return frame(
        {
            "time": times.take(owner),
            "channel": str_array(np.array(names, dtype=object)).take(row_codes),
            "variation_name": variation_column,
            "is_control": pd.arrays.BooleanArray(control, zero),
            **metrics,
        }
    )
