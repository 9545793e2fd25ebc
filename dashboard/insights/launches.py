"""Launches: campaigns and Canvases that started or stopped sending inside the range.

Pure: the dates come in (from a campaign's daily series or a Canvas's details), the decisions
go out, so each rule is tested directly.

- **started**: the first day with activity falls inside the range, and there was none in the
  previous period (a campaign that merely paused for a day is not a launch);
- **stopped**: it was active earlier (in the range or before it), its last day with activity
  is inside the range, and nothing followed for at least ``QUIET_DAYS`` days before the range's
  end (a campaign that sends every few days is not "stopped" between sends).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

QUIET_DAYS = 3
Event = Literal["started", "stopped"]


@dataclass(frozen=True)
class Launch:
    kind: str  # "campaign" or "canvas"
    item_id: str
    name: str
    event: Event
    day: date

    def sentence(self) -> str:
        what = "Campaign" if self.kind == "campaign" else "Canvas"
        verb = "started sending" if self.event == "started" else "stopped sending"
        if self.kind == "canvas":
            verb = "started taking entries" if self.event == "started" else "stopped taking entries"
        return f"{what} “{self.name}” {verb} on {self.day:%a %d %b}."


def from_active_days(
    kind: str,
    item_id: str,
    name: str,
    active_days: Iterable[date],
    start: date,
    end: date,
    previous_start: date,
    *,
    quiet_days: int = QUIET_DAYS,
) -> list[Launch]:
    """Started/stopped events from the days an item was active in [previous_start, end]."""
    days = sorted(d for d in set(active_days) if previous_start <= d <= end)
    if not days:
        return []
    out: list[Launch] = []
    in_range = [d for d in days if d >= start]
    before = [d for d in days if d < start]
    if in_range and not before:
        out.append(Launch(kind, item_id, name, "started", in_range[0]))
    last = days[-1]
    earlier = len(days) > 1 or bool(before)
    if start <= last <= end - timedelta(days=quiet_days) and earlier:
        out.append(Launch(kind, item_id, name, "stopped", last))
    return out


def from_dates(
    kind: str,
    item_id: str,
    name: str,
    first: date | None,
    last: date | None,
    start: date,
    end: date,
    *,
    quiet_days: int = QUIET_DAYS,
) -> list[Launch]:
    """Started/stopped events from first/last activity dates (e.g. a Canvas's first and last
    entry): started when ``first`` is in the range; stopped when ``last`` is in the range, at
    least ``quiet_days`` before its end, and after ``first``."""
    out: list[Launch] = []
    if first is not None and start <= first <= end:
        out.append(Launch(kind, item_id, name, "started", first))
    if (
        last is not None
        and start <= last <= end - timedelta(days=quiet_days)
        and (first is None or last > first)
    ):
        out.append(Launch(kind, item_id, name, "stopped", last))
    return out
