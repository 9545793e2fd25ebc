"""Per-workspace request slots and rate budget, shared by every session of the process.

``client_for`` (``dashboard.settings``) hands each workspace's client these objects, so
however many sessions, threads or clients (an evicted and rebuilt one included) talk to one
workspace, together they keep ≤ ``MAX_IN_FLIGHT`` HTTP attempts in flight and stay inside
Braze's per-endpoint limits and 429 pauses. Both are in-process today; issue 16 swaps in
Redis-backed objects with the same methods (``braze_api.slots.RequestSlots``,
``braze_api.budget.RateBudget``).
"""

from __future__ import annotations

import threading

from braze_api.budget import LocalRateBudget, RateBudget
from braze_api.slots import LocalSlots, RequestSlots

__all__ = ["MAX_IN_FLIGHT", "budget_for", "slots_for"]

# Braze allows far more, but a dashboard has no business hammering it: at most this many
# requests in flight per workspace, whatever the number of sessions or threads asking.
MAX_IN_FLIGHT = 8

_lock = threading.Lock()
_slots: dict[str, RequestSlots] = {}
_budgets: dict[str, RateBudget] = {}


def slots_for(fingerprint: str) -> RequestSlots:
    """The workspace's request slots (created on first use, kept for the process)."""
    with _lock:
        return _slots.setdefault(fingerprint, LocalSlots(MAX_IN_FLIGHT))


def budget_for(fingerprint: str) -> RateBudget:
    """The workspace's rate budget (created on first use, kept for the process)."""
    with _lock:
        return _budgets.setdefault(fingerprint, LocalRateBudget())
