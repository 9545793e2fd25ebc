"""`python -m braze_sandbox --port 8123`: serve the sandbox in the foreground."""

from __future__ import annotations

import argparse
import sys

from .server import SANDBOX_API_KEY, Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m braze_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (keep it loopback)")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--campaigns", type=int, default=130)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--p-429", type=float, default=0.0, dest="p_429")
    parser.add_argument("--p-5xx", type=float, default=0.0, dest="p_5xx")
    parser.add_argument("--p-truncated", type=float, default=0.0, dest="p_truncated")
    parser.add_argument("--export-delay", type=float, default=1.0, dest="export_delay")
    parser.add_argument("--export-corrupt-file", action="store_true", dest="export_corrupt_file")
    parser.add_argument(
        "--hostile-names",
        action="store_true",
        dest="hostile_names",
        help="plant markup and formulas in names (for escaping tests), not realistic ones",
    )
    parser.add_argument(
        "--require-key",
        action="store_true",
        help=f"accept only {SANDBOX_API_KEY!r} instead of any bearer token",
    )
    args = parser.parse_args(argv)
    options = vars(args)
    require = options.pop("require_key")
    sandbox = Sandbox(api_key=SANDBOX_API_KEY if require else None, **options)
    url = sandbox.start()
    print(f"Braze sandbox on {url}", flush=True)
    print(
        f"API key: {SANDBOX_API_KEY}" + ("" if require else " (any non-empty bearer token works)"),
        flush=True,
    )
    print(
        f"Try: curl -H 'Authorization: Bearer {SANDBOX_API_KEY}' '{url}/kpi/dau/data_series?length=7'",
        flush=True,
    )
    sandbox.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
