"""Message flattening: `{channel: [variation stats, ...]}` objects → one long row per stats entry.

Campaign and send series (`campaign_series`) and Canvas step channels (`canvas`) carry their
per-channel, per-variation stats in this shape. Channel labels are cleaned once per distinct
name, variation labels made distinct within their channel, control rows recognised, and every
metric becomes a column (missing counts → 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._coerce import dicts, frame, name_text, str_array
from ._columnar import Records, Regroup, metric_table
from .engagement import ENGAGEMENT_INPUTS, channel_kind

#: Identity columns leading every long (per channel/variation) frame.
MESSAGE_KEYS: tuple[str, ...] = ("channel", "variation_name", "is_control")

_SEND_METRICS = frozenset(
    {
        "sent",
        "delivered",
        "impressions",
        "total_impressions",
        "unique_impressions",
        "opens",
        "unique_opens",
        "direct_opens",
        "total_opens",
        "clicks",
        "unique_clicks",
        "total_clicks",
        "body_clicks",
        "sent_to_carrier",
        "read",
    }
)
_TEXT_KEYS = ("variation_api_id", "api_id", "message_variation_id")
# Numeric whenever they appear, whatever junk they hold: every metric engagement_frame reads,
# the send metrics control detection reads, and the per-row counts and money.
_NUMERIC_KEYS = _SEND_METRICS | ENGAGEMENT_INPUTS | {"enrolled", "revenue", "unique_recipients"}


class MessageRows(NamedTuple):
    """Flattened `{channel: [stats, ...]}` objects, column-wise, one row per stats entry.

    owner: index (in the input sequence) of the messages object each row came from.
    channel, variation: text columns; variation is the row's label, distinct within its
    owner and channel. ids: the row's variation API id (None when absent).
    """

    records: Records
    owner: np.ndarray
    channel: Any
    variation: Any
    control: np.ndarray
    ids: np.ndarray


def _blocks(messages_list: Sequence[Any], strict: bool) -> tuple[list, list[int], Any, Any]:
    """(entries, block sizes, block owners, block channels) of every non-empty channel list."""
    if not strict and set(map(type, messages_list)) == {dict}:
        # The usual body (dicts of non-empty lists) in a few C-level passes.
        pairs = list(chain.from_iterable(map(dict.items, messages_list)))
        if pairs:
            raw_channels, lists = zip(*pairs, strict=True)
            if set(map(type, lists)) == {list} and all(lists):
                owners = np.repeat(np.arange(len(messages_list)), list(map(len, messages_list)))
                entries = list(chain.from_iterable(lists))
                return entries, list(map(len, lists)), owners, raw_channels
    blocks = [
        (owner, channel, items)
        for owner, messages in enumerate(messages_list)
        if type(messages) is dict or isinstance(messages, Mapping)
        for channel, items in messages.items()
        if items and (type(items) is list or isinstance(items, list | tuple))
    ]
    if strict:
        cleaned = ((owner, channel, dicts(items)) for owner, channel, items in blocks)
        blocks = [block for block in cleaned if block[2]]
    if not blocks:
        return [], [], [], []
    block_owners, raw_channels, lists = zip(*blocks, strict=True)
    return list(chain.from_iterable(lists)), list(map(len, lists)), list(block_owners), raw_channels


def _channel_codes(raw_channels: Sequence[Any]) -> tuple[np.ndarray, list[str]]:
    """(code per block, channel labels): each distinct raw name is cleaned once."""
    if set(map(type, raw_channels)) == {str}:
        codes, uniques = pd.factorize(np.array(raw_channels, dtype=object))
        raw_names: Sequence[Any] = list(uniques)
    else:
        codes, raw_names = np.arange(len(raw_channels)), raw_channels
    labels = [name_text(raw) or "(default)" for raw in raw_names]
    merged, names = pd.factorize(np.array(labels, dtype=object))  # "Email" and "email "
    return merged[codes], list(names)


def _variation_names(records: Records) -> np.ndarray:
    """name_text(entry["variation_name"]) per row (None when absent or not a label)."""
    out = np.full(records.n, None, dtype=object)
    for positions, values in records.raw("variation_name"):
        if set(map(type, values)) != {str} or not all(values):
            values = [name_text(v) for v in values]
        out[slice(None) if positions is None else positions] = np.fromiter(
            values, dtype=object, count=len(values)
        )
    return out


def variation_ids(records: Records) -> np.ndarray:
    """The entry's variation API id as text per row (`variation_api_id`, else `api_id` or
    `message_variation_id`); None when the entry names none."""
    out = np.full(records.n, None, dtype=object)
    for key in reversed(_TEXT_KEYS):  # the first key wins where an entry has several
        for positions, values in records.raw(key):
            if set(map(type, values)) != {str} or not all(values):
                values = [None if isinstance(v, bool) else name_text(v) for v in values]
            texts = np.fromiter(values, dtype=object, count=len(values))
            where = slice(None) if positions is None else positions
            out[where] = np.where(pd.isna(texts), out[where], texts)
    return out


def _distinct(labels: np.ndarray, sizes: Sequence[int], ids: np.ndarray) -> Any:
    """Labels made distinct within each block, as text.

    A repeated label whose entries carry variation ids gets each id's first characters
    (the same on every day, whatever order Braze lists the entries in); only entries
    without an id fall back to their position (" #2", " #3", ...).
    """
    block = np.repeat(np.arange(len(sizes)), sizes)
    codes, uniques = pd.factorize(labels)
    if pd.Index(block * max(len(uniques), 1) + codes).has_duplicates:
        codes, uniques = pd.factorize(_renumbered(labels, sizes, ids))
    # each distinct label is converted to text once
    return str_array(np.asarray(uniques, dtype=object)).take(codes)


def _renumbered(labels: np.ndarray, sizes: Sequence[int], ids: np.ndarray) -> np.ndarray:
    out = labels.copy()
    start = 0
    for size in sizes:
        rows = range(start, start + size)
        counts = pd.Series(labels[start : start + size]).value_counts()
        used: set[str] = set()
        for i in rows:
            label = labels[i]
            if counts.get(label, 0) > 1 and ids[i]:
                label = f"{label} · {str(ids[i])[:8]}"
            unique, n = label, 1
            while unique in used:
                n += 1
                unique = f"{label} #{n}"
            used.add(unique)
            out[i] = unique
        start += size
    return out


def _controls(records: Records, variations: np.ndarray) -> np.ndarray:
    """Control rows: a "control" variation name, an is_control/in_control flag, or an
    `enrolled` count with no send metric (a control group is enrolled but sent nothing)."""
    codes, uniques = pd.factorize(variations)
    named = np.array(["control" in str(u).lower() for u in uniques] + [False], dtype=bool)
    out = named[codes]  # code -1 (no name) reads the trailing False
    for flag in ("is_control", "in_control"):
        for positions, values in records.raw(flag):
            hit = np.fromiter((v is True for v in values), dtype=bool, count=len(values))
            where = slice(None) if positions is None else positions
            out[where] |= hit
    for index, (keys, positions, _) in enumerate(records.groups):
        if "enrolled" not in keys:
            continue
        sends = np.zeros(len(records.groups[index][2]), dtype=bool)
        for name in _SEND_METRICS.intersection(keys):
            part = records.group_numbers(index, name)
            if part is not None:
                sends |= part.truthy()
        where = slice(None) if positions is None else positions
        out[where] |= ~sends
    return out


def message_rows(messages_list: Sequence[Any], exact: bool = False) -> MessageRows:
    """Flatten a sequence of `{channel: [stats, ...]}` objects into rows, column-wise.

    A missing variation name becomes the channel name (or "(default)"); repeated names in
    one channel are told apart by their variation ids (else " #2", " #3") so every row
    stays distinct. Empty channels add no rows;
    stats that are not objects are ignored. Unless `exact`, stats are grouped by channel and
    key count (see `Records`), so the result is only good once `records.verify()` passes.
    """
    entries, sizes, owners, channels = _blocks(messages_list, strict=False)
    if set(map(type, entries)) - {dict}:
        entries, sizes, owners, channels = _blocks(messages_list, strict=True)
    block_codes, channel_names = _channel_codes(channels)
    codes = np.repeat(block_codes, sizes)
    records = Records(entries, hint=None if exact else codes)
    names = np.array(channel_names, dtype=object)
    variations = _variation_names(records)
    labels = variations.copy()
    unnamed = pd.isna(labels)
    labels[unnamed] = names[codes[unnamed]]
    ids = variation_ids(records)
    return MessageRows(
        records=records,
        owner=np.repeat(np.array(owners, dtype=np.intp), sizes),
        channel=str_array(names).take(codes),
        variation=_distinct(labels, sizes, ids),
        control=_controls(records, variations),
        ids=ids,
    )


def message_frame(
    messages_list: Sequence[Any], per_owner: Mapping[str, Any], skip: Iterable[str] = ()
) -> pd.DataFrame:
    """`long_message_frame` of `message_rows`, led by `per_owner` columns (one value per
    messages object, repeated onto its rows). Cheap grouping first; exact if it fails."""
    for exact in (False, True):
        try:
            rows = message_rows(messages_list, exact=exact)
            leading = {name: column.take(rows.owner) for name, column in per_owner.items()}
            out = long_message_frame(rows, leading, skip)
            rows.records.verify()
            return out
        except Regroup:
            continue
    raise AssertionError("exact grouping never regroups")


def long_message_frame(
    rows: MessageRows, leading: dict[str, Any], skip: Iterable[str] = ()
) -> pd.DataFrame:
    """Leading columns + channel/variation/is_control + every metric (missing counts → 0).

    A push row without Braze's `delivered` gets sent − bounces there (see
    `derive_push_delivered`); a row with it keeps Braze's value.
    """
    metrics = metric_table(
        rows.records,
        (),
        skip=(*MESSAGE_KEYS, *leading, *skip),
        known_text=_TEXT_KEYS,
        force_numeric=_NUMERIC_KEYS,
    )
    derive_push_delivered(rows, metrics)
    return frame(
        {
            **leading,
            "channel": rows.channel,
            "variation_name": rows.variation,
            "is_control": pd.arrays.BooleanArray(rows.control, np.zeros(len(rows.control), bool)),
            **metrics,
        }
    )


def _has_key(records: Records, name: str) -> np.ndarray:
    """Where the entry itself carries `name` (whatever its value)."""
    out = np.zeros(records.n, dtype=bool)
    for positions, _ in records.raw(name):
        out[slice(None) if positions is None else positions] = True
    return out


def derive_push_delivered(rows: MessageRows, metrics: dict[str, Any]) -> None:
    """Fill `delivered` of push rows that lack it with max(sent − bounces, 0), in place.

    Braze reports push `delivered` on some bodies and not on others; a row that has it keeps
    Braze's value. NA sent gives NA; NA bounces count as 0 (the engagement rule's reading).
    """
    if not rows.records.n:
        return
    channels = np.asarray(rows.channel, dtype=object)
    derive_delivered_where(channels, _has_key(rows.records, "delivered"), metrics)


def derive_delivered_where(
    channels: np.ndarray, has_delivered: np.ndarray, metrics: dict[str, Any]
) -> None:
    """`derive_push_delivered` given each row's channel and whether it carries `delivered`."""
    n = len(channels)
    if not n:
        return
    push = [c for c in dict.fromkeys(channels.tolist()) if channel_kind(c) == "push"]
    if not push:
        return
    need = np.isin(channels, push) & ~has_delivered
    if not need.any():
        return
    counts = [metrics.get(name) for name in ("sent", "bounces", "delivered")]
    if all(c is None or _whole_counts(c) for c in counts):  # no NA: the same sums in numpy
        sent_, bounces_, current_ = (
            np.zeros(n, dtype=np.int64) if c is None else c.to_numpy(np.int64) for c in counts
        )
        whole = np.where(need, np.maximum(sent_ - bounces_, 0), current_)
        metrics["delivered"] = pd.arrays.IntegerArray(whole, np.zeros(n, dtype=bool))
        return

    def column(name: str) -> pd.Series:
        values = metrics.get(name)
        if values is None:
            return pd.Series(np.zeros(n, dtype=np.int64), dtype="Int64")
        if isinstance(values, np.ndarray) and values.dtype.kind == "O":  # e.g. a count past int64
            values = pd.to_numeric(pd.Series(values), errors="coerce")
        return pd.Series(values).astype(
            "Float64" if np.asarray(values).dtype.kind == "f" else "Int64"
        )

    sent, bounces = column("sent"), column("bounces").fillna(0)
    derived = (sent - bounces).clip(lower=0)
    current = column("delivered")
    try:
        filled = current.where(~need, derived)
    except (TypeError, OverflowError):  # a count past int64 (read as a float): keep floats
        filled = current.astype("Float64").where(~need, derived.astype("Float64"))
    if str(filled.dtype) == "Int64":
        metrics["delivered"] = filled.array
    else:
        metrics["delivered"] = filled.to_numpy(dtype=np.float64, na_value=np.nan)


def _whole_counts(values: Any) -> bool:
    """An Int64 column without NA."""
    return isinstance(values, pd.arrays.IntegerArray) and not values.isna().any()
