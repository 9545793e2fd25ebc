"""The deterministic synthetic Braze workspace: apps, campaigns, Canvases, segments, and more.

Built once at start-up from the seed (fast: series are computed per request
elsewhere). Entities are plain dataclasses; the HTTP layer shapes responses.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from . import catalog
from .rng import rng_for, stable_uuid
from .users import build_users, matches


def _active_on(first: datetime | None, last: datetime | None, day: date, today: date) -> bool:
    """Sending (or entering) on ``day``: started by then, and not stopped before it."""
    if first is None or day < first.date():
        return False
    return day <= (last.date() if last else today)


@dataclass(frozen=True)
class App:
    id: str
    name: str
    platform: str
    share: float


@dataclass(frozen=True)
class Variation:
    id: str
    name: str
    channel: str
    weight: float
    is_control: bool
    message: dict


@dataclass(frozen=True)
class SendId:
    id: str
    day: date


@dataclass
class Campaign:
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    archived: bool
    draft: bool
    schedule_type: str
    channels: list[str]
    first_sent: datetime | None
    last_sent: datetime | None  # None while still sending (active through today)
    tags: list[str]
    is_api_campaign: bool
    variations: list[Variation]
    conversion_behaviors: list[dict]
    send_ids: list[SendId]
    volume: int
    multivariate: bool
    teams: list[str] = field(default_factory=list)
    enabled: bool = True  # False: stopped (not archived, not a draft)
    has_post_launch_draft: bool = False
    # Braze's docs make per-variation unique_recipients optional (the day's total is always
    # there); False serves a campaign's variation entries without them.
    variation_recipients: bool = True

    def active_on(self, day: date, today: date) -> bool:
        return _active_on(self.first_sent, self.last_sent, day, today)


@dataclass(frozen=True)
class CanvasVariant:
    id: str
    name: str
    first_step_ids: list[str]
    weight: float


@dataclass(frozen=True)
class CanvasStep:
    id: str
    name: str
    next_step_ids: list[str]
    channels: list[str]
    messages: dict
    type: str = "message"
    # (path name or None, next step id): Yes/No for decision splits, group names for
    # audience and action paths, None for a plain next step
    next_paths: tuple[tuple[str | None, str], ...] = ()


@dataclass
class Canvas:
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    archived: bool
    draft: bool
    schedule_type: str
    first_entry: datetime | None
    last_entry: datetime | None
    tags: list[str]
    variants: list[CanvasVariant]
    steps: list[CanvasStep]
    deleted_steps: list[CanvasStep]
    volume: int
    teams: list[str] = field(default_factory=list)
    enabled: bool = True
    has_post_launch_draft: bool = False

    @property
    def channels(self) -> list[str]:
        seen: list[str] = []
        for step in self.steps:
            for ch in step.channels:
                if ch not in seen:
                    seen.append(ch)
        return seen

    def active_on(self, day: date, today: date) -> bool:
        return _active_on(self.first_entry, self.last_entry, day, today)


@dataclass(frozen=True)
class Segment:
    id: str
    name: str
    analytics_tracking_enabled: bool
    tags: list[str]
    description: str
    created_at: datetime
    updated_at: datetime
    rule: tuple


@dataclass(frozen=True)
class Product:
    name: str
    price_cents: int
    base_quantity: int


@dataclass(frozen=True)
class Card:
    id: str
    type: str
    title: str
    name: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    publish_at: datetime
    end_at: datetime
    image_url: str
    extras: dict
    description: str
    archived: bool
    draft: bool
    volume: int


@dataclass
class SyntheticWorkspace:
    """All synthetic entities; read-only once built."""

    seed: int
    today: date
    apps: list[App]
    campaigns: list[Campaign]
    canvases: list[Canvas]
    segments: list[Segment]
    events: list[str]
    products: list[Product]
    cards: list[Card]
    users: list[dict]
    event_weights: dict[str, float] = field(default_factory=dict)
    names: catalog.Names = catalog.REALISTIC
    _members: dict[str, list[dict]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return (
            f"SyntheticWorkspace(seed={self.seed}, apps={len(self.apps)}, campaigns={len(self.campaigns)}, "
            f"canvases={len(self.canvases)}, segments={len(self.segments)}, users={len(self.users)})"
        )

    def __post_init__(self) -> None:
        self.app_by_id = {a.id: a for a in self.apps}
        self.campaign_by_id = {c.id: c for c in self.campaigns}
        self.canvas_by_id = {c.id: c for c in self.canvases}
        self.segment_by_id = {s.id: s for s in self.segments}
        self.card_by_id = {c.id: c for c in self.cards}
        self.product_by_name = {p.name: p for p in self.products}
        self.event_set = set(self.events)

    def segment_members(self, segment_id: str) -> list[dict]:
        """Users in the segment (deterministic rule over profiles), computed once per segment."""
        with self._lock:
            cached = self._members.get(segment_id)
            if cached is None:
                segment = self.segment_by_id[segment_id]
                cached = [u for u in self.users if matches(segment.rule, u, self.seed)]
                self._members[segment_id] = cached
            return cached

    def segment_share(self, segment_id: str) -> float:
        """Fraction of users in the segment (scales segment-filtered analytics)."""
        return len(self.segment_members(segment_id)) / max(1, len(self.users))


def _ts(rng: random.Random, start: datetime, max_days: int) -> datetime:
    return start + timedelta(days=rng.randint(0, max_days), hours=rng.randint(0, 23))


def build_synthetic_workspace(
    seed: int = 7,
    users: int = 3000,
    campaigns: int = 130,
    now: datetime | None = None,
    *,
    hostile_names: bool = False,
) -> SyntheticWorkspace:
    """Generate the whole workspace from the seed; `now` (default: the clock) anchors the
    first/last send dates. Series and "today" are computed per request, not from here.

    ``hostile_names`` (tests only) plants markup and formulas in names (``catalog.HOSTILE``)
    where the demo has realistic ones; everything else stays the same."""
    names = catalog.HOSTILE if hostile_names else catalog.REALISTIC
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    today = now.date()
    origin = now - timedelta(days=730)
    rng = rng_for(seed, "workspace")
    apps = [
        App(stable_uuid(seed, "app", name), name, platform, share)
        for name, platform, share in catalog.APPS
    ]
    events = _events(rng, names)
    products = [Product(name, price, rng.randint(5, 60)) for name, price in names.products]
    camps = [
        _campaign(seed, i, rng, origin, now, apps, events, products, names)
        for i in range(campaigns)
    ]
    camps.sort(key=lambda c: c.created_at)
    canvases = [_canvas(seed, i, rng, origin, now, names) for i in range(34)]
    canvases.sort(key=lambda c: c.created_at)
    segments = _segments(seed, rng, origin, events, names)
    cards = [_card(seed, i, rng, origin, names) for i in range(6)]
    cards.sort(key=lambda c: c.created_at)
    people = build_users(seed, users, apps, camps, canvases, events, products, cards, today, names)
    weights = {e: 1.0 / (1 + i) ** 0.8 for i, e in enumerate(_shuffled(events, seed))}
    return SyntheticWorkspace(
        seed=seed,
        today=today,
        apps=apps,
        campaigns=camps,
        canvases=canvases,
        segments=segments,
        events=events,
        products=products,
        cards=cards,
        users=people,
        event_weights=weights,
        names=names,
    )


def _shuffled(items: list[str], seed: int) -> list[str]:
    copy = list(items)
    rng_for(seed, "event-popularity").shuffle(copy)
    return copy


def _events(rng: random.Random, names: catalog.Names) -> list[str]:
    pairs = [f"{v}_{n}" for v in catalog.EVENT_VERBS for n in catalog.EVENT_NOUNS]
    rng.shuffle(pairs)
    return sorted(pairs[:262] + list(names.extra_events))


def _message(
    seed: int, channel: str, name: str, campaign_name: str, index: int, names: catalog.Names
) -> dict:
    base: dict = {"channel": channel, "name": name}
    if channel.endswith("_push"):
        base.update(alert=f"{campaign_name}: don't miss out!", extras={"deep_link": "acme://home"})
    elif channel == "email":
        body = (
            f"<html><body><h1>{campaign_name}</h1><p>Hi {{{{${{first_name}}}}}},</p>"
            "<p>Our biggest offers this week.</p></body></html>"
        )
        if index % 7 == 0:
            body += names.email_footer
        base.update(
            subject=f"{campaign_name} — just for you",
            body=body,
            title=f"{campaign_name} email",
            extras={},
            **{"from": "Acme <news@acme.example>", "reply_to": "support@acme.example"},
        )
    elif channel == "webhook":
        base.update(
            url="https://hooks.acme.example/braze",
            body='{"user": "{{${user_id}}}"}',
            type="application/json",
            headers={"X-Source": "braze"},
            method="POST",
        )
    elif channel in ("in_app_message", "trigger_in_app_message"):
        base.update(message=f"{campaign_name}: tap to learn more", type="modal", extras={})
    elif channel == "sms":
        base.update(
            body=f"{campaign_name}: reply STOP to opt out",
            subscription_group_id=stable_uuid(seed, "sms-group"),
        )
    elif channel == "content_cards":
        base.update(title=campaign_name, description="Tap to see the offer", type="CaptionedImage")
    elif channel == "whats_app":
        base.update(template_name="promo_template", language="en")
    return base


def _behaviors(
    rng: random.Random, apps: list[App], events: list[str], products: list[Product]
) -> list[dict]:
    kinds = [
        lambda: {"type": "Clicks Email", "window": 86400},
        lambda: {"type": "Opens Email", "window": 86400 * 3},
        lambda: {"type": "Makes Any Purchase", "window": 86400 * 7},
        lambda: {
            "type": "Makes Specific Purchase",
            "window": 86400 * 7,
            "product": rng.choice(products).name,
        },
        lambda: {
            "type": "Performs Custom Event",
            "window": 86400 * 2,
            "custom_event_name": rng.choice(events),
        },
        lambda: {
            "type": "Upgrades App",
            "window": 86400 * 14,
            "app_ids": rng.choice([None, [apps[0].id]]),
        },
        lambda: {
            "type": "Starts Session",
            "window": 86400,
            "app_ids": rng.choice([None, [a.id for a in apps[:2]]]),
        },
    ]
    return [rng.choice(kinds)() for _ in range(rng.randint(1, 4))]


def _campaign(
    seed: int,
    i: int,
    rng: random.Random,
    origin: datetime,
    now: datetime,
    apps: list[App],
    events: list[str],
    products: list[Product],
    names: catalog.Names,
) -> Campaign:
    cid = stable_uuid(seed, "campaign", i)
    theme = catalog.CAMPAIGN_THEMES[i % len(catalog.CAMPAIGN_THEMES)]
    name = names.campaign_4 if i == 3 else f"{theme} #{i + 1}"
    created = _ts(rng, origin, 700)
    draft = rng.random() < 0.04 and i != 3  # the hostile name stays visible and active
    archived = rng.random() < 0.12 and i != 3
    multivariate = rng.random() < 0.25
    roll = rng.random()
    if i % 10 == 0:
        channels = ["trigger_in_app_message"]
    elif multivariate or roll < 0.55:
        channels = [rng.choice(catalog.CHANNELS)]
    elif roll < 0.85:
        channels = ["ios_push", "android_push"]
    else:
        channels = ["email", "ios_push", "android_push"]
    is_api = rng.random() < 0.18
    schedule = (
        "api_triggered"
        if is_api
        else rng.choice(["time_based", "action_based", "recurring", "time_based"])
    )
    variations: list[Variation] = []
    if multivariate:
        ch = channels[0]
        for v in range(rng.randint(2, 3)):
            vname = f"Variant {v + 1}"
            vid = stable_uuid(seed, "variation", cid, v)
            variations.append(
                Variation(vid, vname, ch, 1.0, False, _message(seed, ch, vname, name, i + v, names))
            )
        vid = stable_uuid(seed, "variation", cid, "control")
        variations.append(
            Variation(
                vid,
                "Control",
                ch,
                0.25,
                True,
                {"channel": ch, "name": "Control", "type": "control"},
            )
        )
    else:
        for ch in channels:
            vid = stable_uuid(seed, "variation", cid, ch)
            vname = _VARIATION_NAMES.get(ch, ch.replace("_", " ").title())
            variations.append(
                Variation(
                    vid,
                    vname,  # the same name in the series and in /campaigns/details
                    ch,
                    1.0,
                    False,
                    _message(seed, ch, vname, name, i, names),
                )
            )
    if draft:
        first = last = None
    else:
        first = created + timedelta(days=rng.randint(0, 5), hours=rng.randint(0, 12))
        first = min(first, now - timedelta(days=1))
        if archived or rng.random() < 0.3:
            last = min(first + timedelta(days=rng.randint(0, 120)), now)
        else:
            last = None
        if schedule == "time_based" and rng.random() < 0.5:
            last = first  # a one-off blast
    send_ids = []
    if is_api and last is None and first is not None:
        today = now.date()
        days = sorted({today - timedelta(days=rng.randint(0, 13)) for _ in range(3)})
        send_ids = [
            SendId(stable_uuid(seed, "send", cid, d.isoformat()), d)
            for d in days
            if d >= first.date()
        ]
    tags = rng.sample(catalog.TAGS, rng.randint(0, 2))
    updated = max(created, (last or first or created)) if not draft else created
    meta = rng_for(seed, "campaign-meta", cid)  # its own stream: the rest stays as it was
    return Campaign(
        id=cid,
        name=name,
        created_at=created,
        updated_at=min(updated + timedelta(hours=3), now),
        archived=archived,
        draft=draft,
        schedule_type=schedule,
        channels=channels,
        first_sent=first,
        last_sent=last,
        tags=tags,
        is_api_campaign=is_api,
        variations=variations,
        conversion_behaviors=_behaviors(rng, apps, events, products),
        send_ids=send_ids,
        volume=int(rng.lognormvariate(7.5, 1.0)) + 50,
        multivariate=multivariate,
        teams=meta.sample(names.teams, meta.choice([0, 1, 1, 2])),
        enabled=not draft and not archived and (last is None or meta.random() < 0.5),
        has_post_launch_draft=not draft and meta.random() < 0.15,
    )


# A one-variation campaign's message name, as a marketer would name it in Braze.
_VARIATION_NAMES = {
    "email": "Email",
    "ios_push": "iOS push",
    "android_push": "Android push",
    "web_push": "Web push",
    "sms": "SMS",
    "whats_app": "WhatsApp",
    "content_cards": "Content Card",
    "webhook": "Webhook",
    "in_app_message": "In-app message",
    "trigger_in_app_message": "In-app message",
}

STEP_CHANNELS = [
    "email",
    "ios_push",
    "android_push",
    "sms",
    "webhook",
    "in_app_message",
    "content_cards",
]


def _steps(
    seed: int, cid: str, rng: random.Random, count: int, tag: str, names: catalog.Names
) -> list[CanvasStep]:
    ids = [stable_uuid(seed, tag, cid, s) for s in range(count)]
    steps = []
    for s in range(count):
        nexts = []
        if s + 1 < count:
            nexts.append(ids[s + 1])
        if s + 3 < count and rng.random() < 0.3:
            nexts.append(ids[s + 3])
        if rng.random() < 0.2:
            channels: list[str] = []  # a delay or decision split: no message
            kind = rng.choice(["Delay", "Decision split", "Audience paths"])
            name = kind + f" {s + 1}"
        else:
            kind = "Message"
            channels = rng.sample(STEP_CHANNELS, rng.randint(1, 2))
            name = f"Step {s + 1}: {channels[0].replace('_', ' ')}"
        messages = {
            stable_uuid(seed, "step-msg", ids[s], ch): _message(seed, ch, ch, name, s, names)
            for ch in channels
        }
        step_type, path_names = _STEP_KINDS[kind]
        if kind == "Decision split" and len(nexts) == 1 and s + 2 < count:
            nexts.append(ids[s + 2])  # the "No" branch skips a step
        labels = path_names or [None] * len(nexts)
        paths = tuple(zip((labels * len(nexts))[: len(nexts)], nexts, strict=True))
        # Braze lists only message steps in a message step's next_step_ids; next_paths has all
        steps.append(CanvasStep(ids[s], name, nexts, channels, messages, step_type, paths))
    return steps


# display kind → (Braze step type, names of its paths in order; empty: unnamed)
_STEP_KINDS: dict[str, tuple[str, list[str | None]]] = {
    "Message": ("message", []),
    "Delay": ("delay", []),
    "Decision split": ("decision_split", ["Yes", "No"]),
    "Audience paths": ("audience_paths", ["Loyal buyers", "Everyone else"]),
}


def _canvas(
    seed: int, i: int, rng: random.Random, origin: datetime, now: datetime, names: catalog.Names
) -> Canvas:
    cid = stable_uuid(seed, "canvas", i)
    created = _ts(rng, origin, 700)
    if i == 5:
        count = 56
    elif i == 9:
        count = 0
    else:
        count = rng.randint(3, 12)
    steps = _steps(seed, cid, rng, count, "step", names)
    deleted = (
        _steps(seed, cid, rng, rng.randint(1, 2), "deleted-step", names)
        if count and rng.random() < 0.4
        else []
    )
    nvariants = rng.choice([1, 1, 2, 2, 3])
    variants = []
    for v in range(nvariants):
        first_ids = [steps[min(v, len(steps) - 1)].id] if steps else []
        variants.append(
            CanvasVariant(
                stable_uuid(seed, "canvas-variant", cid, v),
                f"Variant {chr(65 + v)}",
                first_ids,
                1.0,
            )
        )
    draft = count == 0
    archived = not draft and rng.random() < 0.15
    if draft:
        first = last = None
    else:
        first = min(created + timedelta(days=rng.randint(0, 10)), now - timedelta(days=2))
        last = (
            min(first + timedelta(days=rng.randint(10, 300)), now)
            if archived or rng.random() < 0.25
            else None
        )
    theme = catalog.CAMPAIGN_THEMES[(i * 5) % len(catalog.CAMPAIGN_THEMES)]
    meta = rng_for(seed, "canvas-meta", cid)
    return Canvas(
        id=cid,
        name=f"{theme} journey {i + 1}" if i != 7 else "Onboarding journey — ünïcödé ✨",
        created_at=created,
        updated_at=min(created + timedelta(days=rng.randint(0, 30)), now),
        archived=archived,
        draft=draft,
        schedule_type=rng.choice(["time_based", "action_based", "api_triggered"]),
        first_entry=first,
        last_entry=last,
        tags=rng.sample(catalog.TAGS, rng.randint(0, 2)),
        variants=variants,
        steps=steps,
        deleted_steps=deleted,
        volume=int(rng.lognormvariate(6.5, 0.8)) + 20,
        teams=meta.sample(names.teams, meta.choice([0, 1, 1, 2])),
        enabled=not draft and not archived and (last is None or meta.random() < 0.5),
        has_post_launch_draft=not draft and meta.random() < 0.2,
    )


def _segments(
    seed: int, rng: random.Random, origin: datetime, events: list[str], names: catalog.Names
) -> list[Segment]:
    rules: list[tuple[str, tuple]] = list(catalog.SEGMENT_THEMES)
    rules.append((names.extra_segment, ("bucket", 0, 2500)))
    rules.append(("Clientes en España 🇪🇸", ("country", "ES")))
    while len(rules) < 116:
        k = len(rules)
        pick = rng.random()
        if pick < 0.4:
            lo = rng.randint(0, 9000)
            rules.append((f"Random bucket {lo}-{lo + 999}", ("bucket", lo, lo + 999)))
        elif pick < 0.8:
            event = rng.choice(events)
            rules.append((f"Did {event} (#{k})", ("event", event)))
        else:
            rules.append((f"Lapsed users cohort {k}", ("bucket", 0, rng.randint(500, 4000))))
    segments = []
    for k, (name, rule) in enumerate(rules):
        created = _ts(rng, origin, 700)
        segments.append(
            Segment(
                id=stable_uuid(seed, "segment", k),
                name=name,
                analytics_tracking_enabled=k < 3 or rng.random() < 0.45,
                tags=rng.sample(catalog.TAGS, rng.randint(0, 2)),
                description=_describe(rule),
                created_at=created,
                updated_at=created + timedelta(days=rng.randint(0, 20)),
                rule=rule,
            )
        )
    segments.sort(key=lambda s: s.created_at)
    return segments


def _describe(rule: tuple) -> str:
    kind = rule[0]
    if kind == "all":
        return "All users"
    if kind == "bucket":
        return f"Random bucket number between {rule[1]} and {rule[2]}"
    if kind == "revenue_gt":
        return f"Total revenue more than {rule[1]:.2f}"
    if kind == "event":
        return f"Has performed custom event {rule[1]} at least once"
    if kind == "app":
        return f"Has used app {rule[1]}"
    return f"{kind.replace('_', ' ').capitalize()} is {rule[1]}"


def _card(seed: int, i: int, rng: random.Random, origin: datetime, names: catalog.Names) -> Card:
    created = _ts(rng, origin, 600)
    title = [
        "Welcome to Acme",
        "New: dark mode",
        "Refer a friend",
        "Holiday hours",
        "Café ☕ corner",
        names.card_6_title,
    ][i % 6]
    return Card(
        id=stable_uuid(seed, "card", i),
        type=["NewsItem", "CaptionedImage", "Banner", "DevPick"][i % 4],
        title=title,
        name=f"{title} card",
        tags=rng.sample(catalog.TAGS, rng.randint(0, 2)),
        created_at=created,
        updated_at=created + timedelta(days=rng.randint(0, 10)),
        publish_at=created + timedelta(days=1),
        end_at=created + timedelta(days=rng.randint(30, 900)),
        image_url=f"https://cdn.acme.example/cards/{i}.png",
        extras={"priority": str(i)},
        description=f"{title}: tap to read more.",
        archived=i == 5,
        draft=False,
        volume=rng.randint(200, 3000),
    )
