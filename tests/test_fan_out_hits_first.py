"""`fan_out` serves cache hits in the calling thread; a pool (and progress) only for misses.

Threads are counted with ``threading.setprofile``: the profile hook runs in every thread the
``threading`` module starts after it is set, so nothing of ours is patched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from braze_api import BrazeClient
from braze_sandbox import Sandbox
from dashboard.cache import CACHE, cached
from dashboard.data.campaigns import load_campaigns, load_leaderboard
from dashboard.data.common import fan_out
from dashboard.filters import utc_today
from dashboard.settings import Workspace


@contextmanager
def threads_started() -> Iterator[set[int]]:
    """The idents of threads started (by ``threading``) inside the block."""
    started: set[int] = set()

    def hook(*_: object) -> None:
        started.add(threading.get_ident())

    threading.setprofile(hook)
    try:
        yield started
    finally:
        threading.setprofile(None)


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox()
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def ws(box: Sandbox) -> Workspace:
    CACHE.clear()
    box.clear_requests()
    return Workspace(base_url=box.url, api_key="fan-out-key", label="fan-out")


def test_a_warm_leaderboard_starts_no_thread_and_reports_no_progress(ws, box):
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=29)
    campaigns = load_campaigns(ws, include_archived=False)
    assert len(campaigns) > 20
    cold_progress: list[tuple[int, int]] = []
    with threads_started() as cold_threads:
        cold = load_leaderboard(
            ws, campaigns, start, end, lambda d, t: cold_progress.append((d, t))
        )
    assert cold_threads, "the cold run should use the pool (the hook must see its threads)"
    assert cold_progress[-1] == (len(campaigns), len(campaigns))

    box.clear_requests()
    warm_progress: list[tuple[int, int]] = []
    with threads_started() as warm_threads:
        warm = load_leaderboard(
            ws, campaigns, start, end, lambda d, t: warm_progress.append((d, t))
        )
    assert warm_threads == set()
    assert warm_progress == []  # so no progress bar is drawn
    assert box.requests == []
    assert warm.equals(cold)


def test_only_the_misses_go_to_the_pool_and_progress_counts_the_hits(ws):
    for i in (0, 2, 4):
        cached(ws.fingerprint, "test.item", {"i": i}, lambda i=i: f"hit-{i}", "list")
    ran_in: dict[int, int] = {}

    def one(i: int) -> str:
        def fetch() -> str:
            ran_in[i] = threading.get_ident()
            return f"fetched-{i}"

        return cached(ws.fingerprint, "test.item", {"i": i}, fetch, "list")

    progress: list[tuple[int, int]] = []
    results = fan_out(one, range(6), on_progress=lambda d, t: progress.append((d, t)))
    assert [r.value for r in results] == [
        "hit-0",
        "fetched-1",
        "hit-2",
        "fetched-3",
        "hit-4",
        "fetched-5",
    ]
    assert sorted(ran_in) == [1, 3, 5]
    assert threading.get_ident() not in ran_in.values()  # fetched in the pool
    assert [d for d, _ in progress] == [4, 5, 6] and {t for _, t in progress} == {6}


def test_nothing_is_sent_while_trying_the_cache(ws, box):
    """A bare client call (no cache) inside fan_out: refused in the try, sent once in the pool."""
    campaign_ids = [str(c) for c in load_campaigns(ws, include_archived=False)["id"][:5]]
    api = BrazeClient("fan-out-key", box.url)
    box.clear_requests()
    results = fan_out(lambda cid: api.campaigns.data_series(cid, length=7), campaign_ids)
    assert all(r.ok for r in results)
    assert len([r for r in box.requests if r.path.endswith("/campaigns/data_series")]) == 5


def test_a_loader_catching_every_exception_cannot_swallow_a_miss(ws):
    def one(i: int) -> str:
        try:
            return cached(ws.fingerprint, "test.guarded", {"i": i}, lambda: f"value-{i}", "list")
        except Exception:  # what a page part does; a miss must not land here
            return "failed"

    assert [r.value for r in fan_out(one, range(3))] == ["value-0", "value-1", "value-2"]


def test_a_nested_fan_out_with_misses_leaves_its_outer_item_to_the_pool(ws):
    cached(ws.fingerprint, "test.inner", {"o": 0, "i": 0}, lambda: 0, "list")
    outer_threads: dict[int, int] = {}

    def inner(o: int, i: int) -> int:
        return cached(ws.fingerprint, "test.inner", {"o": o, "i": i}, lambda: 10 * o + i, "list")

    def outer(o: int) -> int:
        outer_threads[o] = threading.get_ident()
        return sum(r.unwrap() for r in fan_out(lambda i: inner(o, i), range(3)))

    assert [r.value for r in fan_out(outer, range(3))] == [3, 33, 63]
    assert all(t != threading.get_ident() for t in outer_threads.values())  # last run: pool
    # warm: all served in this thread, no thread started
    with threads_started() as started:
        assert [r.value for r in fan_out(outer, range(3))] == [3, 33, 63]
    assert started == set()


def test_plain_work_is_tried_once_then_pooled():
    """A function that reads no cache runs at most one item in the calling thread."""
    caller = threading.get_ident()
    ran_here: list[int] = []

    def work(i: int) -> int:
        if threading.get_ident() == caller:
            ran_here.append(i)
        return i * i

    assert [r.value for r in fan_out(work, range(8))] == [i * i for i in range(8)]
    assert ran_here == [0]
