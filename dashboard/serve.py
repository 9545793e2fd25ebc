"""``python -m dashboard.serve [streamlit options]``: ``streamlit run app.py``, deep links clean.

Streamlit 1.67 decides once per process whether the app is a legacy multipage app: if a
``pages/`` folder sits beside the entry script, the first script run of the process goes
through the legacy runner, which does not know our stable addresses. A first request to
``/campaigns`` on a fresh server then still lands on the right page (``app.py`` runs and its
``st.navigation`` resolves the address, because no file stem equals a url_path), but the
browser is first shown a "Page not found" dialog. ``st.navigation`` switches legacy mode off
for the rest of the process; this launcher does it before the first request instead.

Plain ``streamlit run app.py`` still works; only the very first deep link after each start
would show that dialog.

Binding: without a ``server.address`` the launcher binds to 127.0.0.1 (Streamlit alone would
listen on every interface). Any other address needs sign-in (``[auth]`` in secrets) or the
explicit override ``DASHBOARD_ALLOW_UNAUTHENTICATED_NETWORK=1``; otherwise it refuses to start.
The address and the secrets files are read the way Streamlit reads them: command line, then
``STREAMLIT_*`` environment variables, then ``.streamlit/config.toml`` files.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parents[1] / "app.py"
LOCAL_ADDRESS = "127.0.0.1"
OVERRIDE_ENV = "DASHBOARD_ALLOW_UNAUTHENTICATED_NETWORK"
REFUSED = (
    "Refusing to serve the dashboard on {address!r} without sign-in: anyone who can reach that "
    "address would use its Braze key. Configure [auth] in .streamlit/secrets.toml (README: "
    "Deploy for a team), bind to 127.0.0.1, or set " + OVERRIDE_ENV + "=1 to accept the risk."
)


class BindingRefused(SystemExit):
    pass


def _config_files(name: str) -> list[Path]:
    """Where Streamlit looks for ``name``: global, project (cwd), then beside app.py."""
    out: list[Path] = []
    for folder in (Path.home(), Path.cwd(), APP.parent):
        path = folder / ".streamlit" / name
        if path not in out:
            out.append(path)
    return out


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def cli_option(args: Sequence[str], name: str) -> list[str]:
    """Every value given for ``--name VALUE`` / ``--name=VALUE``, in order."""
    flag, values = f"--{name}", []
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith(flag + "="):
            values.append(arg[len(flag) + 1 :])
    return values


def _env_name(section: str, key: str) -> str:
    snake = "".join(f"_{c}" if c.isupper() else c for c in key)
    return f"STREAMLIT_{section}_{snake}".upper()


def option(
    args: Sequence[str], env: Mapping[str, str], section: str, key: str, files: Sequence[Path]
) -> Any:
    """One Streamlit option as Streamlit resolves it (CLI > environment > config files)."""
    given = cli_option(args, f"{section}.{key}")
    if given:
        return given if section == "secrets" else given[-1]
    if _env_name(section, key) in env:
        return env[_env_name(section, key)]
    value = None
    for path in files:
        table = _toml(path).get(section)
        if isinstance(table, Mapping) and key in table:
            value = table[key]
    return value


def secrets_files(args: Sequence[str], env: Mapping[str, str]) -> list[Path]:
    given = option(args, env, "secrets", "files", _config_files("config.toml"))
    if given is None:
        return _config_files("secrets.toml")
    items = [given] if isinstance(given, str) else list(given)
    return [Path(p).expanduser() for item in items for p in str(item).split(",") if p.strip()]


def auth_configured(files: Sequence[Path]) -> bool:
    """Whether any secrets file has a non-empty ``[auth]`` table (what turns sign-in on)."""
    return any(isinstance(t := _toml(p).get("auth"), Mapping) and t for p in files if p.is_file())


def is_loopback(address: str) -> bool:
    if address.lower() == "localhost" or address.startswith("unix://"):
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def serve_args(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The streamlit options to run with; raises BindingRefused for an unsafe address."""
    args = list(args)
    address = option(args, env, "server", "address", _config_files("config.toml"))
    if address is None:
        return [*args, "--server.address", LOCAL_ADDRESS]
    address = str(address).strip()
    if is_loopback(address) or env.get(OVERRIDE_ENV) == "1":
        return args
    if auth_configured(secrets_files(args, env)):
        return args
    raise BindingRefused(REFUSED.format(address=address or "every interface"))


def use_navigation_from_the_first_request() -> bool:
    """Tell Streamlit up front that pages come from ``st.navigation``, not the folder."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without this switch: the one-time dialog is all we lose
        return False
    if not hasattr(PagesManager, "uses_pages_directory"):
        return False
    PagesManager.uses_pages_directory = False
    return True


def main(argv: Sequence[str] | None = None) -> None:
    args = serve_args(sys.argv[1:] if argv is None else argv, os.environ)
    use_navigation_from_the_first_request()
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(args=["run", str(APP), *args], prog_name="streamlit")


if __name__ == "__main__":
    main()
