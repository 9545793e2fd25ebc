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
import sys
from pathlib import Path
from typing import Any


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


def add_option(parser: Any, who: str = "this session's") -> None:
    """``--autogroup-nice N`` on a bench's argument parser (one wording for every bench)."""
    parser.add_argument(
        "--autogroup-nice",
        type=int,
        default=None,
        metavar="N",
        help=f"Linux autogroups: set {who} autogroup nice to N (e.g. -10, needs root); run "
        "under `setsid -w` so only the bench's session is changed",
    )


def note_if_unboosted(nice: int | None) -> None:
    """Say on stderr that the bench competes as one session among others, when it does."""
    if nice is None and autogroups_enabled():
        print(
            "note: autogroup scheduling is on, so other sessions' `nice` does not yield to this "
            "bench (see --autogroup-nice)",
            file=sys.stderr,
        )


def apply(nice: int | None) -> None:
    """``boost(nice)`` (nothing when None), reporting on stderr what could not be changed; call
    it again after starting processes (Chromium, a sandbox) so they get it too."""
    if nice is None:
        return
    for failure in boost(nice):
        print(f"autogroup nice not set: {failure}", file=sys.stderr)


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, quoted beside every figure."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"
