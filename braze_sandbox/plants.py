"""Planted anomalies and launches: known changes on configured dates, so tests know the truth.

Off unless asked for: ``Sandbox(plants=Plants(...))``. The demo workspace plants a couple of
visible ones (``demo_plants``): a DAU drop a few days ago and a campaign launch.

- ``KpiPlant(metric, day, factor)`` multiplies one day of a KPI or the sessions series by
  ``factor`` (0.6 = 40% below what it would have been), for every app and segment; hourly
  values are scaled with it, so they still sum to the day.
- ``CampaignPlant(campaign, first_sent, last_sent, volume)`` makes a campaign (its index in
  creation order, or its id) start sending on ``first_sent`` and stop after ``last_sent``
  (None: still sending). Its list entry, details and series all follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from .rng import split
from .series import Source
from .workspace import Campaign, SyntheticWorkspace

PlantedMetric = Literal["mau", "dau", "new_users", "uninstalls", "sessions"]


@dataclass(frozen=True)
class KpiPlant:
    metric: PlantedMetric
    day: date
    factor: float


@dataclass(frozen=True)
class CampaignPlant:
    campaign: int | str
    first_sent: date
    last_sent: date | None = None
    volume: int | None = None


@dataclass(frozen=True)
class Plants:
    kpis: tuple[KpiPlant, ...] = ()
    campaigns: tuple[CampaignPlant, ...] = ()

    def factors(self, metric: str) -> dict[date, float]:
        out: dict[date, float] = {}
        for plant in self.kpis:
            if plant.metric == metric:
                out[plant.day] = out.get(plant.day, 1.0) * plant.factor
        return out


def demo_plants(today: date) -> Plants:
    """The demo's visible changes: DAU (and so sessions) 40% down three days ago, and a
    campaign that started sending six days ago."""
    drop = today - timedelta(days=3)
    return Plants(
        kpis=(KpiPlant("dau", drop, 0.6), KpiPlant("sessions", drop, 0.6)),
        campaigns=(CampaignPlant(1, first_sent=today - timedelta(days=6), volume=40_000),),
    )


@dataclass(frozen=True)
class Planted:
    """A source with some days scaled by a factor (hourly values scaled with the day)."""

    source: Source
    factors: tuple[tuple[date, float], ...]

    def _factor(self, day: date) -> float:
        for when, factor in self.factors:
            if when == day:
                return factor
        return 1.0

    def daily(self, day: date) -> int:
        factor = self._factor(day)
        value = self.source.daily(day)
        return value if factor == 1.0 else max(0, round(value * factor))

    def hourly(self, day: date) -> list[int]:
        hours = self.source.hourly(day)
        if self._factor(day) == 1.0:
            return hours
        return split(self.daily(day), [float(h) for h in hours] if sum(hours) else [1.0] * 24)


def planted(source: Source, plants: Plants | None, metric: str) -> Source:
    """``source`` with the plants for ``metric`` applied (itself when there are none)."""
    factors = plants.factors(metric) if plants else {}
    return Planted(source, tuple(sorted(factors.items()))) if factors else source


def _campaign(workspace: SyntheticWorkspace, ref: int | str) -> Campaign:
    if isinstance(ref, int):
        return workspace.campaigns[ref]
    return workspace.campaign_by_id[ref]


def apply_campaign_plants(workspace: SyntheticWorkspace, plants: Plants | None) -> None:
    """Rewrite the planted campaigns' send dates (and volume) in place, before serving."""
    for plant in plants.campaigns if plants else ():
        campaign = _campaign(workspace, plant.campaign)
        first = datetime.combine(plant.first_sent, time(9), tzinfo=UTC)
        last = datetime.combine(plant.last_sent, time(18), tzinfo=UTC) if plant.last_sent else None
        campaign.first_sent = first
        campaign.last_sent = last
        campaign.draft = False
        campaign.archived = False
        campaign.created_at = min(campaign.created_at, first - timedelta(days=1))
        campaign.updated_at = max(campaign.updated_at, first)
        campaign.send_ids = [s for s in campaign.send_ids if s.day >= plant.first_sent]
        if plant.volume is not None:
            campaign.volume = plant.volume
