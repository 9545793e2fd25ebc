"""Workspace-level metric series (KPIs, sessions, events, purchases, cards, segment sizes).

Every daily value is a pure function of (seed, entity, date): weekly seasonality,
a slow trend, launches that spike and decay, and noise from a per-day hash RNG.
Hourly values split the daily value over a diurnal curve, so they sum to the day.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from .rng import rng_for, split, unit
from .workspace import App, Card, Segment, SyntheticWorkspace

if TYPE_CHECKING:
    from .plants import Plants

WEEKDAY = [1.0, 1.03, 1.04, 1.02, 1.08, 0.86, 0.8]  # Monday first
DIURNAL = [
    0.25,
    0.18,
    0.13,
    0.11,
    0.12,
    0.2,
    0.4,
    0.7,
    0.95,
    1.0,
    1.0,
    1.05,
    1.1,
    1.05,
    1.0,
    1.0,
    1.05,
    1.15,
    1.3,
    1.45,
    1.5,
    1.3,
    0.9,
    0.5,
]
EPOCH = date(2024, 1, 1)


class Source(Protocol):
    """A daily integer series whose hourly values sum to the day."""

    def daily(self, day: date) -> int: ...

    def hourly(self, day: date) -> list[int]: ...


def trend(day: date, growth: float = 0.25) -> float:
    """Slow growth, about `growth` per year, flattening (pure in the date)."""
    years = (day - EPOCH).days / 365.0
    return 1.0 + growth * math.tanh(years / 2.0) * 2.0


def launch_boost(seed: int, key: object, day: date, rate: float = 0.02) -> float:
    """1 + decaying spikes after pseudo-random launch days (e.g. releases, press)."""
    boost = 0.0
    for k in range(7):
        prior = date.fromordinal(day.toordinal() - k)
        if unit(seed, "launch", key, prior.isoformat()) < rate:
            boost += 1.5 * math.exp(-k / 1.5)
    return 1.0 + boost


@dataclass(frozen=True)
class Leaf:
    """A daily integer series defined by a base formula; hourly splits it diurnally."""

    seed: int
    key: str
    formula: Callable[[date], float]

    def daily(self, day: date) -> int:
        return max(0, round(self.formula(day)))

    def hourly(self, day: date) -> list[int]:
        rng = rng_for(self.seed, "hours", self.key, day.isoformat())
        weights = [w * rng.uniform(0.8, 1.2) for w in DIURNAL]
        return split(self.daily(day), weights)


@dataclass(frozen=True)
class Total:
    """The sum of several sources (e.g. all apps, all products)."""

    parts: tuple[Source, ...]

    def daily(self, day: date) -> int:
        return sum(p.daily(day) for p in self.parts)

    def hourly(self, day: date) -> list[int]:
        hours = [0] * 24
        for p in self.parts:
            for h, v in enumerate(p.hourly(day)):
                hours[h] += v
        return hours


@dataclass(frozen=True)
class Scaled:
    """A share of another source (e.g. a segment's part of sessions), never above it."""

    source: Source
    share: float
    key: str

    def daily(self, day: date) -> int:
        base = self.source.daily(day)
        jitter = 1.0 + 0.04 * (unit(0, "scaled", self.key, day.isoformat()) - 0.5)
        return min(base, round(base * min(1.0, self.share * jitter)))

    def hourly(self, day: date) -> list[int]:
        caps = self.source.hourly(day)
        return split(min(self.daily(day), sum(caps)), [1.0] * 24, caps)


def noise(seed: int, key: object, day: date, spread: float = 0.08) -> float:
    return 1.0 + spread * (2 * unit(seed, "noise", key, day.isoformat()) - 1)


def points(
    source: Source,
    days: list[date] | None,
    hours: list[datetime] | None,
    name: str,
    as_float_cents: bool = False,
) -> list[dict]:
    """Render a source over a day or hour window into Braze's `[{time, <name>}]` list."""

    def value(v: int) -> float | int:
        return round(v / 100, 2) if as_float_cents else v

    if hours is not None:
        out = []
        cache: dict[date, list[int]] = {}
        for h in hours:
            d = h.date()
            if d not in cache:
                cache[d] = source.hourly(d)
            out.append({"time": h.strftime("%Y-%m-%dT%H:00:00Z"), name: value(cache[d][h.hour])})
        return out
    return [{"time": d.isoformat(), name: value(source.daily(d))} for d in days or []]


class Metrics:
    """Builds the sources for one workspace (apps, events, products, cards, segments)."""

    def __init__(self, workspace: SyntheticWorkspace, plants: Plants | None = None) -> None:
        self.ws = workspace
        self.seed = workspace.seed
        self.plants = plants

    # -- KPIs ---------------------------------------------------------------
    def _mau_app(self, app: App) -> Leaf:
        base = 60000 * app.share
        return Leaf(
            self.seed,
            f"mau:{app.id}",
            lambda d: base * trend(d) * noise(self.seed, f"mau:{app.id}", d, 0.02),
        )

    def _dau_app(self, app: App) -> Leaf:
        mau = self._mau_app(app)
        key = f"dau:{app.id}"
        return Leaf(
            self.seed,
            key,
            lambda d: mau.daily(d) * 0.18 * WEEKDAY[d.weekday()] * noise(self.seed, key, d, 0.06),
        )

    def _apps(self, app_id: str | None) -> list[App]:
        return [self.ws.app_by_id[app_id]] if app_id else list(self.ws.apps)

    def kpi(self, name: str, app_id: str | None) -> Source:
        from .plants import planted  # planted changes (tests, demo) on top of the formula

        return planted(self._kpi(name, app_id), self.plants, name)

    def _kpi(self, name: str, app_id: str | None) -> Total:
        apps = self._apps(app_id)
        if name == "mau":
            return Total(tuple(self._mau_app(a) for a in apps))
        if name == "dau":
            return Total(tuple(self._dau_app(a) for a in apps))
        factor = {"new_users": 0.012, "uninstalls": 0.004}[name]
        leaves = []
        for a in apps:
            key = f"{name}:{a.id}"
            mau = self._mau_app(a)

            def formula(d: date, m: Leaf = mau, k: str = key) -> float:
                return m.daily(d) * factor * WEEKDAY[d.weekday()] * noise(self.seed, k, d, 0.2)

            leaves.append(Leaf(self.seed, key, formula))
        return Total(tuple(leaves))

    def sessions(self, app_id: str | None, segment_id: str | None) -> Source:
        leaves = []
        for a in self._apps(app_id):
            dau = self._dau_app(a)
            key = f"sessions:{a.id}"

            def formula(d: date, u: Leaf = dau, k: str = key) -> float:
                return u.daily(d) * 2.4 * noise(self.seed, k, d, 0.05)

            leaves.append(Leaf(self.seed, key, formula))
        from .plants import planted

        return self._segment(
            planted(Total(tuple(leaves)), self.plants, "sessions"), segment_id, "sessions"
        )

    def _segment(self, source: Source, segment_id: str | None, key: str) -> Source:
        if not segment_id:
            return source
        return Scaled(source, self.ws.segment_share(segment_id), f"{key}:{segment_id}")

    # -- events and purchases -----------------------------------------------
    def event(self, name: str, app_id: str | None, segment_id: str | None) -> Source:
        weight = self.ws.event_weights.get(name, 0.01)
        leaves = []
        for a in self._apps(app_id):
            key = f"event:{name}:{a.id}"
            base = 9000 * weight * a.share

            def formula(d: date, b: float = base, k: str = key) -> float:
                return (
                    b
                    * trend(d)
                    * WEEKDAY[d.weekday()]
                    * noise(self.seed, k, d, 0.15)
                    * launch_boost(self.seed, k, d, 0.015)
                )

            leaves.append(Leaf(self.seed, key, formula))
        return self._segment(Total(tuple(leaves)), segment_id, f"event:{name}")

    def quantity(self, product: str | None, app_id: str | None) -> Total:
        products = [self.ws.product_by_name[product]] if product else self.ws.products
        leaves = []
        for p in products:
            for a in self._apps(app_id):
                key = f"qty:{p.name}:{a.id}"
                base = p.base_quantity * a.share

                def formula(d: date, b: float = base, k: str = key) -> float:
                    return (
                        b
                        * trend(d)
                        * WEEKDAY[d.weekday()]
                        * noise(self.seed, k, d, 0.3)
                        * launch_boost(self.seed, k, d, 0.02)
                    )

                leaves.append(Leaf(self.seed, key, formula))
        return Total(tuple(leaves))

    def revenue_cents(self, product: str | None, app_id: str | None) -> Total:
        products = [self.ws.product_by_name[product]] if product else self.ws.products
        parts = []
        for p in products:
            qty = self.quantity(p.name, app_id)
            parts.append(_Priced(qty, p.price_cents))
        return Total(tuple(parts))

    # -- cards and segments --------------------------------------------------
    def card(self, card: Card) -> dict[str, Source]:
        key = f"card:{card.id}"
        impressions = Leaf(
            self.seed,
            key + ":imp",
            lambda d: (
                card.volume * WEEKDAY[d.weekday()] * noise(self.seed, key, d, 0.2)
                if card.publish_at.date() <= d <= card.end_at.date()
                else 0
            ),
        )
        uniq_imp = _Ratio(impressions, self.seed, key + ":uimp", 0.6, 0.85)
        clicks = _Ratio(impressions, self.seed, key + ":clk", 0.02, 0.08)
        uniq_clk = _Ratio(clicks, self.seed, key + ":uclk", 0.7, 0.95)
        return {
            "impressions": impressions,
            "unique_impressions": uniq_imp,
            "clicks": clicks,
            "unique_clicks": uniq_clk,
        }

    def segment_size(self, segment: Segment) -> Leaf:
        members = len(self.ws.segment_members(segment.id))
        today = self.ws.today
        key = f"segsize:{segment.id}"

        def size(d: date) -> float:
            if d < segment.created_at.date():
                return 0
            # grows towards today's size; today is the exported membership count
            age = max(0, (today - d).days)
            return (
                members * (1 - 0.0015 * age) * (1 if age == 0 else noise(self.seed, key, d, 0.01))
            )

        return Leaf(self.seed, key, size)


@dataclass(frozen=True)
class _Priced:
    quantity: Total
    price_cents: int

    def daily(self, day: date) -> int:
        return self.quantity.daily(day) * self.price_cents

    def hourly(self, day: date) -> list[int]:
        return [q * self.price_cents for q in self.quantity.hourly(day)]


@dataclass(frozen=True)
class _Ratio:
    """A metric bounded by another (unique <= total), also hour by hour."""

    source: Source
    seed: int
    key: str
    low: float
    high: float

    def daily(self, day: date) -> int:
        base = self.source.daily(day)
        r = self.low + (self.high - self.low) * unit(self.seed, self.key, day.isoformat())
        return min(base, round(base * r))

    def hourly(self, day: date) -> list[int]:
        caps = self.source.hourly(day)
        return split(self.daily(day), [1.0] * 24, caps)
