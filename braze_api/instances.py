"""Turn a Braze instance id or a pasted REST URL into one validated base URL.

Only https is accepted, except on loopback so the local sandbox and tests can use
plain http. The value itself is never echoed in errors: people paste keys into the
wrong field.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["INSTANCES", "LOOPBACK_HOSTS", "resolve_base_url"]

INSTANCES: dict[str, str] = {
    **{f"US-0{n}": f"https://rest.iad-0{n}.braze.com" for n in range(1, 9)},
    "US-10": "https://rest.us-10.braze.com",
    "EU-01": "https://rest.fra-01.braze.eu",
    "EU-02": "https://rest.fra-02.braze.eu",
    "AU-01": "https://rest.au-01.braze.com",
    "ID-01": "https://rest.id-01.braze.com",
    "JP-01": "https://rest.jp-01.braze.com",
    "KR-01": "https://rest.kr-01.braze.com",
}

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_ACCEPTED = (
    "a Braze instance id (US-01 to US-08, US-10, EU-01, EU-02, AU-01, ID-01, JP-01, KR-01) "
    "or a REST base URL such as https://rest.iad-01.braze.com "
    "(plain http only for 127.0.0.1, localhost or [::1])"
)


def _reject(reason: str) -> ValueError:
    return ValueError(f"rest_endpoint {reason}; expected {_ACCEPTED}")


def resolve_base_url(rest_endpoint: str) -> str:
    """Return the base URL (no trailing slash) for an instance id or a REST URL."""
    if not isinstance(rest_endpoint, str) or not rest_endpoint.strip():
        raise _reject("is empty")
    value = rest_endpoint.strip()
    instance = INSTANCES.get(value.upper())
    if instance is not None:
        return instance
    if "://" not in value:
        raise _reject("is neither a known instance id nor a URL")
    if any(ch.isspace() for ch in value):
        raise _reject("contains whitespace")
    try:
        parts = urlsplit(value)
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise _reject("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if not host:
        raise _reject("has no host")
    if parts.username is not None or parts.password is not None:
        raise _reject("must not contain credentials")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise _reject("must not contain a query string or fragment")
    if scheme != "https" and not (scheme == "http" and host in LOOPBACK_HOSTS):
        raise _reject("must use https")
    if host.startswith("sdk."):
        raise _reject("looks like the SDK endpoint, not the REST endpoint")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"
