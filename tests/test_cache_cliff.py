"""No cache cliff (issue 16): a repeat "All campaigns" leaderboard at 10,000 campaigns sends
nothing, even when the raw bodies do not all fit: the cache is bounded by bytes, and the small
derived results (rows, sums, the list) have their own budget that large bodies cannot take."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from braze_sandbox import SANDBOX_API_KEY, start_sandbox
from dashboard import cache
from dashboard.cache import DataCache, estimate_bytes
from dashboard.data import campaigns as data
from dashboard.filters import preset_range, utc_today
from dashboard.settings import Workspace

MB = 1024 * 1024


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[Any]:
    url = start_sandbox(api_key=SANDBOX_API_KEY, campaigns=10_000, users=50)
    yield url
    url.stop()


def test_bytes_not_entries_bound_the_cache() -> None:
    small = DataCache(max_bytes=4 * MB, derived_bytes=1 * MB)
    frame = pd.DataFrame({"x": range(100_000)})  # ~0.8 MB
    assert 700_000 < estimate_bytes(frame) < 1_000_000
    for i in range(10):
        small.get_or_fetch(("fp", "raw", i), lambda: frame.copy(), 60, "raw")
    assert small.bytes_used("raw") <= 3 * MB  # evicted by size: at most 3 of the 10 kept
    for i in range(5_000):  # thousands of small derived entries fit beside them
        small.get_or_fetch(("fp", "row", i), lambda: (("sent", 1.0),), 60, "derived")
    assert len([k for k in small._derived if k[1] == "row"]) == 5_000
    assert small.bytes_used("raw") > 0  # and they did not push the raw tier out either


@pytest.mark.timeout(1200)  # ~8,750 cold series requests on a shared 2-core machine
def test_repeat_all_campaigns_view_at_10000_sends_nothing(big_sandbox, monkeypatch) -> None:
    # Bodies and sums for 10,000 campaigns take ~300 MB; give them 32 MB so they must be evicted.
    monkeypatch.setattr(cache, "CACHE", DataCache(max_bytes=96 * MB, derived_bytes=64 * MB))
    ws = Workspace(base_url=str(big_sandbox), api_key=SANDBOX_API_KEY, label="big")
    start, end = preset_range("Last 30 days", utc_today())
    log = big_sandbox.sandbox
    log.clear_requests()
    campaigns = data.load_campaigns(ws)
    cold = data.load_leaderboard(ws, campaigns, start, end)
    sent = len(log.requests)
    assert len(campaigns) > 8_000 and sent > len(campaigns)
    assert cache.CACHE.bytes_used("raw") <= 32 * MB  # the raw bodies did not all fit
    log.clear_requests()
    again = data.load_leaderboard(ws, data.load_campaigns(ws), start, end)
    assert log.requests == []  # the repeat view made 0 requests
    pd.testing.assert_frame_equal(cold, again)
