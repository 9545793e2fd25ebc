"""What the benchmarks share: repeatable timing, a sandbox workspace, and printing.

Benchmarks compare two ways of doing the same work side by side in one run and print a ratio,
because absolute times on a shared 2-core machine mean little. Each side is repeated and the
median kept.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/bench_x.py` from the repo root
    sys.path.insert(0, str(ROOT))

BENCH_KEY = "bench-key-not-a-secret"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call of ``fn`` took, and what it returned."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def median_time(
    fn: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None
) -> tuple[float, list[float]]:
    """Median over ``repeat`` runs of ``fn`` (``setup`` runs untimed before each)."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        elapsed, _ = timed(fn)
        times.append(elapsed)
    return statistics.median(times), times


def workspace_for(url: str, key: str = BENCH_KEY, label: str = "bench") -> Any:
    """A dashboard Workspace pointed at a sandbox URL (no Streamlit needed)."""
    from dashboard.settings import Workspace

    return Workspace(base_url=str(url), api_key=key, label=label)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def fmt_times(times: list[float]) -> str:
    return ", ".join(f"{t * 1000:.0f}" for t in times) + " ms"


class SandboxProcess:
    """A sandbox in its own process, as Braze is: the client's threads don't share its GIL."""

    def __init__(self, **options: Any) -> None:
        import socket
        import subprocess

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        args = [sys.executable, "-m", "braze_sandbox", "--port", str(port)]
        for name, value in options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self.url = f"http://127.0.0.1:{port}"
        self._proc = subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def __enter__(self) -> SandboxProcess:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/_sandbox/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("the sandbox process did not start within 60 s")

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the sandbox process has used so far (Linux only)."""
        import os

        try:
            with open(f"/proc/{self._proc.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=10)
