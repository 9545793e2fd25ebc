"""Fan-out: the campaign leaderboard's concurrent, bounded loads vs a plain sequential loop.

Both sides make exactly the same requests (the baseline replays the URLs the loader's client
sent) against a sandbox that adds a fixed latency to each and runs in its own process, as Braze
is remote. The bound is what perfect bounded concurrency could do: ceil(requests / workers) ×
latency.

    .venv/bin/python bench/bench_fanout.py [--quick] [--campaigns 300] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import math
from datetime import timedelta

from _common import SandboxProcess, fmt_times, median_time, verdict, workspace_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (60 campaigns, 1 run)")
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.campaigns, args.repeat = 60, 1

    import requests

    from dashboard.cache import CACHE
    from dashboard.data import common
    from dashboard.data.campaigns import load_campaigns, load_leaderboard
    from dashboard.filters import utc_today
    from dashboard.settings import client_for

    with SandboxProcess(campaigns=args.campaigns, latency=args.latency, users=50) as sandbox:
        url = sandbox.url
        ws = workspace_for(url)
        campaigns = load_campaigns(ws, include_archived=True)
        end = utc_today() - timedelta(days=1)
        start = end - timedelta(days=29)
        sent: list[str] = []  # the series URLs the loader's client sent (no key in them)
        client_for(ws)._session.hooks["response"].append(
            lambda r, *a, **k: sent.append(r.url) if "/campaigns/data_series" in r.url else None
        )

        def fanned() -> None:
            board = load_leaderboard(ws, campaigns, start, end)
            failed = board["status"].fillna("").ne("").sum()
            assert len(board) == len(campaigns) and failed == 0, f"{failed} rows failed"

        def cold() -> None:
            CACHE.clear()
            sent.clear()

        fan_median, fan_times = median_time(fanned, args.repeat, setup=cold)
        series = list(sent)
        assert len(series) == len(campaigns), f"{len(series)} requests for {len(campaigns)}"
        # The same fan-out without the frames: how much of the loader's time is waiting.
        fetch = client_for(ws).campaigns.data_series
        ending_at = f"{end.isoformat()}T23:59:59+00:00"
        ids = [str(i) for i in campaigns["id"]]

        def transport() -> None:
            results = common.fan_out(
                lambda cid: fetch(cid, length=30, ending_at=ending_at),
                ids,
                max_workers=common.MAX_IN_FLIGHT,  # ungated calls: as many threads as slots
            )
            assert all(r.ok for r in results)

        raw_median, raw_times = median_time(transport, args.repeat)
        headers = {"Authorization": f"Bearer {ws.api_key}"}

        def sequential() -> None:
            for series_url in series:
                response = requests.get(series_url, headers=headers, timeout=30)
                response.raise_for_status()
                response.json()

        seq_median, seq_times = median_time(sequential, args.repeat)

    workers = common.MAX_IN_FLIGHT
    bound = math.ceil(len(series) / workers) * args.latency
    speedup = seq_median / fan_median
    efficiency = fan_median / bound
    print(f"requests per side: {len(series)}  latency: {args.latency * 1000:.0f} ms")
    print(f"fan-out (leaderboard loader): median {fan_median:.2f} s  [{fmt_times(fan_times)}]")
    print(
        f"  of which transport (fan_out of client calls, no frames): median {raw_median:.2f} s"
        f"  [{fmt_times(raw_times)}] = {raw_median / bound:.2f}x the bound"
    )
    print(f"sequential requests.get:      median {seq_median:.2f} s  [{fmt_times(seq_times)}]")
    print(f"workers: {workers}  bound ceil({len(series)}/{workers}) x latency = {bound:.2f} s")
    print(
        f"target speed-up >= {0.8 * workers:.1f}x: {verdict(speedup >= 0.8 * workers)}; "
        f"target time <= 1.25x bound: {verdict(efficiency <= 1.25)}"
    )
    print(f"speed-up {speedup:.2f}x with {workers} workers; {efficiency:.2f}x the bound")


if __name__ == "__main__":
    main()
