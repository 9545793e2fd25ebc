"""Replicas: Braze requests made by 1, 2 and 4 replicas sharing one Redis, for the same views.

Each replica is its own Python process (``REDIS_URL`` set, cold in-process cache) loading what
the campaign overview draws (list + leaderboard, last 30 days) and three campaign detail views,
all replicas at once. The sandbox counts requests; the target is that N replicas together make
as many as one. Then warm latency: the same views in a fresh replica served from Redis (its
in-process cache cold) vs a replica's own warm in-process cache.

    .venv/bin/python bench/bench_replicas.py [--quick] [--campaigns 130]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from _common import verdict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import json, sys, time
from datetime import timedelta
from dashboard.cache import CACHE
from dashboard.data import campaigns as data
from dashboard.filters import utc_today
from dashboard.settings import Workspace
ws = Workspace(base_url=sys.argv[1], api_key=sys.argv[2], label='bench')
end = utc_today() - timedelta(days=1)
start = end - timedelta(days=29)
def views():
    listed = data.load_campaigns(ws)
    data.load_leaderboard(ws, listed, start, end)
    for cid in listed['id'].head(3):
        data.load_campaign_details(ws, str(cid))
        data.load_campaign_series(ws, str(cid), start, end)
t = time.perf_counter(); views(); first = time.perf_counter() - t
t = time.perf_counter(); views(); again = time.perf_counter() - t
print(json.dumps({'first': first, 'again': again}))
"""


def run_replicas(n: int, url: str, key: str, redis_url: str) -> list[dict]:
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, key], env=env, cwd=ROOT, stdout=subprocess.PIPE
        )
        for _ in range(n)
    ]
    return [json.loads(p.communicate(timeout=600)[0]) for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (40 campaigns)")
    parser.add_argument("--campaigns", type=int, default=130)
    args = parser.parse_args()
    if args.quick:
        args.campaigns = 40

    import redis

    from braze_sandbox import SANDBOX_API_KEY, Sandbox
    from tests.redis_server import RedisServer, free_port

    server = RedisServer(free_port())
    server.start()
    sandbox = Sandbox(campaigns=args.campaigns, users=50, api_key=SANDBOX_API_KEY, latency=0.05)
    url = sandbox.start()
    counts: dict[int, int] = {}
    try:
        for n in (1, 2, 4):
            redis.Redis.from_url(server.url).flushall()
            sandbox.clear_requests()
            run_replicas(n, str(url), SANDBOX_API_KEY, server.url)
            counts[n] = len(sandbox.requests)
        # Redis now holds the views: a fresh replica reads them from Redis on its first pass,
        # and from its own in-process cache on the second.
        sandbox.clear_requests()
        (timing,) = run_replicas(1, str(url), SANDBOX_API_KEY, server.url)
        assert not sandbox.requests, "a replica with Redis warm made requests"
    finally:
        sandbox.stop()
        server.stop()

    print(f"{args.campaigns} campaigns; campaign overview + 3 detail views per replica")
    for n, count in counts.items():
        print(f"{n} replica(s): {count} requests ({count / counts[1]:.2f}× one replica)")
    ratio = timing["first"] / timing["again"]
    print(
        f"warm through Redis {timing['first'] * 1000:.0f} ms vs in-process "
        f"{timing['again'] * 1000:.0f} ms: {ratio:.2f}× {verdict(ratio <= 1.5)}"
    )
    equal = counts[2] == counts[1] == counts[4]
    print(f"requests 4 replicas / 1 replica: {counts[4] / counts[1]:.2f}× {verdict(equal)}")


if __name__ == "__main__":
    main()
