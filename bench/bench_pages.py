"""Pages: time until each page's charts are drawn in headless Chromium, vs a one-line page.

The dashboard reads a sandbox in its own process with 50 ms latency per request (the demo
sandbox would share the server's CPU and answer instantly). Pages are served by
`bench/_timed_streamlit.py` (`streamlit run` plus a timer around every script run, inside the
server) and driven by Debian's Chromium through Playwright, each load in a fresh browser
context (empty HTTP cache), timed by the page's own clock (`performance.now()`) from the start
of navigation until the page is **drawn**:

- the app says its script run is over (`data-test-script-state='notRunning'`), no spinner or
  skeleton is left,
- every visible plotly chart has rendered its `.main-svg`, every visible dataframe its canvas,
  every vega chart its canvas or svg, and at least as many of each are visible as the page
  showed when it was loaded untimed first (so a chart not yet sent does not count as drawn),
- and it stays so for 500 ms (the moment it first became so is the time).

The one-line page (`st.write("hello")`, same launcher, same flags) is timed the same way.

- **cold**: a fresh server process (and for the dashboard a fresh sandbox cache: the
  in-process cache is empty) per page, its first load: imports, first script run, requests.
- **warm**: one server; each page loaded once untimed, then timed loads interleaved with the
  one-line page's: in a fresh context (a first visit) and in a context kept across loads (a
  returning browser, its HTTP cache warm: Streamlit's hashed bundles are cached immutable).
  The idle ratio (the page's script idle against the one-line page's) is issue 18's target
  for the overview.

The app's own Python: the script runs the server timed during each load (wall and CPU of the
script thread; an upper bound, since Streamlit's element code runs inside them too), as a
share of the page's drawn time. `--profile` runs cProfile inside the server on the warm loads
and also prints the self time spent in this project's files (app.py, pages/, dashboard/,
braze_api/) per load.

Configurations (`--configs`): Streamlit's defaults for the options a deployment may change,
against `PRODUCTION` (what `.streamlit/config.toml` sets), so each option's effect is measured.

    .venv/bin/python bench/bench_pages.py [--quick] [--repeat 3] [--cold 1] [--profile]

On a shared Linux machine with autogroup scheduling, give the bench the CPU with
``setsid -w .venv/bin/python bench/bench_pages.py --autogroup-nice -10`` (see _priority.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _priority
import requests
from _common import ROOT, SandboxProcess, verdict

from braze_sandbox import SANDBOX_API_KEY
from dashboard import navigation

PAGES = tuple(spec.url_path for spec in navigation.PAGES)  # includes /overview
LAUNCHER = ROOT / "bench" / "_timed_streamlit.py"
LATENCY = 0.05
STABLE_MS = 500
# Streamlit's own defaults for the options a deployment chooses, vs ours.
CONFIGS: dict[str, list[str]] = {
    "streamlit defaults": [
        "--server.fileWatcherType",
        "auto",
        "--server.runOnSave",
        "false",
        "--runner.magicEnabled",
        "true",
        "--runner.fastReruns",
        "true",
        "--runner.postScriptGC",
        "true",
    ],
    "production": [],  # .streamlit/config.toml as committed
    "production, postScriptGC off": ["--runner.postScriptGC", "false"],
    "production, watcher auto": ["--server.fileWatcherType", "auto"],
}
TARGET_WARM = 2.5
TARGET_OWN = 0.20
TARGET_OVERVIEW_IDLE = 2.0  # issue 18: the overview's warm idle within 2x the one-line page's
OVERVIEW = "overview"
# In every page before its scripts: note when the page is first drawn (see the docstring),
# and forget it whenever it stops being so.
PAGE_CLOCK = """
window.__idleAt = null;
window.__drawnAt = null;
window.__expect = %s;
const visible = (el) => el.checkVisibility ? el.checkVisibility() : el.offsetParent !== null;
const shown = (sel) => [...document.querySelectorAll(sel)].filter(visible);
window.__counts = () => ({
  charts: shown("[data-testid='stPlotlyChart']").length,
  frames: shown("[data-testid='stDataFrame']").length,
  vega: shown("[data-testid='stVegaLiteChart']").length,
});
function drawn() {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (window.__idleAt === null) window.__idleAt = performance.now();
  if (shown("[data-testid='stSpinner'], [data-testid='stSkeleton']").length) return false;
  const charts = shown("[data-testid='stPlotlyChart']");
  const frames = shown("[data-testid='stDataFrame']");
  const vega = shown("[data-testid='stVegaLiteChart']");
  const e = window.__expect;
  if (charts.length < e.charts || frames.length < e.frames || vega.length < e.vega) return false;
  return charts.every((c) => c.querySelector('.js-plotly-plot .main-svg'))
    && frames.every((f) => f.querySelector('canvas'))
    && vega.every((v) => v.querySelector('canvas, svg'));
}
function tick() {
  if (drawn()) { if (window.__drawnAt === null) window.__drawnAt = performance.now(); }
  else window.__drawnAt = null;
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
"""
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    # no internet here: keep Chromium's own background fetches from adding noise
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
NO_EXPECTATION = {"charts": 0, "frames": 0, "vega": 0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    times_file: Path
    started_in: float  # seconds from process start to a healthy /_stcore/health

    def runs_between(self, start: float, end: float) -> list[dict]:
        if not self.times_file.exists():
            return []
        lines = [json.loads(x) for x in self.times_file.read_text().splitlines() if x.strip()]
        return [r for r in lines if r["start"] >= start - 0.05 and r["start"] <= end]


@contextmanager
def streamlit(
    script: Path, cwd: Path, flags: Sequence[str], env: dict[str, str], profile: bool = False
) -> Iterator[Server]:
    """The launcher serving ``script`` headless on a free port; yields the server."""
    port = _free_port()
    times = Path(tempfile.mkstemp(prefix="bench-runs-", suffix=".jsonl")[1])
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BRAZE_", "STREAMLIT_"))}
    full_env.update(env, BENCH_RUN_TIMES=str(times), BENCH_PROFILE="1" if profile else "0")
    args = [sys.executable, str(LAUNCHER), str(script), "--server.headless", "true"]
    args += ["--server.port", str(port), "--server.address", "127.0.0.1", *flags]
    began = time.monotonic()
    proc = subprocess.Popen(
        args, cwd=cwd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early ({proc.returncode}) for {script}")
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy in 120 s")
            time.sleep(0.05)
        yield Server(url, times, time.monotonic() - began)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        times.unlink(missing_ok=True)


@dataclass
class Load:
    drawn: float  # seconds since navigation started
    idle: float
    script_wall: float  # the server's script runs during the load
    script_cpu: float
    own: float | None = None  # with --profile: self time in our files


@dataclass
class Series:
    loads: list[Load] = field(default_factory=list)

    def median(self, attr: str) -> float:
        values = [getattr(x, attr) for x in self.loads if getattr(x, attr) is not None]
        return statistics.median(values) if values else float("nan")


def load(
    browser: Any, server: Server, path: str, expect: dict[str, int], returning: Any = None
) -> Load:
    """One load until drawn and stable for STABLE_MS: in a fresh browser context (empty HTTP
    cache), or in a new tab of ``returning``, a context kept across loads (its cache kept)."""
    context = returning or browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.add_init_script(PAGE_CLOCK % json.dumps(expect))
    began = time.time()
    try:
        page.goto(f"{server.url}/{path}")
        deadline = time.monotonic() + 120
        while True:
            drawn_at, now = page.evaluate("[window.__drawnAt, performance.now()]")
            if drawn_at is not None and now - drawn_at >= STABLE_MS:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"/{path} was not drawn within 120 s ({expect})")
            time.sleep(0.05)
        idle = page.evaluate("window.__idleAt")
        errors = page.locator("[data-testid='stException']")
        if errors.count():
            raise RuntimeError(f"/{path} shows an exception: {errors.first.inner_text()[:500]}")
        runs = server.runs_between(began, began + drawn_at / 1000)
        own = [r["own"] for r in runs if "own" in r]
        return Load(
            drawn=drawn_at / 1000,
            idle=(idle or drawn_at) / 1000,
            script_wall=sum(r["wall"] for r in runs),
            script_cpu=sum(r["cpu"] for r in runs),
            own=sum(own) if own else None,
        )
    finally:
        if returning is None:
            context.close()
        else:
            page.close()


def expectation(browser: Any, server: Server, path: str) -> dict[str, int]:
    """Load untimed until the counts of charts and tables have held for 3 s; those counts."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.add_init_script(PAGE_CLOCK % json.dumps(NO_EXPECTATION))
    try:
        page.goto(f"{server.url}/{path}")
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
        last, since = None, time.monotonic()
        deadline = since + 180
        while time.monotonic() - since < 3:  # until drawn (no expectation) with steady counts
            ready, counts = page.evaluate("[window.__drawnAt !== null, window.__counts()]")
            if counts != last or not ready:
                last, since = counts, time.monotonic()
            if time.monotonic() > deadline:
                raise RuntimeError(f"/{path} never settled: {counts}")
            time.sleep(0.1)
        return last or NO_EXPECTATION
    finally:
        context.close()


def app_env(sandbox_url: str) -> dict[str, str]:
    return {"BRAZE_API_KEY": SANDBOX_API_KEY, "BRAZE_REST_ENDPOINT": sandbox_url}


def run_config(
    flags: list[str],
    pages: list[str],
    repeat: int,
    cold: int,
    profile: bool,
    p: Any,
    nice: int | None = None,
) -> dict:
    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    _priority.apply(nice)  # Chromium runs in a session of its own
    results: dict = {"warm": {}, "cold": {}, "start": {}}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        # run from the repo root like the app, so it reads the same .streamlit/config.toml
        hello = Path(tmp) / "hello.py"
        hello.write_text('import streamlit as st\n\nst.write("hello")\n')
        with (
            SandboxProcess(latency=LATENCY) as box,
            streamlit(ROOT / "app.py", ROOT, flags, app_env(box.url), profile) as app,
            streamlit(hello, ROOT, flags, {}) as base,
        ):
            _priority.apply(nice)
            expect = {path: expectation(browser, app, path) for path in pages}
            base_expect = expectation(browser, base, "")
            warm = {path: Series() for path in pages}
            warm_base = Series()
            back = {path: Series() for path in pages}  # a returning browser (cache kept)
            back_base = Series()
            viewport = {"viewport": {"width": 1440, "height": 900}}
            kept_app, kept_base = browser.new_context(**viewport), browser.new_context(**viewport)
            for path in pages:  # fill the kept contexts' caches once
                load(browser, app, path, expect[path], kept_app)
            load(browser, base, "", base_expect, kept_base)
            for _ in range(repeat):
                for path in pages:  # interleaved: page, one-line page, page, ...
                    warm[path].loads.append(load(browser, app, path, expect[path]))
                    warm_base.loads.append(load(browser, base, "", base_expect))
                    back[path].loads.append(load(browser, app, path, expect[path], kept_app))
                    back_base.loads.append(load(browser, base, "", base_expect, kept_base))
            kept_app.close()
            kept_base.close()
            results["warm"] = {"pages": warm, "base": warm_base, "expect": expect}
            results["returning"] = {"pages": back, "base": back_base}
        cold_pages = {path: Series() for path in pages}
        cold_base, starts, base_starts = Series(), Series(), Series()
        for _ in range(cold):
            for path in pages:  # a fresh sandbox (so a fresh Braze) and server per load
                with (
                    SandboxProcess(latency=LATENCY) as fresh,
                    streamlit(ROOT / "app.py", ROOT, flags, app_env(fresh.url)) as app,
                ):
                    _priority.apply(nice)
                    starts.loads.append(Load(app.started_in, 0, 0, 0))
                    cold_pages[path].loads.append(load(browser, app, path, expect[path]))
                with streamlit(hello, ROOT, flags, {}) as base:
                    base_starts.loads.append(Load(base.started_in, 0, 0, 0))
                    cold_base.loads.append(load(browser, base, "", base_expect))
        results["cold"] = {"pages": cold_pages, "base": cold_base}
        results["start"] = {"app": starts, "base": base_starts}
    browser.close()
    return results


def report(name: str, results: dict, profile: bool) -> dict[str, float]:
    """Print one configuration's figures; return its worst ratios (see ``summary``)."""
    print(f"\n== {name} ==")
    warm, expect = results["warm"]["pages"], results["warm"]["expect"]
    base = results["warm"]["base"].median("drawn")
    base_idle = results["warm"]["base"].median("idle")
    print(
        f"warm, fresh browser context per load: one-line page drawn in {base * 1000:.0f} ms, "
        f"idle {base_idle * 1000:.0f} ms (medians)"
    )
    worst: dict[str, float] = {"warm": 0.0, "share": 0.0, "returning": 0.0}
    for path, series in warm.items():
        drawn = series.median("drawn")
        ratio = drawn / base
        share = series.median("script_cpu") / drawn
        charts = expect[path]["charts"] + expect[path]["vega"]
        idle = series.median("idle")
        line = (
            f"  /{path:18s} drawn {drawn * 1000:6.0f} ms  {ratio:4.2f}x  "
            f"idle {idle * 1000:5.0f} ms {idle / base_idle:4.2f}x  script wall "
            f"{series.median('script_wall') * 1000:4.0f} ms cpu "
            f"{series.median('script_cpu') * 1000:4.0f} ms ({share:4.1%})"
        )
        if profile:
            line += f"  our files {series.median('own') * 1000:4.0f} ms (profiled)"
        line += f"  [{charts} charts, {expect[path]['frames']} tables]"
        if charts:
            worst["warm"] = max(worst["warm"], ratio)
            line += f"  {verdict(ratio <= TARGET_WARM)}"
        if path == OVERVIEW:
            worst["overview_idle"] = idle / base_idle
        worst["share"] = max(worst["share"], share)
        print(line)
    back = results.get("returning")
    if back and back["pages"]:
        back_base = back["base"].median("drawn")
        print(
            f"warm, returning browser (one context kept, its HTTP cache warm): one-line page "
            f"drawn in {back_base * 1000:.0f} ms"
        )
        for path, series in back["pages"].items():
            drawn = series.median("drawn")
            charts = expect[path]["charts"] + expect[path]["vega"]
            line = f"  /{path:18s} drawn {drawn * 1000:6.0f} ms  {drawn / back_base:4.2f}x"
            if charts:
                worst["returning"] = max(worst["returning"], drawn / back_base)
                line += f"  {verdict(drawn / back_base <= TARGET_WARM)}"
            print(line)
    if results["cold"]["pages"]:
        cold_base = results["cold"]["base"].median("drawn")
        print(
            f"cold (fresh server per load): one-line page drawn in {cold_base * 1000:.0f} ms; "
            f"server healthy after {results['start']['app'].median('drawn') * 1000:.0f} ms "
            f"(one-line {results['start']['base'].median('drawn') * 1000:.0f} ms)"
        )
        for path, series in results["cold"]["pages"].items():
            drawn = series.median("drawn")
            print(f"  /{path:18s} drawn {drawn * 1000:6.0f} ms  {drawn / cold_base:4.2f}x")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two pages, 1 round, no cold")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold", type=int, default=1, help="cold rounds (a fresh server each)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=PAGES)
    parser.add_argument(
        "--configs", nargs="*", default=["streamlit defaults", "production"], choices=list(CONFIGS)
    )
    parser.add_argument("--profile", action="store_true", help="cProfile inside the server")
    _priority.add_option(parser, "this session's and Chromium's")
    args = parser.parse_args()
    pages = args.pages[:2] if args.quick else args.pages
    repeat, cold = (1, 0) if args.quick else (args.repeat, args.cold)
    _priority.note_if_unboosted(args.autogroup_nice)
    _priority.apply(args.autogroup_nice)

    from playwright.sync_api import sync_playwright

    verdicts = {}
    loads = [f"load average at start {_priority.load_average()}"]
    with sync_playwright() as p:
        for name in args.configs:
            results = run_config(
                CONFIGS[name], pages, repeat, cold, args.profile, p, args.autogroup_nice
            )
            verdicts[name] = report(name, results, args.profile)
            loads.append(f"after {name!r} {_priority.load_average()}")
    print()
    print("; ".join(loads))
    for name, worst in verdicts.items():
        line = (
            f"{name}: worst warm chart page {worst['warm']:.2f}x the one-line page "
            f"({verdict(worst['warm'] <= TARGET_WARM)} <= {TARGET_WARM}x; returning browser "
            f"{worst['returning']:.2f}x); worst script CPU share {worst['share']:.1%} "
            f"({verdict(worst['share'] <= TARGET_OWN)} <= {TARGET_OWN:.0%})"
        )
        if "overview_idle" in worst:
            ok = worst["overview_idle"] <= TARGET_OVERVIEW_IDLE
            line += (
                f"; /{OVERVIEW} warm idle {worst['overview_idle']:.2f}x the one-line page's "
                f"({verdict(ok)} <= {TARGET_OVERVIEW_IDLE}x)"
            )
        print(line)


if __name__ == "__main__":
    main()
