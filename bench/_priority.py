"""Give a benchmark and the processes it starts the CPU, on Linux with autogroup scheduling.

With ``kernel.sched_autogroup_enabled = 1`` (the default on most distributions) the scheduler
first shares the CPU between *sessions* (autogroups), and only inside a session by ``nice``.
So other sessions' ``nice -n 15`` does not make them yield to a benchmark in its own session,
and Chromium, which Playwright starts in a session of its own (``setsid``), competes as one
more session at normal priority. ``boost(n)`` sets the autogroup nice of this process and of
every descendant's autogroup (a negative value needs root or CAP_SYS_NICE); call it again
after starting processes. It returns what it could not change, so a run can say so.
"""

from __future__ import annotations

import os
from pathlib import Path


def autogroups_enabled() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(x) for x in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found += children
            todo += children
    return found


def boost(nice: int) -> list[str]:
    """Autogroup nice ``nice`` for this process and its descendants; the failures, if any."""
    failures = []
    for pid in [os.getpid(), *_descendants(os.getpid())]:
        path = Path(f"/proc/{pid}/autogroup")
        try:
            if path.read_text().split()[-1] != str(nice):
                path.write_text(str(nice))
        except OSError as err:
            failures.append(f"pid {pid}: {err.strerror or err}")
    return failures
