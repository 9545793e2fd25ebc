"""Before a cold fan-out: does the dashboard's share of Braze's budget cover it? (issue 16)

A view that would send many requests (a leaderboard over thousands of campaigns) asks its
bucket in the workspace's rate budget (``dashboard.traffic``, shared by every replica through
Redis) how many requests it may still send in the window. If the whole view does not fit, the
most important items (first in the order given) that fit are fetched now and the others are
held back until the person asks for them; the page says so. Held-back items are never sent
behind the person's back, and what is sent stays within the share, so the dashboard never eats
into the budget the workspace's production sending relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from braze_api.budget import EndpointLimit
from dashboard.traffic import budget_for

__all__ = ["BudgetPlan", "plan_fetch"]


@dataclass(frozen=True)
class BudgetPlan:
    """Which items to fetch now (positions, most important first) and which to hold back."""

    now: tuple[int, ...]
    held: tuple[int, ...]
    cost: int  # requests every item together would need (cached ones cost nothing)
    room: int | None  # requests the bucket admits now (None: not asked, nothing to send)
    limit: EndpointLimit | None
    now_cost: int = 0  # requests the items fetched now need

    @property
    def held_cost(self) -> int:
        return self.cost - self.now_cost

    def notice(self, items: str) -> str:
        """What the page says when items are held back (plain text; numbers only)."""
        if self.room is None or self.limit is None:
            return ""  # nothing was held back: everything was cached
        return (
            f"Loading every one of these {items} would take {self.cost:,} requests to Braze, "
            f"more than the {self.room:,} left in {self.limit.describe()}. Loaded the "
            f"{len(self.now):,} most recently edited first; {len(self.held):,} more are not "
            "loaded yet."
        )


def plan_fetch(
    fingerprint: str, path: str, costs: Sequence[int], *, reserved: int = 0
) -> BudgetPlan:
    """Fit ``costs`` (requests per item, in priority order; 0 = cached) into the room ``path``'s
    bucket has left, less ``reserved`` (requests already started but not yet sent): every item
    in order while it fits, cached items always. When every item is cached, the bucket is not
    asked (a warm view sends nothing to Redis for its budget)."""
    if not any(costs):
        return BudgetPlan(tuple(range(len(costs))), (), 0, None, None, 0)
    room, limit = budget_for(fingerprint).room(path)
    room = max(0, room - reserved)
    total = sum(costs)
    if total <= room:
        return BudgetPlan(tuple(range(len(costs))), (), total, room, limit, total)
    now: list[int] = []
    held: list[int] = []
    spent = 0
    for position, cost in enumerate(costs):
        if cost == 0 or (not held and spent + cost <= room):
            now.append(position)
            spent += cost
        else:
            held.append(position)  # and everything after it that costs anything
    return BudgetPlan(tuple(now), tuple(held), total, room, limit, spent)
