"""Which REST endpoints a browser may pick: Braze's instances plus the server's own extras.

A browser user chooses a *name* from this list, never types a URL. Anything else (a regional
host not yet in ``INSTANCES``, a local sandbox) is server configuration: ``BRAZE_REST_ENDPOINT``
for the default workspace, and ``BRAZE_EXTRA_ENDPOINTS`` for more names the connect form offers:

    BRAZE_EXTRA_ENDPOINTS = "EU-03=https://rest.fra-03.braze.eu, Local sandbox=http://127.0.0.1:8123"

(or a table in secrets.toml: ``[BRAZE_EXTRA_ENDPOINTS]`` with ``"EU-03" = "https://..."``).
Each URL passes ``resolve_base_url`` (https; plain http only on loopback) and the address policy's
DNS-free check (no literal private address); a host name is checked again on every connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from braze_api.addresses import AddressPolicy, BlockedDestination
from braze_api.instances import INSTANCES, resolve_base_url

EXTRA_ENDPOINTS = "BRAZE_EXTRA_ENDPOINTS"
MAX_LABEL = 40


def check_configured_url(value: str) -> str:
    """A server-configured endpoint -> its base URL; ValueError (never echoing it) if unusable."""
    base_url = resolve_base_url(value)
    try:
        AddressPolicy.for_endpoints([base_url]).check_url(base_url)
    except BlockedDestination:
        raise ValueError(
            "rest_endpoint names a private, link-local or reserved address; "
            "only public hosts (or loopback, for a local sandbox) are allowed"
        ) from None
    return base_url


def _entries(raw: Any) -> list[tuple[str, str]]:
    if isinstance(raw, Mapping):
        return [(str(k), str(v)) for k, v in raw.items()]
    pairs = []
    for part in str(raw or "").split(","):
        if part.strip():
            label, _sep, url = part.partition("=")
            pairs.append((label, url))
    return pairs


def extra_endpoints(secrets: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """The server's extra endpoints, label -> base URL; ValueError names the bad entry's number."""
    raw = secrets.get(EXTRA_ENDPOINTS) or env.get(EXTRA_ENDPOINTS)
    extras: dict[str, str] = {}
    for number, (label, url) in enumerate(_entries(raw), start=1):
        label = label.strip()
        where = f"{EXTRA_ENDPOINTS} entry {number}"
        if not label or len(label) > MAX_LABEL or not label.isprintable():
            raise ValueError(f"{where} needs a name of 1 to {MAX_LABEL} characters before '='")
        if label.upper() in INSTANCES or label in extras:
            raise ValueError(f"{where} reuses a name already in the list")
        try:
            extras[label] = check_configured_url(url.strip())
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
    return extras


def endpoint_choices(secrets: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Name -> base URL, as the connect form lists them (unusable extras are left out)."""
    try:
        extras = extra_endpoints(secrets, env)
    except ValueError:
        extras = {}  # configuration_problem names it
    return {**INSTANCES, **extras}
