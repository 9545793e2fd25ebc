"""Campaign and send series: per-channel/per-variation long frames, totals and engagement.

`/campaigns/data_series` and `/sends/data_series` share one shape:
`{"data": [{"time", "messages": {channel: [ {variation stats}, ... ]}, <totals>}]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ._coerce import (
    TIME_DTYPE,
    as_dict,
    bool_column,
    data_list,
    dicts,
    frame,
    last_per_time,
    metric_table,
    name_text,
    num,
    number_column,
    text_column,
    time_column,
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


def _is_control(entry: Mapping[str, Any], variation: str | None) -> bool:
    if variation and "control" in variation.lower():
        return True
    if entry.get("is_control") is True or entry.get("in_control") is True:
        return True
    has_sends = any(num(entry.get(k)) for k in _SEND_METRICS)
    return "enrolled" in entry and not has_sends


def message_rows(messages: Any) -> list[dict]:
    """Flatten `{channel: [stats, ...]}` into rows carrying channel/variation_name/is_control.

    A missing variation name becomes the channel name (or "(default)"); repeated names in
    one channel get " #2", " #3" so every row stays distinct. Empty channels add no rows.
    """
    rows: list[dict] = []
    for raw_channel, entries in as_dict(messages).items():
        channel = name_text(raw_channel) or "(default)"
        used: set[str] = set()
        for entry in dicts(entries):
            variation = name_text(entry.get("variation_name"))
            control = _is_control(entry, variation)
            label = variation or channel
            unique, n = label, 1
            while unique in used:
                n += 1
                unique = f"{label} #{n}"
            used.add(unique)
            stats = {k: v for k, v in entry.items() if str(k) not in MESSAGE_KEYS}
            rows.append(
                {**stats, "channel": channel, "variation_name": unique, "is_control": control}
            )
    return rows


def long_message_frame(rows: list[dict], leading: dict[str, pd.Series]) -> pd.DataFrame:
    """Leading columns + channel/variation/is_control + every metric (missing counts → 0)."""
    metrics = metric_table(
        rows,
        (),
        skip=(*MESSAGE_KEYS, *leading),
        known_text=_TEXT_KEYS,
        force_numeric=_NUMERIC_KEYS,
    )
    return frame(
        {
            **leading,
            "channel": text_column([r["channel"] for r in rows]),
            "variation_name": text_column([r["variation_name"] for r in rows]),
            "is_control": bool_column([r["is_control"] for r in rows]),
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
    rows: list[dict] = []
    times: list[pd.Timestamp] = []
    for stamp, entry in last_per_time(data_list(body)):
        for row in message_rows(entry.get("messages")):
            rows.append(row)
            times.append(stamp)
    return long_message_frame(rows, {"time": pd.Series(times, dtype=TIME_DTYPE)})


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
    """
    keys = ["channel", "variation_name"]
    if long_frame is None or not set(keys) <= set(long_frame.columns):
        return pd.DataFrame({"channel": [], "variation_name": [], "is_control": []}).astype(
            {"channel": "str", "variation_name": "str", "is_control": "boolean"}
        )
    metrics = [
        c
        for c in long_frame.columns
        if c not in (*keys, "is_control", "time")
        and pd.api.types.is_numeric_dtype(long_frame[c])
        and not pd.api.types.is_bool_dtype(long_frame[c])
    ]
    work = long_frame.copy()
    if "is_control" not in work.columns:
        work["is_control"] = False
    work["is_control"] = work["is_control"].fillna(False).astype("boolean")
    grouped = work.groupby(keys, sort=False, dropna=False)
    out = grouped[metrics].sum(min_count=0) if metrics else grouped.size().to_frame("_n")
    out = out.drop(columns="_n", errors="ignore")
    out.insert(0, "is_control", grouped["is_control"].any().astype("boolean"))
    return out.reset_index()


def _pick(row: Mapping[str, Any], *candidates: str, default: Any = 0) -> Any:
    """The first candidate column present, as a number; `default` when the frame has none.

    A missing column for a concept the channel has is 0 (Braze omits zero metrics); the
    generic "other" kind passes default=None because it cannot know the concept exists.
    """
    for name in candidates:
        if name in row:
            return num(row[name])
    return default


def _missing(value: Any) -> bool:
    """None/NA/NaN/NaT; containers (and anything pd.isna cannot judge) count as present."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _minus(a: Any, b: Any) -> Any:
    if a is None or pd.isna(a):
        return None
    b_value = 0 if b is None or pd.isna(b) else b
    return max(a - b_value, 0)


def _engagement(kind: str, row: Mapping[str, Any]) -> tuple[Any, Any, Any, Any]:
    """(sent, delivered, opens, clicks) for one row, per channel kind."""
    if kind == "email":
        return (
            _pick(row, "sent"),
            _pick(row, "delivered"),
            _pick(row, "unique_opens", "opens"),
            _pick(row, "unique_clicks", "clicks"),
        )
    if kind == "push":
        sent = _pick(row, "sent")
        return (
            sent,
            _minus(sent, _pick(row, "bounces")),
            _pick(row, "direct_opens", "total_opens"),
            _pick(row, "body_clicks"),
        )
    if kind == "in_app":
        return None, None, _pick(row, "impressions", "unique_impressions"), _pick(row, "clicks")
    if kind == "sms":
        return _pick(row, "sent"), _pick(row, "delivered"), None, _pick(row, "clicks")
    if kind == "webhook":
        sent = _pick(row, "sent")
        return sent, _minus(sent, _pick(row, "errors")), None, None
    if kind == "content_cards":
        return (
            _pick(row, "sent", default=None),
            None,
            _pick(row, "unique_impressions", "total_impressions", "impressions"),
            _pick(row, "unique_clicks", "total_clicks", "clicks"),
        )
    if kind == "whats_app":
        return _pick(row, "sent"), _pick(row, "delivered"), _pick(row, "read"), None
    return (
        _pick(row, "sent", default=None),
        _pick(row, "delivered", default=None),
        _pick(row, "unique_opens", "opens", "impressions", default=None),
        _pick(row, "unique_clicks", "clicks", default=None),
    )


def engagement_frame(long_frame: pd.DataFrame) -> pd.DataFrame:
    """Map channel-specific metrics to common sent/delivered/opens/clicks (NA = no concept).

    email: unique_opens (else opens), unique_clicks (else clicks), delivered.
    push: delivered = sent − bounces, opens = direct_opens (else total_opens), body_clicks.
    in_app: opens = impressions, clicks. sms: sent, delivered, clicks. webhook: delivered =
    sent − errors. content_cards: unique impressions/clicks. whats_app: opens = read.
    Works on campaign_series_frame, campaign_variation_totals and canvas step_channels.
    """
    source = long_frame if isinstance(long_frame, pd.DataFrame) else pd.DataFrame()
    ident = [c for c in ("time", "step_id", "step_name") if c in source.columns]
    ident += ["channel", "kind", "variation_name", "is_control"]
    records = source.to_dict("records")
    values: dict[str, list] = {c: [] for c in ENGAGEMENT_COLUMNS}
    kinds: list[str] = []
    for record in records:
        kind = channel_kind(record.get("channel"))
        kinds.append(kind)
        clean = {k: (None if _missing(v) else v) for k, v in record.items()}
        for name, value in zip(ENGAGEMENT_COLUMNS, _engagement(kind, clean), strict=True):
            values[name].append(value)
    columns: dict[str, pd.Series] = {}
    for name in ident:
        if name == "kind":
            columns[name] = text_column(kinds)
        elif name in source.columns:
            columns[name] = source[name]
        elif name == "is_control":
            columns[name] = bool_column([False] * len(records))
        else:
            columns[name] = text_column([None] * len(records))
    if "time" in columns:
        columns["time"] = time_column(columns["time"])
    for name in ENGAGEMENT_COLUMNS:
        columns[name] = number_column(values[name])
    return frame(columns)
