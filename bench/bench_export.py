"""Segment export: ``braze_api.export_reader`` vs ``pandas.read_json(lines=True)`` per file + concat.

The zip is built here in the shape the sandbox (and Braze) export: files of 5,000 users, one
JSON object per line, with a common ``fields_to_export`` selection (identity, profile fields,
custom attributes, custom events, purchases, apps). Profiles come from the sandbox's user
generator; each line is a pooled profile with its own ids, so 500,000 users build quickly.

Each side runs in its own child process (same interpreter, same imports) and reports its wall
time and peak RSS (``ru_maxrss``), so one side's memory never inflates the other's.

    .venv/bin/python bench/bench_export.py [--quick] [--users 500000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from _common import ROOT, verdict

USERS_PER_FILE = 5000
POOL = 200
FIELDS = (
    "external_id",
    "braze_id",
    "created_at",
    "first_name",
    "last_name",
    "email",
    "country",
    "language",
    "time_zone",
    "random_bucket",
    "total_revenue",
    "email_subscribe",
    "push_subscribe",
    "custom_attributes",
    "custom_events",
    "purchases",
    "apps",
)

CHILD = r"""
import json, resource, sys, time, zipfile
import pandas as pd
from braze_api.export_reader import read_export
side, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if side == "reader":
    result = read_export(path)
    users, issues = result.user_count, len(result.issues)
else:
    parts = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            with archive.open(name) as handle:
                parts.append(pd.read_json(handle, lines=True))
    users, issues = len(pd.concat(parts, ignore_index=True)), 0
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "users": users, "issues": issues, "peak_kib": peak_kib}))
"""


def build_zip(path: Path, users: int) -> int:
    """Write the export zip; returns the uncompressed size in bytes."""
    from braze_sandbox import Sandbox

    profiles = Sandbox(users=POOL, campaigns=20).workspace.users
    templates = []
    for profile in profiles:
        if not (profile.get("external_id") and profile.get("braze_id")):
            continue  # alias-only profiles: keep the pool to ones with both ids to rename
        line = json.dumps({k: profile[k] for k in FIELDS if k in profile}, ensure_ascii=False)
        templates.append((line, profile["external_id"], profile["braze_id"]))
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for first in range(0, users, USERS_PER_FILE):
            lines = []
            for i in range(first, min(users, first + USERS_PER_FILE)):
                line, external_id, braze_id = templates[i % len(templates)]
                lines.append(
                    line.replace(external_id, f"user-{i:07d}", 1).replace(braze_id, f"{i:024x}", 1)
                )
            data = ("\n".join(lines) + "\n").encode()
            size += len(data)
            archive.writestr(f"export/{first // USERS_PER_FILE}.txt", data)
    return size


def run_side(side: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (20,000 users)")
    parser.add_argument("--users", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per side (median kept)")
    args = parser.parse_args()
    if args.quick:
        args.users = 20_000

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        path = Path(tmp) / "segment-export.zip"
        raw_bytes = build_zip(path, args.users)
        runs: dict[str, list[dict]] = {"reader": [], "pandas": []}
        for _ in range(args.repeat):
            for side in runs:  # interleaved, so load from elsewhere hits both sides alike
                runs[side].append(run_side(side, path))
        zipped = path.stat().st_size
    for side, results in runs.items():
        assert all(r["users"] == args.users for r in results), f"{side} lost users: {results}"
        assert all(r["issues"] == 0 for r in results), f"{side} reported issues"

    def med(side: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[side])

    reader_s, pandas_s = med("reader", "seconds"), med("pandas", "seconds")
    reader_mb, pandas_mb = med("reader", "peak_kib") / 1024, med("pandas", "peak_kib") / 1024
    throughput = pandas_s / reader_s
    memory = reader_mb / pandas_mb
    print(
        f"{args.users:,} users in {args.users // USERS_PER_FILE or 1} files: "
        f"{raw_bytes / 1e6:.0f} MB of NDJSON, {zipped / 1e6:.0f} MB zipped"
    )
    for side, seconds, mb in (
        ("export_reader", reader_s, reader_mb),
        ("pandas", pandas_s, pandas_mb),
    ):
        print(
            f"{side:14s} {seconds:7.2f} s  {args.users / seconds:>10,.0f} users/s  "
            f"peak RSS {mb:7.0f} MB"
        )
    print(
        f"targets: throughput >= 3x {verdict(throughput >= 3)}; "
        f"peak memory <= 0.5x {verdict(memory <= 0.5)}"
    )
    print(f"throughput {throughput:.2f}x pandas; peak memory {memory:.2f}x pandas")


if __name__ == "__main__":
    main()
