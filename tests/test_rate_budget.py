"""The shared rate budget and request slots: unit tests on a fake clock, then over real HTTP.

Over HTTP the tests count what the server saw: a fan-out against a rate-limited endpoint
must send one or a few requests, not one per call; a batch lookup must keep to the
endpoint's window whatever the number of sessions; retry sleeps must not hold a slot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from braze_api import BrazeClient, RateLimitError, ServerError
from braze_api.budget import (
    BRAZE_LIMITS,
    DEFAULT_LIMIT,
    PROBE_LEASE,
    PROBE_POLL,
    WINDOW_MARGIN,
    EndpointLimit,
    LocalRateBudget,
)
from braze_api.slots import LocalSlots
from braze_sandbox import Sandbox
from dashboard.data.common import fan_out
from tests.hostile_server import HostileServer, respond


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def opened(budget: LocalRateBudget, path: str) -> None:
    """Let the bucket's first request (its probe) through, as a success."""
    verdict = budget.admit(path)
    assert verdict.wait == 0 and verdict.probe
    budget.done(verdict, paused_until=None)


# --- the budget on a fake clock ------------------------------------------------------------


def test_documented_limits_are_the_defaults() -> None:
    budget = LocalRateBudget()
    assert budget.bucket_of("/users/export/ids").requests == 250
    assert budget.bucket_of("/users/export/ids").per_seconds == 60
    for path in ("/events/list", "/purchases/product_list"):
        assert budget.bucket_of(path).requests == 1_000
        assert budget.bucket_of(path).per_seconds == 3600
    assert budget.bucket_of("/events/list") is budget.bucket_of("/purchases/product_list")
    assert budget.bucket_of("/events").requests == 1_000
    assert budget.bucket_of("/events") is not budget.bucket_of("/events/list")
    assert budget.bucket_of("/kpi/dau/data_series") is DEFAULT_LIMIT
    assert DEFAULT_LIMIT in BRAZE_LIMITS


def test_sliding_window_admits_the_limit_then_waits_for_the_oldest_to_age_out() -> None:
    clock = FakeClock()
    budget = LocalRateBudget(clock=clock)
    opened(budget, "/users/export/ids")
    for _ in range(249):
        clock.now += 0.1
        assert budget.admit("/users/export/ids").wait == 0
    verdict = budget.admit("/users/export/ids")
    assert verdict.wait == pytest.approx(60 + WINDOW_MARGIN - 24.9)
    assert "250 requests per minute (/users/export/ids)" in verdict.reason
    clock.now += verdict.wait + 0.001
    assert budget.admit("/users/export/ids").wait == 0
    assert budget.admit("/users/export/ids").wait > 0  # the next one ages out 0.1 s later
    assert budget.admit("/kpi/dau/data_series").probe  # other buckets are untouched


def test_events_list_and_product_list_share_one_hourly_window() -> None:
    clock = FakeClock()
    budget = LocalRateBudget(clock=clock)
    opened(budget, "/events/list")
    for i in range(999):
        path = "/events/list" if i % 2 else "/purchases/product_list"
        assert budget.admit(path).wait == 0
    assert budget.admit("/purchases/product_list").wait == pytest.approx(3600 + WINDOW_MARGIN)
    assert budget.admit("/events/list").wait == pytest.approx(3600 + WINDOW_MARGIN)


def test_a_cold_bucket_sends_one_probe_and_holds_the_rest_until_it_answers() -> None:
    budget = LocalRateBudget(clock=FakeClock())
    probe = budget.admit("/kpi/dau/data_series")
    assert probe.wait == 0 and probe.probe
    held = budget.admit("/kpi/mau/data_series")  # same (default) bucket
    assert held.wait == PROBE_POLL and "waiting for Braze's answer" in held.reason
    assert held.behind_probe
    budget.done(probe, paused_until=None)
    assert budget.admit("/kpi/mau/data_series").wait == 0
    assert budget.admit("/kpi/mau/data_series").wait == 0


def test_a_429_pauses_the_bucket_then_probes_once_before_reopening() -> None:
    clock = FakeClock()
    budget = LocalRateBudget(clock=clock)
    opened(budget, "/kpi/dau/data_series")
    first = budget.admit("/kpi/dau/data_series")
    late = budget.admit("/kpi/dau/data_series")  # sent before the 429 came back
    budget.done(first, paused_until=clock.now + 30)
    paused = budget.admit("/segments/list")
    assert paused.wait == pytest.approx(30) and "pause" in paused.reason
    assert budget.admit("/users/export/ids").probe  # its own bucket: not paused
    budget.done(late, paused_until=None)  # an older success proves nothing
    clock.now += 30
    probe = budget.admit("/segments/list")
    assert probe.wait == 0 and probe.probe
    assert budget.admit("/kpi/dau/data_series").wait == PROBE_POLL
    budget.done(probe, paused_until=clock.now + 5)  # still limited: pause again
    assert budget.admit("/kpi/dau/data_series").wait == pytest.approx(5)
    clock.now += 5
    probe = budget.admit("/kpi/dau/data_series")
    budget.done(probe, paused_until=None)
    assert budget.admit("/kpi/dau/data_series").wait == 0


def test_a_probe_that_never_reports_is_given_up_after_its_lease() -> None:
    clock = FakeClock()
    budget = LocalRateBudget(clock=clock)
    assert budget.admit("/kpi/dau/data_series").probe  # its thread dies without done()
    assert budget.admit("/kpi/dau/data_series").wait == PROBE_POLL
    clock.now += PROBE_LEASE + 1
    assert budget.admit("/kpi/dau/data_series").probe


def test_limits_need_one_default_bucket() -> None:
    with pytest.raises(ValueError, match="default bucket"):
        LocalRateBudget([EndpointLimit("x", 1, 1.0, ("/x",))])


# --- 429s over HTTP: a fan-out sends one request, not one per call -------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(campaigns=20, users=50, latency=0.02)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def box(sandbox: Sandbox) -> Iterator[Sandbox]:
    sandbox.clear_requests()
    sandbox.clear_injections()
    yield sandbox
    sandbox.clear_injections()


def fan_out_series(api: BrazeClient, campaign_ids: list[str]) -> list[Any]:
    """What the leaderboard does: one data_series call per campaign, 16 threads."""
    return fan_out(lambda cid: api.campaigns.data_series(cid, length=7), campaign_ids)


def campaign_ids(box: Sandbox, n: int = 100) -> list[str]:
    ids = [c["id"] if isinstance(c, dict) else c.id for c in box.workspace.campaigns]
    return [ids[i % len(ids)] for i in range(n)]


def series_requests(box: Sandbox) -> int:
    return sum(1 for r in box.requests if r.path == "/campaigns/data_series")


def test_fan_out_against_a_long_429_sends_one_request(box: Sandbox) -> None:
    box.inject("/campaigns/data_series", 429, reset_in=120)
    api = BrazeClient("fan-out-key-1", box.url, backoff_base=0.01)
    started = time.monotonic()
    results = fan_out_series(api, campaign_ids(box))
    elapsed = time.monotonic() - started
    assert series_requests(box) == 1  # the probe; the 99 others never touch the network
    errors = [r.error for r in results]
    assert all(isinstance(e, RateLimitError) for e in errors)
    assert sum(1 for e in errors if e.status == 429) == 1
    not_sent = [e for e in errors if e.status is None]
    assert len(not_sent) == 99
    assert "Not sent, to stay within Braze's rate limit" in str(not_sent[0])
    assert all(e.reset_at is not None for e in errors)
    assert elapsed < 5


def test_fan_out_waits_out_a_short_429_and_then_succeeds(box: Sandbox) -> None:
    box.inject("/campaigns/data_series", 429, times=1, reset_in=1)
    api = BrazeClient("fan-out-key-2", box.url, backoff_base=0.01)
    started = time.monotonic()
    results = fan_out_series(api, campaign_ids(box))
    elapsed = time.monotonic() - started
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:2]
    assert series_requests(box) == 101  # one 429, then each call once
    assert 0.2 <= elapsed < 10


def test_fan_out_against_a_persistent_429_probes_once_per_reset(box: Sandbox) -> None:
    """Braze keeps answering 429 with a reset a second or two ahead: one probe per reset."""
    box.inject("/campaigns/data_series", 429, reset_in=1)
    api = BrazeClient("fan-out-key-3", box.url, backoff_base=0.01, max_rate_limit_wait=2)
    started = time.monotonic()
    results = fan_out_series(api, campaign_ids(box, 40))
    elapsed = time.monotonic() - started
    assert all(isinstance(r.error, RateLimitError) for r in results)
    # each call waits ≤ 2 s, so 40 calls on 16 threads wait in three waves
    assert elapsed < 3 * 3 * 2
    assert 1 <= series_requests(box) <= 2 + elapsed / 1.0  # not one per call (40)


def test_the_leaderboard_against_a_429_sends_one_request_not_one_per_campaign() -> None:
    """The incident: the campaign leaderboard sent 476 requests in 47 s to a 429 endpoint."""
    from dashboard.data.campaigns import load_campaigns, load_leaderboard
    from dashboard.filters import default_filters
    from dashboard.settings import Workspace, forget_client

    box = Sandbox(campaigns=100, users=20, latency=0.02)
    box.start()
    try:
        ws = Workspace(base_url=box.url, api_key="leaderboard-429-key", label="leaderboard")
        campaigns = load_campaigns(ws, include_archived=True)
        assert len(campaigns) >= 90
        box.inject("/campaigns/data_series", 429, reset_in=60)
        filters = default_filters()
        started = time.monotonic()
        board = load_leaderboard(ws, campaigns, filters.start, filters.end)
        elapsed = time.monotonic() - started
        assert len(board) == len(campaigns)
        statuses = board["status"].value_counts().to_dict()
        assert statuses == {
            "⚠ not loaded (rate limit)": len(campaigns) - 1,
            "⚠ could not load (429)": 1,
        }
        assert 1 <= series_requests(box) <= 3
        assert elapsed < 10
        forget_client(ws)
    finally:
        box.stop()


def test_waiting_behind_a_slow_probe_is_not_a_rate_limit() -> None:
    """The first answer of a cold bucket takes longer than max_rate_limit_wait: no one fails."""

    def slow(conn: Any, server: HostileServer) -> None:
        if len(server.requests) == 1:
            time.sleep(1.5)
        respond(conn, b'{"message": "success"}')

    with HostileServer(slow) as server:
        api = BrazeClient("slow-probe-key", server.url, max_rate_limit_wait=0.5)
        results = fan_out_series(api, ["c1", "c2", "c3", "c4"])
    assert all(r.ok for r in results), [r.error for r in results]
    assert len(server.requests) == 4


def test_the_pause_holds_every_session_and_client_of_the_workspace(box: Sandbox) -> None:
    """Two clients (two sessions, or an evicted and rebuilt client) share one budget."""
    budget = LocalRateBudget()
    box.inject("/kpi/dau/data_series", 429, reset_in=120)
    first = BrazeClient("shared-key", box.url, budget=budget)
    second = BrazeClient("shared-key", box.url, budget=budget)
    with pytest.raises(RateLimitError) as hit:
        first.kpi.dau(length=1)
    assert hit.value.status == 429
    box.clear_requests()
    with pytest.raises(RateLimitError) as held:
        second.segments.list()  # another endpoint of the same default bucket
    assert held.value.status is None and box.requests == []
    assert second.users.export_ids(external_ids=["u-1"])["message"] == "success"  # own bucket


def test_dashboard_sessions_share_the_pause(box: Sandbox) -> None:
    """``client_for`` gives every session of a workspace the same budget."""
    from dashboard.settings import Workspace, client_for, forget_client
    from dashboard.traffic import budget_for

    ws = Workspace(base_url=box.url, api_key="dashboard-pause-key", label="pause")
    box.inject("/kpi/mau/data_series", 429, reset_in=120)
    errors: list[BaseException] = []

    def session() -> None:
        try:
            client_for(ws).kpi.mau(length=1)
        except RateLimitError as err:
            errors.append(err)

    threads = [threading.Thread(target=session) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(errors) == 20
    assert sum(1 for r in box.requests if r.path == "/kpi/mau/data_series") == 1
    forget_client(ws)  # a rebuilt client keeps the workspace's budget
    assert client_for(ws).budget is budget_for(ws.fingerprint)
    with pytest.raises(RateLimitError):
        client_for(ws).kpi.dau(length=1)
    assert sum(1 for r in box.requests if r.path.startswith("/kpi/")) == 1
    forget_client(ws)


def test_remaining_zero_on_a_success_pauses_before_any_429() -> None:
    reset = int(time.time()) + 120
    answers = iter([0])

    def spent(conn: Any, server: HostileServer) -> None:
        next(answers, None)
        headers = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0"}
        respond(
            conn, b'{"message": "success"}', headers={**headers, "X-RateLimit-Reset": str(reset)}
        )

    with HostileServer(spent) as server:
        api = BrazeClient("spent-key", server.url)
        assert api.events.list(page=0)["message"] == "success"
        with pytest.raises(RateLimitError, match="Not sent") as info:
            api.purchases.product_list(page=0)  # same bucket, spent
        assert len(server.requests) == 1
        assert info.value.reset_at is not None
        assert abs(info.value.reset_at.timestamp() - reset) < 2


# --- per-endpoint limits over HTTP ---------------------------------------------------------


def small_limit(requests: int, seconds: float) -> LocalRateBudget:
    ids = EndpointLimit("/users/export/ids", requests, seconds, ("/users/export/ids",))
    return LocalRateBudget((ids, DEFAULT_LIMIT))


def busiest_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max(
        (sum(1 for t in times[i:] if t < start + seconds) for i, start in enumerate(times)),
        default=0,
    )


def lookup(ws: Any, n_ids: int, prefix: str) -> Any:
    from dashboard.data.users import lookup_users
    from dashboard.lookup_input import LookupRequest

    request = LookupRequest("external_id", tuple(f"{prefix}-{i}" for i in range(n_ids)))
    return lookup_users(ws, request)


def test_batch_lookups_from_two_sessions_keep_to_the_endpoint_window(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import traffic
    from dashboard.settings import Workspace, forget_client

    ws = Workspace(base_url=box.url, api_key="window-key", label="window")
    monkeypatch.setitem(traffic._budgets, ws.fingerprint, small_limit(5, 1.0))
    forget_client(ws)
    results: list[Any] = []
    sessions = [
        threading.Thread(target=lambda p=p: results.append(lookup(ws, 300, p))) for p in "ab"
    ]
    started = time.monotonic()
    for s in sessions:
        s.start()
    for s in sessions:
        s.join(60)
    elapsed = time.monotonic() - started
    assert len(results) == 2 and all(r.complete for r in results)  # they waited, none failed
    sent = [r.at for r in box.requests if r.path == "/users/export/ids"]
    assert len(sent) == 12  # 2 sessions × 300 ids in chunks of 50
    assert busiest_window(sent, 1.0) <= 5
    assert elapsed >= 1.0  # 12 requests at 5 a second need more than two windows
    forget_client(ws)


def test_a_wait_longer_than_allowed_fails_with_a_clear_message_and_sends_nothing(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import traffic
    from dashboard.settings import Workspace, forget_client

    ws = Workspace(base_url=box.url, api_key="window-key-2", label="window")
    monkeypatch.setitem(traffic._budgets, ws.fingerprint, small_limit(5, 60.0))
    forget_client(ws)
    result = lookup(ws, 500, "c")
    assert sum(1 for r in box.requests if r.path == "/users/export/ids") == 5
    assert len(result.failures) == 5
    error = result.failures[0].error
    assert isinstance(error, RateLimitError) and error.status is None
    assert "Braze allows 5 requests per minute (/users/export/ids)" in str(error)
    assert len(result.invalid_user_ids) == 250  # the first five chunks were answered
    forget_client(ws)


# --- slots: retry sleeps hold none ----------------------------------------------------------


def test_a_slow_retrying_endpoint_does_not_hold_the_slots() -> None:
    def answer(conn: Any, server: HostileServer) -> None:
        if server.requests[-1].startswith(b"GET /kpi/dau/"):
            respond(conn, b'{"message": "busy"}', status="503 Service Unavailable")
        else:
            respond(conn, b'{"message": "success"}')

    slots = LocalSlots(2)
    with HostileServer(answer) as server:
        api = BrazeClient("slots-key", server.url, slots=slots, backoff_base=0.4, max_retries=3)
        api.kpi.mau(length=1)  # the bucket's probe: open it
        failures: list[BaseException] = []

        def retrying() -> None:
            try:
                api.kpi.dau(length=1)
            except ServerError as err:
                failures.append(err)

        threads = [threading.Thread(target=retrying) for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.15)  # every dau call has had its first 503 and is backing off
        quick = []
        for _ in range(5):
            started = time.monotonic()
            api.kpi.mau(length=1)
            quick.append(time.monotonic() - started)
        for t in threads:
            t.join(20)
    assert len(failures) == 6
    assert max(quick) < 0.3  # the backing-off calls held no slot
    assert slots.peak <= 2 and slots.in_flight == 0
    dau = [r for r in server.requests if r.startswith(b"GET /kpi/dau/")]
    assert len(dau) == 6 * 4


def test_dashboard_loads_keep_eight_in_flight_while_others_retry(
    box: Sandbox,
) -> None:
    from datetime import date, timedelta

    from dashboard.cache import CACHE
    from dashboard.data.common import KPI_DAU, KPI_MAU, load_series
    from dashboard.settings import Workspace, forget_client
    from dashboard.traffic import slots_for

    ws = Workspace(base_url=box.url, api_key="eight-key", label="eight")
    CACHE.clear(ws.fingerprint)
    box.inject("/kpi/dau/data_series", 503)
    end = date.today() - timedelta(days=1)
    load_series(ws, KPI_MAU, start=end, end=end)  # opens the bucket
    failures: list[BaseException] = []

    def dau(i: int) -> None:
        try:
            day = end - timedelta(days=i)
            load_series(ws, KPI_DAU, start=day, end=day)
        except ServerError as err:
            failures.append(err)

    threads = [threading.Thread(target=dau, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    started = time.monotonic()
    mau = load_series(ws, KPI_MAU, start=end - timedelta(days=40), end=end - timedelta(days=1))
    quick = time.monotonic() - started
    for t in threads:
        t.join(30)
    # had the retrying loads kept their slots (the old gate), mau would wait for one to finish
    assert len(mau) == 40 and quick < 0.5
    assert len(failures) == 16
    slots = slots_for(ws.fingerprint)
    assert isinstance(slots, LocalSlots) and slots.peak <= 8
    forget_client(ws)
