"""Campaign and send series: per-channel/per-variation long frames, totals and engagement.

`/campaigns/data_series` and `/sends/data_series` share one shape:
`{"data": [{"time", "messages": {channel: [ {variation stats}, ... ]}, <totals>}]}`.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._coerce import (
    TIME_DTYPE,
    bool_column,
    data_list,
    dicts,
    frame,
    last_per_time,
    name_text,
    str_array,
    text_column,
    time_array,
    time_column,
)
from ._columnar import (
    NULL,
    OK,
    Numbers,
    Records,
    Regroup,
    from_array,
    metric_table,
    numbers,
    numeric_array,
)

#: Per-time fields at the top of each campaign series entry.
CAMPAIGN_TOTAL_FIELDS: tuple[str, ...] = (
    "unique_recipients",
    "conversions",
    "conversions1",
    "conversions2",
    "conversions3",
    "conversions_by_send_time",
    "conversions1_by_send_time",
    "conversions2_by_send_time",
    "conversions3_by_send_time",
    "revenue",
)
#: Identity columns leading every long (per channel/variation) frame.
MESSAGE_KEYS: tuple[str, ...] = ("channel", "variation_name", "is_control")
#: Columns of `engagement_frame` after the identity columns.
ENGAGEMENT_COLUMNS: tuple[str, ...] = ("sent", "delivered", "opens", "clicks")
CHANNEL_KINDS: tuple[str, ...] = (
    "email",
    "push",
    "in_app",
    "webhook",
    "sms",
    "content_cards",
    "whats_app",
    "other",
)

# Metrics that mean a message actually went out (a control group has none of them).
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
# Metrics engagement_frame reads: numeric whenever they appear, whatever junk they hold.
_NUMERIC_KEYS = _SEND_METRICS | {"bounces", "errors", "enrolled", "revenue", "unique_recipients"}


def channel_kind(channel: Any) -> str:
    """Map a Braze channel name (ios_push, trigger_in_app_message, whats_app, ...) to a kind."""
    name = str(channel or "").strip().lower().replace("-", "_")
    if name == "email" or name.endswith("_email") or name == "amp_email":
        return "email"
    if "push" in name:
        return "push"
    if "in_app" in name or name in {"inapp", "iam"}:
        return "in_app"
    if "webhook" in name:
        return "webhook"
    if name in {"sms", "mms", "sms_mms", "rcs"} or name.startswith("sms"):
        return "sms"
    if "content_card" in name:
        return "content_cards"
    if name in {"whats_app", "whatsapp"} or name.startswith("whats"):
        return "whats_app"
    return "other"


class MessageRows(NamedTuple):
    """Flattened `{channel: [stats, ...]}` objects, column-wise, one row per stats entry.

    owner: index (in the input sequence) of the messages object each row came from.
    channel, variation: text columns; variation is the row's label, distinct within its
    owner and channel.
    """

    records: Records
    owner: np.ndarray
    channel: Any
    variation: Any
    control: np.ndarray


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
    owners, raw_channels, lists = zip(*blocks, strict=True)
    return list(chain.from_iterable(lists)), list(map(len, lists)), list(owners), raw_channels


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


def _distinct(labels: np.ndarray, sizes: Sequence[int]) -> Any:
    """Labels made distinct within each block (a repeat gets " #2", " #3", ...), as text."""
    block = np.repeat(np.arange(len(sizes)), sizes)
    codes, uniques = pd.factorize(labels)
    if pd.Index(block * max(len(uniques), 1) + codes).has_duplicates:
        codes, uniques = pd.factorize(_renumbered(labels, sizes))
    # each distinct label is converted to text once
    return str_array(np.asarray(uniques, dtype=object)).take(codes)


def _renumbered(labels: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    out = labels.copy()
    start = 0
    for size in sizes:
        used: set[str] = set()
        for i in range(start, start + size):
            label = labels[i]
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
    one channel get " #2", " #3" so every row stays distinct. Empty channels add no rows;
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
    return MessageRows(
        records=records,
        owner=np.repeat(np.array(owners, dtype=np.intp), sizes),
        channel=str_array(names).take(codes),
        variation=_distinct(labels, sizes),
        control=_controls(records, variations),
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
    """Leading columns + channel/variation/is_control + every metric (missing counts → 0)."""
    metrics = metric_table(
        rows.records,
        (),
        skip=(*MESSAGE_KEYS, *leading, *skip),
        known_text=_TEXT_KEYS,
        force_numeric=_NUMERIC_KEYS,
    )
    return frame(
        {
            **leading,
            "channel": rows.channel,
            "variation_name": rows.variation,
            "is_control": pd.arrays.BooleanArray(rows.control, np.zeros(len(rows.control), bool)),
            **metrics,
        }
    )


def campaign_series_frame(body: Any) -> pd.DataFrame:
    """Long frame for `/campaigns/data_series` and `/sends/data_series` (same shape).

    One row per (time, channel, variation_name) with every metric seen as a column (union
    over channels; a metric a row lacks is 0). Control entries are kept with is_control True.
    Unknown channels and metrics are kept. Columns: time, channel, variation_name,
    is_control, then metrics in first-seen order.
    """
    pairs = last_per_time(data_list(body))
    times = time_array([stamp for stamp, _ in pairs])
    return message_frame([entry.get("messages") for _, entry in pairs], {"time": times})


def campaign_totals_frame(body: Any) -> pd.DataFrame:
    """One row per time with the top-level totals (unique_recipients, conversions*, revenue).

    Missing fields are 0; extra numeric top-level fields are kept after the documented ones.
    """
    pairs = last_per_time(data_list(body))
    records = [
        {k: v for k, v in entry.items() if not isinstance(v, dict | list)} for _, entry in pairs
    ]
    metrics = metric_table(records, CAMPAIGN_TOTAL_FIELDS, skip=("time",))
    times = pd.Series([stamp for stamp, _ in pairs], dtype=TIME_DTYPE)
    return frame({"time": times, **metrics})


def campaign_variation_totals(long_frame: pd.DataFrame) -> pd.DataFrame:
    """Sum every numeric metric per (channel, variation_name) over the whole window.

    is_control is True when any of the group's rows was a control; text columns are dropped.
    Groups keep first-appearance order (NA keys form groups of their own).
    """
    keys = ["channel", "variation_name"]
    if long_frame is None or not set(keys) <= set(long_frame.columns):
        return pd.DataFrame({"channel": [], "variation_name": [], "is_control": []}).astype(
            {"channel": "str", "variation_name": "str", "is_control": "boolean"}
        )
    arrays = {name: column.array for name, column in long_frame.items()}
    metrics = [
        c
        for c, values in arrays.items()
        if c not in (*keys, "is_control", "time")
        and pd.api.types.is_numeric_dtype(values.dtype)
        and not pd.api.types.is_bool_dtype(values.dtype)
    ]
    groups, first_rows = _group_codes([arrays[k] for k in keys])
    if "is_control" in long_frame.columns:
        control = long_frame["is_control"].fillna(False).astype("boolean")
    else:
        control = pd.Series(False, index=long_frame.index, dtype="boolean")
    columns: dict[str, Any] = {k: arrays[k].take(first_rows) for k in keys}
    order = np.argsort(groups, kind="stable")
    starts = (
        first_rows if not len(order) else np.searchsorted(groups[order], range(len(first_rows)))
    )
    any_control = _group_sums(control.to_numpy(dtype=np.int64)[:, None], order, starts)[:, 0]
    columns["is_control"] = pd.arrays.BooleanArray(any_control > 0, np.zeros(len(starts), bool))
    exact = [m for m in metrics if isinstance(arrays[m].dtype, pd.Int64Dtype)]
    if exact:  # integer sums are exact in any order: one numpy pass for all of them
        values = np.column_stack([arrays[m].to_numpy(np.int64, na_value=0) for m in exact])
        totals = _group_sums(values, order, starts)
        zero = np.zeros(len(starts), dtype=bool)
        columns.update(
            (m, pd.arrays.IntegerArray(totals[:, j].copy(), zero.copy()))
            for j, m in enumerate(exact)
        )
    rest = [m for m in metrics if m not in set(exact)]
    if rest:  # pandas' own (compensated) float summation
        table = pd.DataFrame({m: arrays[m] for m in rest}, copy=False)
        sums = table.groupby(pd.Index(groups), sort=False).sum(min_count=0)
        columns.update((m, sums[m].array.copy()) for m in rest)
    return frame({k: columns[k] for k in [*keys, "is_control", *metrics]})


def _group_sums(values: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Column sums of `values` (rows × columns) per group, given rows sorted by group."""
    if not len(order):
        return np.zeros((0, values.shape[1]), dtype=values.dtype)
    return np.add.reduceat(values[order], starts, axis=0)


def _group_codes(keys: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Group number per row over several key columns, numbered in order of first appearance
    (NA is a value like any other), and the first row of each group."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(key, use_na_sentinel=False)
        combined = combined * max(len(uniques), 1) + codes
    groups, _ = pd.factorize(combined)
    _, first_rows = np.unique(groups, return_index=True)
    return groups, first_rows


class _Pick(NamedTuple):
    """The first candidate column the frame has, as numbers; `default` when it has none.

    A missing column for a concept the channel has is 0 (Braze omits zero metrics); the
    generic "other" kind uses default None because it cannot know the concept exists.
    """

    candidates: tuple[str, ...]
    default: int | None = 0


class _Minus(NamedTuple):
    """max(a − b, 0); NA when a is NA, b NA counts as 0 (delivered = sent − bounces)."""

    a: _Pick
    b: _Pick


_Rule = _Pick | _Minus | None
_SENT, _DELIVERED = _Pick(("sent",)), _Pick(("delivered",))
# (sent, delivered, opens, clicks) per channel kind; None = the channel has no such concept.
_ENGAGEMENT: dict[str, tuple[_Rule, _Rule, _Rule, _Rule]] = {
    "email": (
        _SENT,
        _DELIVERED,
        _Pick(("unique_opens", "opens")),
        _Pick(("unique_clicks", "clicks")),
    ),
    "push": (
        _SENT,
        _Minus(_SENT, _Pick(("bounces",))),
        _Pick(("direct_opens", "total_opens")),
        _Pick(("body_clicks",)),
    ),
    "in_app": (None, None, _Pick(("impressions", "unique_impressions")), _Pick(("clicks",))),
    "sms": (_SENT, _DELIVERED, None, _Pick(("clicks",))),
    "webhook": (_SENT, _Minus(_SENT, _Pick(("errors",))), None, None),
    "content_cards": (
        _Pick(("sent",), None),
        None,
        _Pick(("unique_impressions", "total_impressions", "impressions")),
        _Pick(("unique_clicks", "total_clicks", "clicks")),
    ),
    "whats_app": (_SENT, _DELIVERED, _Pick(("read",)), None),
    "other": (
        _Pick(("sent",), None),
        _Pick(("delivered",), None),
        _Pick(("unique_opens", "opens", "impressions"), None),
        _Pick(("unique_clicks", "clicks"), None),
    ),
}


def _missing(value: Any) -> bool:
    """None/NA/NaN/NaT; containers (and anything pd.isna cannot judge) count as present."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _column_numbers(column: pd.Series) -> Numbers:
    """`num` of every cell of a frame column (NA → null), vectorised for numeric dtypes."""
    values = column.array
    kind = column.dtype.kind
    if kind not in "bif":
        return numbers([None if _missing(v) else v for v in values.tolist()])
    na = np.asarray(values.isna(), dtype=bool)
    if kind == "f":
        floats = values.to_numpy(dtype=np.float64, na_value=np.nan)
        na |= ~np.isfinite(floats)
        numeric = np.where(na, 0.0, floats) if na.any() else floats
    else:
        numeric = values.to_numpy(dtype=np.int64, na_value=0)
    return from_array(numeric, np.where(na, NULL, OK).astype(np.uint8) if na.any() else None)


def _minus(a: Numbers, b: Numbers) -> Numbers:
    a_ok = a.ok()
    b_values = np.where(b.ok(), b.values, 0)
    if a.bounded and b.bounded:
        difference = np.maximum(a.values - b_values, 0)
        return from_array(np.where(a_ok, difference, 0), np.where(a_ok, OK, NULL))
    out = [  # past 2**53: Python's exact integers, as the value-by-value rule computed
        max(x - y, 0) if ok else None
        for x, y, ok in zip(a.values.tolist(), b_values.tolist(), a_ok.tolist(), strict=True)
    ]
    return numbers(out)


class _Engagement:
    """Evaluates the engagement rules on row subsets of one frame (columns coerced once)."""

    def __init__(self, source: pd.DataFrame) -> None:
        self.source = source
        self._columns: dict[str, Numbers] = {}

    def column(self, name: str) -> Numbers:
        if name not in self._columns:
            self._columns[name] = _column_numbers(self.source[name])
        return self._columns[name]

    def pick(self, rule: _Pick, rows: np.ndarray) -> Numbers | None:
        for name in rule.candidates:
            if name in self.source.columns:
                return self.column(name).take(rows)
        if rule.default is None:
            return None
        return Numbers(np.full(len(rows), rule.default, dtype=np.int64), None, True, True)

    def evaluate(self, rule: _Rule, rows: np.ndarray) -> Numbers | None:
        if isinstance(rule, _Pick):
            return self.pick(rule, rows)
        if isinstance(rule, _Minus):
            a, b = self.pick(rule.a, rows), self.pick(rule.b, rows)
            if a is None:
                return None
            return a if b is None else _minus(a, b)
        return None


def _kinds(source: pd.DataFrame) -> np.ndarray:
    """channel_kind of every row's channel, computed once per distinct channel."""
    if "channel" not in source.columns:
        return np.full(len(source), "other", dtype=object)
    values = source["channel"].tolist()
    try:
        kind_of = {v: channel_kind(None if _missing(v) else v) for v in set(values)}
    except TypeError:  # unhashable cells
        return np.array([channel_kind(v) for v in values], dtype=object)
    return np.fromiter(map(kind_of.__getitem__, values), dtype=object, count=len(values))


def engagement_frame(long_frame: pd.DataFrame) -> pd.DataFrame:
    """Map channel-specific metrics to common sent/delivered/opens/clicks (NA = no concept).

    email: unique_opens (else opens), unique_clicks (else clicks), delivered.
    push: delivered = sent − bounces, opens = direct_opens (else total_opens), body_clicks.
    in_app: opens = impressions, clicks. sms: sent, delivered, clicks. webhook: delivered =
    sent − errors. content_cards: unique impressions/clicks. whats_app: opens = read.
    Works on campaign_series_frame, campaign_variation_totals and canvas step_channels.
    Vectorised per channel kind: each metric column is coerced once for the whole frame.
    """
    source = long_frame if isinstance(long_frame, pd.DataFrame) else pd.DataFrame()
    n = len(source)
    ident = [c for c in ("time", "step_id", "step_name") if c in source.columns]
    ident += ["channel", "kind", "variation_name", "is_control"]
    kinds = _kinds(source)
    columns: dict[str, Any] = {}
    for name in ident:
        if name == "kind":
            columns[name] = pd.array(kinds, dtype="str")
        elif name in source.columns:
            columns[name] = source[name].array.copy()
        elif name == "is_control":
            columns[name] = bool_column([False] * n)
        else:
            columns[name] = text_column([None] * n)
    if "time" in columns and str(columns["time"].dtype) != TIME_DTYPE:
        columns["time"] = time_column(columns["time"])
    engine = _Engagement(source)
    parts: list[list[tuple[np.ndarray, Numbers]]] = [[] for _ in ENGAGEMENT_COLUMNS]
    for kind in dict.fromkeys(kinds.tolist()):
        rows = np.flatnonzero(kinds == kind)
        for i, rule in enumerate(_ENGAGEMENT[kind]):
            part = engine.evaluate(rule, rows)
            if part is not None:
                parts[i].append((rows, part))
    for name, pieces in zip(ENGAGEMENT_COLUMNS, parts, strict=True):
        columns[name] = numeric_array(pieces, n, fill_zero=False)
    return frame(columns)


# ---- engagement totals without frames (the leaderboard's fast path) -------------------------

#: Every metric name an engagement rule can read.
ENGAGEMENT_INPUTS: frozenset[str] = frozenset(
    name
    for rules in _ENGAGEMENT.values()
    for rule in rules
    for pick in ((rule.a, rule.b) if isinstance(rule, _Minus) else (rule,) if rule else ())
    for name in pick.candidates
)
_EXACT_LIMIT = 2**53  # float64 sums of integers are exact below this
_MAX_COUNT = 2**40  # a count above this (or below 0) takes the frame path


def _pick_value(rule: _Pick, metrics: Mapping[str, Any], columns: Container[str]) -> Any:
    for name in rule.candidates:
        if name in columns:
            return metrics.get(name, 0)
    return rule.default


def engagement_values(
    channel: Any, metrics: Mapping[str, Any], columns: Container[str]
) -> tuple[Any, Any, Any, Any]:
    """(sent, delivered, opens, clicks) for one row of plain numbers, by the same rules as
    ``engagement_frame`` (None = NA): the row-wise twin for callers that have no frame.

    ``columns`` are the metric columns the row's frame would have (a rule reads the first
    candidate among them); a column the row lacks is 0, a value of None is NA.
    """
    out: list[Any] = []
    for rule in _ENGAGEMENT[channel_kind(channel)]:
        if isinstance(rule, _Pick):
            out.append(_pick_value(rule, metrics, columns))
        elif isinstance(rule, _Minus):
            a = _pick_value(rule.a, metrics, columns)
            b = _pick_value(rule.b, metrics, columns)
            out.append(None if a is None else max(a - (b or 0), 0))
        else:
            out.append(None)
    return out[0], out[1], out[2], out[3]


@lru_cache(maxsize=256)
def _floor_pairs(channel: str) -> tuple[tuple[str, str], ...]:
    """Every (a, b) a max(a − b, 0) rule of this channel could read."""
    return tuple(
        (a, b)
        for rule in _ENGAGEMENT[channel_kind(channel)]
        if isinstance(rule, _Minus)
        for a in rule.a.candidates
        for b in rule.b.candidates
    )


class CampaignWindowSums(NamedTuple):
    """One ``/campaigns/data_series`` window reduced to what campaign totals need.

    groups: (day, channel, metrics) with the engagement inputs summed over the rows of one
    channel; day is None for rows inside the window's own days (always kept), else the row's
    time. A row that a max(a − b, 0) rule could floor at 0 is a group of its own, since such
    rules do not add up across rows. totals: (time, CAMPAIGN_TOTAL_FIELDS values) per entry,
    sorted by time. columns: the engagement inputs any row carries. first_day, last_day: the
    window's own days. Immutable, so one cached
    value can be shared by every session.
    """

    first_day: date
    last_day: date
    columns: frozenset[str]
    groups: tuple[tuple[pd.Timestamp | None, str, tuple[tuple[str, int], ...]], ...]
    totals: tuple[tuple[pd.Timestamp, tuple[float, ...]], ...]


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= _MAX_COUNT


def _total(value: Any) -> float | None:
    """The float a totals frame would hold, or None when the value is not a plain number."""
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return float(value)
    return None


def campaign_window_sums(body: Any, first_day: date, last_day: date) -> CampaignWindowSums | None:
    """One window's body summed per channel in a single pass, no frames.

    None when the body holds anything but the documented shape with plain non-negative
    integer counts and numeric totals (numbers as strings, nulls, floats, negatives, junk):
    the caller then takes the frame path, whose coercion rules this does not repeat.
    """
    inside = (
        pd.Timestamp(first_day, tz="UTC"),
        pd.Timestamp(last_day + timedelta(days=1), tz="UTC"),
    )
    columns: set[str] = set()
    sums: dict[tuple[pd.Timestamp | None, str, int], dict[str, int]] = {}
    totals: list[tuple[pd.Timestamp, tuple[float, ...]]] = []
    inputs = ENGAGEMENT_INPUTS
    for stamp, entry in last_per_time(data_list(body)):
        day = None if inside[0] <= stamp < inside[1] else stamp
        row: list[float] = []
        for name in CAMPAIGN_TOTAL_FIELDS:
            value = entry.get(name, 0)
            number = None if isinstance(value, dict | list) else _total(value)
            if number is None:
                if not isinstance(value, dict | list):
                    return None
                number = 0.0  # containers are not totals: the frame skips them (→ 0)
            row.append(number)
        totals.append((stamp, tuple(row)))
        messages = entry.get("messages")
        if not isinstance(messages, Mapping):
            if messages is None:
                continue
            return None
        for raw_channel, items in messages.items():
            if not isinstance(raw_channel, str) or not isinstance(items, list):
                return None
            channel = raw_channel or "(default)"
            pairs = _floor_pairs(channel)
            for item in items:
                if type(item) is not dict:
                    return None
                used = [(k, v) for k, v in item.items() if k in inputs]
                if not all(_count(v) for _, v in used):
                    return None
                alone = any(item.get(a, 0) < item.get(b, 0) for a, b in pairs)
                key = (day, channel, len(sums) + 1 if alone else 0)
                group = sums.get(key)
                if group is None:
                    group = sums[key] = {}
                for k, v in used:
                    group[k] = group.get(k, 0) + v
                    columns.add(k)
    return CampaignWindowSums(
        first_day=first_day,
        last_day=last_day,
        columns=frozenset(columns),
        groups=tuple((d, c, tuple(m.items())) for (d, c, _), m in sums.items()),
        totals=tuple(totals),
    )


def campaign_range_sums(
    windows: Sequence[CampaignWindowSums], start: date, end: date
) -> dict[str, float | None] | None:
    """Engagement (ENGAGEMENT_COLUMNS) and CAMPAIGN_TOTAL_FIELDS totals over [start, end].

    Exactly what summing ``engagement_frame`` of the stitched long frame, and the stitched
    totals frame, per column gives (NA skipped; None when nothing is left): columns a window
    lacks are NA for its rows, as after ``pd.concat``; totals are summed by numpy in time
    order. None when a sum would pass 2**53 (no longer exact) or a window reaches outside
    [start, end] (its own days are never trimmed here): take the frame path then.
    """
    if any(w.first_day < start or w.last_day > end for w in windows):
        return None
    first = pd.Timestamp(start, tz="UTC")
    after = pd.Timestamp(end + timedelta(days=1), tz="UTC")
    union = frozenset().union(*(w.columns for w in windows))
    engagement: list[int | None] = [None] * len(ENGAGEMENT_COLUMNS)
    for window in windows:
        missing = dict.fromkeys(union - window.columns)
        for day, channel, metrics in window.groups:
            if day is not None and not first <= day < after:
                continue
            values = engagement_values(channel, {**dict(metrics), **missing}, union)
            for i, value in enumerate(values):
                if value is not None:
                    engagement[i] = value if engagement[i] is None else engagement[i] + value
    if any(v is not None and v >= _EXACT_LIMIT for v in engagement):
        return None
    out: dict[str, float | None] = {
        name: None if value is None else float(value)
        for name, value in zip(ENGAGEMENT_COLUMNS, engagement, strict=True)
    }
    kept = [row for window in windows for stamp, row in window.totals if first <= stamp < after]
    for i, name in enumerate(CAMPAIGN_TOTAL_FIELDS):
        out[name] = float(np.array([r[i] for r in kept], dtype=np.float64).sum()) if kept else None
    return out
