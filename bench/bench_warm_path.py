"""Warm path: what a page run spends on cache hits, chart memo keys and CSV downloads.

Against the sandbox (130 campaigns, in process, no latency: only the warm path is timed):

Times are printed as the best of `--repeat` runs (the machine is shared; the best is the
cost without interference), the fan-out also as the median.

- the campaign leaderboard's fan-out over its cached rows, hits first (no pool) vs the pool
  over every item (what `fan_out` did before), with the threads each starts;
- the memo key of the leaderboard frame (what `memoized` hashes before reusing a figure):
  raw column buffers vs `pd.util.hash_pandas_object` per column (the previous key);
- the CSV bytes of the leaderboard, which every page run used to build per download button
  and now builds only when the button is clicked;
- the custom events page's every-event table over all the workspace's events: each event's
  compared totals looked up (``comparison.compared_totals``, now) vs summed from its cached
  windows on every run (``compared_series`` per event, before), interleaved, in the calling
  thread's CPU time (both run there: every item is a cache hit).

    .venv/bin/python bench/bench_warm_path.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import threading
import time
from datetime import date, timedelta

import pandas as pd
from _common import median_time, workspace_for

from braze_sandbox import Sandbox
from dashboard.cache import CACHE
from dashboard.charts.common import memo_key
from dashboard.data import comparison
from dashboard.data.campaigns import load_campaigns, load_leaderboard, load_leaderboard_row
from dashboard.data.common import EVENTS, fan_out
from dashboard.data.events import compared_totals, load_event_names, load_event_table, total
from dashboard.filters import Filters, utc_today
from dashboard.safe_csv import to_csv_bytes
from dashboard.settings import Workspace


def pandas_hash_key(frame: pd.DataFrame) -> str:
    """The previous memo key: pandas' row hash of every column, plus names, dtypes, index."""
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((list(frame.columns), list(map(str, frame.dtypes)))).encode())
    for name in frame.columns:
        h.update(pd.util.hash_pandas_object(frame[name], index=False).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(frame.index).to_numpy().tobytes())
    return h.hexdigest()


def threads_started(fn: object) -> int:
    started: set[int] = set()
    threading.setprofile(lambda *_: started.add(threading.get_ident()))
    try:
        fn()  # type: ignore[operator]
    finally:
        threading.setprofile(None)
    return len(started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    box = Sandbox()
    box.start()
    try:
        ws = workspace_for(box.url)
        CACHE.clear()
        end = utc_today() - timedelta(days=1)
        start = end - timedelta(days=29)
        campaigns = load_campaigns(ws, include_archived=False)
        board = load_leaderboard(ws, campaigns, start, end)  # fills the cache
        records = campaigns.to_dict("records")

        def rows(cache_first: bool) -> object:
            return fan_out(
                lambda c: load_leaderboard_row(ws, str(c["id"]), start, end),
                records,
                cache_first=cache_first,
            )

        print(f"leaderboard: {len(records)} campaigns, all cached")
        for label, flag in (("hits first (now)", True), ("pool over every item (before)", False)):
            median, times = median_time(lambda flag=flag: rows(flag), args.repeat)
            threads = threads_started(lambda flag=flag: rows(flag))
            print(
                f"  fan-out {label:30s} median {median * 1000:6.2f} ms, best "
                f"{min(times) * 1000:6.2f} ms, {threads} threads started"
            )
        _, new_times = median_time(lambda: memo_key(len, board), args.repeat)
        _, old_times = median_time(lambda: pandas_hash_key(board), args.repeat)
        new, old = min(new_times), min(old_times)
        print(f"memo key of the leaderboard ({board.shape[0]}x{board.shape[1]}):")
        print(
            f"  raw column buffers (now) {new * 1000:6.2f} ms; pandas hash (before) {old * 1000:6.2f} ms"
        )
        csv, _ = median_time(lambda: to_csv_bytes(board), args.repeat)
        print(f"CSV of the leaderboard: {csv * 1000:.2f} ms per page run before (best), 0 now")
        event_table(ws, start, end, args.repeat)
    finally:
        box.stop()


def event_table(ws: Workspace, start: date, end: date, repeat: int) -> None:
    """The every-event table warm: totals looked up (now) vs summed per run (before)."""
    filters = Filters(start=start, end=end)
    names = load_event_names(ws)
    load_event_table(ws, filters, names)  # fills the cache

    def now() -> pd.DataFrame:
        return load_event_table(ws, filters, names).totals()

    def summed(event: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        return comparison.compared_series(ws, EVENTS, "count", filters, event=event)

    def before() -> pd.DataFrame:  # what load_event_table did before: sum the windows every run
        results = fan_out(summed, names)
        rows = []
        for result in results:
            now_frame, then_frame = result.unwrap()
            rows.append((result.item, total(now_frame) or 0.0, total(then_frame) or 0.0))
        return compared_totals(rows).sort_values(["total", "event"], ascending=[False, True])

    assert now().reset_index(drop=True).equals(before().reset_index(drop=True))
    cpu: dict[str, list[float]] = {"now": [], "before": []}
    for _ in range(repeat):  # interleaved: the machine's load moves both alike
        for label, fn in (("now", now), ("before", before)):
            t0 = time.thread_time()
            fn()
            cpu[label].append(time.thread_time() - t0)
    new, old = (statistics.median(cpu[k]) for k in ("now", "before"))
    print(f"every-event table, {len(names)} events, all cached (CPU of the calling thread):")
    print(
        f"  totals looked up (now) median {new * 1000:6.1f} ms; summed per run (before) "
        f"{old * 1000:6.1f} ms; now/before {new / old:.3f}"
    )


if __name__ == "__main__":
    main()
