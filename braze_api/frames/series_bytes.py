"""Campaign and send series straight from response bytes: a typed decode, then columns.

`campaign_series_from_bytes(payload)` gives exactly what `campaign_series_frame`,
`campaign_totals_frame` and the channel list give for the decoded body, in about 1.4× the
time `json.loads` alone takes (bench/RESULTS.md). It also checks the documented types: a
count sent as "12", 1.5 or true, a label that is not text, raises `SeriesTypeError` (with the
JSON path of the value) instead of being coerced.

How: `msgspec` decodes each channel's entries into a Struct of the documented count keys
that channel's entries carried in bodies so far (`messages` is a Struct with one list per
channel), so an entry holds only the slots bodies fill and unknown keys are refused cheaply;
a refused key sends the body through one census of its keys, and documented ones widen the
Structs. A second, nearly free decode (`messages` as raw JSON per channel) gives back what a
Struct does not keep: the channel order of each day, and the key order of the few entries
that decide the metric columns' order. Absent fields hold a sentinel, so presence is read
off the arrays.

A body the typed shapes cannot hold exactly (an undocumented channel or key, a null where a
number is documented, NaN literals, invalid JSON) is first checked by a lenient typed decode
(every documented key's type, nulls allowed, other keys ignored) and then goes the general
way (`decode_json` and the forgiving pivots), so the result is the same either way.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Annotated, Any, NamedTuple

import msgspec
import numpy as np
import pandas as pd

from ._coerce import frame, str_array, time_array, to_time
from .campaign_series import CAMPAIGN_TOTAL_FIELDS
from .engagement import channel_kind
from .messages import _SEND_METRICS, _distinct

__all__ = ["SeriesFrames", "SeriesTypeError", "campaign_series_from_bytes"]

_ABSENT = -(2**62)  # a count's default: outside the allowed range, so never a decoded value
_NAN = math.nan  # revenue's default (one object: `tuple.count` finds it by identity)
_LIMIT = 2**53
Count = Annotated[int, msgspec.Meta(ge=-_LIMIT, le=_LIMIT)]

_CONVERSIONS = tuple(
    f"conversions{k}{suffix}" for k in ("", "1", "2", "3") for suffix in ("", "_by_send_time")
)
#: Fields every channel's entries may carry (besides the labels and revenue).
_COMMON = ("unique_recipients", *_CONVERSIONS, "enrolled")
_PUSH = (
    "sent",
    "direct_opens",
    "total_opens",
    "bounces",
    "body_clicks",
    "delivered",
    "undelivered",
    "delivery_failed",
)
_IN_APP = ("impressions", "clicks", "first_button_clicks", "second_button_clicks")
#: Each channel's documented counts (Braze's docs, and today's channels the sandbox sends).
CHANNEL_COUNTS: dict[str, tuple[str, ...]] = {
    "email": (
        "sent",
        "opens",
        "unique_opens",
        "clicks",
        "unique_clicks",
        "unsubscribes",
        "bounces",
        "delivered",
        "reported_spam",
        "machine_open",
        "machine_amp_open",
    ),
    **{
        push: _PUSH
        for push in (
            "ios_push",
            "apple_push",
            "android_push",
            "web_push",
            "kindle_push",
            "windows_phone8_push",
            "windows_universal_push",
        )
    },
    "webhook": ("sent", "errors"),
    "in_app_message": _IN_APP,
    "trigger_in_app_message": _IN_APP,
    "sms": (
        "sent",
        "sent_to_carrier",
        "delivered",
        "undelivered",
        "rejected",
        "delivery_failed",
        "clicks",
        "opt_out",
        "help",
    ),
    "whats_app": ("sent", "delivered", "failed", "read"),
    "content_cards": (
        "sent",
        "total_impressions",
        "unique_impressions",
        "total_clicks",
        "unique_clicks",
        "total_dismissals",
        "unique_dismissals",
    ),
}
#: Push metrics Braze names per campaign (a button's or a carousel slide's title inside).
_NAMED_CLICK = re.compile(r"(?:notif_button|carousel_slide)_.{1,200}_click")
_MAX_NAMED = 32  # more such names than this in one body: take the general way
_UNKNOWN_KEY = "Object contains unknown field"
_LABELS = ("variation_name", "variation_api_id", "revenue")
#: The (channel, count key) pairs the entry Structs hold: the keys bodies carried so far
#: (read by a census of the body's keys when the strict decode refuses one), so a Struct has
#: a slot only for what bodies fill. At most the documented keys and _MAX_NAMED click names.
#: A hint shared by threads: a union lost to a race only costs one more census.
_shape_seen: frozenset[tuple[str, str]] = frozenset()
_TEXT = ("variation_name", "variation_api_id")
_PRESENCE = ("enrolled", "delivered")  # read row by row (control rows, push delivered)
_TOTALS = tuple(f for f in CAMPAIGN_TOTAL_FIELDS if f != "revenue")


class SeriesTypeError(TypeError):
    """A value's type is not the documented one (the message names its JSON path).

    A TypeError, not a ValueError: `BrazeClient.request_parsed` retries a ValueError as an
    unreadable body, while a wrong type is what Braze sent, and is reported as such."""


def _type_error(message: str) -> Exception:
    """SeriesTypeError, or ValueError when the body is no JSON object at all (unreadable)."""
    if " - at `$" not in message:  # msgspec names no path for the root
        return ValueError(f"not a JSON object: {message}")
    return SeriesTypeError(message)


class SeriesFrames(NamedTuple):
    """The long frame, the totals frame and every channel named (as `series_from_body`)."""

    long: pd.DataFrame
    totals: pd.DataFrame
    channels: tuple[str, ...]


def _entry_fields(
    counts: Sequence[str], *, lenient: bool, common: bool = True
) -> list[tuple[Any, ...]]:
    number: Any = Count | None if lenient else Count
    money: Any = float | None if lenient else float
    text: Any = str | None | msgspec.UnsetType
    out: list[tuple[Any, ...]] = [
        ("variation_name", text, msgspec.UNSET),
        ("variation_api_id", text, msgspec.UNSET),
        ("revenue", money, _NAN),
    ]
    keys = (*_COMMON, *counts) if common else counts
    out += [(name, number, _ABSENT) for name in dict.fromkeys(keys)]
    return out


def _day_fields(lenient: bool) -> list[tuple[Any, ...]]:
    number: Any = Count | None if lenient else Count
    money: Any = float | None if lenient else float
    return [
        ("time", str | None, None),
        *((name, number, _ABSENT) for name in _TOTALS),
        ("revenue", money, _NAN),
    ]


@lru_cache(maxsize=64)
def _decoders(shape: frozenset[tuple[str, str]]) -> tuple[Any, dict[str, tuple[str, ...]]]:
    """The strict decoder whose entries hold the labels, revenue and the count keys `shape`
    gives their channel, and each channel's entry field names (Struct order)."""
    structs: dict[str, Any] = {}
    fields: dict[str, tuple[str, ...]] = {}
    for channel, counts in CHANNEL_COUNTS.items():
        keys = {key for kind, key in shape if kind == channel}
        documented = [key for key in dict.fromkeys((*_COMMON, *counts)) if key in keys]
        named = sorted(keys.difference(documented))
        spec = _entry_fields(documented + named, lenient=False, common=False)
        structs[channel] = msgspec.defstruct(
            f"Entry_{channel}",
            [(f"f{i}", *rest) for i, (_, *rest) in enumerate(spec)],
            rename={f"f{i}": name for i, (name, *_) in enumerate(spec)},
            gc=False,
            forbid_unknown_fields=True,
        )
        fields[channel] = tuple(name for name, *_ in spec)
    messages = msgspec.defstruct(
        "Messages",
        [
            (channel, _list_of(entry), msgspec.field(default_factory=list))
            for channel, entry in structs.items()
        ],
        gc=False,
        forbid_unknown_fields=True,
    )
    day = msgspec.defstruct(
        "Day",
        [
            *_day_fields(lenient=False),
            ("messages", messages, msgspec.field(default_factory=messages)),
        ],
        gc=False,
        forbid_unknown_fields=True,
    )
    body = msgspec.defstruct(
        "Body",
        [("data", _list_of(day), msgspec.field(default_factory=list))],
        gc=False,
    )
    return msgspec.json.Decoder(body), fields


def _list_of(item: Any) -> Any:
    """`list[item]` for a Struct type made at run time."""
    return list[item]


def _channel_lists(item: Any) -> Any:
    """`dict[str, list[item]] | None` for a Struct type made at run time."""
    return dict[str, list[item]] | None


def _lenient_decoder() -> Any:
    """Every documented key's type (nulls allowed), unknown channels and keys ignored."""
    every = tuple(dict.fromkeys(chain.from_iterable(CHANNEL_COUNTS.values())))
    entry = msgspec.defstruct("AnyEntry", _entry_fields(every, lenient=True), gc=False)
    day = msgspec.defstruct(
        "AnyDay",
        [*_day_fields(lenient=True), ("messages", _channel_lists(entry), None)],
        gc=False,
    )
    body = msgspec.defstruct("AnyBody", [("data", _list_of(day) | None, None)], gc=False)
    return msgspec.json.Decoder(body)


_OrderDay = msgspec.defstruct(
    "OrderDay",
    [
        ("time", Any, None),
        ("messages", dict[str, msgspec.Raw], msgspec.field(default_factory=dict)),
    ],
    gc=False,
)
_OrderBody = msgspec.defstruct(
    "OrderBody",
    [("data", _list_of(_OrderDay), msgspec.field(default_factory=list))],
    gc=False,
)
_ORDER: Any = msgspec.json.Decoder(_OrderBody)
_LENIENT = _lenient_decoder()


class _Fallback(Exception):
    """The typed shapes cannot hold this body exactly: take the general way."""


def _decode(payload: bytes) -> tuple[list[Any], dict[str, tuple[str, ...]]]:
    """The body's days, strictly typed, and each channel's entry fields.

    SeriesTypeError for a wrong type; _Fallback when only an undocumented key or channel or
    a null stands in the way (the lenient check then reads the rest of the body's types).
    """
    global _shape_seen
    shape = _shape_seen
    for _ in range(2):  # the shape learnt so far; then, if need be, with this body's keys
        decoder, fields = _decoders(shape)
        try:
            days: list[Any] = decoder.decode(payload).data
        except msgspec.ValidationError as error:
            message = str(error)
            if message.startswith(_UNKNOWN_KEY) and ".messages." in message:
                wider = _census(payload, shape)
                if wider is not None:
                    shape = wider
                    continue
            if _UNKNOWN_KEY in message or "got `null`" in message:
                raise _Fallback from None
            raise _type_error(message) from None
        except msgspec.DecodeError:
            raise _Fallback from None
        if not shape <= _shape_seen:
            seen = _shape_seen | shape
            if sum(1 for _, key in seen if key not in _DOCUMENTED_KEYS) > _MAX_NAMED:
                seen = shape  # other campaigns' click names: forget them
            _shape_seen = seen
        return days, fields
    raise _Fallback


_DOCUMENTED_KEYS = frozenset((*_COMMON, *chain.from_iterable(CHANNEL_COUNTS.values())))
_CensusDay = msgspec.defstruct(
    "CensusDay",
    [("messages", dict[str, list[dict[str, msgspec.Raw]]] | None, None)],
    gc=False,
)
_CENSUS: Any = msgspec.json.Decoder(
    msgspec.defstruct("CensusBody", [("data", _list_of(_CensusDay), [])], gc=False)
)


def _census(payload: bytes, shape: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]] | None:
    """`shape` with every count key this body's entries carry, or None when one is not a
    documented key of its channel (nor a push click name) or the body is not this shape."""
    try:
        days = _CENSUS.decode(payload).data
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    found: set[tuple[str, str]] = set()
    for day in days:
        for channel, entries in (day.messages or {}).items():
            for entry in entries:
                found.update((channel, key) for key in entry)
    wider = set(shape)
    for channel, key in found:
        counts = CHANNEL_COUNTS.get(channel)
        if counts is None:
            return None
        if key in _LABELS:
            continue
        named = channel.endswith("_push") and _NAMED_CLICK.fullmatch(key) is not None
        if key not in counts and key not in _COMMON and not named:
            return None
        wider.add((channel, key))
    if len(wider) == len(shape):
        return None
    if sum(1 for _, key in wider if key not in _DOCUMENTED_KEYS) > _MAX_NAMED:
        return None
    return frozenset(wider)


def campaign_series_from_bytes(payload: bytes) -> SeriesFrames:
    """`/campaigns/data_series` or `/sends/data_series` bytes → SeriesFrames.

    Raises SeriesTypeError when a documented field holds another type, ValueError for a body
    that is no JSON object (what `decode_json` raises for one that is not JSON), BodyTooDeep
    for one nested past its limit.
    """
    try:
        return _read(payload)
    except RecursionError:  # msgspec's own depth limit, met skipping an undocumented key
        from braze_api.body import BodyTooDeep

        raise BodyTooDeep("nested too deeply for the typed decode") from None


def _read(payload: bytes) -> SeriesFrames:
    try:
        return _typed(payload)
    except _Fallback:
        pass
    try:
        _LENIENT.decode(payload)
    except msgspec.ValidationError as error:
        raise _type_error(str(error)) from None
    except msgspec.DecodeError:
        pass  # not JSON msgspec reads: decode_json decides (NaN literals, a BOM, ...)
    from braze_api.body import decode_json  # the general way: the forgiving pivots

    from .campaign_series import campaign_series_frame, campaign_totals_frame

    body = decode_json(payload)
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    return SeriesFrames(campaign_series_frame(body), campaign_totals_frame(body), _channels(body))


def _channels(body: Any) -> tuple[str, ...]:
    entries = body.get("data") if isinstance(body, dict) else None
    seen: dict[str, None] = {}
    for entry in entries if isinstance(entries, list) else ():
        messages = entry.get("messages") if isinstance(entry, dict) else None
        if isinstance(messages, dict):
            for name in messages:
                seen.setdefault(str(name), None)
    return tuple(seen)


def _typed(payload: bytes) -> SeriesFrames:
    days, fields = _decode(payload)
    try:
        order = _ORDER.decode(payload).data
    except msgspec.DecodeError:
        raise _Fallback from None
    channels: dict[str, None] = {}
    for day in order:
        channels.update(dict.fromkeys(day.messages))
    # last_per_time: unparseable times dropped, a repeated time's last day wins, sorted
    by_time: dict[pd.Timestamp, int] = {}
    for index, day in enumerate(days):
        stamp = to_time(day.time)
        if stamp is not None:
            by_time.pop(stamp, None)
            by_time[stamp] = index
    kept = sorted(by_time.items(), key=lambda pair: pair[0])
    stamps = [stamp for stamp, _ in kept]
    picked = [days[i] for _, i in kept]
    totals = _totals_frame(picked, stamps)
    long = _long_frame(payload, picked, [order[i] for _, i in kept], fields, time_array(stamps))
    return SeriesFrames(long, totals, tuple(channels))


def _totals_frame(days: list[Any], stamps: list[pd.Timestamp]) -> pd.DataFrame:
    n = len(days)
    columns: dict[str, Any] = {"time": time_array(stamps)}
    for name in CAMPAIGN_TOTAL_FIELDS:
        if name == "revenue":
            values = np.fromiter(map(attrgetter(name), days), np.float64, count=n)
            columns[name] = np.where(np.isnan(values), 0.0, values)
        else:
            ints = np.fromiter(map(attrgetter(name), days), np.int64, count=n)
            ints[ints == _ABSENT] = 0
            columns[name] = pd.arrays.IntegerArray(ints, np.zeros(n, dtype=bool))
    return frame(columns)


def _long_frame(
    payload: bytes,
    days: list[Any],
    order: list[Any],
    fields: dict[str, tuple[str, ...]],
    times: Any,
) -> pd.DataFrame:
    # blocks: every non-empty channel list, day by day in the body's channel order
    messages = [day.messages for day in days]
    layouts = {tuple(raw.messages) for raw in order}
    per_channel: dict[str, list[Any]] = {}
    if len(layouts) == 1:  # every day names the same channels in the same order
        layout = next(iter(layouts))
        lists = [list(map(attrgetter(channel), messages)) for channel in layout]
        grid = np.array([list(map(len, column)) for column in lists], dtype=np.intp)
        grid = grid.reshape(len(layout), len(days))
        channel_of_block, block_day = np.nonzero(grid.T)[::-1]
        sizes = grid[channel_of_block, block_day]
        used = [code for code in range(len(layout)) if grid[code].any()]
        names = [layout[code] for code in used]
        per_channel = {layout[code]: list(chain.from_iterable(lists[code])) for code in used}
        renumber = np.zeros(len(layout), dtype=np.intp)
        renumber[used] = np.arange(len(used))
        block_codes = renumber[channel_of_block]
    else:
        chunks: dict[str, list[list[Any]]] = {}
        triples = [
            (index, channel, items)
            for index, (day, raw) in enumerate(zip(messages, order, strict=True))
            for channel in raw.messages
            if (items := getattr(day, channel))
        ]
        for _, channel, items in triples:
            chunks.setdefault(channel, []).append(items)
        per_channel = {c: list(chain.from_iterable(lists)) for c, lists in chunks.items()}
        names = list(chunks)
        code_of = {channel: code for code, channel in enumerate(names)}
        block_day = np.array([t[0] for t in triples], dtype=np.intp)
        block_codes = np.array([code_of[t[1]] for t in triples], dtype=np.intp)
        sizes = np.array([len(t[2]) for t in triples], dtype=np.intp)
    n = int(sizes.sum())
    row_codes = np.repeat(block_codes, sizes)
    rows_by_channel = np.argsort(row_codes, kind="stable")
    bounds = np.cumsum(np.bincount(row_codes, minlength=len(names)))
    # one column per field: values where present, 0 elsewhere; where each is first present
    ints: dict[str, np.ndarray] = {}
    money = np.zeros(n, dtype=np.float64)
    texts = {name: np.full(n, None, dtype=object) for name in _TEXT}
    first: dict[str, int] = {}
    present = {name: np.zeros(n, dtype=bool) for name in _PRESENCE}
    astuple = msgspec.structs.astuple
    unset = msgspec.UNSET
    for code, channel in enumerate(names):
        entries = per_channel[channel]
        count = len(entries)
        rows = rows_by_channel[bounds[code] - count : bounds[code]]
        start = int(rows[0])
        for name, column in zip(
            fields[channel], zip(*map(astuple, entries), strict=True), strict=True
        ):
            text = name in texts
            missing = column.count(unset if text else _NAN if name == "revenue" else _ABSENT)
            if missing == count:
                continue
            if text:
                values = np.fromiter(column, object, count=count)
                if missing:
                    gaps = values == unset
                    values[gaps] = None
                texts[name][rows] = values
            elif name == "revenue":
                values = np.fromiter(column, np.float64, count=count)
                if missing:
                    gaps = np.isnan(values)
                    values[gaps] = 0.0
                money[rows] = values
            else:
                values = np.fromiter(column, np.int64, count=count)
                if missing:
                    gaps = values == _ABSENT
                    values[gaps] = 0
                target = ints.get(name)
                if target is None:
                    target = ints[name] = np.zeros(n, dtype=np.int64)
                target[rows] = values
            if first.get(name, n) > start:
                row = int(rows[np.argmin(gaps)]) if missing else start
                first[name] = min(first.get(name, n), row)
            if name in present:
                present[name][rows] = ~gaps if missing else True
    # labels, ids and control rows, as messages.message_rows reads them
    control, variation_column = labels_and_controls(
        texts, first, ints, present, n, row_codes, names, sizes
    )
    # metric columns in the order their keys first appear in the body
    metrics: dict[str, Any] = {}
    layout_names: Any = np.array(names, dtype=object)[block_codes] if len(first) else []
    for name in _column_order(first, order, block_day, layout_names, sizes):
        if name == "revenue":
            metrics[name] = money
        elif name == "variation_api_id":
            metrics[name] = str_array(texts[name])
        else:
            metrics[name] = pd.arrays.IntegerArray(ints[name], np.zeros(n, dtype=bool))
    channel_column = str_array(np.array(names, dtype=object)).take(row_codes)
    push = [code for code, name in enumerate(names) if channel_kind(name) == "push"]
    if push:
        _derive_delivered(np.isin(row_codes, push) & ~present["delivered"], metrics)
    owner = np.repeat(block_day, sizes)
    return frame(
        {
            "time": times.take(owner),
            "channel": channel_column,
            "variation_name": variation_column,
            "is_control": pd.arrays.BooleanArray(control, np.zeros(n, dtype=bool)),
            **metrics,
        }
    )


def labels_and_controls(
    texts: dict[str, Any],
    first: dict[str, int],
    ints: dict[str, Any],
    present: dict[str, Any],
    n: int,
    row_codes: Any,
    names: Any,
    sizes: Any,
) -> tuple[Any, Any]:
    """The control-row mask and the variation label column, as ``messages.message_rows`` reads
    them: a variation named like "control", or an entry that enrolled users and sent nothing."""
    variations = texts["variation_name"]
    if "" in variations:
        variations[variations == ""] = None
    ids = texts["variation_api_id"]
    if "" in ids:
        ids = ids.copy()
        ids[ids == ""] = None
    codes, uniques = pd.factorize(variations)
    named_control = np.array(["control" in str(u).lower() for u in uniques] + [False], dtype=bool)
    control = named_control[codes]
    if "enrolled" in first:
        sends = np.zeros(n, dtype=bool)
        for name in _SEND_METRICS:
            if name in ints:
                sends |= ints[name] != 0
        control |= present["enrolled"] & ~sends
    return control, _labels(codes, uniques, row_codes, names, sizes, ids)


def _labels(
    codes: np.ndarray,
    uniques: Any,
    row_codes: np.ndarray,
    names: list[str],
    sizes: np.ndarray,
    ids: np.ndarray,
) -> Any:
    """The variation label column (`messages._distinct` of the name, else the channel),
    from the variation names' codes: distinct labels are converted to text once."""
    k = len(uniques)
    table = np.array([*uniques, *names], dtype=object)  # names, then the channels' names
    text_codes, distinct_texts = pd.factorize(table)  # a name may equal a channel's
    keys = text_codes[np.where(codes < 0, k + row_codes, codes)]  # unnamed: the channel
    label_codes, label_keys = pd.factorize(keys)
    block = np.repeat(np.arange(len(sizes)), sizes)
    if pd.Index(block * max(len(label_keys), 1) + label_codes).has_duplicates:
        return _distinct(np.asarray(distinct_texts, dtype=object)[keys], list(sizes), ids)
    texts = np.asarray(distinct_texts, dtype=object)[label_keys]
    return str_array(texts).take(label_codes)


def _derive_delivered(need: np.ndarray, metrics: dict[str, Any]) -> None:
    """`derive_push_delivered` on whole counts: push rows without `delivered` get
    max(sent − bounces, 0)."""
    if not need.any():
        return
    n = len(need)
    sent, bounces, current = (
        metrics[name]._data if name in metrics else np.zeros(n, dtype=np.int64)
        for name in ("sent", "bounces", "delivered")
    )
    filled = np.where(need, np.maximum(sent - bounces, 0), current)
    metrics["delivered"] = pd.arrays.IntegerArray(filled, np.zeros(n, dtype=bool))


def _column_order(
    first: dict[str, int],
    order: list[Any],
    block_day: np.ndarray,
    block_channel: Any,
    sizes: np.ndarray,
) -> list[str]:
    """Metric names (variation_name aside) by the entry that first carries each, then by
    their place in that entry's JSON (read back only for entries that first carry two)."""
    by_row: dict[int, list[str]] = {}
    for name, row in first.items():
        if name == "variation_name":
            continue
        by_row.setdefault(row, []).append(name)
    starts = np.cumsum([0, *sizes])
    out: list[str] = []
    for row in sorted(by_row):
        group = by_row[row]
        if len(group) > 1:
            block = int(np.searchsorted(starts, row, side="right")) - 1
            raw = order[block_day[block]].messages[block_channel[block]]
            keys = list(json.loads(bytes(raw))[row - int(starts[block])])
            place = {key: i for i, key in enumerate(keys)}
            group.sort(key=place.__getitem__)
        out += group
    return out
