"""Load: 20 sessions opening the campaign overview at once, on a cold cache.

Each session is a thread calling what the page calls (the campaign list, then the leaderboard
for the sidebar's default range), released together by a barrier. The sandbox adds latency so
the sessions really overlap. Single flight must turn them into exactly one request per
distinct endpoint + parameters, and every session must get the same numbers.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

SESSIONS = 20


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator[Any]:
    from braze_sandbox import Sandbox

    sandbox = Sandbox(campaigns=20, users=50, latency=0.05)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def open_overview(ws: Any) -> pd.DataFrame:
    """The campaign overview's loads, in the page's order, with its default filters."""
    from dashboard.data import campaigns as data
    from dashboard.filters import default_filters

    filters = default_filters()
    listed = data.load_campaigns(ws, include_archived=False)
    matching = data.filter_campaigns(listed)
    return data.load_leaderboard(ws, matching, filters.start, filters.end)


def test_concurrent_cold_sessions_share_one_request_per_distinct_call(slow_sandbox) -> None:
    from dashboard.cache import CACHE
    from dashboard.settings import Workspace

    ws = Workspace(base_url=slow_sandbox.url, api_key="load-test-key", label="load")
    CACHE.clear(ws.fingerprint)
    slow_sandbox.clear_requests()
    barrier = threading.Barrier(SESSIONS)
    results: list[pd.DataFrame | None] = [None] * SESSIONS
    errors: list[BaseException] = []

    def session(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = open_overview(ws)
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    assert all(r is not None for r in results)

    seen = Counter(
        (r.method, r.path, tuple(sorted(r.query.items())), repr(r.body))
        for r in slow_sandbox.requests
    )
    repeated = {key: n for key, n in seen.items() if n != 1}
    assert not repeated, f"requests made more than once: {list(repeated.items())[:3]}"
    paths = Counter(key[1] for key in seen)
    assert paths["/campaigns/data_series"] == len(results[0])
    assert paths["/campaigns/list"] >= 1

    first = results[0]
    assert first["status"].fillna("").eq("").all(), "a campaign failed on a fault-free sandbox"
    assert first["sent"].fillna(0).sum() > 0
    for other in results[1:]:
        pd.testing.assert_frame_equal(other, first)


def test_warm_sessions_make_no_request(slow_sandbox) -> None:
    """After one cold load, more sessions on the same workspace are served from the cache."""
    from dashboard.settings import Workspace

    ws = Workspace(base_url=slow_sandbox.url, api_key="load-test-key", label="load")
    cold = open_overview(ws)
    slow_sandbox.clear_requests()
    threads = [threading.Thread(target=open_overview, args=(ws,)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert slow_sandbox.requests == []
    pd.testing.assert_frame_equal(open_overview(ws), cold)
