"""The shared cache and windowed loaders, against the sandbox over real HTTP."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from braze_sandbox import Sandbox
from dashboard.cache import CACHE, CACHE_KINDS, TTL_SECONDS, DataCache, series_kind
from dashboard.data.common import KPI_DAU, KPI_MAU, KPI_NEW_USERS, fan_out, load_series
from dashboard.settings import Workspace


@pytest.fixture(scope="module")
def slow_sandbox():
    box = Sandbox(latency=0.05)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def ws(slow_sandbox):
    CACHE.clear()
    slow_sandbox.clear_requests()
    return Workspace(base_url=slow_sandbox.url, api_key="key-one", label="one")


def paths(box, suffix):
    return [r for r in box.requests if r.path.endswith(suffix)]


def test_second_identical_load_makes_no_request(ws, slow_sandbox):
    end = date.today() - timedelta(days=1)
    first = load_series(ws, KPI_DAU, start=end - timedelta(days=29), end=end)
    n = len(slow_sandbox.requests)
    assert n == 1
    second = load_series(ws, KPI_DAU, start=end - timedelta(days=29), end=end)
    assert len(slow_sandbox.requests) == n
    assert first.equals(second)
    assert len(first) == 30


def test_workspaces_never_share_entries(ws, slow_sandbox):
    other = Workspace(base_url=slow_sandbox.url, api_key="key-two", label="two")
    end = date.today() - timedelta(days=1)
    load_series(ws, KPI_MAU, start=end, end=end)
    load_series(other, KPI_MAU, start=end, end=end)
    assert len(paths(slow_sandbox, "/kpi/mau/data_series")) == 2
    assert CACHE.clear(ws.fingerprint) == 1
    load_series(other, KPI_MAU, start=end, end=end)
    assert len(paths(slow_sandbox, "/kpi/mau/data_series")) == 2  # other's entry survived


def test_concurrent_identical_loads_make_one_request(ws, slow_sandbox):
    end = date.today() - timedelta(days=1)
    barrier = threading.Barrier(12)
    frames = []

    def load():
        barrier.wait()
        frames.append(load_series(ws, KPI_NEW_USERS, start=end - timedelta(days=6), end=end))

    threads = [threading.Thread(target=load) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(paths(slow_sandbox, "/kpi/new_users/data_series")) == 1
    assert all(f.equals(frames[0]) for f in frames)


def test_long_range_is_windowed_and_stitched(ws, slow_sandbox):
    end = date.today() - timedelta(days=1)
    start = end - timedelta(days=179)
    frame = load_series(ws, KPI_DAU, start=start, end=end)
    calls = paths(slow_sandbox, "/kpi/dau/data_series")
    assert sorted(int(c.query["length"]) for c in calls) == [80, 100]
    assert len(frame) == 180
    assert frame["time"].is_unique
    assert frame["time"].iloc[0].date() == start and frame["time"].iloc[-1].date() == end


def test_failures_are_not_cached():
    cache = DataCache()
    calls = []

    def boom():
        calls.append(1)
        raise RuntimeError("nope")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            cache.get_or_fetch(("fp", "x", ()), boom, 60)
    assert len(calls) == 2


def test_cached_frames_are_isolated_between_callers():
    import pandas as pd

    cache = DataCache()
    first = cache.get_or_fetch(("fp", "x", ()), lambda: pd.DataFrame({"a": [1, 2]}), 60)
    first.loc[0, "a"] = 99
    again = cache.get_or_fetch(("fp", "x", ()), lambda: pd.DataFrame({"a": [0]}), 60)
    assert again["a"].tolist() == [1, 2]


def test_fan_out_keeps_order_and_errors():
    def work(i):
        if i == 3:
            raise ValueError("bad item")
        return i * 2

    seen = []
    results = fan_out(work, range(6), max_workers=3, on_progress=lambda d, t: seen.append((d, t)))
    assert [r.value for r in results] == [0, 2, 4, None, 8, 10]
    assert isinstance(results[3].error, ValueError)
    assert seen[-1] == (6, 6)


def test_key_never_in_cache_keys(ws):
    end = date.today() - timedelta(days=1)
    load_series(ws, KPI_DAU, start=end, end=end)
    assert ws.api_key not in repr(list(CACHE._store.keys()))


def test_pages_sharing_an_endpoint_share_one_shape(ws, slow_sandbox):
    """The events page and the segments page both need the segment list: one entry, one shape."""
    from dashboard.data.events import load_segment_choices
    from dashboard.data.segments import load_segments

    choices = load_segment_choices(ws)
    frame = load_segments(ws)
    assert hasattr(frame, "columns") and len(frame) >= len(choices.tracked)
    assert len(paths(slow_sandbox, "/segments/list")) >= 1
    before = len(slow_sandbox.requests)
    load_segment_choices(ws)
    assert len(slow_sandbox.requests) == before


def test_fan_out_stops_queued_work_when_the_caller_gives_up():
    """A rerun raises from the progress callback: queued items must not run afterwards."""
    import time

    started = []

    def work(i):
        started.append(i)
        time.sleep(0.05)
        return i

    def progress(done, total):
        if done == 2:
            raise KeyboardInterrupt("rerun")

    with pytest.raises(KeyboardInterrupt):
        fan_out(work, range(200), max_workers=2, on_progress=progress)
    time.sleep(0.3)
    assert len(started) < 20


def test_refresh_during_a_fetch_is_not_undone_by_its_stale_result():
    cache = DataCache()
    release = threading.Event()

    def slow_old_value():
        release.wait(5)
        return "stale"

    worker = threading.Thread(
        target=lambda: cache.get_or_fetch(("fp", "x", ()), slow_old_value, 60)
    )
    worker.start()
    time.sleep(0.05)
    cache.clear("fp")  # the user pressed Refresh while the old request was in flight
    release.set()
    worker.join()
    assert cache.get_or_fetch(("fp", "x", ()), lambda: "fresh", 60) == "fresh"


def test_series_entries_keep_their_endpoint_names(ws, slow_sandbox):
    """Cache names are "<group>.<method>", whatever typed method fetched the value."""
    end = date.today() - timedelta(days=1)
    load_series(ws, KPI_DAU, start=end, end=end)
    load_series(ws, KPI_NEW_USERS, start=end, end=end)
    names = sorted(key[1] for key in list(CACHE._store) if key[0] == ws.fingerprint)
    assert names == ["kpi.dau", "kpi.new_users"]
    assert [r.path for r in slow_sandbox.requests] == [
        "/kpi/dau/data_series",
        "/kpi/new_users/data_series",
    ]


def test_every_cache_kind_has_a_lifetime():
    assert set(CACHE_KINDS) == set(TTL_SECONDS)
    today = date(2024, 6, 30)
    assert series_kind(today, today) == "series_recent"
    assert series_kind(today - timedelta(days=15), today) == "series_settled"
    assert TTL_SECONDS["series_settled"] > TTL_SECONDS["series_recent"]
