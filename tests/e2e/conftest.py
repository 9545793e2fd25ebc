"""Browser harness: `streamlit run` headless on a free port, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium not found at {CHROMIUM}: browser tests must run in CI")
        pytest.skip("chromium not installed (apt-get install chromium); browser tests skipped")
    return CHROMIUM


@contextmanager
def serving(
    proc: subprocess.Popen, log: IO[str], ready_url: str, name: str, *, timeout: float
) -> Iterator[None]:
    """Wait until ``ready_url`` answers 2xx (failing if ``proc`` dies first), then stop ``proc``."""
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited early (code {proc.returncode}); see {log.name}")
            try:
                if requests.get(ready_url, timeout=2).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow under load
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not become ready within {timeout:g} s")
            time.sleep(0.3)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def streamlit_server(
    log_dir: Path,
    env: dict[str, str] | None = None,
    *,
    launcher: bool = True,
    args: Sequence[str] = (),
) -> Iterator[str]:
    """The dashboard served on a free port, in demo mode unless ``env`` says otherwise.

    ``launcher`` serves it as the README does (``python -m dashboard.serve``); without it, as
    plain ``streamlit run app.py``. ``args`` are more streamlit options (``--secrets.files``).
    """
    port = _free_port()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BRAZE_")}
    log = (log_dir / "server.log").open("w")
    command = ["dashboard.serve"] if launcher else ["streamlit", "run", "app.py"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            *command,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            *args,
        ],
        cwd=ROOT,
        env={**base_env, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    with serving(proc, log, f"{url}/_stcore/health", "streamlit", timeout=60):
        yield url


@pytest.fixture(scope="session")
def app_url(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard served by a real `streamlit run`, in demo mode (no key in its env)."""
    with streamlit_server(tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def wait_for_app(page: Any) -> None:
    """Wait until the script run has finished and the page has painted."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.wait_for_timeout(500)  # let charts lay out
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass(frozen=True)
class ReplicaSetup:
    """What two replicas share (issue 16): a redis-server, a request-counting sandbox, the
    environment that points a replica at both, and one log directory per replica."""

    sandbox: Any  # braze_sandbox.SandboxURL
    redis: Any  # tests.redis_server.RedisServer
    env: dict[str, str]
    log_dirs: tuple[Path, Path]


@pytest.fixture
def replica_setup(chromium_path: str, tmp_path: Path) -> Iterator[ReplicaSetup]:
    """A fresh redis-server and sandbox for replicas the test starts; both stopped after."""
    from braze_sandbox import SANDBOX_API_KEY, start_sandbox
    from tests.redis_server import RedisServer, free_port

    redis = RedisServer(free_port())
    redis.start()
    sandbox = start_sandbox(api_key=SANDBOX_API_KEY)
    env = {
        "REDIS_URL": redis.url,
        "BRAZE_API_KEY": SANDBOX_API_KEY,
        "BRAZE_REST_ENDPOINT": str(sandbox),
        "BRAZE_EXTRA_ENDPOINTS": f"Test sandbox={sandbox}",
    }
    log_dirs = (tmp_path / "a", tmp_path / "b")
    for folder in log_dirs:
        folder.mkdir()
    try:
        yield ReplicaSetup(sandbox=sandbox, redis=redis, env=env, log_dirs=log_dirs)
    finally:
        redis.stop()
        sandbox.stop()
