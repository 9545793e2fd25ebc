"""Top movers: which campaigns, Canvases, events or products changed most against the period
before, with both the absolute and the relative change.

Rules, so the list can be checked by hand:

- an item counts when it had at least ``MIN_SHARE`` of its kind's total volume in either
  period (and at least ``MIN_VOLUME``): tiny items with +400% do not crowd out real movers;
- **new** items (nothing before, something now) and **stopped** items (something before,
  nothing now) are listed apart, largest first: a relative change means nothing for them;
- the others are ranked by absolute change: risers largest gain first, fallers largest loss
  first; ties go by name, then id, so the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

MIN_SHARE = 0.01
MIN_VOLUME = 1.0
TOP = 5
Status = Literal["up", "down", "new", "stopped"]


@dataclass(frozen=True)
class Item:
    """One item's volume in the range and in the previous period of the same length."""

    item_id: str
    name: str
    current: float
    previous: float


@dataclass(frozen=True)
class Mover:
    kind: str  # "campaign", "canvas", "event", "product"
    item_id: str
    name: str
    current: float
    previous: float
    status: Status

    @property
    def change(self) -> float:
        return self.current - self.previous

    @property
    def relative(self) -> float | None:
        return self.change / self.previous if self.previous > 0 else None


@dataclass(frozen=True)
class Movers:
    """One kind's movers; ``considered`` items passed the volume floor out of ``total_items``."""

    kind: str
    measure: str  # what the volume counts: "messages sent", "entries", ...
    up: tuple[Mover, ...]
    down: tuple[Mover, ...]
    new: tuple[Mover, ...]
    stopped: tuple[Mover, ...]
    considered: int
    total_items: int
    min_volume: float

    @property
    def is_empty(self) -> bool:
        return not (self.up or self.down or self.new or self.stopped)

    def all(self) -> tuple[Mover, ...]:
        return (*self.up, *self.down, *self.new, *self.stopped)


def volume_floor(
    items: Iterable[Item], share: float = MIN_SHARE, minimum: float = MIN_VOLUME
) -> float:
    """The volume an item needs in either period: ``share`` of the larger period's total."""
    items = list(items)
    current = sum(max(i.current, 0.0) for i in items)
    previous = sum(max(i.previous, 0.0) for i in items)
    return max(minimum, share * max(current, previous))


def rank(
    kind: str,
    measure: str,
    items: Iterable[Item],
    *,
    top: int = TOP,
    share: float = MIN_SHARE,
    minimum: float = MIN_VOLUME,
) -> Movers:
    """Risers, fallers, new and stopped items of one kind (see the module's rules)."""
    clean = [Item(i.item_id, i.name, _num(i.current), _num(i.previous)) for i in items]
    floor = volume_floor(clean, share, minimum)
    big = [i for i in clean if max(i.current, i.previous) >= floor]

    def mover(i: Item, status: Status) -> Mover:
        return Mover(kind, i.item_id, i.name, i.current, i.previous, status)

    def by_name(i: Item) -> tuple[str, str]:
        return (i.name.casefold(), i.item_id)

    new = [i for i in big if i.previous <= 0 < i.current]
    stopped = [i for i in big if i.current <= 0 < i.previous]
    both = [i for i in big if i.previous > 0 and i.current > 0]
    up = sorted(
        (i for i in both if i.current > i.previous),
        key=lambda i: (-(i.current - i.previous), *by_name(i)),
    )
    down = sorted(
        (i for i in both if i.current < i.previous),
        key=lambda i: (i.current - i.previous, *by_name(i)),
    )
    new.sort(key=lambda i: (-i.current, *by_name(i)))
    stopped.sort(key=lambda i: (-i.previous, *by_name(i)))
    return Movers(
        kind=kind,
        measure=measure,
        up=tuple(mover(i, "up") for i in up[:top]),
        down=tuple(mover(i, "down") for i in down[:top]),
        new=tuple(mover(i, "new") for i in new[:top]),
        stopped=tuple(mover(i, "stopped") for i in stopped[:top]),
        considered=len(big),
        total_items=len(clean),
        min_volume=floor,
    )


def _num(value: object) -> float:
    """A volume as a float; missing (None, NA) counts as nothing."""
    if value is None:
        return 0.0
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if pd.isna(number) else number
