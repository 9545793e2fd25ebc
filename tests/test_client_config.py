"""Client construction: instance ids, URL rules, key handling, repr and fingerprint."""

from __future__ import annotations

import hashlib

import pytest

from braze_api import BrazeClient, RateLimit, resolve_base_url
from braze_api.instances import INSTANCES

KEY = "sk-test-7f3a9c1e-secret"


@pytest.mark.parametrize(
    ("instance", "url"),
    [
        ("US-01", "https://rest.iad-01.braze.com"),
        ("us-03", "https://rest.iad-03.braze.com"),
        ("Us-08", "https://rest.iad-08.braze.com"),
        ("US-10", "https://rest.us-10.braze.com"),
        ("eu-01", "https://rest.fra-01.braze.eu"),
        ("EU-02", "https://rest.fra-02.braze.eu"),
        ("AU-01", "https://rest.au-01.braze.com"),
        ("id-01", "https://rest.id-01.braze.com"),
        ("JP-01", "https://rest.jp-01.braze.com"),
        ("KR-01", "https://rest.kr-01.braze.com"),
        ("  US-02 ", "https://rest.iad-02.braze.com"),
    ],
)
def test_instance_ids_resolve_in_any_case(instance: str, url: str) -> None:
    assert resolve_base_url(instance) == url


def test_instance_table_is_complete_and_has_no_us09() -> None:
    assert len(INSTANCES) == 15
    assert "US-09" not in INSTANCES
    with pytest.raises(ValueError, match="instance id"):
        resolve_base_url("US-09")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://rest.iad-01.braze.com/", "https://rest.iad-01.braze.com"),
        ("HTTPS://REST.IAD-01.BRAZE.COM", "https://rest.iad-01.braze.com"),
        (
            "https://braze-proxy.example.com:8443/braze/",
            "https://braze-proxy.example.com:8443/braze",
        ),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("http://[::1]:8123", "http://[::1]:8123"),
    ],
)
def test_urls_are_normalised(given: str, expected: str) -> None:
    assert resolve_base_url(given) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("http://rest.iad-01.braze.com", "https"),
        ("http://10.0.0.5:8123", "https"),
        ("ftp://rest.iad-01.braze.com", "https"),
        ("https://user:pw@rest.iad-01.braze.com", "credentials"),
        ("https://rest.iad-01.braze.com/?api_key=abc", "query"),
        ("https://rest.iad-01.braze.com/#frag", "fragment"),
        ("https://rest.iad-01.braze.com?", "query"),
        ("https://", "host"),
        ("https://sdk.iad-01.braze.com", "SDK"),
        ("rest.iad-01.braze.com", "instance id"),
        ("XX-01", "instance id"),
        ("", "empty"),
        ("https://rest.iad-01.braze.com:99999", "valid URL"),
        ("https://rest.iad 01.braze.com", "whitespace"),
    ],
)
def test_bad_endpoints_name_the_accepted_forms(given: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as info:
        resolve_base_url(given)
    message = str(info.value)
    assert "US-01" in message and "https://" in message and "localhost" in message


def test_endpoint_value_is_not_echoed_in_errors() -> None:
    """People paste keys into the endpoint field; the error must not repeat them."""
    with pytest.raises(ValueError) as info:
        BrazeClient(KEY, KEY)
    assert KEY not in str(info.value)
    with pytest.raises(ValueError) as info:
        resolve_base_url(f"https://x.example.com/?k={KEY}")
    assert KEY not in str(info.value)


def test_non_string_endpoint_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        resolve_base_url(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["", "   ", None, "has space", "line\nbreak", "ключ"])
def test_bad_keys_are_refused_without_echo(key: object) -> None:
    with pytest.raises(ValueError, match="(?i)api[_ ]key") as info:
        BrazeClient(key, "US-01")  # type: ignore[arg-type]
    if isinstance(key, str) and key.strip():
        assert key not in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": -1},
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"max_rate_limit_wait": -1},
        {"backoff_base": "fast"},
    ],
)
def test_bad_tuning_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        BrazeClient(KEY, "US-01", **kwargs)


def test_repr_and_fingerprint_hide_the_key() -> None:
    client = BrazeClient(f"  {KEY}\n", "eu-01")
    assert repr(client) == "BrazeClient(base_url='https://rest.fra-01.braze.eu')"
    assert KEY not in repr(client) and KEY not in repr(client.kpi)
    assert KEY not in str(vars(client).get("_auth"))
    assert len(client.fingerprint) == 64 and KEY not in client.fingerprint
    same = BrazeClient(KEY, "https://rest.fra-01.braze.eu/")
    other_key = BrazeClient(KEY + "x", "eu-01")
    other_instance = BrazeClient(KEY, "eu-02")
    assert client.fingerprint == same.fingerprint
    assert len({client.fingerprint, other_key.fingerprint, other_instance.fingerprint}) == 3
    assert client.rate_limit is None


def test_workspace_fingerprint_is_the_clients_shortened() -> None:
    """The dashboard's cache keys use the client's fingerprint, cut to 32 hex characters."""
    from dashboard.settings import Workspace

    client = BrazeClient(KEY, "eu-01")
    ws = Workspace(base_url=client.base_url, api_key=KEY)
    assert ws.fingerprint == client.fingerprint[:32] and len(ws.fingerprint) == 32
    # pinned: entries already cached under the old definition stay reachable
    expected = hashlib.sha256(f"{client.base_url}\n{KEY}".encode()).hexdigest()[:32]
    assert ws.fingerprint == expected
    assert Workspace(base_url=client.base_url, api_key=KEY + "x").fingerprint != ws.fingerprint


def test_groups_mirror_braze_paths() -> None:
    client = BrazeClient(KEY, "US-01")
    for group in (
        "users",
        "segments",
        "campaigns",
        "sends",
        "canvas",
        "feed",
        "kpi",
        "sessions",
        "events",
        "purchases",
    ):
        assert hasattr(client, group)


def test_rate_limit_is_frozen() -> None:
    info = RateLimit(limit=10, remaining=3, reset=None)
    with pytest.raises(AttributeError):
        info.remaining = 2  # type: ignore[misc]
