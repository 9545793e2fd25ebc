"""Segment export, zip to frames: ``read_export`` vs duckdb and pandas doing the same flattening.

The export comes from ``braze_sandbox.export_profiles`` (varied profiles in the documented
shape: devices, push tokens, apps, campaign and Canvas history, custom events, purchases,
custom attributes of every JSON kind, sparse and heavy users, unicode), 5,000 users per file
in one zip. It is built once per (seed, size, generator output) and kept in the temp folder.

Three sides, each producing the same users frame and long tables (``bench/export_baselines.py``;
``tests/test_export_baselines.py`` checks they agree on generated data):

* ``reader``: ``braze_api.export_reader.read_export`` (with its safety limits)
* ``duckdb``: unzip, ``read_json`` with the documented fields declared, flattening in SQL
* ``pandas``: ``pandas.read_json(lines=True, engine="pyarrow", dtype_backend="pyarrow")`` per
  file, flattened with pandas' Arrow accessors, concatenated

Each run is its own child process (same interpreter and imports), reporting wall time and peak
RSS (``ru_maxrss``), so one side's memory never inflates another's. Rounds are interleaved and
medians kept.

    .venv/bin/python bench/bench_export.py [--quick] [--users 500000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, verdict

SEED = 19
SIDES = ("reader", "duckdb", "pandas")

CHILD = r"""
import json, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[3])
side, path = sys.argv[1], sys.argv[2]
import pandas, pyarrow  # imports are not timed (every side uses them)
if side == "reader":
    from braze_api.export_reader import read_export
elif side == "duckdb":
    import duckdb
    from bench.export_baselines import duckdb_frames
else:
    from bench.export_baselines import pandas_frames
with tempfile.TemporaryDirectory(prefix="bench-export-duckdb-") as work:
    start, cpu0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    if side == "reader":
        result = read_export(path)
        users, tables, issues = result.users, result.tables, len(result.issues)
    elif side == "duckdb":
        users, tables = duckdb_frames(path, work)
        issues = 0
    else:
        users, tables = pandas_frames(path)
        issues = 0
    elapsed = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rows = {name: len(frame) for name, frame in tables.items()}
print(json.dumps({"seconds": elapsed, "cpu": cpu, "users": len(users), "issues": issues,
                  "peak_kib": peak_kib, "rows": rows}))
"""


def export_path(users: int) -> tuple[Path, int]:
    """The cached export zip for ``users`` users (built when missing); its NDJSON size."""
    from braze_sandbox import export_profiles

    # the generator's version: what it makes of a few users (a docstring edit changes nothing)
    version = hashlib.sha256(export_profiles.export_zip(SEED, 60, per_file=20)).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / "braze-bench-export"
    folder.mkdir(exist_ok=True)
    path = folder / f"export-{SEED}-{users}-{version}.zip"
    size_file = path.with_suffix(".size")
    if not path.exists() or not size_file.exists():
        partial = path.with_suffix(".partial")
        size = export_profiles.write_export(str(partial), SEED, users)
        partial.rename(path)
        size_file.write_text(str(size))
    return path, int(size_file.read_text())


def run_side(side: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(path), str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (20,000 users)")
    parser.add_argument("--users", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians kept)")
    parser.add_argument("--sides", default=",".join(SIDES), help="comma-separated subset")
    args = parser.parse_args()
    if args.quick:
        args.users, args.repeat = 20_000, 1
    sides = [s for s in args.sides.split(",") if s]

    path, raw_bytes = export_path(args.users)
    print(
        f"{args.users:,} users in {-(-args.users // 5000)} files: {raw_bytes / 1e6:,.0f} MB of "
        f"NDJSON, {path.stat().st_size / 1e6:,.0f} MB zipped ({path})",
        flush=True,
    )
    runs: dict[str, list[dict]] = {side: [] for side in sides}
    for round_ in range(args.repeat):
        for side in sides:  # interleaved, so load from elsewhere hits every side alike
            result = run_side(side, path)
            runs[side].append(result)
            print(
                f"  round {round_ + 1} {side:7s} {result['seconds']:7.2f} s  "
                f"(CPU {result['cpu']:6.2f} s)  "
                f"peak RSS {result['peak_kib'] / 1024:7,.0f} MB",
                flush=True,
            )
    for side, results in runs.items():
        assert all(r["users"] == args.users for r in results), f"{side} lost users: {results}"
        assert all(r["issues"] == 0 for r in results), f"{side} reported issues"
    first = runs[sides[0]][0]["rows"]
    for side, results in runs.items():  # the same long tables, row for row
        for r in results:
            assert r["rows"] == first, f"{side} rows {r['rows']} != {sides[0]} {first}"

    def med(side: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[side])

    for side in sides:
        seconds, mb = med(side, "seconds"), med(side, "peak_kib") / 1024
        print(
            f"{side:8s} {seconds:7.2f} s  {args.users / seconds:>9,.0f} users/s  "
            f"CPU {med(side, 'cpu'):7.2f} s  peak RSS {mb:7,.0f} MB"
        )
    if "reader" not in sides:
        return
    for side in sides:
        if side == "reader":
            continue
        speed = med(side, "seconds") / med("reader", "seconds")
        cpu = med(side, "cpu") / med("reader", "cpu")
        memory = med("reader", "peak_kib") / med(side, "peak_kib")
        print(
            f"vs {side}: {speed:.2f}x faster {verdict(speed >= 1.5)} (target >= 1.5x; "
            f"CPU time {cpu:.2f}x); peak memory {memory:.2f}x {verdict(memory <= 0.6)} "
            "(target <= 0.6x)"
        )


if __name__ == "__main__":
    main()
