"""Chart pages: the /kpis cards and figures drawn several ways, timed until drawn (issue 19).

One server runs ``bench/_chart_variants.py`` (one page per variant: plotly as /kpis, plotly
with other ``st.plotly_chart`` or figure options, the same charts in Vega-Lite, the cards
alone; see that file), another the one-line page; each variant is loaded once untimed (its
data cached, its chart counts noted), then the variants and the one-line page are loaded in
turn (the order rotated each round), ``--repeat`` rounds, each load in a fresh browser context, timed as
``bench_pages.py`` times a page (drawn: script over, every chart's SVG or canvas present and
steady for 500 ms). Printed: each variant's median drawn time, × the one-line page, and ×
the ``plotly`` variant (what /kpis does), with the load average.

    setsid -w .venv/bin/python bench/bench_chart_variants.py --repeat 5 --autogroup-nice -10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import ROOT, SandboxProcess
from _priority import boost
from bench_pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LATENCY,
    Series,
    app_env,
    expectation,
    load,
    load_average,
    streamlit,
)

VARIANTS = (
    "plotly",
    "plotly-theme-none",
    "plotly-no-modebar",
    "plotly-static",
    "plotly-not-responsive",
    "plotly-closest-hover",
    "plotly-template-none",
    "vega",
    "cards-only",
)
SCRIPT = ROOT / "bench" / "_chart_variants.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--autogroup-nice", type=int, default=None, metavar="N")
    args = parser.parse_args()

    def give_cpu() -> None:
        if args.autogroup_nice is not None:
            for failure in boost(args.autogroup_nice):
                print(f"autogroup nice not set: {failure}", file=sys.stderr)

    give_cpu()
    from playwright.sync_api import sync_playwright

    print(f"load average at start {load_average()}")
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="bench-variants-") as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        hello = Path(tmp) / "hello.py"
        hello.write_text('import streamlit as st\n\nst.write("hello")\n')
        with (
            SandboxProcess(latency=LATENCY) as box,
            streamlit(SCRIPT, ROOT, [], app_env(box.url)) as app,
            streamlit(hello, ROOT, [], {}) as base,
        ):
            give_cpu()
            expect = {v: expectation(browser, app, v) for v in args.variants}
            base_expect = expectation(browser, base, "")
            timed = {v: Series() for v in args.variants}
            base_series = Series()
            for round_ in range(args.repeat):
                # interleaved (variant, one-line page, ...), the order rotated every round so
                # no variant always comes first
                shift = round_ % len(args.variants)
                for variant in [*args.variants[shift:], *args.variants[:shift]]:
                    timed[variant].loads.append(load(browser, app, variant, expect[variant]))
                    base_series.loads.append(load(browser, base, "", base_expect))
        browser.close()
    one_line = base_series.median("drawn")
    reference = timed["plotly"].median("drawn") if "plotly" in timed else float("nan")
    print(f"one-line page drawn in {one_line * 1000:.0f} ms (median of {args.repeat})")
    for variant, series in timed.items():
        drawn = series.median("drawn")
        counts = expect[variant]
        print(
            f"  {variant:22s} drawn {drawn * 1000:6.0f} ms  {drawn / one_line:4.2f}x one-line  "
            f"{drawn / reference:4.2f}x plotly  idle {series.median('idle') * 1000:5.0f} ms  "
            f"script cpu {series.median('script_cpu') * 1000:4.0f} ms  "
            f"[{counts['charts']} plotly, {counts['vega']} vega, {counts['frames']} tables]"
        )
    print(f"load average at end {load_average()}")


if __name__ == "__main__":
    main()
