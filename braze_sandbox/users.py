"""Synthetic user profiles in Braze's export shape, and segment membership rules.

Each user is a pure function of (seed, index), so a bigger workspace only adds
users. About one in seven is sparse (most fields missing), as in real exports.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from braze_api import fields

from . import catalog
from .rng import rng_for

if TYPE_CHECKING:
    from .workspace import App, Campaign, Canvas, Card, Product

EXPORT_FIELDS = frozenset(fields.EXPORT_FIELDS)
#: The Global Control Group: users whose random bucket falls in this range (5% of users).
GLOBAL_CONTROL_BUCKETS = (0, 499)
#: What a Global Control Group export writes per user (the documented object has no
#: messaging history: these users receive no campaigns or Canvases).
CONTROL_GROUP_FIELDS = frozenset(fields.CONTROL_GROUP_FIELDS)


def shape(user: dict, fields: list[str] | None) -> dict:
    """The user as an export with ``fields_to_export`` writes it (all fields when None); a
    companion field comes with the field it belongs to (``push_opted_in_at`` with
    ``push_subscribe``)."""
    if fields is None:
        return user
    wanted = set(fields)
    if "push_subscribe" in wanted:
        wanted.add("push_opted_in_at")
    return {k: v for k, v in user.items() if k in wanted}


def in_global_control_group(user: dict) -> bool:
    low, high = GLOBAL_CONTROL_BUCKETS
    return bool(low <= user["random_bucket"] <= high)


def _day(d: date) -> str:
    return d.isoformat() + "T00:00:00.000Z"


def _created(d: date, minute: int) -> str:
    """``created_at`` as Braze's user exports write it: "2020-07-10 15:00:00.000 UTC"."""
    return f"{d.isoformat()} {minute // 60:02d}:{minute % 60:02d}:00.000 UTC"


def build_users(
    seed: int,
    count: int,
    apps: list[App],
    campaigns: list[Campaign],
    canvases: list[Canvas],
    events: list[str],
    products: list[Product],
    cards: list[Card],
    today: date,
    names: catalog.Names = catalog.REALISTIC,
) -> list[dict]:
    """Generate `count` profiles; campaign/canvas history only references sent ones."""
    sent = [c for c in campaigns if c.first_sent is not None]
    entered = [c for c in canvases if c.first_entry is not None and c.steps]
    return [
        _user(seed, i, apps, sent, entered, events, products, cards, today, names)
        for i in range(count)
    ]


def _user(
    seed: int,
    i: int,
    apps: list[App],
    campaigns: list[Campaign],
    canvases: list[Canvas],
    events: list[str],
    products: list[Product],
    cards: list[Card],
    today: date,
    names: catalog.Names,
) -> dict:
    rng = rng_for(seed, "user", i)
    created = today - timedelta(days=rng.randint(0, 700))
    user: dict = {}
    if i % 23 != 5:
        user["external_id"] = f"user-{i:05d}"
    if i % 23 == 5 or rng.random() < 0.1:
        user["user_aliases"] = [{"alias_name": f"anon-{i:05d}", "alias_label": "amplitude_id"}]
    user["braze_id"] = f"{rng.getrandbits(96):024x}"
    user["created_at"] = _day(created)
    user["random_bucket"] = rng.randint(0, 9999)
    # Today's fields, drawn from their own stream so the older fields keep their values.
    extra = rng_for(seed, "user-today", i)
    user["created_at"] = _created(created, extra.randint(0, 24 * 60 - 1))
    if i % 7 == 3:  # sparse profile: identifiers and little else
        if rng.random() < 0.5:
            user["email"] = f"sparse{i}@mail.example"
        return user
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    if i == 11 and names.user_12_first_name is not None:
        first = names.user_12_first_name
    country, city, tz, lang, lon, lat = rng.choice(catalog.PLACES)
    if i % 97 == 1:
        country, city, tz, lang, lon, lat = "ES", "Madrid", "Europe/Madrid", "es", -3.7, 40.4
    user.update(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}.{i}@mail.example".replace("'", "").replace(" ", ""),
        dob=(date(1960, 1, 1) + timedelta(days=rng.randint(0, 16000))).isoformat(),
        home_city=city,
        country=country,
        phone=f"+1555{i:07d}",
        language=lang,
        time_zone=tz,
        last_coordinates=[
            round(lon + rng.uniform(-0.2, 0.2), 4),
            round(lat + rng.uniform(-0.2, 0.2), 4),
        ],
        gender=rng.choice(["M", "F"]),
        push_subscribe=rng.choice(["opted_in", "subscribed", "unsubscribed"]),
        email_subscribe=rng.choice(["opted_in", "subscribed", "subscribed", "unsubscribed"]),
    )
    if rng.random() < 0.3:
        user["attributed_campaign"] = "summer_promo"
        user["attributed_source"] = rng.choice(["facebook", "google", "tiktok"])
    user["custom_attributes"] = {
        "loyalty_tier": rng.choice(["bronze", "silver", "gold"]),
        "favorite_color": rng.choice(["blue", "green", "=1+1", "red"]),
        "pets": rng.sample(["cat", "dog", "fish", "bird"], rng.randint(0, 2)),
        "address": {"city": city, "zip": f"{rng.randint(10000, 99999)}"},
        "score": rng.randint(0, 100),
    }
    user["custom_events"] = _histories(rng, rng.sample(events, rng.randint(0, 6)), created, today)
    bought = rng.sample(products, rng.randint(0, 3)) if rng.random() < 0.5 else []
    user["purchases"] = _histories(rng, [p.name for p in bought], created, today)
    user["total_revenue"] = round(
        sum(p.price_cents * h["count"] for p, h in zip(bought, user["purchases"], strict=True))
        / 100,
        2,
    )
    used = rng.sample(apps, rng.randint(1, 2))
    user["apps"] = [_app_usage(rng, a, created, today) for a in used]
    user["devices"] = [_device(rng, a, i, k) for k, a in enumerate(used)]
    user["push_tokens"] = [
        {"app": a.name, "platform": a.platform, "token": f"{rng.getrandbits(128):032x}"}
        for a in used
        if a.platform in ("iOS", "Android") and rng.random() < 0.7
    ]
    _today_fields(extra, user, created, today)
    user["campaigns_received"] = [
        _received(rng, c, today)
        for c in rng.sample(campaigns, min(len(campaigns), rng.randint(0, 4)))
    ]
    user["canvases_received"] = [
        _canvas_received(rng, c, today, control=extra.random() < 0.1)
        for c in rng.sample(canvases, min(len(canvases), rng.randint(0, 2)))
    ]
    if cards and rng.random() < 0.2:
        user["cards_clicked"] = [{"name": rng.choice(cards).name}]
    return user


def _today_fields(rng: random.Random, user: dict, created: date, today: date) -> None:
    """What today's export object adds: ad ids per platform (the workspace has no Roku or
    Windows app, so no roku_ad_id / windows_ad_id), push-token device ids and notification
    state, push opt-in time, uninstall time."""
    for device in user["devices"]:
        platform = device["os"]
        if platform.startswith("Android"):
            if rng.random() < 0.6:
                device["google_ad_id"] = f"{rng.getrandbits(128):032x}"
        elif platform.startswith("iOS") and device["ad_tracking_enabled"]:
            device["idfa"] = f"{rng.getrandbits(128):032X}"
    by_app = {a["name"]: d for a, d in zip(user["apps"], user["devices"], strict=True)}
    for token in user["push_tokens"]:
        token["device_id"] = by_app[token["app"]]["device_id"]
        token["notifications_enabled"] = rng.random() < 0.8
    if user.get("push_subscribe") == "opted_in":
        opted = created + timedelta(days=rng.randint(0, max(0, (today - created).days)))
        user["push_opted_in_at"] = opted.isoformat() + "T08:15:00.000Z"
    if rng.random() < 0.06:
        gone = created + timedelta(days=rng.randint(0, max(0, (today - created).days)))
        user["uninstalled_at"] = gone.isoformat() + "T21:40:00.000Z"


def _histories(rng: random.Random, names: list[str], created: date, today: date) -> list[dict]:
    out = []
    span = max(0, (today - created).days)
    for name in names:
        first = created + timedelta(days=rng.randint(0, span))
        last = first + timedelta(days=rng.randint(0, max(0, (today - first).days)))
        out.append(
            {"name": name, "first": _day(first), "last": _day(last), "count": rng.randint(1, 40)}
        )
    return out


def _app_usage(rng: random.Random, app: App, created: date, today: date) -> dict:
    last = today - timedelta(days=rng.randint(0, 60))
    return {
        "name": app.name,
        "platform": app.platform,
        "version": f"{rng.randint(3, 6)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        "sessions": rng.randint(1, 400),
        "first_used": _day(min(created, last)),
        "last_used": _day(last),
    }


def _device(rng: random.Random, app: App, i: int, k: int) -> dict:
    device = {
        "device_id": f"device-{i:05d}-{k}",
        "model": rng.choice(catalog.DEVICE_MODELS[app.platform]),
        "os": {"iOS": "iOS 17.4", "Android": "Android 14", "Web": "Linux", "tvOS": "tvOS 17"}[
            app.platform
        ],
        "carrier": rng.choice(catalog.CARRIERS),
        "ad_tracking_enabled": rng.random() < 0.4,
    }
    if app.platform == "iOS":
        device["idfv"] = f"{rng.getrandbits(128):032X}"
    return device


def _received(rng: random.Random, c: Campaign, today: date) -> dict:
    last_day = c.last_sent.date() if c.last_sent else today
    first_day = c.first_sent.date() if c.first_sent else last_day
    when = first_day + timedelta(days=rng.randint(0, max(0, (last_day - first_day).days)))
    entry: dict = {
        "name": c.name,
        "last_received": _day(when),
        "engaged": {
            "opened_email": rng.random() < 0.3,
            "opened_push": rng.random() < 0.1,
            "clicked_email": rng.random() < 0.05,
            "clicked_triggered_in_app_message": rng.random() < 0.05,
        },
        "converted": rng.random() < 0.08,
        "api_campaign_id": c.id,
    }
    reached = rng.random() < 0.02  # the draw the older flag used, so later values keep
    if entry["converted"]:
        entry["multiple_converted"] = {
            "Primary Conversion Event - A": True,
            "Conversion Event - B": reached,
        }
    if c.multivariate:
        v = rng.choice(c.variations)
        entry.update(variation_name=v.name, variation_api_id=v.id, in_control=v.is_control)
    return entry


def _canvas_received(rng: random.Random, c: Canvas, today: date, *, control: bool) -> dict:
    """One Canvas entry; a user in the Canvas's control group got no step (and no message)."""
    last_day = c.last_entry.date() if c.last_entry else today
    first_day = c.first_entry.date() if c.first_entry else last_day
    entered = first_day + timedelta(days=rng.randint(0, max(0, (last_day - first_day).days)))
    variant = rng.choice(c.variants)
    steps = [s for s in c.steps if s.channels][:3]
    return {
        "name": c.name,
        "api_canvas_id": c.id,
        "last_received_message": None if control else _day(entered),
        "last_entered": _day(entered),
        "variation_name": "Control" if control else variant.name,
        "in_control": control,
        "last_entered_control_at": _day(entered) if control else None,
        "last_exited": _day(entered + timedelta(days=rng.randint(0, 5))),
        "steps_received": []
        if control
        else [
            {"name": s.name, "api_canvas_step_id": s.id, "last_received": _day(entered)}
            for s in steps
        ],
    }


def matches(rule: tuple, user: dict, seed: int) -> bool:
    """Whether a user satisfies a segment rule (see workspace._describe for wording)."""
    kind = rule[0]
    if kind == "all":
        return True
    if kind == "bucket":
        return bool(rule[1] <= user["random_bucket"] <= rule[2])
    if kind == "revenue_gt":
        return bool(user.get("total_revenue", 0.0) > rule[1])
    if kind == "event":
        return any(e["name"] == rule[1] for e in user.get("custom_events", ()))
    if kind == "app":
        return any(a["name"] == rule[1] for a in user.get("apps", ()))
    return bool(user.get(kind) == rule[1])
