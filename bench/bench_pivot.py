"""Pivot: flattening campaign series bodies with ``frames.campaign_series_frame`` vs decoding them.

The payloads are generated here in today's Braze shape (``braze_api.sandbox.messaging``'s
per-channel counters): every campaign sends on every channel with several variations plus a
control group, for 100 days. Decode is ``json.loads`` of each body's bytes; flatten is
``campaign_series_frame`` of the decoded body. The target is flatten time <= decode time.

    .venv/bin/python bench/bench_pivot.py [--quick] [--campaigns 300] [--days 100] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
from datetime import date, timedelta

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
    from braze_api.sandbox.messaging import channel_stats

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size (10 campaigns, 1 run)")
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--variations", type=int, default=2, help="per channel, plus a control")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=100.0, help="seconds for repetitions")
    parser.add_argument("--profile", action="store_true", help="cProfile one flatten pass")
    args = parser.parse_args()
    if args.quick:
        args.campaigns, args.repeat = 10, 1

    from braze_api.frames import campaign_series_frame

    rng = random.Random(9)
    first = date(2025, 1, 1)
    payloads = [
        campaign_body(rng, args.days, args.variations, first) for _ in range(args.campaigns)
    ]
    decoded = [json.loads(p) for p in payloads]
    rows = len(campaign_series_frame(decoded[0])) * args.campaigns
    megabytes = sum(len(p) for p in payloads) / 1e6

    def decode() -> None:
        for payload in payloads:
            json.loads(payload)

    def flatten() -> None:
        for body in decoded:
            campaign_series_frame(body)

    # Interleaved, so a burst of load from elsewhere hits both sides alike; the flatten side
    # is slow at full size, so repetitions stop once the budget is spent (at least one).
    decode_times: list[float] = []
    flatten_times: list[float] = []
    spent = 0.0
    for _ in range(args.repeat):
        decode_times.append(timed(decode)[0])
        flatten_times.append(timed(flatten)[0])
        spent += decode_times[-1] + flatten_times[-1]
        if spent > args.budget:
            break
    decode_median = statistics.median(decode_times)
    flatten_median = statistics.median(flatten_times)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for body in decoded[: max(1, args.campaigns // 10)]:
            campaign_series_frame(body)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())

    ratio = flatten_median / decode_median
    print(
        f"{args.campaigns} campaigns x {args.days} days x {len(CHANNELS)} channels x "
        f"({args.variations} variations + control): {megabytes:.0f} MB JSON, ~{rows:,} rows"
    )
    print(f"json.loads:            median {decode_median:.2f} s  [{fmt_times(decode_times)}]")
    print(f"campaign_series_frame: median {flatten_median:.2f} s  [{fmt_times(flatten_times)}]")
    print(f"target flatten <= decode: {verdict(ratio <= 1.0)}")
    print(f"flatten/decode {ratio:.2f}x")


if __name__ == "__main__":
    main()
