"""Cache: the same page data loaded warm (shared cache hit) vs cold (every request made).

Loads what the KPI page and the campaign overview draw: ``load_kpi_page`` for the last 30 days
and the campaign list + leaderboard. Cold clears ``dashboard.cache.CACHE`` first; warm repeats
the load straight after. The sandbox adds a fixed latency per request (a real Braze round trip
is slower still), and the figure printed last is warm time as a share of cold time.

    .venv/bin/python bench/bench_cache.py [--quick] [--latency 0.05] [--campaigns 130]
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from _common import fmt_times, median_time, verdict, workspace_for

TARGET = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (40 campaigns, 1 run)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--campaigns", type=int, default=130, help="the demo workspace's count")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.campaigns, args.repeat = 40, 1

    from braze_sandbox import Sandbox
    from dashboard.cache import CACHE
    from dashboard.data.campaigns import load_campaigns, load_leaderboard
    from dashboard.data.kpis import load_kpi_page
    from dashboard.filters import Filters, utc_today

    sandbox = Sandbox(campaigns=args.campaigns, latency=args.latency, users=50)
    url = sandbox.start()
    end = utc_today() - timedelta(days=1)
    filters = Filters(start=end - timedelta(days=29), end=end)
    try:
        ws = workspace_for(url)

        def kpis() -> None:
            page = load_kpi_page(ws, filters)
            assert all(page.current[m].ok for m in page.current), "a KPI series failed"

        def campaigns() -> None:
            listed = load_campaigns(ws)
            board = load_leaderboard(ws, listed, filters.start, filters.end)
            assert board["status"].fillna("").eq("").all(), "a campaign series failed"

        rows = []
        for name, load in (("KPI page", kpis), ("campaign overview", campaigns)):
            cold, cold_times = median_time(load, args.repeat, setup=CACHE.clear)
            sandbox.clear_requests()
            warm, warm_times = median_time(load, args.repeat)
            assert not sandbox.requests, f"warm {name} made {len(sandbox.requests)} requests"
            rows.append((name, cold, cold_times, warm, warm_times))
    finally:
        sandbox.stop()

    print(f"latency {args.latency * 1000:.0f} ms per request; warm runs made no request")
    for name, cold, cold_times, warm, warm_times in rows:
        share = warm / cold
        print(
            f"{name:18s} cold {cold * 1000:8.1f} ms [{fmt_times(cold_times)}]  "
            f"warm {warm * 1000:7.1f} ms [{fmt_times(warm_times)}]  "
            f"warm/cold {share:.1%} {verdict(share <= TARGET)}"
        )
    total_cold = sum(r[1] for r in rows)
    total_warm = sum(r[3] for r in rows)
    worst = max(rows, key=lambda r: r[3] / r[1])
    print(f"worst: {worst[0]} at {worst[3] / worst[1]:.1%} (target <= {TARGET:.0%})")
    print(f"warm/cold (both pages) {total_warm / total_cold:.1%}; target <= {TARGET:.0%}")


if __name__ == "__main__":
    main()
