"""Two `python -m dashboard.serve` replicas share one Redis (issue 16), in a real browser.

Chromium sessions split across both replicas open the campaign overview cold at once:
the request-counting sandbox sees each distinct call exactly once. A view the first replica
loaded costs the second replica nothing. A replica killed while it holds a lock (its request
to Braze under way) does not stall the other beyond the lock's expiry. With Redis stopped,
both keep serving and say so.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from dashboard.shared_store.cache import LOCK_EXPIRY
from dashboard.sidebar import SHARED_STORE_DOWN
from tests.e2e.conftest import (
    ROOT,
    ReplicaSetup,
    screenshot,
    serving,
    streamlit_server,
    wait_for_app,
)
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.browser

# The 20 sessions (10 per replica). Before the holder renewed its lock, a campaign list
# fetch that outlasted the 30 s expiry under load was fetched 3 times by 20 sessions.
SESSIONS_PER_REPLICA = 10


def distinct(requests: list[Any]) -> Counter:
    return Counter(
        (r.method, r.path, json.dumps(r.query, sort_keys=True), json.dumps(r.body, sort_keys=True))
        for r in requests
    )


def open_overview(browser: Any, urls: list[str]) -> list[Any]:
    """One new session per url, all loading at once; returns the pages once every run ended."""
    pages = []
    for url in urls:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.set_default_timeout(600_000)  # twenty cold sessions on a shared 2-core machine
        page.goto(f"{url}/campaigns", wait_until="commit")  # all start before any finishes
        pages.append(page)
    for number, page in enumerate(pages):
        wait_for_app(page)
        if page.locator("[data-testid='stDataFrame']").count() == 0:
            screenshot(page, f"replicas-session-{number}-no-table")
        page.wait_for_selector("[data-testid='stDataFrame']")
        assert page.locator("[data-testid='stException']").count() == 0
    return pages


def close(pages: list[Any]) -> None:
    for page in pages:
        page.context.close()


@pytest.fixture
def replicas(replica_setup: ReplicaSetup) -> Iterator[tuple[Any, RedisServer, list[str]]]:
    first_dir, second_dir = replica_setup.log_dirs
    with (
        streamlit_server(first_dir, replica_setup.env) as first,
        streamlit_server(second_dir, replica_setup.env) as second,
    ):
        yield replica_setup.sandbox, replica_setup.redis, [first, second]


@pytest.mark.timeout(1800)  # twenty cold sessions on a shared 2-core machine
def test_replicas_share_one_cache_and_survive_redis_stopping(browser, replicas) -> None:
    sandbox, redis_server, (first, second) = replicas
    log = sandbox.sandbox
    log.clear_requests()

    pages = open_overview(browser, [first, second] * SESSIONS_PER_REPLICA)
    cold = distinct(log.requests)
    assert cold, "the overview sent nothing: it was not cold"
    assert {call: n for call, n in cold.items() if n > 1} == {}  # one request per distinct call
    close(pages)

    campaign = log.workspace.campaigns[0]
    before = len(log.requests)
    detail = browser.new_page()
    detail.goto(f"{first}/campaigns?campaign_id={campaign.id}")
    wait_for_app(detail)
    assert len(log.requests) > before  # the first replica fetched the detail view
    after_first = len(log.requests)
    detail.goto(f"{second}/campaigns?campaign_id={campaign.id}")
    wait_for_app(detail)
    assert detail.locator("h1").first.inner_text().strip() == campaign.name
    assert len(log.requests) == after_first  # the second replica's view made 0 requests
    detail.close()

    redis_server.stop()
    pages = open_overview(browser, [first, second])
    for page in pages:
        page.get_by_text("Shared cache (Redis) unreachable").first.wait_for()
        assert SHARED_STORE_DOWN.split(":")[0] in page.inner_text("[data-testid='stSidebar']")
    screenshot(pages[1], "replicas-redis-down")
    close(pages)


@contextmanager
def killable_replica(log_dir: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """A replica served as the README does, with its process, so a test can kill it."""
    port = free_port()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BRAZE_")}
    log = (log_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard.serve", "--server.headless", "true"]
        + ["--server.port", str(port), "--server.address", "127.0.0.1"]
        + ["--browser.gatherUsageStats", "false"],
        cwd=ROOT,
        env={**base_env, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    with serving(proc, log, f"{url}/_stcore/health", "streamlit", timeout=60):
        yield url, proc


@pytest.mark.timeout(900)
def test_a_replica_killed_holding_a_lock_does_not_stall_the_other(
    browser, replica_setup: ReplicaSetup
) -> None:
    env, (first_dir, second_dir) = replica_setup.env, replica_setup.log_dirs
    client = replica_setup.redis.client()
    log = replica_setup.sandbox.sandbox
    with (
        killable_replica(first_dir, env) as (first, doomed),
        streamlit_server(second_dir, env) as second,
    ):
        campaign, other, third = log.workspace.campaigns[1:4]
        warm = browser.new_page()  # the shell (sidebar, campaign list) loaded and cached
        warm.set_default_timeout(180_000)
        warm.goto(f"{second}/campaigns")
        wait_for_app(warm)
        started = time.monotonic()  # what a cold detail view costs here, with no lock held
        warm.goto(f"{second}/campaigns?campaign_id={other.id}")
        wait_for_app(warm)
        baseline = time.monotonic() - started
        log.latency = 2 * LOCK_EXPIRY  # Braze answers the next requests very slowly
        victim = browser.new_page()
        victim.goto(f"{first}/campaigns?campaign_id={campaign.id}")
        deadline = time.monotonic() + 60
        while not list(client.scan_iter(match="bd:*:c:*:lock")):
            assert time.monotonic() < deadline, "the first replica never took a lock"
            time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)  # dies holding the lock
        doomed.wait(timeout=10)
        killed_at = time.monotonic()
        log.latency = 0.0
        warm.goto(f"{second}/campaigns?campaign_id={campaign.id}")
        wait_for_app(warm)
        assert warm.locator("h1").first.inner_text().strip() == campaign.name
        assert warm.locator("[data-testid='stException']").count() == 0
        waited = time.monotonic() - killed_at
        # What a cold view costs now (the machine may be busier than at the start: a loaded CI
        # run once took 21 s for the view after the expiry, against a 4.5 s baseline).
        started = time.monotonic()
        warm.goto(f"{second}/campaigns?campaign_id={third.id}")
        wait_for_app(warm)
        view_cost = max(baseline, time.monotonic() - started)
        # The lock's expiry (counted from before the kill) and the view's own cost, no more.
        assert waited < LOCK_EXPIRY + 2 * view_cost + 5, (waited, baseline, view_cost)
        assert not list(client.scan_iter(match="bd:*:c:*:lock"))
        victim.close()
        warm.close()
