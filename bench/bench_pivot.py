"""Pivot: flattening campaign series bodies with ``frames.campaign_series_frame`` vs decoding them.

The payloads are generated here in today's Braze shape (``braze_sandbox.messaging``'s
per-channel counters): every campaign sends on every channel with several variations plus a
control group, for 100 days. Decode is ``json.loads`` of each body's bytes; flatten is
``campaign_series_frame`` of the decoded body. The target is flatten time <= decode time.

Two orders are timed, interleaved round by round:
- as the dashboard does it: each body is flattened right after it is decoded (both timed,
  summed per side). This is the ratio on the last line.
- all decoded first: every body is decoded, then every body flattened. The 300 decoded
  bodies are about 1 GB of Python objects, so flatten then reads memory long out of every
  cache while decode writes fresh memory.

Bytes to frame (issue 19's target: the whole decode-and-pivot path <= 1.0x ``json.loads``
alone on the same bytes), also interleaved, each body decoded then pivoted straight away into
what the pages hold (``series_from_body``: long frame, totals frame, channels):
``json.loads`` alone (the reference), ``json.loads`` + pivot, ``orjson.loads`` + pivot,
``body.decode_json`` (msgspec with the depth check: what the client runs) + pivot,
``frames.campaign_series_from_bytes`` (typed msgspec decode per channel, then columns), and a
typed ``msgspec`` decode into Structs *alone*, with no pivot: the floor a typed decoder starts
from. Then ``pyarrow.json.read_json`` of each body alone, and the bench-only Arrow prototype
(``arrow_series.py``: read_json, then columns off the Arrow arrays), each with one thread and
with Arrow's thread pool. Every pivot side is checked to give the same frames
(``assert_frame_equal``, exact). CPU is the process's CPU time (Arrow's pool threads count).

With ``--sums`` it times the Campaigns leaderboard's two ways to one campaign's row instead,
over the same bodies (one window each): the fast path (``campaign_window_sums`` then
``campaign_range_sums``, no frames) and the frame path it stands in for (``campaign_series_frame``
→ ``engagement_frame`` plus ``campaign_totals_frame``, each column summed). Both must give the
same numbers; the last line is frame path / fast path.

    .venv/bin/python bench/bench_pivot.py [--quick] [--campaigns 300] [--days 100] [--profile]
    .venv/bin/python bench/bench_pivot.py --sums [--quick] [--campaigns 60]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import pstats
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

import _priority
from _common import fmt_times, timed, verdict

CHANNELS = (
    "email",
    "ios_push",
    "android_push",
    "web_push",
    "kindle_push",
    "webhook",
    "in_app_message",
    "trigger_in_app_message",
    "sms",
    "whats_app",
    "content_cards",
)


def campaign_body(rng: random.Random, days: int, variations: int, first: date) -> bytes:
    """One /campaigns/data_series body: every channel, ``variations`` + a control, per day."""
    from braze_sandbox.messaging import channel_stats

    data = []
    for d in range(days):
        messages = {}
        for channel in CHANNELS:
            entries = [
                {"variation_name": f"Variant {chr(65 + v)}", **channel_stats(channel, n, rng)}
                for v in range(variations)
                for n in [rng.randint(100, 20_000)]
            ]
            entries.append({"variation_name": "Control Group", "enrolled": rng.randint(10, 900)})
            for entry in entries:
                entry.update(unique_recipients=rng.randint(0, 5000), revenue=rng.random() * 100)
            messages[channel] = entries
        data.append(
            {
                "time": (first + timedelta(days=d)).isoformat(),
                "messages": messages,
                "conversions": rng.randint(0, 500),
                "conversions_by_send_time": rng.randint(0, 500),
                "unique_recipients": rng.randint(0, 50_000),
                "revenue": round(rng.random() * 5000, 2),
            }
        )
    return json.dumps({"data": data, "message": "success"}).encode()


def typed_decoder(decoded: list[Any]) -> Any:
    """A msgspec decoder into Structs for exactly the keys these bodies carry (bench only).

    Counts are ``int``, revenue ``float``, labels ``str``: a "12" or a 1.5 in a count fails
    the decode instead of being coerced. Absent keys read as UNSET.
    """
    import msgspec

    kinds: dict[str, type] = {}
    for body in decoded[:5]:
        for day in body["data"]:
            for entries in day["messages"].values():
                for entry in entries:
                    for key, value in entry.items():
                        kinds.setdefault(key, type(value))
    fields = [(key, kind | msgspec.UnsetType, msgspec.UNSET) for key, kind in kinds.items()]
    entry_type = msgspec.defstruct("Entry", fields, gc=False)
    day_type = msgspec.defstruct(
        "Day",
        [
            ("time", str),
            ("messages", dict[str, list[entry_type]]),  # type: ignore[valid-type]
            ("conversions", int, 0),
            ("conversions_by_send_time", int, 0),
            ("unique_recipients", int, 0),
            ("revenue", float, 0.0),
        ],
        gc=False,
    )
    body_type = msgspec.defstruct(
        "Body",
        [("data", list[day_type]), ("message", str, "")],  # type: ignore[valid-type]
        gc=False,
    )
    return msgspec.json.Decoder(body_type)


def bytes_to_frame(payloads: list[bytes], decoded: list[Any], repeat: int, budget: float) -> None:
    """Time every way from bytes to the pages' campaign frames against ``json.loads`` alone.

    Every pivot side ends where the pages start: the long frame, the totals frame and the
    channel list (``series_from_body``), checked equal on every payload.
    """
    import orjson
    from arrow_series import arrow_series_from_bytes, read_table
    from pandas.testing import assert_frame_equal

    from braze_api.body import decode_json
    from braze_api.frames import campaign_series_from_bytes
    from dashboard.data.campaigns import series_from_body

    def same(a: Any, b: Any) -> None:
        assert_frame_equal(a.long, b.long, check_exact=True)
        assert_frame_equal(a.totals, b.totals, check_exact=True)
        assert a.channels == b.channels

    for payload, body in zip(payloads, decoded, strict=True):
        expected = series_from_body(body)
        for decode in (orjson.loads, decode_json):
            same(series_from_body(decode(payload)), expected)
        same(campaign_series_from_bytes(payload), expected)
        for threads in (False, True):
            same(arrow_series_from_bytes(payload, threads), expected)
    typed = typed_decoder(decoded)
    sides: dict[str, Any] = {
        "json.loads alone": (json.loads, None),
        "json.loads + pivot": (json.loads, series_from_body),
        "orjson.loads + pivot": (orjson.loads, series_from_body),
        "decode_json (msgspec) + pivot": (decode_json, series_from_body),
        "campaign_series_from_bytes": (campaign_series_from_bytes, None),
        "msgspec typed Structs alone": (typed.decode, None),
        # bench only (arrow_series.py): pyarrow.json, one thread and Arrow's pool (2 cores)
        "pyarrow read_json alone": (read_table, None),
        "pyarrow read_json alone, threads": (lambda p: read_table(p, True), None),
        "pyarrow + Arrow columns": (arrow_series_from_bytes, None),
        "pyarrow + Arrow columns, threads": (lambda p: arrow_series_from_bytes(p, True), None),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    spent = 0.0
    # The bodies decoded for the checks above stay alive; frozen, the collector's full
    # passes do not walk them (they would tax each side by how much garbage it makes).
    gc.collect()
    gc.freeze()
    for _ in range(repeat):
        for name, (decode, pivot) in sides.items():

            def run(decode: Any = decode, pivot: Any = pivot) -> None:
                for payload in payloads:
                    body = decode(payload)
                    if pivot is not None:
                        pivot(body)
                    del body

            started = time.process_time()  # the process's: Arrow's pool threads count too
            elapsed, _ = timed(run)
            cpu[name].append(time.process_time() - started)
            times[name].append(elapsed)
            spent += elapsed
        if spent > budget:
            break
    gc.unfreeze()
    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu.items()}
    reference = medians["json.loads alone"]
    print("bytes to the pages' frames (long, totals, channels; the same on every side):")
    for name, median in medians.items():
        print(
            f"  {name:33s} median {median:.2f} s = {median / reference:.2f}x json.loads"
            f" (CPU {cpu_medians[name] / cpu_medians['json.loads alone']:.2f}x)"
            f"  [{fmt_times(times[name])}]"
        )
    best = medians["campaign_series_from_bytes"] / reference
    print(f"target bytes to frame <= 1.0x json.loads: {verdict(best <= 1.0)}")
    print(f"campaign_series_from_bytes / json.loads {best:.2f}x")
    arrow = medians["pyarrow + Arrow columns"] / reference
    print(f"pyarrow + Arrow columns (bench only) / json.loads {arrow:.2f}x")


def _column_sum(values: Any) -> float | None:
    """NA skipped, None when nothing is left (as the dashboard's leaderboard summary sums)."""
    import numpy as np

    array = values.to_numpy(dtype="float64", na_value=np.nan)
    array = array[~np.isnan(array)]
    return float(array.sum()) if len(array) else None


def leaderboard_sums(
    decoded: list[Any], first: date, last: date, repeat: int, budget: float, digest: str
) -> None:
    """Time one leaderboard row per body by the fast path and by the frame path."""
    from braze_api.frames import (
        CAMPAIGN_TOTAL_FIELDS,
        ENGAGEMENT_COLUMNS,
        campaign_range_sums,
        campaign_series_frame,
        campaign_totals_frame,
        campaign_window_sums,
        engagement_frame,
    )

    def by_frames(body: Any) -> dict[str, float | None]:
        engagement = engagement_frame(campaign_series_frame(body))
        totals = campaign_totals_frame(body)
        out = {name: _column_sum(engagement[name]) for name in ENGAGEMENT_COLUMNS}
        out.update((name, _column_sum(totals[name])) for name in CAMPAIGN_TOTAL_FIELDS)
        return out

    def by_sums(body: Any) -> dict[str, float | None] | None:
        sums = campaign_window_sums(body, first, last)
        return None if sums is None else campaign_range_sums([sums], first, last)

    mismatched = sum(by_sums(body) != by_frames(body) for body in decoded)
    times: dict[str, list[float]] = {"frames": [], "sums": []}
    spent = 0.0
    for _ in range(repeat):  # interleaved, so load from elsewhere hits both sides alike
        for name, path in (("frames", by_frames), ("sums", by_sums)):
            elapsed, _ = timed(lambda path=path: [path(body) for body in decoded])
            times[name].append(elapsed)
            spent += elapsed
        if spent > budget:
            break
    frames_median = statistics.median(times["frames"])
    sums_median = statistics.median(times["sums"])
    n = len(decoded)
    print(f"leaderboard rows: {n} campaigns, one {(last - first).days + 1}-day window each")
    print(f"payload sha256 {digest[:16]}")
    print(
        f"  frame path  median {frames_median:.3f} s  ({frames_median / n * 1000:.2f} ms/row)"
        f"  [{fmt_times(times['frames'])}]"
    )
    print(
        f"  fast path   median {sums_median:.3f} s  ({sums_median / n * 1000:.2f} ms/row)"
        f"  [{fmt_times(times['sums'])}]"
    )
    print(f"same numbers on every row: {verdict(mismatched == 0)} ({mismatched} differ)")
    print(f"frame path/fast path {frames_median / sums_median:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (10 campaigns, 1 run)")
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--variations", type=int, default=2, help="per channel, plus a control")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=100.0, help="seconds for repetitions")
    parser.add_argument("--profile", action="store_true", help="cProfile one flatten pass")
    parser.add_argument(
        "--sums", action="store_true", help="time the leaderboard's fast path vs the frame path"
    )
    parser.add_argument(
        "--bytes", action="store_true", help="only the bytes-to-frame comparison (issue 19)"
    )
    _priority.add_option(parser)
    args = parser.parse_args()
    _priority.apply(args.autogroup_nice)
    if args.quick:
        args.campaigns, args.repeat = 10, 1

    from braze_api.frames import campaign_series_frame

    rng = random.Random(9)
    first = date(2025, 1, 1)
    payloads = [
        campaign_body(rng, args.days, args.variations, first) for _ in range(args.campaigns)
    ]
    decoded = [json.loads(p) for p in payloads]
    if args.sums:
        digest = hashlib.sha256(b"".join(payloads)).hexdigest()
        last = first + timedelta(days=args.days - 1)
        leaderboard_sums(decoded, first, last, args.repeat, args.budget, digest)
        return
    rows = len(campaign_series_frame(decoded[0])) * args.campaigns
    megabytes = sum(len(p) for p in payloads) / 1e6
    print(
        f"{args.campaigns} campaigns x {args.days} days x {len(CHANNELS)} channels x "
        f"({args.variations} variations + control): {megabytes:.0f} MB JSON, ~{rows:,} rows"
    )
    bytes_to_frame(payloads, decoded, args.repeat, args.budget)
    if args.bytes:
        return

    def decode() -> None:
        for payload in payloads:
            json.loads(payload)

    def flatten() -> None:
        for body in decoded:
            campaign_series_frame(body)

    def one_by_one() -> tuple[float, float]:
        """(decode, flatten) seconds, each body flattened straight after its decode.

        Freeing the body counts to decode and freeing the frame to flatten, as when
        `decode` and `flatten` drop each result straight away.
        """
        spent_decoding = spent_flattening = 0.0
        clock = time.perf_counter
        for payload in payloads:
            start = clock()
            body = json.loads(payload)
            decoded_at = clock()
            campaign_series_frame(body)
            flattened_at = clock()
            del body
            spent_decoding += decoded_at - start + clock() - flattened_at
            spent_flattening += flattened_at - decoded_at
        return spent_decoding, spent_flattening

    # Interleaved, so a burst of load from elsewhere hits both sides alike; the flatten side
    # is slow at full size, so repetitions stop once the budget is spent (at least one).
    times: dict[str, list[float]] = {key: [] for key in ("decode", "flatten", "d1", "f1")}
    spent = 0.0
    for _ in range(args.repeat):
        d1, f1 = one_by_one()
        times["d1"].append(d1)
        times["f1"].append(f1)
        times["decode"].append(timed(decode)[0])
        times["flatten"].append(timed(flatten)[0])
        spent += d1 + f1 + times["decode"][-1] + times["flatten"][-1]
        if spent > args.budget:
            break
    medians = {key: statistics.median(values) for key, values in times.items()}

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for body in decoded[: max(1, args.campaigns // 10)]:
            campaign_series_frame(body)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())

    cold = medians["flatten"] / medians["decode"]
    print("all decoded first (flatten reads bodies long out of cache):")
    print(
        f"  json.loads            median {medians['decode']:.2f} s  [{fmt_times(times['decode'])}]"
    )
    print(
        f"  campaign_series_frame median {medians['flatten']:.2f} s  [{fmt_times(times['flatten'])}]"
    )
    print(f"  flatten/decode {cold:.2f}x")
    ratio = medians["f1"] / medians["d1"]
    print("as the dashboard does it (each body flattened right after its decode):")
    print(f"  json.loads            median {medians['d1']:.2f} s  [{fmt_times(times['d1'])}]")
    print(f"  campaign_series_frame median {medians['f1']:.2f} s  [{fmt_times(times['f1'])}]")
    print(f"target flatten <= decode: {verdict(ratio <= 1.0)}")
    print(f"flatten/decode {ratio:.2f}x")


if __name__ == "__main__":
    main()
