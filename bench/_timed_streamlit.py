"""``python bench/_timed_streamlit.py SCRIPT [streamlit options]``: ``streamlit run`` with a timer.

What bench_pages.py serves: Streamlit with every script run timed inside the server. The hook
wraps Streamlit's ``exec_func_with_error_handling`` (the call that runs the script once per
rerun) and appends one JSON line per run to ``$BENCH_RUN_TIMES``: wall start/end (epoch
seconds), wall and CPU seconds of the script thread. With ``BENCH_PROFILE=1`` each run is also
run under cProfile and the line adds ``own``: the seconds spent in this project's own files
(``app.py``, ``pages/``, ``dashboard/``, ``braze_api/``; self time, so Streamlit, pandas and
plotly code called from them is not counted) and ``profiled``: the profiled run's total.

Nothing of the app is changed; for ``app.py`` the launcher does what ``python -m
dashboard.serve`` does first (pages from ``st.navigation`` from the first request).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OWN = tuple(str(ROOT / part) for part in ("app.py", "pages", "dashboard", "braze_api"))
_lock = threading.Lock()


def _own_seconds(profile: cProfile.Profile) -> tuple[float, float]:
    stats = pstats.Stats(profile)
    own = total = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        if filename.startswith(OWN):
            own += tottime
    return own, total


def install(path: str, profile: bool) -> None:
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.exec_func_with_error_handling

    def timed(func: Any, ctx: Any) -> Any:
        start, cpu = time.time(), time.thread_time()
        profiler = cProfile.Profile() if profile else None
        try:
            if profiler is None:
                return original(func, ctx)
            profiler.enable()
            try:
                return original(func, ctx)
            finally:
                profiler.disable()
        finally:
            end = time.time()
            line: dict[str, Any] = {
                "start": start,
                "end": end,
                "wall": end - start,
                "cpu": time.thread_time() - cpu,
            }
            if profiler is not None:
                line["own"], line["profiled"] = _own_seconds(profiler)
            with _lock, open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")

    script_runner.exec_func_with_error_handling = timed


def main() -> None:
    script, *options = sys.argv[1:]
    sys.path.insert(0, str(ROOT))
    if os.environ.get("BENCH_RUN_TIMES"):
        install(os.environ["BENCH_RUN_TIMES"], os.environ.get("BENCH_PROFILE") == "1")
    if Path(script).resolve() == ROOT / "app.py":
        from dashboard.serve import use_navigation_from_the_first_request

        use_navigation_from_the_first_request()
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(args=["run", script, *options], prog_name="streamlit")


if __name__ == "__main__":
    main()
