"""Fan-out: the campaign leaderboard loader vs a plain 8-thread pool over one keep-alive session.

Every side makes exactly the same requests (the baselines replay the URLs the loader's client
sent) against a sandbox that adds a fixed latency to each and runs in its own process, as Braze
is remote. The sides are timed round by round, interleaved, and medians compared:

- loader: ``load_leaderboard`` on a cold cache (request slots, rate budget, deadlines, body
  caps, address checks, the per-window sums and the leaderboard frame: all of it).
- pool: the baseline a user would write instead: ``ThreadPoolExecutor(8)`` sharing one
  ``requests.Session`` (keep-alive), ``session.get(url).json()`` per campaign. No cap, no
  deadline, no budget, no sums.
- transport: ``fan_out`` of bare client calls (no cache, no sums): the client's own cost.

The bound is what perfect bounded concurrency could do: ceil(requests / slots) × latency.
The sequential loop of issue 9 (one ``requests.get`` after another) is timed once, for the
speed-up figure (``--no-sequential`` skips it).

    .venv/bin/python bench/bench_fanout.py [--quick] [--campaigns 300] [--latency 0.05]

On a shared Linux machine with autogroup scheduling, give the bench (and the sandbox process it
starts) the CPU with ``setsid -w .venv/bin/python bench/bench_fanout.py --autogroup-nice -10``
(as root; see _priority.py).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import _priority
from _common import SandboxProcess, fmt_times, timed, verdict, workspace_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (60 campaigns, 1 run)")
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-sequential", action="store_true", help="skip the sequential loop")
    parser.add_argument("--profile", action="store_true", help="cProfile one cold loader run")
    _priority.add_option(parser, "this session's (and the sandbox process's)")
    args = parser.parse_args()
    if args.quick:
        args.campaigns, args.repeat = 60, 1
    _priority.note_if_unboosted(args.autogroup_nice)
    _priority.apply(args.autogroup_nice)
    load_at_start = _priority.load_average()

    import requests

    from dashboard.cache import CACHE
    from dashboard.data import common
    from dashboard.data.campaigns import load_campaigns, load_leaderboard
    from dashboard.filters import utc_today
    from dashboard.settings import client_for

    workers = common.MAX_IN_FLIGHT
    with SandboxProcess(campaigns=args.campaigns, latency=args.latency, users=50) as sandbox:
        _priority.apply(
            args.autogroup_nice
        )  # the sandbox process is a descendant: same autogroup nice
        ws = workspace_for(sandbox.url)
        campaigns = load_campaigns(ws, include_archived=True)
        end = utc_today() - timedelta(days=1)
        start = end - timedelta(days=29)
        sent: list[str] = []  # the series URLs the loader's client sent (no key in them)
        client_for(ws)._session.hooks["response"].append(
            lambda r, *a, **k: sent.append(r.url) if "/campaigns/data_series" in r.url else None
        )

        def loader() -> None:
            board = load_leaderboard(ws, campaigns, start, end)
            failed = board["status"].fillna("").ne("").sum()
            assert len(board) == len(campaigns) and failed == 0, f"{failed} rows failed"

        CACHE.clear()
        loader()  # warm-up: imports, the client, the sandbox's first bodies
        series = list(sent)
        assert len(series) == len(campaigns), f"{len(series)} requests for {len(campaigns)}"
        headers = {"Authorization": f"Bearer {ws.api_key}"}
        session = requests.Session()

        def pool() -> None:
            def get(url: str) -> object:
                response = session.get(url, headers=headers, timeout=30)
                response.raise_for_status()
                return response.json()

            with ThreadPoolExecutor(max_workers=workers) as executor:
                list(executor.map(get, series))

        fetch = client_for(ws).campaigns.data_series
        ending_at = f"{end.isoformat()}T23:59:59+00:00"
        ids = [str(i) for i in campaigns["id"]]

        def transport() -> None:
            results = common.fan_out(
                lambda cid: fetch(cid, length=30, ending_at=ending_at), ids, max_workers=workers
            )
            assert all(r.ok for r in results)

        pool()  # warm the baseline's keep-alive connections too
        times: dict[str, list[float]] = {"loader": [], "pool": [], "transport": []}
        cpu: dict[str, list[float]] = {"loader": [], "pool": [], "transport": []}  # this process
        served: list[float] = []  # the sandbox's own CPU seconds per round of the pool
        sides = {"loader": loader, "pool": pool, "transport": transport}
        for _ in range(args.repeat):  # interleaved: load from elsewhere hits every side alike
            CACHE.clear()
            for name, side in sides.items():
                before, began = sandbox.cpu_seconds(), time.process_time()
                times[name].append(timed(side)[0])
                cpu[name].append(time.process_time() - began)
                after = sandbox.cpu_seconds()
                if name == "pool" and before is not None and after is not None:
                    served.append(after - before)
        if args.profile:
            import cProfile
            import pstats

            CACHE.clear()
            profiler = cProfile.Profile()
            profiler.runcall(loader)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        seq = None
        if not args.no_sequential:

            def sequential() -> None:
                for series_url in series:
                    response = requests.get(series_url, headers=headers, timeout=30)
                    response.raise_for_status()
                    response.json()

            seq = timed(sequential)[0]

    med = {name: statistics.median(values) for name, values in times.items()}
    bound = math.ceil(len(series) / workers) * args.latency
    vs_pool = med["loader"] / med["pool"]
    vs_bound = med["loader"] / bound
    print(
        f"requests per side: {len(series)}  latency: {args.latency * 1000:.0f} ms  "
        f"rounds: {args.repeat}  load average {load_at_start} -> {_priority.load_average()}"
    )
    print(f"bound ceil({len(series)}/{workers}) x latency = {bound:.2f} s")
    for name, label in (
        ("loader", "leaderboard loader (cold)"),
        ("pool", f"{workers}-thread pool, one session"),
        ("transport", "fan_out of bare client calls"),
    ):
        print(
            f"{label:34s} median {med[name]:.3f} s = {med[name] / bound:.2f}x bound"
            f"  [{fmt_times(times[name])}]; client CPU "
            f"{statistics.median(cpu[name]) / len(series) * 1000:.2f} ms per request"
        )
    if served:
        cpu = statistics.median(served)
        print(
            f"the sandbox's own CPU per {len(series)} answers: {cpu:.2f} s (one process, one "
            f"GIL: no side can finish sooner) = {cpu / bound:.2f}x the bound"
        )
    if seq is not None:
        print(
            f"{'sequential requests.get (once)':34s} {seq:.2f} s; loader speed-up "
            f"{seq / med['loader']:.2f}x"
        )
    print(
        f"target loader <= 1.05x pool: {verdict(vs_pool <= 1.05)}; "
        f"target loader <= 1.2x bound: {verdict(vs_bound <= 1.2)}"
    )
    print(f"loader/pool {vs_pool:.3f}x; loader/bound {vs_bound:.3f}x")


if __name__ == "__main__":
    main()
