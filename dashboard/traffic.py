"""Per-workspace request slots and rate budget, shared by every session of the process.

``client_for`` (``dashboard.settings``) hands each workspace's client these objects, so
however many sessions, threads or clients (an evicted and rebuilt one included) talk to one
workspace, together they keep ≤ ``MAX_IN_FLIGHT`` HTTP attempts in flight and stay inside
Braze's per-endpoint limits and 429 pauses. With ``REDIS_URL`` configured both are shared by
every replica through Redis (``dashboard.shared_store``), each with this process's in-process
object as its fallback while Redis is unreachable.
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace

from braze_api import RateLimit
from braze_api.budget import BRAZE_LIMITS, EndpointLimit, LocalRateBudget, RateBudget
from braze_api.slots import LocalSlots, RequestSlots
from dashboard.shared_store import connection
from dashboard.shared_store.budget import SharedRateBudget, shared_rate_limit
from dashboard.shared_store.slots import SharedSlots

__all__ = [
    "DEFAULT_BUDGET_SHARE",
    "MAX_IN_FLIGHT",
    "budget_for",
    "guarded_limits",
    "last_rate_limit",
    "slots_for",
]

# Braze allows far more, but a dashboard has no business hammering it: at most this many
# requests in flight per workspace, whatever the number of sessions or threads asking.
MAX_IN_FLIGHT = 8

# Braze's default bucket (250,000 an hour) is shared with the customer's production sending:
# the dashboard (all replicas together, when they share Redis) keeps to this share of it.
# DASHBOARD_BUDGET_SHARE overrides (a fraction in (0, 1]).
DEFAULT_BUDGET_SHARE = 0.10


def budget_share(env: dict[str, str] | None = None) -> float:
    text = (env if env is not None else os.environ).get("DASHBOARD_BUDGET_SHARE", "")
    try:
        share = float(text) if text else DEFAULT_BUDGET_SHARE
    except ValueError:
        return DEFAULT_BUDGET_SHARE
    return share if 0 < share <= 1 else DEFAULT_BUDGET_SHARE


def guarded_limits(share: float) -> tuple[EndpointLimit, ...]:
    """Braze's limits with the default bucket cut to ``share`` of it (per-endpoint ones kept)."""
    return tuple(
        replace(
            limit,
            name=f"this dashboard's {share * 100:g}% share of {limit.name}",
            requests=max(1, int(limit.requests * share)),
        )
        if not limit.paths
        else limit
        for limit in BRAZE_LIMITS
    )


_lock = threading.Lock()
_slots: dict[str, RequestSlots] = {}
_budgets: dict[str, RateBudget] = {}


def slots_for(fingerprint: str) -> RequestSlots:
    """The workspace's request slots (created on first use, kept for the process)."""
    with _lock:
        slots = _slots.get(fingerprint)
        if slots is None:
            local = LocalSlots(MAX_IN_FLIGHT)
            shared = connection.configured_url() is not None
            slots = SharedSlots(fingerprint, MAX_IN_FLIGHT, local) if shared else local
            _slots[fingerprint] = slots
        return slots


def budget_for(fingerprint: str) -> RateBudget:
    """The workspace's rate budget (created on first use, kept for the process)."""
    with _lock:
        budget = _budgets.get(fingerprint)
        if budget is None:
            limits = guarded_limits(budget_share())
            local = LocalRateBudget(limits)
            shared = connection.configured_url() is not None
            budget = SharedRateBudget(fingerprint, local, limits) if shared else local
            _budgets[fingerprint] = budget
        return budget


def last_rate_limit(fingerprint: str, seen: RateLimit | None) -> RateLimit | None:
    """Braze's latest ``X-RateLimit-*`` reading for the workspace: across every replica when
    they share Redis (so each sidebar shows the same figure), else this process's ``seen``."""
    if connection.configured_url() is None:
        return seen
    return shared_rate_limit(fingerprint, seen)
