"""Per-day message statistics for campaigns, API sends and Canvases.

Values come from an RNG seeded by (seed, entity, day), so any window agrees with
any other. Invariants hold per entry: unique_opens <= opens <= delivered <= sent,
unique_clicks <= clicks, and the totals are sums of their parts.
"""

from __future__ import annotations

import json
import random
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from datetime import date

from .rng import rng_for, split
from .series import WEEKDAY, noise, trend
from .workspace import Campaign, Canvas, SendId

CONVERSION_KEYS = ["conversions", "conversions1", "conversions2", "conversions3"]


def _rate(rng: random.Random, n: int, low: float, high: float) -> int:
    return min(n, round(n * rng.uniform(low, high)))


def channel_stats(channel: str, n: int, rng: random.Random, *, send: bool = False) -> dict:
    """Channel-specific counters for `n` messages, in today's Braze shapes.

    `send`: the `/sends/data_series` flavour, whose push entries also report delivered,
    undelivered and delivery_failed.
    """
    if channel == "email":
        bounces = _rate(rng, n, 0.005, 0.03)
        delivered = n - bounces
        opens = _rate(rng, delivered, 0.2, 0.6)
        unique_opens = _rate(rng, opens, 0.6, 0.9)
        clicks = _rate(rng, unique_opens, 0.05, 0.3)
        return {
            "sent": n,
            "opens": opens,
            "unique_opens": unique_opens,
            "clicks": clicks,
            "unique_clicks": _rate(rng, clicks, 0.7, 0.95),
            "unsubscribes": _rate(rng, delivered, 0.0, 0.004),
            "bounces": bounces,
            "delivered": delivered,
            "reported_spam": _rate(rng, delivered, 0.0, 0.0005),
            "machine_open": _rate(rng, unique_opens, 0.2, 0.5),
            "machine_amp_open": 0,
        }
    if channel.endswith("_push"):
        bounces = _rate(rng, n, 0.0, 0.04)
        total = _rate(rng, n - bounces, 0.03, 0.12)
        direct = _rate(rng, total, 0.4, 0.8)
        out = {
            "sent": n,
            "direct_opens": direct,
            "total_opens": total,
            "bounces": bounces,
            "body_clicks": _rate(rng, direct, 0.1, 0.5),
        }
        if send:  # delivered can be below sent − bounces (undelivered, failed)
            failed = _rate(rng, n - bounces, 0.0, 0.02)
            undelivered = _rate(rng, n - bounces - failed, 0.0, 0.01)
            out.update(
                delivered=n - bounces - failed - undelivered,
                undelivered=undelivered,
                delivery_failed=failed,
            )
        if channel == "ios_push" and direct:  # an action button, named as Braze names it
            out["notif_button_1_Shop_now_click"] = _rate(rng, direct, 0.05, 0.2)
        return out
    if channel == "webhook":
        return {"sent": n, "errors": _rate(rng, n, 0.0, 0.02)}
    if channel in ("in_app_message", "trigger_in_app_message"):
        clicks = _rate(rng, n, 0.02, 0.15)
        first = _rate(rng, clicks, 0.3, 0.6)
        return {
            "impressions": n,
            "clicks": clicks,
            "first_button_clicks": first,
            "second_button_clicks": _rate(rng, clicks - first, 0.2, 0.6),
        }
    if channel == "sms":
        rejected = _rate(rng, n, 0.0, 0.02)
        carrier = n - rejected
        failed = _rate(rng, carrier, 0.0, 0.03)
        return {
            "sent": n,
            "sent_to_carrier": carrier,
            "delivered": carrier - failed,
            "rejected": rejected,
            "delivery_failed": failed,
            "clicks": _rate(rng, carrier - failed, 0.01, 0.08),
            "opt_out": _rate(rng, carrier, 0.0, 0.01),
            "help": _rate(rng, carrier, 0.0, 0.002),
        }
    if channel == "whats_app":
        failed = _rate(rng, n, 0.0, 0.03)
        delivered = n - failed
        return {
            "sent": n,
            "delivered": delivered,
            "failed": failed,
            "read": _rate(rng, delivered, 0.4, 0.9),
        }
    if channel == "content_cards":
        uimp = _rate(rng, n, 0.6, 0.9)
        clicks = _rate(rng, n, 0.02, 0.1)
        dismiss = _rate(rng, n, 0.01, 0.05)
        return {
            "sent": n,
            "total_impressions": n,
            "unique_impressions": uimp,
            "total_clicks": clicks,
            "unique_clicks": _rate(rng, clicks, 0.7, 0.95),
            "total_dismissals": dismiss,
            "unique_dismissals": _rate(rng, dismiss, 0.8, 1.0),
        }
    return {"sent": n}


def canvas_step_stats(channel: str, n: int, rng: random.Random) -> dict:
    """A Canvas step's counters: push steps report opens and influenced_opens (not direct and
    total opens), the other channels as campaigns do."""
    if not channel.endswith("_push"):
        return channel_stats(channel, n, rng)
    bounces = _rate(rng, n, 0.0, 0.04)
    opens = _rate(rng, n - bounces, 0.02, 0.08)
    return {
        "sent": n,
        "opens": opens,
        "influenced_opens": _rate(rng, n - bounces - opens, 0.01, 0.05),
        "bounces": bounces,
        "body_clicks": _rate(rng, opens, 0.1, 0.5),
    }


def _conversions(
    rng: random.Random, recipients: int, behaviors: int, rate: float
) -> tuple[dict, int]:
    out: dict = {}
    for k in range(behaviors):
        conv = _rate(rng, recipients, rate * 0.5 / (k + 1), rate * 1.5 / (k + 1))
        out[CONVERSION_KEYS[k]] = conv
        out[CONVERSION_KEYS[k] + "_by_send_time"] = min(
            recipients, round(conv * rng.uniform(0.8, 1.1))
        )
    cents = out.get("conversions", 0) * rng.randint(500, 6000)
    return out, cents


def _empty_day(channels: list[str], behaviors: int) -> dict:
    entry: dict = {"messages": {ch: [] for ch in channels}}
    for k in range(behaviors):
        entry[CONVERSION_KEYS[k]] = 0
        entry[CONVERSION_KEYS[k] + "_by_send_time"] = 0
    entry.update(unique_recipients=0, revenue=0.0)
    return entry


def _variations_day(
    campaign: Campaign, volume: int, rng: random.Random, behaviors: int, *, send: bool = False
) -> dict:
    """Split one day's volume over a campaign's variations and total the conversions.

    Every entry names its variation (variation_api_id and variation_name). A multivariate
    campaign's entries come in a different order on different days, as Braze's may.
    """
    entry: dict = {"messages": {ch: [] for ch in campaign.channels}}
    totals = dict.fromkeys(CONVERSION_KEYS[:behaviors], 0)
    totals.update({k + "_by_send_time": 0 for k in CONVERSION_KEYS[:behaviors]})
    recipients_total, cents_total = 0, 0
    weights = [v.weight for v in campaign.variations]
    shares = split(volume, weights)
    skip_channel = (
        campaign.channels[-1] if len(campaign.channels) > 1 and rng.random() < 0.1 else None
    )
    for variation, n in zip(campaign.variations, shares, strict=True):
        if n == 0 or variation.channel == skip_channel:
            continue  # a channel with no data that day stays an empty list
        recipients = _rate(rng, n, 0.9, 1.0)
        conv, cents = _conversions(
            rng, recipients, behaviors, 0.01 if variation.is_control else 0.03
        )
        named = {"variation_name": variation.name, "variation_api_id": variation.id}
        if variation.is_control:
            item: dict = {**named, "enrolled": n}
        else:
            item = {**named, **channel_stats(variation.channel, n, rng, send=send)}
        item.update(conv)
        if campaign.variation_recipients:
            item["unique_recipients"] = recipients
        item["revenue"] = round(cents / 100, 2)
        entry["messages"][variation.channel].append(item)
        for key, value in conv.items():
            totals[key] += value
        recipients_total += recipients
        cents_total += cents
    if campaign.multivariate:
        for items in entry["messages"].values():
            rng.shuffle(items)
    entry.update(totals)
    entry.update(unique_recipients=recipients_total, revenue=round(cents_total / 100, 2))
    return entry


def campaign_day(seed: int, campaign: Campaign, day: date, today: date) -> dict:
    """One `data` entry of /campaigns/data_series (without `time`)."""
    behaviors = max(1, len(campaign.conversion_behaviors))
    if not campaign.active_on(day, today):
        return _empty_day(campaign.channels, behaviors)
    rng = rng_for(seed, "campaign-day", campaign.id, day.isoformat())
    one_off = (  # active_on already ruled out first_sent None
        campaign.first_sent is not None
        and campaign.last_sent is not None
        and campaign.first_sent.date() == campaign.last_sent.date()
    )
    scale = (
        25
        if one_off
        else WEEKDAY[day.weekday()] * trend(day, 0.1) * noise(seed, campaign.id, day, 0.25)
    )
    return _variations_day(campaign, round(campaign.volume * scale), rng, behaviors)


def _campaign_shape(campaign: Campaign) -> Hashable:
    """Everything ``campaign_day`` reads from a campaign (campaigns are mutable: plants and
    tests rewrite send dates and volume, so the memo keys on the values, not the object)."""
    return (
        campaign.id,
        tuple(campaign.channels),
        tuple((v.id, v.name, v.channel, v.weight, v.is_control) for v in campaign.variations),
        len(campaign.conversion_behaviors),
        campaign.first_sent,
        campaign.last_sent,
        campaign.volume,
        campaign.multivariate,
        campaign.variation_recipients,
    )


class _DayMemo:
    """A bounded, thread-safe memo of encoded ``data`` entries (least recently used out)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
            return text

    def put(self, key: Hashable, text: str) -> None:
        with self._lock:
            self._items[key] = text
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: 300 campaigns × 100 days: a bench's whole workspace; about 1 kB a day.
CAMPAIGN_DAYS = _DayMemo(30_000)


def campaign_days_json(seed: int, campaign: Campaign, days: Sequence[date], today: date) -> str:
    """The `data` list of /campaigns/data_series as JSON text: exactly
    ``json.dumps([{"time": d.isoformat(), **campaign_day(seed, campaign, d, today)} ...],
    ensure_ascii=False)``, each day encoded once and remembered (a day is a pure function of
    the seed, what the campaign says and today, so a repeat asks nothing new of the RNG)."""
    shape = _campaign_shape(campaign)
    parts = []
    for day in days:
        key = (seed, shape, day, today)
        text = CAMPAIGN_DAYS.get(key)
        if text is None:
            entry = {"time": day.isoformat(), **campaign_day(seed, campaign, day, today)}
            text = json.dumps(entry, ensure_ascii=False)
            CAMPAIGN_DAYS.put(key, text)
        parts.append(text)
    return "[" + ", ".join(parts) + "]"


def send_day(seed: int, campaign: Campaign, send: SendId, day: date) -> dict:
    """One `data` entry of /sends/data_series: the send's stats land on its send date."""
    behaviors = max(1, len(campaign.conversion_behaviors))
    if day != send.day:
        return _empty_day(campaign.channels, behaviors)
    rng = rng_for(seed, "send-day", send.id, day.isoformat())
    return _variations_day(campaign, campaign.volume * 3, rng, behaviors, send=True)


def _add(into: dict, stats: dict) -> None:
    for key, value in stats.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            into[key] = into.get(key, 0) + value


def canvas_day(seed: int, canvas: Canvas, day: date, today: date, deleted: bool) -> dict:
    """total_stats, variant_stats and step_stats for one Canvas day (always all computed)."""
    active = canvas.active_on(day, today)
    rng = rng_for(seed, "canvas-day", canvas.id, day.isoformat())
    volume = (
        round(canvas.volume * WEEKDAY[day.weekday()] * noise(seed, canvas.id, day, 0.2))
        if active
        else 0
    )
    shares = split(volume, [v.weight for v in canvas.variants])
    variant_stats: dict = {}
    total = {"revenue": 0.0, "conversions": 0, "conversions_by_entry_time": 0, "entries": 0}
    cents_total = 0
    for variant, entries in zip(canvas.variants, shares, strict=True):
        conversions = _rate(rng, entries, 0.01, 0.06)
        cents = conversions * rng.randint(500, 5000)
        by_entry = min(entries, round(conversions * rng.uniform(0.8, 1.1)))
        variant_stats[variant.id] = {
            "name": variant.name,
            "revenue": round(cents / 100, 2),
            "conversions": conversions,
            "conversions_by_entry_time": by_entry,
            "entries": entries,
        }
        total["conversions"] += conversions
        total["conversions_by_entry_time"] += by_entry
        total["entries"] += entries
        cents_total += cents
    total["revenue"] = round(cents_total / 100, 2)
    step_stats: dict = {}
    steps = list(canvas.steps) + (list(canvas.deleted_steps) if deleted else [])
    for depth, step in enumerate(steps):
        live = depth < len(canvas.steps)
        flow = round(volume * (0.92**depth)) if live else round(volume * 0.05)
        conversions = _rate(rng, flow, 0.0, 0.02)
        step_stats[step.id] = {
            "name": step.name,
            "revenue": round(conversions * rng.randint(500, 5000) / 100, 2),
            "conversions": conversions,
            "conversions_by_entry_time": min(flow, round(conversions * rng.uniform(0.8, 1.1))),
            "unique_recipients": flow,
            "messages": {ch: [canvas_step_stats(ch, flow, rng)] for ch in step.channels}
            if flow
            else {ch: [] for ch in step.channels},
        }
    return {"total_stats": total, "variant_stats": variant_stats, "step_stats": step_stats}


def canvas_summary(days: list[dict]) -> dict:
    """Roll a window of canvas_day results up into /canvas/data_summary's shape."""
    total = {"revenue": 0.0, "conversions": 0, "conversions_by_entry_time": 0, "entries": 0}
    variants: dict = {}
    steps: dict = {}
    for day in days:
        _add(total, day["total_stats"])
        for vid, stats in day["variant_stats"].items():
            slot = variants.setdefault(vid, {"name": stats["name"]})
            _add(slot, stats)
        for sid, stats in day["step_stats"].items():
            slot = steps.setdefault(sid, {"name": stats["name"], "messages": {}})
            _add(slot, stats)
            for ch, entries in stats["messages"].items():
                merged = slot["messages"].setdefault(ch, [])
                for i, entry in enumerate(entries):
                    if i >= len(merged):
                        merged.append({})
                    _add(merged[i], entry)
    for bucket in [total, *variants.values(), *steps.values()]:
        if "revenue" in bucket:
            bucket["revenue"] = round(bucket["revenue"], 2)
    return {"total_stats": total, "variant_stats": variants, "step_stats": steps}
