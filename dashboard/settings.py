"""Which Braze workspace this session talks to: a pasted key, secrets/env, or the demo sandbox."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cachetools import LRUCache

from braze_api import BrazeClient
from braze_api.client import workspace_fingerprint
from braze_api.validation import check_api_key
from dashboard.endpoint_config import check_configured_url, endpoint_choices, extra_endpoints
from dashboard.traffic import budget_for, slots_for

OVERRIDE_KEY = "workspace_override"
DEMO_LABEL = "Demo workspace"
#: For the tests only: "1" plants hostile names (markup, formulas) in the demo's data, so the
#: escaping tests run through every page; a demo for people always shows realistic names.
DEMO_HOSTILE_NAMES_ENV = "DASHBOARD_DEMO_HOSTILE_NAMES"


@dataclass(frozen=True)
class App:
    app_id: str
    name: str


@dataclass(frozen=True)
class Workspace:
    base_url: str
    api_key: str = field(repr=False)
    label: str = ""
    is_demo: bool = False
    apps: tuple[App, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Identifies the workspace in cache keys without ever containing the key."""
        return workspace_fingerprint(self.base_url, self.api_key)[:32]

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


def parse_apps(text: str | None) -> tuple[App, ...]:
    """``"iOS=abc-123, Android=def-456"`` -> apps for the sidebar's app filter."""
    apps = []
    for part in (text or "").split(","):
        name, sep, app_id = part.partition("=")
        if sep and name.strip() and app_id.strip():
            apps.append(App(app_id=app_id.strip(), name=name.strip()))
    return tuple(apps)


CHOOSE_INSTANCE = "Choose one of the listed Braze instances."


def _checked_key(api_key: str) -> str:
    if not (api_key or "").strip():
        raise ValueError("Enter a REST API key (Braze: Settings → APIs and Identifiers).")
    return check_api_key(api_key)


def workspace_from_input(
    choice: str,
    api_key: str,
    apps: str | None = None,
    *,
    choices: Mapping[str, str] | None = None,
) -> Workspace:
    """What a browser user picked: a name from ``choices``, never a URL of their own.

    ``choices`` defaults to Braze's instances plus the server's ``BRAZE_EXTRA_ENDPOINTS``.
    Raises ValueError with a fixed message fit for the page (the input is never echoed).
    """
    api_key = _checked_key(api_key)
    listed = endpoint_choices(_streamlit_secrets(), os.environ) if choices is None else choices
    name = (choice or "").strip() if isinstance(choice, str) else ""
    base_url = listed.get(name) or listed.get(name.upper())
    if not base_url:
        raise ValueError(CHOOSE_INSTANCE)
    label = name if name in listed else name.upper()
    return Workspace(
        base_url=base_url,
        api_key=api_key,
        label=f"{label} ({urlsplit(base_url).netloc})",
        apps=parse_apps(apps),
    )


def workspace_from_config(rest_endpoint: str, api_key: str, apps: str | None = None) -> Workspace:
    """Server configuration (secrets/env): an instance id or a URL, checked by the address policy."""
    api_key = _checked_key(api_key)
    rest_endpoint = (rest_endpoint or "").strip()
    if not rest_endpoint:
        raise ValueError("Set BRAZE_REST_ENDPOINT to your instance (e.g. US-03) or its REST URL.")
    base_url = check_configured_url(rest_endpoint)
    label = rest_endpoint.upper() if not rest_endpoint.lower().startswith("http") else ""
    host = urlsplit(base_url).netloc
    return Workspace(
        base_url=base_url,
        api_key=api_key,
        label=f"{label} ({host})" if label else host,
        apps=parse_apps(apps),
    )


_demo_lock = threading.Lock()
_demo: dict[str, Any] = {}


def demo_sandbox() -> Any:
    """The process's embedded sandbox, started on first use and shared by every session."""
    with _demo_lock:
        if "sandbox" not in _demo:
            from braze_sandbox import Sandbox, demo_plants
            from dashboard.filters import utc_today

            # a couple of visible changes for the overview to find (braze_sandbox/plants.py)
            sandbox = Sandbox(
                plants=demo_plants(utc_today()),
                hostile_names=os.environ.get(DEMO_HOSTILE_NAMES_ENV) == "1",
            )
            sandbox.start()
            _demo["sandbox"] = sandbox
        return _demo["sandbox"]


def _app_of(item: Any) -> App:
    get = item.get if isinstance(item, Mapping) else lambda k, d=None: getattr(item, k, d)
    return App(app_id=str(get("app_id") or get("id")), name=str(get("name") or get("app_id")))


def demo_workspace() -> Workspace:
    from braze_sandbox import SANDBOX_API_KEY

    sandbox = demo_sandbox()
    return Workspace(
        base_url=sandbox.url,
        api_key=getattr(sandbox, "api_key", None) or SANDBOX_API_KEY,
        label=DEMO_LABEL,
        is_demo=True,
        apps=tuple(_app_of(a) for a in sandbox.workspace.apps),
    )


def configured_workspace(secrets: Mapping[str, Any], env: Mapping[str, str]) -> Workspace:
    """Secrets win over the environment; with neither, the demo workspace."""
    key = secrets.get("BRAZE_API_KEY") or env.get("BRAZE_API_KEY")
    endpoint = secrets.get("BRAZE_REST_ENDPOINT") or env.get("BRAZE_REST_ENDPOINT")
    apps = secrets.get("BRAZE_APPS") or env.get("BRAZE_APPS")
    if key and endpoint:
        return workspace_from_config(str(endpoint), str(key), str(apps) if apps else None)
    return demo_workspace()


def configuration_problem(secrets: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """Why the configured workspace cannot be used (shown once, then the demo is served)."""
    try:
        configured_workspace(secrets, env)
    except ValueError as err:
        return f"BRAZE_REST_ENDPOINT / BRAZE_API_KEY are set but unusable: {err}"
    try:
        extra_endpoints(secrets, env)
    except ValueError as err:
        return f"{err}; the other instances still work."
    return None


def _streamlit_secrets() -> Mapping[str, Any]:
    import streamlit as st

    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml is the normal case
        return {}


def current_workspace() -> Workspace:
    """This browser session's workspace: a pasted key, else secrets/env, else the demo."""
    import streamlit as st

    override = st.session_state.get(OVERRIDE_KEY)
    if isinstance(override, Workspace):
        return override
    try:
        return configured_workspace(_streamlit_secrets(), os.environ)
    except ValueError:  # the sidebar names the problem (configuration_problem); serve the demo
        return demo_workspace()


def current_configuration_problem() -> str | None:
    return configuration_problem(_streamlit_secrets(), os.environ)


def current_endpoint_choices() -> dict[str, str]:
    """What the connect form offers: Braze's instances plus the server's extras."""
    return endpoint_choices(_streamlit_secrets(), os.environ)


_clients_lock = threading.Lock()
# Bounded: pasted keys live in their browser session; a client (which holds the key) is only
# kept for the few workspaces in use, and dropped when its session disconnects.
_clients: LRUCache = LRUCache(maxsize=16)


def client_for(ws: Workspace) -> BrazeClient:
    """One client (one connection pool, one rate-limit view) per workspace per process.

    Its request slots and rate budget come from ``dashboard.traffic``, keyed by workspace, so
    they outlive an evicted client and are shared by every session.
    """
    with _clients_lock:
        client = _clients.get(ws.fingerprint)
        if client is None:
            client = BrazeClient(
                ws.api_key,
                ws.base_url,
                slots=slots_for(ws.fingerprint),
                budget=budget_for(ws.fingerprint),
            )
            _clients[ws.fingerprint] = client
        return client


def forget_client(ws: Workspace) -> None:
    """Drop the workspace's client (and with it the key) from the process."""
    with _clients_lock:
        client = _clients.pop(ws.fingerprint, None)
    if client is not None:
        client.close()
