"""Replicas: Braze requests made by 1, 2 and 4 replicas sharing one Redis, for the same views.

Each replica is its own Python process (``REDIS_URL`` set, cold in-process cache) loading what
the campaign overview draws (list + leaderboard, last 30 days) and three campaign detail views,
all replicas at once. The sandbox counts requests; the target is that N replicas together make
as many as one. Then warm latency: the same views in a fresh replica served from Redis (its
in-process cache cold) vs a replica's own warm in-process cache, interleaved, medians.

    .venv/bin/python bench/bench_replicas.py [--quick] [--campaigns 130]

On a shared machine with autogroup scheduling, give it the CPU (root):
``setsid -w .venv/bin/python bench/bench_replicas.py --autogroup-nice -10`` (see _priority.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import _priority
from _common import fmt_times, verdict

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
    listed = data.load_campaigns(ws)  # as the overview: the budget plan, then the leaderboard
    plan = data.leaderboard_plan(ws, listed, start, end)
    data.load_leaderboard(ws, listed, start, end, hold=plan.held)
    for cid in listed['id'].head(3):  # as the page's detail view: read ahead, details, series
        data.read_ahead_campaign(ws, str(cid), start, end)
        data.load_campaign_details(ws, str(cid))
        data.load_campaign_series(ws, str(cid), start, end)
t = time.perf_counter(); views(); first = time.perf_counter() - t
t = time.perf_counter(); views(); again = time.perf_counter() - t
redis_times, local_times, redis_cpu, local_cpu = [], [], [], []
def timed(wall, cpu):
    t, c = time.perf_counter(), time.thread_time()
    views()
    wall.append(time.perf_counter() - t); cpu.append(time.thread_time() - c)
for _ in range(int(sys.argv[3])):  # interleaved: Redis only (own cache emptied), own cache
    if sys.argv[4] == 'redis':
        CACHE.clear()
        timed(redis_times, redis_cpu)
    timed(local_times, local_cpu)
print(json.dumps({'first': first, 'again': again, 'redis': redis_times, 'local': local_times,
                  'redis_cpu': redis_cpu, 'local_cpu': local_cpu}))
"""


def run_replicas(n: int, url: str, key: str, redis_url: str | None, repeat: int = 0) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    mode = "plain" if redis_url is None else "redis"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, key, str(repeat), mode],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        for _ in range(n)
    ]
    return [json.loads(p.communicate(timeout=600)[0]) for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (40 campaigns)")
    parser.add_argument("--campaigns", type=int, default=130)
    parser.add_argument("--repeat", type=int, default=15, help="warm-latency rounds (median)")
    _priority.add_option(parser)
    args = parser.parse_args()
    if args.quick:
        args.campaigns, args.repeat = 40, 3

    import redis

    from braze_sandbox import SANDBOX_API_KEY, Sandbox
    from tests.redis_server import RedisServer, free_port

    server = RedisServer(free_port())
    server.start()
    sandbox = Sandbox(campaigns=args.campaigns, users=50, api_key=SANDBOX_API_KEY, latency=0.05)
    url = sandbox.start()
    _priority.apply(args.autogroup_nice)  # the session's replicas, sandbox and redis-server too
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
        (timing,) = run_replicas(1, str(url), SANDBOX_API_KEY, server.url, args.repeat)
        assert not sandbox.requests, "a replica with Redis warm made requests"
        (plain,) = run_replicas(1, str(url), SANDBOX_API_KEY, None, args.repeat)  # no Redis
    finally:
        sandbox.stop()
        server.stop()

    print(f"{args.campaigns} campaigns; campaign overview + 3 detail views per replica")
    for n, count in counts.items():
        print(f"{n} replica(s): {count} requests ({count / counts[1]:.2f}× one replica)")
    via_redis, near = statistics.median(timing["redis"]), statistics.median(timing["local"])
    alone = statistics.median(plain["local"])
    print(
        f"cold (from the sandbox, 50 ms latency) {plain['first'] * 1000:.0f} ms; "
        f"a fresh replica's first view from Redis {timing['first'] * 1000:.0f} ms"
    )
    print(
        f"views read from Redis (own cache emptied each round) {fmt_times(timing['redis'])}; "
        f"the same replica warm {fmt_times(timing['local'])}; "
        f"a replica without Redis, warm {fmt_times(plain['local'])}"
    )
    first_ratio = via_redis / near
    print(
        f"first read from Redis vs in-process warm: {via_redis * 1000:.0f} ms vs "
        f"{near * 1000:.0f} ms = {first_ratio:.2f}× {verdict(first_ratio <= 1.5)}"
    )
    # The calling thread's CPU time (no waiting for Redis or for a core): steadier than wall
    # time on a loaded machine; what decoding costs against what a warm view costs.
    cpu_redis, cpu_near = (
        statistics.median(timing["redis_cpu"]),
        statistics.median(timing["local_cpu"]),
    )
    print(
        f"  the same in CPU time of the calling thread: {cpu_redis * 1000:.1f} ms vs "
        f"{cpu_near * 1000:.1f} ms = {cpu_redis / cpu_near:.2f}×; load average "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    ratio = near / alone
    print(
        f"warm latency, replica with Redis vs in-process only: {near * 1000:.0f} ms vs "
        f"{alone * 1000:.0f} ms = {ratio:.2f}× {verdict(ratio <= 1.5)}"
    )
    equal = counts[2] == counts[1] == counts[4]
    print(f"requests 4 replicas / 1 replica: {counts[4] / counts[1]:.2f}× {verdict(equal)}")


if __name__ == "__main__":
    main()
