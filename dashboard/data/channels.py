"""Messaging channels as people read them: human names, and the stats marketers act on.

`channel_label` turns Braze's channel keys (``ios_push``, ``whats_app``, ...) into names;
an unknown channel keeps its own key, tidied. `channel_health` sums, per channel of a long
frame (campaign series or Canvas step channels), the counts that call for action (bounces,
unsubscribes, spam reports, SMS rejections and opt-outs, WhatsApp failures, card dismissals,
in-app and push button clicks) with the rate over the count they come from. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from braze_api.frames import channel_kind

_NAMES: Mapping[str, str] = {
    "email": "Email",
    "ios_push": "iOS push",
    "android_push": "Android push",
    "web_push": "Web push",
    "kindle_push": "Kindle push",
    "windows_phone8_push": "Windows Phone 8 push",
    "windows_universal_push": "Windows push",
    "apple_push": "iOS push",
    "push": "Push",
    "webhook": "Webhook",
    "webhooks": "Webhook",
    "sms": "SMS",
    "whats_app": "WhatsApp",
    "content_cards": "Content Cards",
    "content_card": "Content Cards",
    "in_app_message": "In-app message",
    "trigger_in_app_message": "In-app message (triggered)",
    "line": "LINE",
}


def channel_label(channel: object) -> str:
    """``ios_push`` → "iOS push"; an unknown key is tidied ("carrier_pigeon" → "Carrier pigeon")."""
    key = str(channel or "").strip()
    known = _NAMES.get(key.lower())
    if known:
        return known
    words = re.sub(r"[_\-]+", " ", key).strip()
    return (words[:1].upper() + words[1:]) if words else "(no channel)"


class Stat(NamedTuple):
    """One actionable count: the metric, its label, the count its rate is taken over, and
    whether it is listed at 0 too (False: only when some row has it, since the column may
    come from another channel of the same frame)."""

    metric: str
    label: str
    base: str
    at_zero: bool = True


#: Per channel kind, the counts to act on (only those a frame carries are shown).
HEALTH: Mapping[str, tuple[Stat, ...]] = {
    "email": (
        Stat("bounces", "Bounces", "sent"),
        Stat("unsubscribes", "Unsubscribes", "delivered"),
        Stat("reported_spam", "Spam reports", "delivered"),
    ),
    "sms": (
        Stat("rejected", "Rejected", "sent"),
        Stat("delivery_failed", "Delivery failures", "sent_to_carrier"),
        Stat("opt_out", "Opt-outs", "delivered"),
        Stat("help", "HELP replies", "delivered"),
    ),
    "whats_app": (Stat("failed", "Failed deliveries", "sent"),),
    "content_cards": (
        Stat("total_dismissals", "Dismissals", "total_impressions"),
        Stat("unique_dismissals", "Unique dismissals", "unique_impressions"),
    ),
    "in_app": (
        Stat("first_button_clicks", "Button 1 clicks", "impressions"),
        Stat("second_button_clicks", "Button 2 clicks", "impressions"),
    ),
    "push": (
        Stat("bounces", "Bounces", "sent"),
        Stat("undelivered", "Undelivered", "sent", at_zero=False),
        Stat("delivery_failed", "Delivery failures", "sent", at_zero=False),
        Stat("influenced_opens", "Influenced opens", "sent", at_zero=False),
    ),
    "webhook": (Stat("errors", "Errors", "sent"),),
}
_BUTTON = re.compile(r"^(notif_button|carousel_slide)_(\d+)_(.*)_click$")
HEALTH_COLUMNS = ("channel", "channel_label", "metric", "label", "value", "base", "rate")


def _button_label(metric: str) -> str | None:
    """``notif_button_1_Shop_now_click`` → "Button 1 “Shop now” clicks" (push actions)."""
    match = _BUTTON.match(metric)
    if match is None:
        return None
    kind, number, title = match.groups()
    what = "Button" if kind == "notif_button" else "Carousel slide"
    title = title.replace("_", " ").strip()
    return f"{what} {number} “{title}” clicks" if title else f"{what} {number} clicks"


def _total(rows: pd.DataFrame, name: str) -> float | None:
    if name not in rows:
        return None
    values = pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = values[~np.isnan(values)]
    return float(values.sum()) if len(values) else None


def channel_health(long: pd.DataFrame) -> pd.DataFrame:
    """One row per (channel, actionable stat) the frame carries: summed value, base, rate.

    A stat is listed for a channel when the frame has its column (so "0 spam reports" is
    shown too), except the optional ones (`Stat.at_zero` False), listed only above 0.
    Rate = value ÷ base (None when the base is missing or 0). Channels keep frame order.
    """
    rows: list[dict[str, object]] = []
    if long is None or long.empty or "channel" not in long:
        return pd.DataFrame({c: [] for c in HEALTH_COLUMNS})
    for channel in dict.fromkeys(long["channel"].dropna().astype(str)):
        part = long[long["channel"].astype(str) == channel]
        if "is_control" in part:
            part = part[~part["is_control"].fillna(False).astype(bool)]
        stats = list(HEALTH.get(channel_kind(channel), ()))
        if channel_kind(channel) == "push":
            stats += [
                Stat(c, label, "sent", at_zero=False)
                for c in part.columns
                if (label := _button_label(str(c))) is not None
            ]
        for stat in stats:
            value = _total(part, stat.metric)
            if value is None or (not stat.at_zero and not value):
                continue
            base = _total(part, stat.base)
            rows.append(
                {
                    "channel": channel,
                    "channel_label": channel_label(channel),
                    "metric": stat.metric,
                    "label": stat.label,
                    "value": value,
                    "base": stat.base.replace("_", " "),
                    "rate": value / base if base else None,
                }
            )
    table = pd.DataFrame(rows, columns=list(HEALTH_COLUMNS))
    table["value"] = table["value"].astype("float64")
    table["rate"] = pd.to_numeric(table["rate"], errors="coerce").astype("Float64")
    for name in ("channel", "channel_label", "metric", "label", "base"):
        table[name] = table[name].astype("string")
    return table
