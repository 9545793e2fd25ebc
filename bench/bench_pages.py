"""Pages: time until each dashboard page is idle in headless Chromium, vs a one-line page.

Two `streamlit run` servers (the dashboard in demo mode, and `st.write("hello")`) are driven by
Debian's Chromium through Playwright. Each page is first loaded once (warm: cache filled,
modules imported), then timed from navigation until the app reports its script run finished
(`[data-testid='stApp'][data-test-script-state='notRunning']`). Loads of each dashboard page
and the baseline are interleaved; medians are compared.

    .venv/bin/python bench/bench_pages.py [--quick] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from _common import ROOT, verdict

PAGES = (
    "kpis",
    "campaigns",
    "canvases",
    "news-feed",
    "revenue",
    "events",
    "segments",
    "user-lookup",
)
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
TARGET = 2.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit(script: Path, cwd: Path) -> Iterator[str]:
    """`streamlit run script` headless on a free port, in demo mode; yields its URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRAZE_")}
    args = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true"]
    args += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    args += ["--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early ({proc.returncode}) for {script}")
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not become healthy in 90 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def idle_time(browser, url: str) -> float:
    """Seconds from navigation until the script run has finished, in a fresh tab."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(IDLE)
        elapsed = time.perf_counter() - start
        errors = page.locator("[data-testid='stException']")
        if errors.count():
            raise RuntimeError(f"{url} shows an exception: {errors.first.inner_text()[:500]}")
        return elapsed
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two pages, 2 runs")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=PAGES)
    args = parser.parse_args()
    pages = args.pages[:2] if args.quick else args.pages
    repeat = 2 if args.quick else args.repeat

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text('import streamlit as st\n\nst.write("hello")\n')
        with (
            streamlit(ROOT / "app.py", ROOT) as app_url,
            streamlit(hello, Path(tmp)) as hello_url,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            idle_time(browser, hello_url)  # warm both servers (imports, caches)
            for name in pages:
                idle_time(browser, f"{app_url}/{name}")
            times: dict[str, list[float]] = {name: [] for name in pages}
            base: list[float] = []
            for _ in range(repeat):
                for name in pages:  # interleaved: page, baseline, page, baseline...
                    times[name].append(idle_time(browser, f"{app_url}/{name}"))
                    base.append(idle_time(browser, hello_url))
            browser.close()

    baseline = statistics.median(base)
    print(f"one-line page (st.write): median {baseline * 1000:.0f} ms over {len(base)} loads")
    ratios = {}
    for name in pages:
        median = statistics.median(times[name])
        ratios[name] = median / baseline
        print(
            f"{name:12s} median {median * 1000:6.0f} ms  ratio {ratios[name]:.2f}x  "
            f"{verdict(ratios[name] <= TARGET)}"
        )
    worst = max(ratios, key=ratios.__getitem__)
    print(f"target <= {TARGET:.0f}x for every page: {verdict(ratios[worst] <= TARGET)}")
    print(f"worst page {worst}: {ratios[worst]:.2f}x the one-line page")


if __name__ == "__main__":
    main()
