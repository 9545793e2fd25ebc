"""Warm path: what a page run spends on cache hits, chart memo keys and CSV downloads.

Against the sandbox (130 campaigns, in process, no latency: only the warm path is timed):

Times are printed as the best of `--repeat` runs (the machine is shared; the best is the
cost without interference), the fan-out also as the median.

- the campaign leaderboard's fan-out over its cached rows, hits first (no pool) vs the pool
  over every item (what `fan_out` did before), with the threads each starts;
- the memo key of the leaderboard frame (what `memoized` hashes before reusing a figure):
  raw column buffers vs `pd.util.hash_pandas_object` per column (the previous key);
- the CSV bytes of the leaderboard, which every page run used to build per download button
  and now builds only when the button is clicked.

    .venv/bin/python bench/bench_warm_path.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import hashlib
import threading
from datetime import timedelta

import pandas as pd
from _common import median_time, workspace_for

from braze_sandbox import Sandbox
from dashboard.cache import CACHE
from dashboard.charts.common import memo_key
from dashboard.data.campaigns import load_campaigns, load_leaderboard, load_leaderboard_row
from dashboard.data.common import fan_out
from dashboard.filters import utc_today
from dashboard.safe_csv import to_csv_bytes


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
    finally:
        box.stop()


if __name__ == "__main__":
    main()
