"""The replicas' shared store (issue 16) against a real redis-server the tests start.

Cache round trip and TTL, single flight across processes (and a killed holder), the in-flight
gate across processes, the shared rate budget, the fallback when Redis stops, and personal
data never reaching Redis.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from braze_api.budget import LocalRateBudget
from braze_api.slots import LocalSlots
from braze_sandbox import SANDBOX_API_KEY
from dashboard import cache
from dashboard.cache import CACHE
from dashboard.shared_store import codec, connection
from dashboard.shared_store.budget import SharedRateBudget
from dashboard.shared_store.cache import SharedCache, shares, value_key
from dashboard.shared_store.slots import SharedSlots
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[1]


def run_child(code: str, url: str) -> subprocess.Popen:
    """A separate Python process (another replica) running ``code`` against Redis at ``url``."""
    env = {**os.environ, "REDIS_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ---- codec: data formats only, exact round trips -------------------------------------------


def test_frames_round_trip_exactly_through_arrow() -> None:
    frame = pd.DataFrame(
        {
            "time": pd.date_range("2026-03-01", periods=3, freq="h", tz="America/New_York"),
            "count": pd.array([1, None, 3], dtype="Int64"),
            "rate": [0.5, float("nan"), 1.25],
            "name": ["a", None, "ç"],
        },
        index=pd.Index(["x", "y", "z"], name="id"),
    )
    data = codec.encode(frame)
    assert data is not None and data[:1] == b"A"
    back = codec.decode(data)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back.dtypes.equals(frame.dtypes)


def test_only_data_formats_are_shared_never_pickle() -> None:
    assert codec.decode(codec.encode({"a": [1, 2.5, None, "x"]})) == {"a": [1, 2.5, None, "x"]}
    assert codec.decode(codec.encode((1, ("a", 2.5)))) == (1, ("a", 2.5))  # tagged JSON
    for value in [{1: "int key"}, {"f": float("inf")}, object(), pd.Series([1])]:
        assert codec.encode(value) is None  # would not come back exactly: stays in process
    (nan,) = codec.decode(codec.encode((float("nan"),)))  # a NaN comes back as a NaN
    assert isinstance(nan, float) and nan != nan
    import pickle

    with pytest.raises(ValueError):
        codec.decode(pickle.dumps({"a": 1}))
    for foreign in [b"Mbuiltins.dict\n\x80", b"Mos.system\n\x91\xa2ls", b"M\n"]:
        with pytest.raises(ValueError):  # only registered classes, by name: nothing imported
            codec.decode(foreign)


def test_registered_results_travel_as_typed_msgpack_and_frames_skip_pandas_metadata() -> None:
    from dashboard.data.campaigns import CampaignSeries, LeaderboardRow

    row = LeaderboardRow(
        channels=("email", "ios_push"),
        numbers=(("sent", 1200.0), ("opens", None), ("revenue", float("nan"))),
    )
    data = codec.encode(row)
    assert data is not None and data[:1] == b"M"
    back = codec.decode(data)
    assert type(back) is LeaderboardRow and back.channels == row.channels
    assert back.numbers[:2] == row.numbers[:2] and back.numbers[2][1] != back.numbers[2][1]
    # msgpack would read an int back as a float: such a value keeps the exact tagged JSON.
    counted = LeaderboardRow(channels=("email",), numbers=(("sent", 3),))  # type: ignore[arg-type]
    tagged = codec.encode(counted)
    assert tagged is not None and tagged[:1] == b"T" and codec.decode(tagged) == counted

    long = pd.DataFrame(
        {
            "time": pd.date_range("2026-03-01", periods=3, freq="D", tz="UTC"),
            "channel": ["email", None, "sms"],
            "is_control": pd.array([True, None, False], dtype="boolean"),
            "sent": pd.array([1, None, 3], dtype="Int64"),
            "revenue": [0.5, float("nan"), 2.0],
        }
    )
    assert codec.encode(long)[:1] == b"C"  # its column buffers, rebuilt into pandas blocks
    assert codec.encode(long.set_index("channel"))[:1] == b"A"  # needs the pandas metadata
    waits = long.assign(wait=pd.to_timedelta([1, 2, 3], unit="s"))  # a kind it does not carry
    assert codec.encode(waits)[:1] == b"F"  # so Arrow's, checked exact too
    series = CampaignSeries(long=long, totals=long.head(1), channels=("email", "sms"))
    data = codec.encode(series)
    assert data is not None and data[:1] == b"M"
    back = codec.decode(data)
    pd.testing.assert_frame_equal(back.long, long, check_exact=True)
    pd.testing.assert_frame_equal(back.totals, long.head(1), check_exact=True)
    assert back.channels == series.channels


# ---- the shared cache --------------------------------------------------------------------------


def test_round_trip_and_ttl(redis_server: RedisServer) -> None:
    shared = SharedCache(redis_server.client())
    key = ("fp1", "campaigns.list", (("page", 0),))
    calls: list[int] = []

    def fetch() -> dict:
        calls.append(1)
        return {"campaigns": [{"id": "c1"}], "message": "success"}

    assert shared.get_or_fetch(key, fetch, ttl=0.5) == fetch.__call__() or True
    calls.clear()
    assert shared.get_or_fetch(key, fetch, ttl=0.5) == {
        "campaigns": [{"id": "c1"}],
        "message": "success",
    }
    assert calls == []  # served from Redis
    raw = redis_server.client().get(value_key(key))
    assert raw is not None and raw.startswith(b"J") and json.loads(raw[1:])["campaigns"]
    assert value_key(key).startswith("bd:fp1:c:")  # namespaced by the workspace fingerprint
    time.sleep(0.7)
    shared.get_or_fetch(key, fetch, ttl=0.5)
    assert calls == [1]  # expired: fetched again


def test_a_second_replica_reads_what_the_first_fetched(redis_ws, sandbox) -> None:
    from dashboard.data import campaigns as data

    first = data.load_campaigns(redis_ws)
    sent = len(sandbox.sandbox.requests)
    assert sent > 0
    CACHE.clear()  # this process now plays a replica with a cold in-process cache
    second = data.load_campaigns(redis_ws)
    assert len(sandbox.sandbox.requests) == sent  # nothing sent: it came from Redis
    pd.testing.assert_frame_equal(first, second)


def test_single_flight_across_processes(redis_server: RedisServer) -> None:
    child = """
        import sys, time, json, redis
        from dashboard.shared_store.cache import SharedCache
        r = redis.Redis.from_url(sys.argv[1] if len(sys.argv) > 1 else __import__('os').environ['REDIS_URL'])
        def fetch():
            r.incr('fetches')
            time.sleep(0.8)
            return {'value': 42}
        got = SharedCache(r).get_or_fetch(('fpX', 'campaigns.list', ()), fetch, 60)
        print(json.dumps(got))
    """
    children = [run_child(child, redis_server.url) for _ in range(3)]
    outputs = [c.communicate(timeout=60) for c in children]
    assert [json.loads(out) for out, _ in outputs] == [{"value": 42}] * 3, outputs
    assert int(redis_server.client().get("fetches")) == 1


def test_a_killed_lock_holder_frees_it_at_expiry(redis_server: RedisServer) -> None:
    holder = run_child(
        """
        import os, time, redis
        from dashboard.shared_store.cache import SharedCache
        r = redis.Redis.from_url(os.environ['REDIS_URL'])
        SharedCache(r, lock_expiry=1.5).get_or_fetch(
            ('fpK', 'campaigns.list', ()), lambda: time.sleep(600), 60)
        """,
        redis_server.url,
    )
    client = redis_server.client()
    key = ("fpK", "campaigns.list", ())
    deadline = time.monotonic() + 30
    while not client.exists(value_key(key) + ":lock"):
        assert time.monotonic() < deadline, holder.stderr.read() if holder.stderr else ""
        time.sleep(0.02)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    started = time.monotonic()
    got = SharedCache(client).get_or_fetch(key, lambda: {"mine": True}, 60)
    assert got == {"mine": True}
    assert time.monotonic() - started < 1.5 + 0.5  # within the holder's lock expiry


def test_a_long_fetch_keeps_its_lock(redis_server: RedisServer) -> None:
    """A fetch that outlasts the lock's expiry (a list of thousands of campaigns) keeps its lock
    alive: the others wait for its value instead of fetching again (20 sessions fetched the
    campaign list 3 times before)."""
    client = redis_server.client()
    key = ("fpL", "campaigns.list", ())
    fetches: list[str] = []

    def slow() -> dict[str, str]:
        fetches.append("holder")
        time.sleep(3.0)  # three lock expiries
        return {"by": "holder"}

    results: list[Any] = []
    holder = threading.Thread(
        target=lambda: results.append(
            SharedCache(client, lock_expiry=1.0).get_or_fetch(key, slow, 60)
        )
    )
    holder.start()
    deadline = time.monotonic() + 10
    while not client.exists(value_key(key) + ":lock"):
        assert time.monotonic() < deadline
        time.sleep(0.01)

    def mine() -> dict[str, str]:
        fetches.append("waiter")
        return {"by": "waiter"}

    got = SharedCache(client, lock_expiry=1.0).get_or_fetch(key, mine, 60)
    holder.join(timeout=30)
    assert results == [{"by": "holder"}]
    assert got == {"by": "holder"}
    assert fetches == ["holder"]
    assert not client.exists(value_key(key) + ":lock")  # released when done


def test_the_in_flight_gate_holds_across_processes(redis_server: RedisServer) -> None:
    child = """
        import os, threading, time, redis
        from braze_api.slots import LocalSlots
        from dashboard.shared_store.slots import SharedSlots
        r = redis.Redis.from_url(os.environ['REDIS_URL'])
        slots = SharedSlots('fpG', 3, LocalSlots(8))
        def work():
            with slots.hold():
                n = r.incr('now')
                r.rpush('seen', n)
                time.sleep(0.15)
                r.decr('now')
        threads = [threading.Thread(target=work) for _ in range(6)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    """
    children = [run_child(child, redis_server.url) for _ in range(2)]
    for c in children:
        _, err = c.communicate(timeout=60)
        assert c.returncode == 0, err
    seen = [int(v) for v in redis_server.client().lrange("seen", 0, -1)]
    assert len(seen) == 12
    assert max(seen) == 3  # the bound held across both processes, and it was reached


def test_the_rate_budget_is_shared(redis_server: RedisServer) -> None:
    from braze_api.budget import EndpointLimit

    limits = (EndpointLimit("default", 3, 60.0),)
    a = SharedRateBudget("fpB", LocalRateBudget(limits), limits)
    b = SharedRateBudget("fpB", LocalRateBudget(limits), limits)  # another replica
    first = a.admit("/campaigns/list")
    assert first.wait == 0 and first.probe
    behind = b.admit("/campaigns/list")
    assert behind.wait > 0 and behind.behind_probe  # one probe across both replicas
    a.done(first, paused_until=None)
    assert b.admit("/campaigns/list").wait == 0
    assert a.admit("/campaigns/list").wait == 0
    full = b.admit("/campaigns/list")
    assert full.wait > 50 and "3 requests per minute" in full.reason  # window shared
    c = SharedRateBudget("fpP", LocalRateBudget(limits), limits)
    d = SharedRateBudget("fpP", LocalRateBudget(limits), limits)
    probe = c.admit("/campaigns/list")
    c.done(probe, paused_until=time.time() + 30)  # Braze said 429 to replica c
    paused = d.admit("/campaigns/list")
    assert 25 < paused.wait <= 30 and "pause" in paused.reason


# ---- Redis goes away: every replica falls back --------------------------------------------------


def test_fallback_when_redis_stops(redis_ws, sandbox, redis_server: RedisServer) -> None:
    from dashboard.data import campaigns as data
    from dashboard.traffic import budget_for, slots_for

    assert isinstance(slots_for(redis_ws.fingerprint), SharedSlots)
    data.load_campaigns(redis_ws)
    assert connection.check() == "up"
    redis_server.stop()
    CACHE.clear()
    sandbox.sandbox.clear_requests()
    started = time.monotonic()
    frame = data.load_campaigns(redis_ws)  # no traceback: served by this process alone
    assert not frame.empty and len(sandbox.sandbox.requests) > 0
    assert connection.check() == "down"
    with slots_for(redis_ws.fingerprint).hold():
        pass
    verdict = budget_for(redis_ws.fingerprint).admit("/campaigns/list")
    assert verdict.wait == 0 and not verdict.bucket.startswith("shared:")
    budget_for(redis_ws.fingerprint).done(verdict, paused_until=None)
    sent = len(sandbox.sandbox.requests)
    data.load_campaigns(redis_ws)
    assert len(sandbox.sandbox.requests) == sent  # the in-process cache serves repeats
    assert time.monotonic() - started < 5


def test_unreachable_redis_is_quick_and_quiet(monkeypatch) -> None:
    from tests.redis_server import free_port

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    connection.reset()
    try:
        started = time.monotonic()
        key = ("fpU", "campaigns.list", ())
        assert cache.CACHE.get_or_fetch(
            key, cache._through_shared(key, lambda: {"ok": 1}, 60), 60
        ) == {"ok": 1}
        assert connection.status() == "down"
        assert time.monotonic() - started < 1.0
    finally:
        CACHE.clear()
        connection.reset()


# ---- personal data never goes to Redis ---------------------------------------------------------


def test_user_lookups_and_exports_never_reach_redis(redis_ws, sandbox, redis_server) -> None:
    from dashboard.data.users import lookup_users
    from dashboard.lookup_input import parse_single

    client = redis_server.client()
    user = next(u for u in sandbox.sandbox.workspace.users if "external_id" in u)
    lookup_users(redis_ws, parse_single("external_id", user["external_id"]).request)
    names = [n.decode() for n in client.scan_iter(match="*")]
    assert not [n for n in names if ":c:" in n]  # no cached values at all
    dump = b"".join(client.dump(n) or b"" for n in names)
    assert user["external_id"].encode() not in dump
    for endpoint in ("users.export_ids", "/users/export/ids", "segment_export.start"):
        assert not shares(endpoint)
    for module in ("users", "segment_export", "control_group_export", "segment_export_cancel"):
        text = (ROOT / "dashboard" / "data" / f"{module}.py").read_text()
        assert "cached(" not in text and "call(" not in text.replace("_call(", ""), module


def test_local_slots_still_count_this_replica(redis_server: RedisServer) -> None:
    local = LocalSlots(8)
    slots = SharedSlots("fpL", 2, local)
    with slots.hold():
        assert local.in_flight == 1
    assert redis_server.client().zcard("bd:fpL:slots") == 0  # lease released


def test_registered_rows_are_shared_and_other_objects_are_not() -> None:
    from dataclasses import dataclass

    from dashboard.data.campaigns import LeaderboardRow

    row = LeaderboardRow(channels=("email", "sms"), numbers=(("sent", 12.0), ("opens", None)))
    data = codec.encode(row)
    assert data is not None and data[:1] == b"M"  # typed msgpack
    assert codec.decode(data) == row and isinstance(codec.decode(data), LeaderboardRow)

    @dataclass(frozen=True)
    class Unlisted:
        x: int

    assert codec.encode(Unlisted(1)) is None  # not on the allow-list: stays in the process
    forged = b'T{"~d":"os.system","f":{"command":"true"}}'
    with pytest.raises(ValueError):
        codec.decode(forged)  # a name off the allow-list is refused, never imported


def test_the_budget_guard_keeps_to_a_share_across_replicas(redis_server, monkeypatch) -> None:
    from dashboard import traffic

    monkeypatch.setenv("DASHBOARD_BUDGET_SHARE", "0.00002")  # 5 of Braze's 250,000 an hour
    first = traffic.budget_for("fpS")
    monkeypatch.setattr(traffic, "_budgets", {})  # another replica, same Redis
    second = traffic.budget_for("fpS")
    probe = first.admit("/campaigns/list")
    first.done(probe, paused_until=None)
    for budget in (second, first, second, first):
        assert budget.admit("/kpis/dau/data_series").wait == 0
    refused = second.admit("/segments/list")
    assert refused.wait > 3000 and "share" in refused.reason  # the sixth waits for the hour
    assert traffic.budget_share({"DASHBOARD_BUDGET_SHARE": "2"}) == traffic.DEFAULT_BUDGET_SHARE
    assert traffic.guarded_limits(0.1)[-1].requests == 25_000


def test_every_replica_shows_the_latest_rate_limit_reading(redis_ws, sandbox, redis_server) -> None:
    from datetime import UTC, datetime

    from braze_api import RateLimit
    from dashboard.traffic import last_rate_limit

    child = run_child(
        f"""
        import json
        from dashboard.data import campaigns as data
        from dashboard.settings import Workspace, client_for
        from dashboard.traffic import last_rate_limit
        redis_ws = Workspace(base_url={str(sandbox)!r}, api_key={SANDBOX_API_KEY!r}, label='test')
        data.load_campaigns(redis_ws)
        seen = client_for(redis_ws).rate_limit
        last_rate_limit(redis_ws.fingerprint, seen)  # what its sidebar does after the page ran
        print(json.dumps([seen.limit, seen.remaining]))
        """,
        redis_server.url,
    )
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    limit, remaining = json.loads(out)
    shown = last_rate_limit(redis_ws.fingerprint, None)  # this replica sent nothing itself
    assert shown is not None and (shown.limit, shown.remaining) == (limit, remaining)
    reset = shown.reset
    assert reset is not None
    stale = RateLimit(limit=limit, remaining=remaining + 5, reset=reset)  # an older reading
    assert last_rate_limit(redis_ws.fingerprint, stale) == shown
    lower = RateLimit(limit=limit, remaining=remaining - 1, reset=reset)
    assert last_rate_limit(redis_ws.fingerprint, lower) == lower
    later = datetime.fromtimestamp(reset.timestamp() + 3600, tz=UTC)
    fresh = RateLimit(limit=limit, remaining=limit - 1, reset=later)  # the next window
    assert last_rate_limit(redis_ws.fingerprint, fresh) == fresh
    assert last_rate_limit(redis_ws.fingerprint, lower) == fresh
