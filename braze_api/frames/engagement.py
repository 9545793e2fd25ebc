"""Engagement: the one table of how each channel kind's sent/delivered/opens/clicks are read.

`_RULES` says, per channel kind, which metric (or difference of metrics) stands for each
common concept; `evaluate` is the one reading of a rule. Two callers evaluate the same rules:
`engagement_frame` vectorised over the rows of a long frame, and `engagement_values` over one
row of plain numbers (the leaderboard's sums, `leaderboard_sums`).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from functools import lru_cache
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np
import pandas as pd

from ._coerce import TIME_DTYPE, bool_column, frame, text_column, time_column
from ._columnar import NULL, OK, Numbers, from_array, numbers, numeric_array

#: Columns of `engagement_frame` after the identity columns.
ENGAGEMENT_COLUMNS: tuple[str, ...] = ("sent", "delivered", "opens", "clicks")


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


class _Pick(NamedTuple):
    """The first candidate column the frame has; `default` when it has none.

    A missing column for a concept the channel has is 0 (Braze omits zero metrics); the
    generic "other" kind uses default None because it cannot know the concept exists.
    """

    candidates: tuple[str, ...]
    default: int | None = 0

    def source(self, columns: Container[str]) -> str | int | None:
        """The column to read, else the default value; None when the concept is absent."""
        for name in self.candidates:
            if name in columns:
                return name
        return self.default


class _Minus(NamedTuple):
    """max(a − b, 0); NA when a is NA, b NA counts as 0 (delivered = sent − bounces)."""

    a: _Pick
    b: _Pick


class _Either(NamedTuple):
    """Braze's own metric when the rows carry it (`first`, default None), else `fallback`.

    Push `delivered`: Braze sends it on some bodies (send analytics); older bodies only
    have sent and bounces. The flattening fills a push row's missing `delivered` with
    sent − bounces (`messages.derive_push_delivered`), so a frame with the column always
    reads it and the difference is only taken on frames that never had it.
    """

    first: _Pick
    fallback: _Minus


_Rule = _Pick | _Minus | _Either | None
_SENT, _DELIVERED = _Pick(("sent",)), _Pick(("delivered",))
# (sent, delivered, opens, clicks) per channel kind; None = the channel has no such concept.
_RULES: dict[str, tuple[_Rule, _Rule, _Rule, _Rule]] = {
    "email": (
        _SENT,
        _DELIVERED,
        _Pick(("unique_opens", "opens")),
        _Pick(("unique_clicks", "clicks")),
    ),
    "push": (
        _SENT,
        _Either(_Pick(("delivered",), None), _Minus(_SENT, _Pick(("bounces",)))),
        # Canvas push steps report `opens` (and influenced_opens), campaigns direct/total opens
        _Pick(("direct_opens", "total_opens", "opens")),
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


def _picks(rule: _Rule) -> tuple[_Pick, ...]:
    if isinstance(rule, _Either):
        return (rule.first, *_picks(rule.fallback))
    if isinstance(rule, _Minus):
        return (rule.a, rule.b)
    return () if rule is None else (rule,)


#: Every metric name an engagement rule can read.
ENGAGEMENT_INPUTS: frozenset[str] = frozenset(
    name
    for rules in _RULES.values()
    for rule in rules
    for pick in _picks(rule)
    for name in pick.candidates
)

_V = TypeVar("_V")


class _Values(Protocol[_V]):
    """Rows a rule is read from: one value (a column of numbers, or a single number) per
    metric column, a constant, and max(a − b, 0) with NA where a is NA and NA b as 0."""

    @property
    def columns(self) -> Container[str]: ...

    def value(self, source: str | int) -> _V: ...

    def floor_minus(self, a: _V, b: _V) -> _V: ...


def evaluate(rule: _Rule, values: _Values[_V]) -> _V | None:
    """The one reading of an engagement rule; None when the channel has no such concept."""
    if isinstance(rule, _Pick):
        source = rule.source(values.columns)
        return None if source is None else values.value(source)
    if isinstance(rule, _Either):
        source = rule.first.source(values.columns)
        return evaluate(rule.fallback, values) if source is None else values.value(source)
    if isinstance(rule, _Minus):
        a, b = rule.a.source(values.columns), rule.b.source(values.columns)
        if a is None:
            return None
        if b is None:
            return values.value(a)
        return values.floor_minus(values.value(a), values.value(b))
    return None


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


class _FrameRows:
    """A row subset of one frame as rule values (each column coerced once per frame)."""

    def __init__(self, source: pd.DataFrame, coerced: dict[str, Numbers], rows: np.ndarray) -> None:
        self.columns: Container[str] = source.columns
        self._source = source
        self._coerced = coerced
        self._rows = rows

    def value(self, source: str | int) -> Numbers:
        if isinstance(source, int):
            return Numbers(np.full(len(self._rows), source, dtype=np.int64), None, True, True)
        if source not in self._coerced:
            self._coerced[source] = _column_numbers(self._source[source])
        return self._coerced[source].take(self._rows)

    @staticmethod
    def floor_minus(a: Numbers, b: Numbers) -> Numbers:
        return _minus(a, b)


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
    push: delivered (Braze's, else sent − bounces), opens = direct_opens (else total_opens,
    else opens: Canvas steps), body_clicks.
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
    coerced: dict[str, Numbers] = {}
    parts: list[list[tuple[np.ndarray, Numbers]]] = [[] for _ in ENGAGEMENT_COLUMNS]
    for kind in dict.fromkeys(kinds.tolist()):
        rows = np.flatnonzero(kinds == kind)
        values = _FrameRows(source, coerced, rows)
        for i, rule in enumerate(_RULES[kind]):
            part = evaluate(rule, values)
            if part is not None:
                parts[i].append((rows, part))
    for name, pieces in zip(ENGAGEMENT_COLUMNS, parts, strict=True):
        columns[name] = numeric_array(pieces, n, fill_zero=False)
    return frame(columns)


# ---- one row of plain numbers (the leaderboard's sums) ----------------------------------------


class _RowValues(NamedTuple):
    """One row as rule values: `metrics` holds plain numbers (None = NA; a column the row
    lacks is 0), `columns` the metric columns its frame would have."""

    metrics: Mapping[str, Any]
    columns: Container[str]

    def value(self, source: str | int) -> Any:
        return self.metrics.get(source, 0) if isinstance(source, str) else source

    @staticmethod
    def floor_minus(a: Any, b: Any) -> Any:
        return None if a is None else max(a - (b or 0), 0)


def engagement_values(
    channel: Any, metrics: Mapping[str, Any], columns: Container[str]
) -> tuple[Any, Any, Any, Any]:
    """(sent, delivered, opens, clicks) for one row of plain numbers, by the same rules as
    ``engagement_frame`` (None = NA): the row-wise twin for callers that have no frame.

    ``columns`` are the metric columns the row's frame would have (a rule reads the first
    candidate among them); a column the row lacks is 0, a value of None is NA.
    """
    values = _RowValues(metrics, columns)
    sent, delivered, opens, clicks = (evaluate(r, values) for r in _RULES[channel_kind(channel)])
    return sent, delivered, opens, clicks


@lru_cache(maxsize=256)
def floor_pairs(channel: str) -> tuple[tuple[str, str], ...]:
    """Every (a, b) a max(a − b, 0) rule of this channel could read (such rules do not add up
    across rows when a < b, so a sum must keep those rows apart)."""
    minus = [r.fallback if isinstance(r, _Either) else r for r in _RULES[channel_kind(channel)]]
    return tuple(
        (a, b)
        for rule in minus
        if isinstance(rule, _Minus)
        for a in rule.a.candidates
        for b in rule.b.candidates
    )
