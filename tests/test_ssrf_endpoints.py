"""Attack tests for endpoints: the browser picks names only; the server's own list is checked.

A hostile server on loopback counts the connections each attempt made (0 unless the server's
configuration allowed the destination); time and memory stay bounded.
"""

from __future__ import annotations

import socket

import pytest
import requests

from braze_api import BrazeClient, BrazeConnectionError
from braze_api.addresses import AddressPolicy, is_public_address
from braze_api.guarded_http import GuardedAdapter, guarded_session
from braze_api.instances import INSTANCES
from dashboard import settings
from dashboard.endpoint_config import endpoint_choices, extra_endpoints
from dashboard.sidebar import short_host
from tests.conftest import rendered_text
from tests.hostile import HostileServer, bounded, free_port, reply

KEY = "a-real-looking-key-0123456789"
MB = 1 << 20


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # link-local: AWS/GCP/Azure metadata
        ("100.64.0.1", False),  # CGNAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),  # multicast
        ("240.0.0.1", False),  # reserved
        ("255.255.255.255", False),
        ("192.0.2.10", False),  # documentation
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),  # AWS metadata over IPv6 (unique local)
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("not an address", False),
    ],
)
def test_the_address_policy_classifies(address: str, public: bool) -> None:
    assert is_public_address(address) is public


# ---- the browser: names only -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "https://169.254.169.254",
        "http://169.254.169.254/latest/meta-data/",
        "https://metadata.google.internal",
        "https://[fd00:ec2::254]",
        "https://10.0.0.5",
        "https://internal.corp.example",
        "http://127.0.0.1:{port}",
        "http://localhost:{port}/admin",
        "https://127.0.0.1:{port}",
        "US-09",
        "",
    ],
)
def test_the_connect_form_accepts_no_url_and_sends_nothing(typed: str) -> None:
    with HostileServer(reply(200, b'{"message": "success"}')) as server, bounded() as m:
        with pytest.raises(ValueError) as err:
            settings.workspace_from_input(
                typed.format(port=server.port), KEY, choices=endpoint_choices({}, {})
            )
        assert str(err.value) == settings.CHOOSE_INSTANCE  # uniform: says nothing of the host
        assert server.connections == 0
    assert m.seconds < 1 and m.peak_bytes < MB


def test_the_connect_form_offers_the_instances_and_the_servers_extras_only(
    app_test, monkeypatch, sandbox
) -> None:
    at = app_test("kpis")
    box = at.sidebar.selectbox(key="conn_instance")
    assert list(box.options) == [f"{n} · {short_host(u)}" for n, u in INSTANCES.items()]
    assert box.options[0] == "US-01 · iad-01" and "EU-01 · fra-01.braze.eu" in box.options
    assert not [t for t in at.sidebar.text_input if t.key == "conn_url"]  # no URL field
    assert "configured by the server admin" in rendered_text(at.sidebar)

    monkeypatch.setenv("BRAZE_EXTRA_ENDPOINTS", f"Local sandbox={sandbox}")
    at = app_test("kpis")
    box = at.sidebar.selectbox(key="conn_instance")
    assert box.options[-1] == "Local sandbox · 127.0.0.1"


def test_an_instance_name_picks_its_url() -> None:
    ws = settings.workspace_from_input("eu-01", KEY, choices=endpoint_choices({}, {}))
    assert ws.base_url == "https://rest.fra-01.braze.eu"
    assert ws.label == "EU-01 (rest.fra-01.braze.eu)"


# ---- the server's configuration --------------------------------------------------------------


@pytest.mark.parametrize(
    "configured",
    [
        "https://169.254.169.254",
        "https://[fd00:ec2::254]",
        "https://10.0.0.5",
        "https://100.64.3.4",
        "https://[::ffff:10.0.0.5]",
        "https://[fe80::1]",
        "http://rest.example.com",  # plain http off loopback
    ],
)
def test_a_configured_endpoint_on_a_private_address_is_refused(configured: str) -> None:
    problem = settings.configuration_problem(
        {}, {"BRAZE_API_KEY": KEY, "BRAZE_REST_ENDPOINT": configured}
    )
    assert problem and "unusable" in problem
    assert configured not in problem  # never echoed
    with pytest.raises(ValueError):
        extra_endpoints({}, {"BRAZE_EXTRA_ENDPOINTS": f"Bad={configured}"})


def test_extra_endpoints_parse_from_env_or_a_secrets_table() -> None:
    extras = extra_endpoints(
        {},
        {"BRAZE_EXTRA_ENDPOINTS": "EU-03=https://rest.fra-03.braze.eu, Lab=http://127.0.0.1:8123"},
    )
    assert extras == {"EU-03": "https://rest.fra-03.braze.eu", "Lab": "http://127.0.0.1:8123"}
    table = {"BRAZE_EXTRA_ENDPOINTS": {"Sandbox": "http://localhost:9000/"}}
    assert extra_endpoints(table, {}) == {"Sandbox": "http://localhost:9000"}
    with pytest.raises(ValueError, match="reuses a name"):
        extra_endpoints({}, {"BRAZE_EXTRA_ENDPOINTS": "US-01=https://rest.evil.example"})
    problem = settings.configuration_problem({}, {"BRAZE_EXTRA_ENDPOINTS": "=https://x.example"})
    assert problem and "entry 1" in problem


def test_a_configured_loopback_sandbox_still_works(sandbox) -> None:
    from braze_sandbox import SANDBOX_API_KEY

    ws = settings.workspace_from_config(str(sandbox), SANDBOX_API_KEY)
    with BrazeClient(ws.api_key, ws.base_url) as client:
        assert client.segments.list()["message"] == "success"


# ---- at connection time ----------------------------------------------------------------------


def test_the_client_session_is_guarded_and_ignores_the_environment(monkeypatch) -> None:
    with HostileServer(reply(200, b"{}")) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client = BrazeClient(KEY, "https://rest.iad-01.braze.com")
        assert client._session.trust_env is False
        assert isinstance(client._session.get_adapter("https://x"), GuardedAdapter)
        client.close()
        assert proxy.connections == 0


def test_a_host_that_resolves_to_loopback_is_refused_when_connecting() -> None:
    """DNS rebinding: a name that passed every early look resolves to loopback at connect."""
    with HostileServer(reply(200, b'{"message": "success"}')) as inside, bounded() as m:

        def rebinding(host: str, port: int) -> list[tuple[socket.AddressFamily, str]]:
            return [(socket.AF_INET, "127.0.0.1")]

        session = guarded_session(AddressPolicy(resolve=rebinding))
        for url in (
            f"https://rest.new-region.braze.example:{inside.port}/x",
            f"http://metadata.google.internal:{inside.port}/computeMetadata/v1/",
        ):
            with pytest.raises(requests.ConnectionError):
                session.get(url, timeout=5)
        assert inside.connections == 0
    assert m.seconds < 2


def test_the_checked_address_is_the_one_connected_to() -> None:
    """Resolve once, connect to that answer: the name itself is never looked up again."""
    calls: list[str] = []
    with HostileServer(reply(200, b"pinned")) as server:

        def dns(host: str, port: int) -> list[tuple[socket.AddressFamily, str]]:
            calls.append(host)
            return [(socket.AF_INET, "127.0.0.1")]

        origin = ("http", "sandbox.invalid", server.port)  # .invalid never resolves for real
        session = guarded_session(AddressPolicy(frozenset({origin}), resolve=dns))
        assert session.get(f"http://sandbox.invalid:{server.port}/", timeout=5).content == b"pinned"
    assert calls == ["sandbox.invalid"] and server.connections == 1


def test_refusals_read_like_a_closed_port(monkeypatch) -> None:
    """No port scanning through error messages: refused, closed and unroutable read the same."""
    closed = free_port()
    messages = set()
    for endpoint in (
        f"http://127.0.0.1:{closed}",  # nothing listens
        "https://10.0.0.5",  # refused by the policy before any packet
        "https://[fd00:ec2::254]",
        "https://169.254.169.254",
    ):
        with (
            BrazeClient(KEY, endpoint, max_retries=0, timeout=3) as client,
            bounded() as m,
            pytest.raises(BrazeConnectionError) as err,
        ):
            client.segments.list(page=0)
        assert m.seconds < 4
        messages.add(str(err.value))
    assert len(messages) == 1, messages


@pytest.mark.parametrize(
    "host", ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "[::ffff:7f00:1]"]
)
def test_obfuscated_loopback_forms_are_refused_when_connecting(host: str) -> None:
    """Numeric spellings the early look cannot read as an address still resolve to loopback."""
    with HostileServer(reply(200, b"{}")) as inside, bounded() as m:
        session = guarded_session(AddressPolicy())  # the real resolver
        for scheme in ("https", "http"):
            with pytest.raises(requests.ConnectionError):
                session.get(f"{scheme}://{host}:{inside.port}/", timeout=5)
        assert inside.connections == 0
    assert m.seconds < 2
