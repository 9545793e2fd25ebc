"""A large, varied segment export in the shape Braze's user export object documents.

``post_users_segment.md`` / ``post_users_identifier.md`` describe one JSON object per user,
one user per line, many files of up to 5,000 users in one zip. This module writes such an
export for benchmarks and tests: profiles differ in which fields they carry (sparse, ordinary
and heavy users), hold devices, push tokens, apps, campaign and Canvas history, custom events,
purchases, aliases and custom attributes of every JSON kind (text, numbers, booleans, arrays,
nested objects, dates as text), with nulls, unicode and hostile text. It is deterministic:
file ``n`` of an export depends only on ``(seed, n)``, so any file can be rebuilt alone.

Unlike ``users.build_users`` (a small workspace whose numbers agree with the analytics
endpoints), nothing here is tied to other endpoints: it exists to be big and realistic. A
sandbox serves it from its segment exports when given the bytes:
``sandbox.exports.served_archive = export_zip(seed, users)``.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO

from .rng import rng_for, stable_uuid

USERS_PER_FILE = 5000
#: Exports are relative to this instant (a fixed day, so the output never changes).
TODAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
_EPOCH_2017 = datetime(2017, 1, 1, tzinfo=UTC)

FIRST_NAMES = (
    "Jane", "Omar", "Léa", "Zoë", "Søren", "Ana", "Chen", "Aiko", "Дмитрий", "Ольга",
    "محمد", "فاطمة", "李", "さくら", "Nguyễn", "José", "Siobhán", "Ngozi", "Priya", "O'Brien",
    "Jean-Luc", "Ærwin", "Björk", "Łukasz", "Ιωάννης", "Mía", "Kwame", "Hannah", "Noah", "🦊Fox",
)  # fmt: skip
LAST_NAMES = (
    "Doe", "García", "Müller", "Dubois", "Rossi", "Kowalski", "Иванов", "佐藤", "王", "Smith",
    "Nakamura", "O'Neil", "da Silva", "van der Berg", "Øster", "Çelik", "Núñez", "Haddad",
    'Quote"Mark', "Back\\slash", "<b>Bold</b>", "=SUM(A1)", "Okafor", "Kim", "Lee",
)  # fmt: skip
PLACES = (  # country, city, IANA zone, language, lon, lat
    ("US", "Chicago", "America/Chicago", "en", -87.63, 41.88),
    ("US", "New York", "America/New_York", "en", -74.0, 40.71),
    ("GB", "London", "Europe/London", "en", -0.13, 51.51),
    ("FR", "Paris", "Europe/Paris", "fr", 2.35, 48.86),
    ("DE", "München", "Europe/Berlin", "de", 11.58, 48.14),
    ("ES", "Málaga", "Europe/Madrid", "es", -4.42, 36.72),
    ("JP", "東京", "Asia/Tokyo", "ja", 139.69, 35.69),
    ("BR", "São Paulo", "America/Sao_Paulo", "pt", -46.63, -23.55),
    ("EG", "القاهرة", "Africa/Cairo", "ar", 31.24, 30.04),
    ("RU", "Москва", "Europe/Moscow", "ru", 37.62, 55.76),
    ("IN", "Bengaluru", "Asia/Kolkata", "hi", 77.59, 12.97),
    ("AU", "Sydney", "Australia/Sydney", "en", 151.21, -33.87),
    ("NG", "Lagos", "Africa/Lagos", "en", 3.38, 6.52),
    ("CA", "Montréal", "America/Toronto", "fr", -73.57, 45.5),
)
APPS = (  # name, platform, share of users
    ("Acme iOS", "iOS", 0.45),
    ("Acme Android", "Android", 0.4),
    ("Acme Web", "Web", 0.25),
    ("Acme tvOS", "tvOS", 0.04),
    ("Acme Roku", "Roku", 0.03),
    ("Acme Windows", "Windows", 0.02),
)
MODELS = {
    "iOS": ("iPhone 15", "iPhone 14 Pro", "iPhone SE", "iPad Air"),
    "Android": ("Pixel 8", "Galaxy S24", "Pixel XL", "Moto G", "OnePlus 12"),
    "Web": ("Chrome", "Firefox", "Safari", "Edge"),
    "tvOS": ("Apple TV 4K",),
    "Roku": ("Roku Ultra", "Roku Express"),
    "Windows": ("Surface Pro",),
}
OS = {
    "iOS": ("iOS 17.4", "iOS 18.1", "iPadOS 17.2"),
    "Android": ("Android (Q)", "Android 14", "Android 13"),
    "Web": ("Mac OS X", "Windows", "Linux"),
    "tvOS": ("tvOS 17",),
    "Roku": ("Roku OS 12",),
    "Windows": ("Windows 11",),
}
CARRIERS = ("Verizon", "T-Mobile", "Vodafone", "Orange", "NTT docomo", "Jio", None)
EVENT_NAMES = tuple(
    ["viewed_product", "added_to_cart", "started_checkout", "searched", "shared", "rated_app"]
    + ["watched_video", "level_up", "Loyalty Acknowledgement", "café_visit", "ログイン"]
    + [f"feature_{k}_used" for k in range(30)]
)
PRODUCTS = tuple([f"item_{k:05d}" for k in range(0, 60_000, 997)] + ["Café ☕ beans", "T-shirt"])
CARD_NAMES = ("Loyalty Promo", "Welcome card", "Spring offer 🌸", "Rate us", "New feature")
CAMPAIGN_THEMES = (
    "Welcome", "Cart abandonment", "Win-back", "Spring sale", "Black Friday", "Weekly digest",
    "Price drop", "Back in stock", "Birthday offer", "Referral", "Email Unsubscribe",
    "Café ☕ loyalty", "日本語キャンペーン", "عرض خاص", "<script>alert(1)</script> Flash",
)  # fmt: skip
TIERS = ("bronze", "silver", "gold", "platinum")
COLORS = ("blue", "green", "red", "=1+1", "ünïcödé", "")
INTERESTS = ("cooking", "travel", "music", "sports", "gaming", "books", "film", "tech", "🎨 art")


@dataclass(frozen=True)
class Message:
    """A campaign or Canvas users can have received."""

    id: str
    name: str
    variations: tuple[tuple[str, str], ...]  # (name, api id); () = not multivariate
    steps: tuple[tuple[str, str], ...] = ()  # Canvas steps: (name, api id)


@dataclass(frozen=True)
class Catalog:
    """The workspace the profiles refer to: its campaigns and Canvases."""

    campaigns: tuple[Message, ...]
    canvases: tuple[Message, ...]


def catalog(seed: int) -> Catalog:
    """200 campaigns (a third multivariate) and 40 Canvases with 1–6 steps, from the seed."""
    rng = rng_for(seed, "export-catalog")
    campaigns = []
    for k in range(200):
        variations: tuple[tuple[str, str], ...] = ()
        if k % 3 == 0:
            variations = tuple(
                (f"Variant {v + 1}", stable_uuid(seed, "variation", k, v))
                for v in range(rng.randint(2, 4))
            ) + (("Control", stable_uuid(seed, "variation", k, "control")),)
        name = f"{CAMPAIGN_THEMES[k % len(CAMPAIGN_THEMES)]} #{k}"
        campaigns.append(Message(stable_uuid(seed, "campaign", k), name, variations))
    canvases = []
    for k in range(40):
        steps = tuple(
            (f"Step {s + 1}" if s else "Entry ✉️", stable_uuid(seed, "step", k, s))
            for s in range(rng.randint(1, 6))
        )
        variants = (("Variant 1", ""), ("Variant 2", ""))
        name = f"Journey {k} – {CAMPAIGN_THEMES[(k * 7) % len(CAMPAIGN_THEMES)]}"
        canvases.append(Message(stable_uuid(seed, "canvas", k), name, variants, steps))
    return Catalog(tuple(campaigns), tuple(canvases))


_DAY_MS = 86_400_000
_DAYS = 3000  # how far back a time may go
#: Times are milliseconds since ORIGIN (midnight, _DAYS days before TODAY's day).
_ORIGIN = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(days=_DAYS)
_NOW = int((TODAY - _ORIGIN).total_seconds() * 1000)
_DAY_TEXT = [(_ORIGIN + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(_DAYS + 400)]


def _ago(rng: random.Random, days: float, before: int = _NOW) -> int:
    """A time up to ``days`` days before ``before`` (milliseconds since _ORIGIN)."""
    return before - int(rng.random() * days * _DAY_MS)


_CLOCK = [f"{h:02d}:{m:02d}:{x:02d}" for h in range(24) for m in range(60) for x in range(60)]


def _iso(ms: int, tail: str = "Z") -> str:
    """ISO 8601 with milliseconds (``2026-10-02T13:29:53.133Z``), as the export writes times."""
    day, rest = divmod(ms, _DAY_MS)
    second, milli = divmod(rest, 1000)
    return f"{_DAY_TEXT[day]}T{_CLOCK[second]}.{milli:03d}{tail}"


def _uuid(rng: random.Random) -> str:
    """A random UUID-shaped identifier from ``rng``."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"


def profile(rng: random.Random, index: int, cat: Catalog) -> dict:
    """One user export object; which fields it has depends on the draw (as Braze writes the
    least data possible: a missing field means null, false or empty)."""
    kind = rng.random()
    created = _ago(rng, 1500)
    user: dict = {"created_at": _iso(created, " UTC").replace("T", " ", 1)}
    anonymous = rng.random() < 0.04
    if not anonymous:
        user["external_id"] = f"ext-{index:08d}"
    if anonymous or rng.random() < 0.12:
        user["user_aliases"] = [
            {"alias_name": f"anon_{index:08d}", "alias_label": rng.choice(("amplitude_id", "web"))}
        ] + ([{"alias_name": f"crm-{index}", "alias_label": "crm"}] if rng.random() < 0.2 else [])
    user["braze_id"] = f"{rng.getrandbits(96):024x}"
    user["random_bucket"] = rng.randrange(10000)
    if kind < 0.15:  # sparse: an identified visitor with almost nothing else
        if rng.random() < 0.5:
            user["email"] = f"visitor{index}@mail.example"
        if rng.random() < 0.3:
            user["custom_attributes"] = {"signup_source": rng.choice(("web", "ad", "qr"))}
        return user
    heavy = kind > 0.95
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    country, city, zone, language, lon, lat = rng.choice(PLACES)
    user["first_name"] = first
    if rng.random() < 0.9:
        user["last_name"] = last
    user["email"] = f"user.{index}@mail.example" if rng.random() < 0.85 else None
    if rng.random() < 0.6:
        user["dob"] = f"{rng.randint(1940, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() < 0.8:
        user["home_city"] = city
    user["country"] = country
    if rng.random() < 0.5:
        user["phone"] = f"+{rng.randint(1, 99)}{rng.randrange(10**9):09d}"
    user["language"] = language
    user["time_zone"] = zone
    if rng.random() < 0.7:
        user["last_coordinates"] = [
            round(lon + rng.uniform(-0.3, 0.3), 6),
            round(lat + rng.uniform(-0.3, 0.3), 6),
        ]
    user["gender"] = rng.choice(("M", "F", "F", "M", "O", "N", "P", None))
    user["push_subscribe"] = rng.choice(("opted_in", "subscribed", "unsubscribed"))
    if user["push_subscribe"] == "opted_in":
        user["push_opted_in_at"] = _iso(_ago(rng, -30, created))
    user["email_subscribe"] = rng.choice(("opted_in", "subscribed", "subscribed", "unsubscribed"))
    if rng.random() < 0.25:
        user["attributed_campaign"] = rng.choice(("summer_promo", "brand_2026", "retarget"))
        user["attributed_source"] = rng.choice(("facebook", "google", "tiktok"))
        if rng.random() < 0.5:
            user["attributed_adgroup"] = f"adgroup_{rng.randint(1, 40)}"
            user["attributed_ad"] = f"ad_{rng.randint(1, 400)}"
    if rng.random() < 0.05:
        user["uninstalled_at"] = _iso(_ago(rng, 200))
    user["custom_attributes"] = _attributes(rng, index, heavy)
    user["custom_events"] = _histories(rng, EVENT_NAMES, rng.randint(0, 25 if heavy else 6))
    bought = rng.randint(0, 12 if heavy else 3) if rng.random() < 0.45 else 0
    user["purchases"] = _histories(rng, PRODUCTS, bought)
    revenue = sum(h["count"] for h in user["purchases"]) * rng.choice((4.99, 9.5, 19, 65))
    user["total_revenue"] = int(revenue) if rng.random() < 0.3 else round(revenue, 2)
    _devices(rng, user, index)
    sent = rng.sample(cat.campaigns, rng.randint(0, 30 if heavy else 8))
    user["campaigns_received"] = [_campaign(rng, c) for c in sent]
    entered = rng.sample(cat.canvases, rng.randint(0, 8 if heavy else 3))
    user["canvases_received"] = [_canvas(rng, c) for c in entered]
    if rng.random() < 0.2:
        user["cards_clicked"] = [{"name": n} for n in rng.sample(CARD_NAMES, rng.randint(1, 3))]
    return user


def _attributes(rng: random.Random, index: int, heavy: bool) -> dict:
    """Custom attributes of every JSON kind; each user has a different subset."""
    out: dict = {}
    r = rng.random
    if r() < 0.8:
        out["loyalty_tier"] = rng.choice(TIERS)
    if r() < 0.7:
        out["loyaltyPoints"] = rng.randint(0, 50_000)
    if r() < 0.3:
        out["loyaltyId"] = _uuid(rng)
    if r() < 0.6:
        out["favorite_color"] = rng.choice(COLORS)
    if r() < 0.5:
        out["lifetime_value"] = round(rng.uniform(0, 5000), 2)
    if r() < 0.6:
        out["newsletter"] = r() < 0.5
    if r() < 0.4:
        out["beta_tester"] = r() < 0.1
    if r() < 0.5:
        out["interests"] = rng.sample(INTERESTS, rng.randint(0, 4))
    if r() < 0.3:
        out["lucky_numbers"] = [rng.randint(0, 99) for _ in range(rng.randint(1, 5))]
    if r() < 0.4:
        out["address"] = {
            "city": rng.choice(PLACES)[1],
            "zip": f"{rng.randrange(100000):05d}",
            **({"line2": None} if r() < 0.2 else {}),
        }
    if r() < 0.2:
        out["preferences"] = {
            "channel": rng.choice(("email", "push", "sms")),
            "quiet_hours": {"from": rng.randint(18, 23), "to": rng.randint(5, 9)},
            "topics": rng.sample(INTERESTS, 2),
        }
    if r() < 0.5:
        out["last_login"] = _iso(_ago(rng, 90))  # a date attribute: text in the export
    if r() < 0.3:
        out["subscription_renews"] = _DAY_TEXT[_NOW // _DAY_MS + rng.randint(1, 365)]
    if r() < 0.15:
        out["nickname"] = rng.choice(FIRST_NAMES) + rng.choice(("", " ✨", "\u200b", " 👍🏽"))
    if r() < 0.1:
        out["notes"] = None
    if heavy:
        for k in range(rng.randint(5, 20)):
            out[f"segment_flag_{k}"] = r() < 0.5
    return out


def _histories(rng: random.Random, names: tuple[str, ...], count: int) -> list[dict]:
    out = []
    for name in rng.sample(names, min(count, len(names))):
        last = _ago(rng, 90)
        out.append(
            {
                "name": name,
                "first": _iso(_ago(rng, 400, last)),
                "last": _iso(last),
                "count": rng.randint(1, 500),
            }
        )
    return out


def _devices(rng: random.Random, user: dict, index: int) -> None:
    """apps, devices and push tokens for 1–3 apps (two devices on one app now and then)."""
    used = [a for a in APPS if rng.random() < a[2]] or [APPS[2]]
    apps, devices, tokens = [], [], []
    for name, platform, _ in used:
        last = _ago(rng, 60)
        apps.append(
            {
                "name": name,
                "platform": platform,
                "version": f"{rng.randint(2, 7)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
                "sessions": rng.randint(1, 3000),
                "first_used": _iso(_ago(rng, 900, last)),
                "last_used": _iso(last),
            }
        )
        for _ in range(2 if rng.random() < 0.1 else 1):
            device: dict = {
                "model": rng.choice(MODELS[platform]),
                "os": rng.choice(OS[platform]),
                "carrier": rng.choice(CARRIERS) if platform in ("iOS", "Android") else None,
                "device_id": _uuid(rng),
                "ad_tracking_enabled": rng.random() < 0.4,
            }
            if platform == "iOS":
                device["idfv"] = _uuid(rng).upper()
                if device["ad_tracking_enabled"]:
                    device["idfa"] = _uuid(rng).upper()
            elif platform == "Android" and rng.random() < 0.6:
                device["google_ad_id"] = _uuid(rng)
            elif platform == "Roku":
                device["roku_ad_id"] = _uuid(rng)
            elif platform == "Windows":
                device["windows_ad_id"] = _uuid(rng)
            devices.append(device)
            if platform in ("iOS", "Android", "Web") and rng.random() < 0.7:
                tokens.append(
                    {
                        "app": name,
                        "platform": platform,
                        "token": f"{rng.getrandbits(256):064x}",
                        "device_id": device["device_id"],
                        "notifications_enabled": rng.random() < 0.8,
                    }
                )
    user["apps"] = apps
    user["devices"] = devices
    if tokens:
        user["push_tokens"] = tokens


def _campaign(rng: random.Random, c: Message) -> dict:
    flags = ("opened_email", "opened_push", "clicked_email", "clicked_triggered_in_app_message")
    engaged = {f: True for f in flags if rng.random() < 0.2}  # only the true flags, as in the
    entry: dict = {  # documented sample (a missing flag means false)
        "name": c.name,
        "api_campaign_id": c.id,
        "last_received": _iso(_ago(rng, 90)),
        "engaged": engaged,
        "converted": rng.random() < 0.08,
    }
    if entry["converted"]:
        entry["multiple_converted"] = {
            "Primary Conversion Event - A": True,
            **({"Conversion Event - B": True} if rng.random() < 0.3 else {}),
        }
    if c.variations:
        name, api_id = rng.choice(c.variations)
        entry.update(in_control=name == "Control", variation_name=name, variation_api_id=api_id)
    return entry


def _canvas(rng: random.Random, c: Message) -> dict:
    control = rng.random() < 0.1
    entered = _ago(rng, 90)
    # the documented sample writes last_entered with an offset rather than a Z
    entry = {
        "name": c.name,
        "api_canvas_id": c.id,
        "last_received_message": None if control else _iso(_ago(rng, -0.01, entered)),
        "last_entered": _iso(entered, "+00:00"),
        "variation_name": "Control" if control else rng.choice(c.variations)[0],
        "in_control": control,
        "last_entered_control_at": _iso(entered) if control else None,
        "last_exited": _iso(_ago(rng, -8, entered)),
        "steps_received": []
        if control
        else [
            {
                "name": name,
                "api_canvas_step_id": step_id,
                "last_received": _iso(_ago(rng, -0.01, entered)),
            }
            for name, step_id in c.steps[: rng.randint(1, len(c.steps))]
        ],
    }
    return entry


def file_profiles(
    seed: int, file: int, users: int, cat: Catalog | None = None, per_file: int = USERS_PER_FILE
) -> list[dict]:
    """The profiles of file ``file`` of an export of ``users`` users (``per_file`` per file)."""
    cat = cat or catalog(seed)
    rng = rng_for(seed, "export-file", file, per_file)
    first = file * per_file
    return [profile(rng, i, cat) for i in range(first, min(users, first + per_file))]


def export_files(
    seed: int, users: int, per_file: int = USERS_PER_FILE
) -> Iterator[tuple[str, bytes]]:
    """(member name, NDJSON bytes) per file, in the layout Braze's download zip uses:
    ``<object_prefix>/<n>.txt``, with ``object_prefix`` a UUID and the export's start time
    (seconds since 2017-01-01)."""
    started = int((TODAY - _EPOCH_2017).total_seconds())
    prefix = f"{stable_uuid(seed, 'export-prefix')}-{started}"
    cat = catalog(seed)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for n in range(-(-users // per_file)):
        lines = [dumps(p) for p in file_profiles(seed, n, users, cat, per_file)]
        yield f"{prefix}/{n}.txt", ("\n".join(lines) + "\n").encode()


def write_export(
    target: str | IO[bytes], seed: int, users: int, per_file: int = USERS_PER_FILE
) -> int:
    """Write the export zip (deflated, as Braze serves it); the NDJSON bytes it holds."""
    size = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in export_files(seed, users, per_file):
            info = zipfile.ZipInfo(name, date_time=TODAY.timetuple()[:6])  # same bytes every run
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
            size += len(data)
    return size


def export_zip(seed: int, users: int, per_file: int = USERS_PER_FILE) -> bytes:
    """The export zip in memory (for tests: a few thousand users)."""
    buffer = io.BytesIO()
    write_export(buffer, seed, users, per_file)
    return buffer.getvalue()
