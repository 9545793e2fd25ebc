"""Reading what other replicas cached (issue 16), against a real redis-server the tests start.

A fan-out's warm lookups are one batched read from Redis (then nothing more goes to Redis);
copies read from Redis expire with the shared entry; the detail view's pivoted frames are
shared, not redone; "Refresh data" drops the workspace's shared entries too, and only its own.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pandas as pd
import pytest

from dashboard import cache
from dashboard.cache import CACHE, make_key
from dashboard.data import campaigns as data
from dashboard.filters import utc_today
from dashboard.shared_store import codec
from dashboard.shared_store.cache import SharedCache, value_key
from tests.redis_server import RedisServer


def commands(server: RedisServer) -> dict[str, int]:
    """Commands Redis has processed since the last ``CONFIG RESETSTAT`` (but the test's own)."""
    stats = server.client().info("commandstats")
    own = ("cmdstat_config", "cmdstat_config|resetstat", "cmdstat_hello", "cmdstat_info")
    return {k: int(v["calls"]) for k, v in stats.items() if k not in own}


def test_a_warm_leaderboard_from_redis_is_one_batched_read(
    redis_ws,
    sandbox,
    redis_server,
    monkeypatch,
) -> None:
    monkeypatch.setattr(cache, "REFRESH_CHECK", 3600.0)  # no look at "Refresh" counts meanwhile
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=29)
    campaigns = data.load_campaigns(redis_ws).head(40)
    ids = [str(c) for c in campaigns["id"]]
    first = data.load_leaderboard(redis_ws, campaigns, start, end)
    CACHE.clear()  # this process now plays a second replica, its own cache cold
    sandbox.sandbox.clear_requests()
    assert data.unloaded_rows(redis_ws, ids, start, end) == []  # every row found in Redis at once
    client = redis_server.client()
    client.config_resetstat()
    again = data.load_leaderboard(redis_ws, campaigns, start, end)
    # The rows were all read by the batch (no GET per row); the board assembled by the first
    # view is one more read (its value and time left, in one script call).
    assert commands(redis_server) == {"cmdstat_evalsha": 1, "cmdstat_get": 1, "cmdstat_pttl": 1}
    assert sandbox.sandbox.requests == []
    pd.testing.assert_frame_equal(first, again)
    # The batch itself: one script call (its GET and PTTL per row) for the 40 campaigns' 80
    # rows (the range and the period before each); nothing else was sent.
    CACHE.clear()
    client.config_resetstat()
    assert data.unloaded_rows(redis_ws, ids, start, end) == []
    stats = client.info("commandstats")
    assert stats["cmdstat_get"]["calls"] == 80 and stats["cmdstat_pttl"]["calls"] == 80
    scripts = sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval"))
    assert scripts == 1
    assert set(commands(redis_server)) <= {"cmdstat_get", "cmdstat_pttl", "cmdstat_evalsha"}
    other = data.unloaded_rows(redis_ws, ids, start, end - timedelta(days=1))
    assert other == ids  # a range nobody loaded: every row would cost requests


def test_a_fresh_replicas_overview_plans_and_draws_from_the_board_alone(
    redis_ws, sandbox, redis_server, monkeypatch
) -> None:
    """The page's budget plan and leaderboard on a replica whose own cache is cold: the board
    another replica assembled is one read, and no row key is read (260 at 130 campaigns)."""
    monkeypatch.setattr(cache, "REFRESH_CHECK", 3600.0)
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=29)
    campaigns = data.load_campaigns(redis_ws).head(40)
    first = data.load_leaderboard(redis_ws, campaigns, start, end)
    CACHE.clear()
    data.leaderboard_plan(redis_ws, campaigns, start, end)  # Redis loads the script once
    CACHE.clear()
    sandbox.sandbox.clear_requests()
    client = redis_server.client()
    client.config_resetstat()
    plan = data.leaderboard_plan(redis_ws, campaigns, start, end)
    assert plan.held == () and plan.now_cost == 0
    again = data.load_leaderboard(redis_ws, campaigns, start, end, hold=plan.held)
    assert commands(redis_server) == {"cmdstat_evalsha": 1, "cmdstat_get": 1, "cmdstat_pttl": 1}
    assert sandbox.sandbox.requests == []
    pd.testing.assert_frame_equal(first, again)
    # Another selection has no board: its plan counts the rows (cached ones are free).
    plan = data.leaderboard_plan(redis_ws, campaigns.head(39), start, end)
    assert plan.now_cost == 0 and plan.held == ()
    assert commands(redis_server)["cmdstat_get"] > 1


def test_copies_read_from_redis_expire_with_the_shared_entry(redis_server) -> None:
    shared = SharedCache(redis_server.client())
    params = [{"campaign_id": f"c{i}"} for i in range(3)]
    for p in params:  # another replica cached these, 0.6 s before they expire
        key = make_key("fpT", "campaigns.leaderboard_row", p)
        shared.get_or_fetch(key, lambda p=p: {"row": p["campaign_id"]}, ttl=0.6)
    assert cache.missing("fpT", "campaigns.leaderboard_row", params, "details") == []
    fetched: list[int] = []
    row = cache.cached(
        "fpT", "campaigns.leaderboard_row", params[0], lambda: fetched.append(1), "details"
    )
    assert row == {"row": "c0"} and fetched == []  # the copy from the batch
    time.sleep(0.8)  # Redis's copy has expired, and so has this process's (not 10 minutes on)
    assert cache.missing("fpT", "campaigns.leaderboard_row", params, "details") == [0, 1, 2]
    # A single read (not batched) keeps the shared entry's time left as well.
    key = make_key("fpT", "campaigns.details", {"campaign_id": "x"})
    shared.get_or_fetch(key, lambda: {"name": "x"}, ttl=0.6)
    assert cache.cached("fpT", "campaigns.details", {"campaign_id": "x"}, dict, "details") == {
        "name": "x"
    }
    time.sleep(0.8)
    assert cache.cached("fpT", "campaigns.details", {"campaign_id": "x"}, dict, "details") == {}


def test_the_detail_views_frames_are_shared_not_pivoted_again(
    redis_ws, sandbox, redis_server
) -> None:
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=29)
    campaign = str(data.load_campaigns(redis_ws)["id"].iloc[0])
    series = data.load_campaign_series(redis_ws, campaign, start, end)
    encoded = codec.encode(series)
    assert encoded is not None and encoded[:1] == b"M"  # typed msgpack, frames as Arrow IPC
    back = codec.decode(encoded)
    assert isinstance(back, data.CampaignSeries) and back.channels == series.channels
    pd.testing.assert_frame_equal(back.long, series.long, check_exact=True)
    pd.testing.assert_frame_equal(back.totals, series.totals, check_exact=True)
    names = [n.decode() for n in redis_server.client().scan_iter(match="bd:*:c:*")]
    assert len(names) >= 3  # list, the window's body and its pivoted series
    CACHE.clear()
    sandbox.sandbox.clear_requests()
    pd.testing.assert_frame_equal(
        data.load_campaign_series(redis_ws, campaign, start, end).long, series.long
    )
    assert sandbox.sandbox.requests == []
    with pytest.raises(ValueError):
        codec.decode(b'T{"~a":"not base64 arrow!"}')  # a damaged frame is refused, not run


def test_refresh_clears_the_workspaces_shared_entries(app_test, demo, redis_server) -> None:
    client = redis_server.client()
    at = app_test("campaigns")
    assert not at.exception
    assert list(client.scan_iter(match="bd:*:c:*")), "the page cached nothing in Redis"
    other = value_key(("another-workspace", "campaigns.list", ()))
    client.set(other, codec.encode({"campaigns": []}) or b"")
    CACHE.clear()  # as if another replica served this session: Redis alone holds the page
    demo.clear_requests()
    at.run()
    assert demo.requests == []  # served from Redis
    refresh = next(b for b in at.sidebar.button if b.label == "Refresh data")
    refresh.click().run()
    assert not at.exception
    # Had Refresh cleared this replica only, the rerun would have read Redis and sent nothing.
    assert any(r.path == "/campaigns/list" for r in demo.requests)
    assert client.exists(other)  # another workspace's entries are left alone


def test_refresh_on_another_replica_drops_this_ones_copies(
    redis_ws,
    sandbox,
    redis_server,
    monkeypatch,
) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    monkeypatch.setattr(cache, "REFRESH_CHECK", 0.2)
    data.load_campaigns(redis_ws)
    sandbox.sandbox.clear_requests()
    data.load_campaigns(redis_ws)
    assert sandbox.sandbox.requests == []  # this replica's own copy
    root = Path(__file__).resolve().parents[1]
    other = subprocess.run(  # another replica: a person pressed "Refresh data" there
        [
            sys.executable,
            "-c",
            f"from dashboard.cache import clear_workspace; clear_workspace({redis_ws.fingerprint!r})",
        ],
        env={**os.environ, "REDIS_URL": redis_server.url, "PYTHONPATH": str(root)},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 0, other.stderr
    time.sleep(0.3)
    data.load_campaigns(redis_ws)
    assert [r.path for r in sandbox.sandbox.requests].count("/campaigns/list") >= 1
    sandbox.sandbox.clear_requests()
    data.load_campaigns(redis_ws)
    assert sandbox.sandbox.requests == []  # dropped once, not on every look


def test_a_detail_view_read_from_redis_is_one_round_trip(
    redis_ws, sandbox, redis_server, monkeypatch
) -> None:
    monkeypatch.setattr(cache, "REFRESH_CHECK", 3600.0)  # no look at "Refresh" counts meanwhile
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=29)
    campaign = str(data.load_campaigns(redis_ws)["id"].iloc[0])
    details = data.load_campaign_details(redis_ws, campaign)
    series = data.load_campaign_series(redis_ws, campaign, start, end)
    CACHE.clear()
    data.read_ahead_campaign(redis_ws, campaign, start, end)  # Redis loads the script once
    CACHE.clear()  # another replica's view: its own cache cold, Redis warm
    sandbox.sandbox.clear_requests()
    client = redis_server.client()
    client.config_resetstat()
    data.read_ahead_campaign(redis_ws, campaign, start, end)
    # One script call reads the details and the range's one window (GET + PTTL each) ...
    assert commands(redis_server) == {"cmdstat_evalsha": 1, "cmdstat_get": 2, "cmdstat_pttl": 2}
    client.config_resetstat()
    assert data.load_campaign_details(redis_ws, campaign) == details
    again = data.load_campaign_series(redis_ws, campaign, start, end)
    assert commands(redis_server) == {}  # ... and the view's loaders then find them here
    assert sandbox.sandbox.requests == []
    pd.testing.assert_frame_equal(again.long, series.long, check_exact=True)
    pd.testing.assert_frame_equal(again.totals, series.totals, check_exact=True)
    assert again.channels == series.channels
    data.read_ahead_campaign(redis_ws, campaign, start, end)  # this process has them: nothing
    assert commands(redis_server) == {}
    # What the copies keep: the shared entries' time left, not the kind's whole life.
    key = make_key(redis_ws.fingerprint, "campaigns.details", {"campaign_id": campaign})
    left = CACHE.seconds_left([key])
    assert left is not None and left <= client.pttl(value_key(key)) / 1000 + 0.5


def test_read_ahead_without_redis_sends_nothing_and_changes_nothing(sandbox, monkeypatch) -> None:
    from braze_sandbox import SANDBOX_API_KEY
    from dashboard.settings import Workspace
    from dashboard.shared_store import connection

    monkeypatch.delenv("REDIS_URL", raising=False)
    connection.reset()
    ws = Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY, label="no redis")
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=29)
    campaign = str(data.load_campaigns(ws)["id"].iloc[0])
    CACHE.clear()
    sandbox.sandbox.clear_requests()
    data.read_ahead_campaign(ws, campaign, start, end)
    assert sandbox.sandbox.requests == [] and len(CACHE) == 0


def test_a_damaged_shared_value_is_fetched_again_not_raised(redis_server) -> None:
    client = redis_server.client()
    shared = SharedCache(client)
    key = make_key("fpD", "campaigns.details", {"campaign_id": "d"})
    client.set(value_key(key), b"C\x93\x01", px=60_000)  # a frame cut short (or another version)
    assert shared.get_or_fetch(key, lambda: {"name": "fresh"}, ttl=60) == {"name": "fresh"}
    assert codec.decode(client.get(value_key(key))) == {"name": "fresh"}  # overwritten


def test_a_read_connection_closed_by_redis_is_replaced(redis_server) -> None:
    client = redis_server.client()
    shared = SharedCache(client)
    key = make_key("fpR", "campaigns.details", {"campaign_id": "r"})
    shared.get_or_fetch(key, lambda: {"name": "r"}, ttl=60)
    assert SharedCache(client).get_or_fetch(key, dict, ttl=60) == {"name": "r"}  # kept idle
    client.client_kill_filter(_type="normal", skipme=True)  # Redis closes every other client
    # The idle read connection is dead: the read is made once more on a new one (no "down").
    assert SharedCache(client).get_or_fetch(key, dict, ttl=60) == {"name": "r"}
