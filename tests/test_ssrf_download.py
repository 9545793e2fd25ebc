"""Attack tests for the segment-export download: hostile servers on loopback, counted connections.

Every test states how many connections the hostile server got and that time and memory stayed
bounded. ``wait_and_download`` is called with the workspace the link came from: plain http is
allowed only back to a loopback workspace (the server-configured sandbox).
"""

from __future__ import annotations

import gzip
import socket

import pytest

from braze_api.addresses import AddressPolicy
from dashboard.data import segment_export as exports
from dashboard.settings import Workspace
from tests.hostile import HostileServer, bounded, drip, endless, redirect, reply

KEY = "k" * 24
MB = 1 << 20


def _ws(server: HostileServer) -> Workspace:
    """The hostile server as if it were the server-configured sandbox workspace."""
    return Workspace(base_url=server.url, api_key=KEY)


def _fetch(url: str, ws: Workspace | None, **options) -> bytes:
    buffer = exports.wait_and_download(url, ws=ws, time_limit=5, sleep=lambda _s: None, **options)
    with buffer:
        return buffer.read()


def test_a_plain_download_from_the_sandbox_works_and_sends_no_credentials(
    monkeypatch, tmp_path
) -> None:
    # ambient credentials and proxies that a plain requests.Session would pick up
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with HostileServer(reply(200, b"should not be reached")) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        with HostileServer(reply(200, b'{"external_id": "a"}\n')) as server, bounded() as m:
            data = _fetch(f"{server.url}/file.zip", _ws(server))
        assert data == b'{"external_id": "a"}\n'
        assert server.connections == 1 and proxy.connections == 0
        head = server.heads[0].lower()
        assert b"authorization" not in head and b"hunter2" not in head
        assert b"accept-encoding: identity" in head
    assert m.seconds < 5 and m.peak_bytes < 5 * MB


@pytest.mark.parametrize(
    "link",
    [
        "http://bucket.s3.amazonaws.com/x.zip",  # plain http to a public host
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[fd00:ec2::254]/latest/meta-data/",  # AWS metadata over IPv6
        "https://10.0.0.8/x.zip",
        "https://100.64.0.1/x.zip",  # CGNAT
        "https://[::ffff:127.0.0.1]/x.zip",  # IPv4-mapped loopback
        "https://user:pw@bucket.s3.amazonaws.com/x.zip",  # credentials in the link
        "ftp://bucket.s3.amazonaws.com/x.zip",
    ],
)
def test_links_to_non_public_or_non_https_places_are_refused_unsent(link: str) -> None:
    ws = Workspace(base_url="https://rest.iad-01.braze.com", api_key=KEY)
    with bounded() as m, pytest.raises(exports.ExportError, match="not a public HTTPS"):
        _fetch(link, ws)
    assert m.seconds < 1


def test_http_to_another_loopback_port_than_the_workspace_is_refused() -> None:
    with HostileServer(reply(200, b"secret")) as other, HostileServer(reply(200)) as own:
        with pytest.raises(exports.ExportError):
            _fetch(f"{other.url}/x.zip", _ws(own))  # the sandbox may only send us to itself
        with pytest.raises(exports.ExportError):
            _fetch(f"{other.url}/x.zip", None)  # no workspace: https only
        assert other.connections == 0 and own.connections == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{other}/steal",  # another loopback port
        "http://169.254.169.254/latest/meta-data/iam/",  # metadata
        "http://[::1]:{other}/steal",
        "https://127.0.0.1:{other}/steal",  # https, but loopback and not the workspace
        "//127.0.0.1:{other}/steal",  # scheme-relative
    ],
)
def test_every_redirect_hop_is_checked(target: str) -> None:
    with HostileServer(reply(200, b"internal secret")) as other:
        with (
            HostileServer(redirect(target.format(other=other.port))) as start,
            bounded() as m,
            pytest.raises(exports.ExportError, match="redirected somewhere") as err,
        ):
            _fetch(f"{start.url}/x.zip", _ws(start))
        assert start.connections == 1 and other.connections == 0
        assert "internal secret" not in str(err.value) and str(other.port) not in str(err.value)
    assert m.seconds < 3 and m.peak_bytes < 2 * MB


def test_a_redirect_loop_ends_after_a_few_hops() -> None:
    with (
        HostileServer(redirect("/again")) as server,
        bounded() as m,
        pytest.raises(exports.ExportError, match="redirected"),
    ):
        _fetch(f"{server.url}/x.zip", _ws(server))
    assert server.connections == exports.MAX_REDIRECTS + 1
    assert m.seconds < 3


def test_a_same_origin_redirect_is_followed() -> None:
    def script(sock: socket.socket, head: bytes) -> None:
        if head.startswith(b"GET /x.zip"):
            redirect("/signed/x.zip?sig=1")(sock, head)
        else:
            reply(200, b"zip bytes")(sock, head)

    with HostileServer(script) as server:
        assert _fetch(f"{server.url}/x.zip", _ws(server)) == b"zip bytes"
    assert server.connections == 2


def test_https_uses_the_test_ca_only_when_asked_and_never_downgrades() -> None:
    with HostileServer(reply(200, b"tls bytes"), tls=True) as tls_server:
        ws = Workspace(base_url=f"https://localhost:{tls_server.port}", api_key=KEY)
        url = f"https://localhost:{tls_server.port}/x.zip"
        # without the CA, the certificate is refused (verification stays on)
        with pytest.raises(exports.ExportError, match="Could not reach"):
            _fetch(url, ws)
        assert _fetch(url, ws, ca_file=tls_server.ca_file) == b"tls bytes"
    with HostileServer(reply(200, b"plain secret")) as plain:
        target = f"http://localhost:{plain.port}/x.zip"
        with HostileServer(redirect(target), tls=True) as tls_server:
            ws = Workspace(base_url=f"https://localhost:{tls_server.port}", api_key=KEY)
            with pytest.raises(exports.ExportError, match="redirected somewhere"):
                _fetch(f"https://localhost:{tls_server.port}/x.zip", ws, ca_file=tls_server.ca_file)
        assert plain.connections == 0


def test_a_name_that_resolves_to_loopback_at_connection_time_is_refused() -> None:
    """DNS rebinding: the link's name passes the early look; the connection checks the answer."""
    calls: list[str] = []

    with HostileServer(reply(200, b"internal")) as inside:

        def rebinding_dns(host: str, port: int) -> list[tuple[socket.AddressFamily, str]]:
            calls.append(host)
            return [(socket.AF_INET, "127.0.0.1")]

        policy = AddressPolicy(resolve=rebinding_dns)
        url = f"https://files.example-cdn.test:{inside.port}/x.zip"
        with bounded() as m, pytest.raises(exports.ExportError, match="Could not reach"):
            _fetch(url, None, policy=policy)
        assert calls == ["files.example-cdn.test"]
        assert inside.connections == 0

        def mixed_dns(host: str, port: int) -> list[tuple[socket.AddressFamily, str]]:
            return [(socket.AF_INET, "93.184.215.14"), (socket.AF_INET, "127.0.0.1")]

        with pytest.raises(exports.ExportError, match="Could not reach"):
            _fetch(url, None, policy=AddressPolicy(resolve=mixed_dns))
        assert inside.connections == 0
    assert m.seconds < 2


def test_a_body_that_drips_ends_at_the_time_cap() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"
    with (
        HostileServer(drip(head, every=0.1)) as server,
        bounded() as m,
        pytest.raises(exports.ExportTimeout, match="did not finish"),
    ):
        _fetch(f"{server.url}/x.zip", _ws(server), download_time_limit=1.5)
    assert server.connections == 1
    assert 1.4 < m.seconds < 4 and m.peak_bytes < 5 * MB


def test_headers_that_drip_end_at_the_request_cap() -> None:
    with (
        HostileServer(drip(b"HTTP/1.1 200 OK\r\n", every=0.1, byte=b"X")) as server,
        bounded() as m,
        pytest.raises(exports.ExportError, match="did not answer in time"),
    ):
        _fetch(f"{server.url}/x.zip", _ws(server), request_time_limit=1.5)
    assert server.connections == 1
    assert 1.4 < m.seconds < 4


def test_an_endless_body_stops_at_the_size_cap() -> None:
    with (
        HostileServer(endless(b"HTTP/1.1 200 OK\r\n\r\n")) as server,
        bounded() as m,
        pytest.raises(exports.ExportError, match="larger than this dashboard downloads"),
    ):
        _fetch(f"{server.url}/x.zip", _ws(server), max_bytes=4 * MB)
    assert server.connections == 1
    assert m.seconds < 5 and m.peak_bytes < 12 * MB


def test_a_declared_huge_body_is_refused_before_reading() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n"
    with (
        HostileServer(endless(head)) as server,
        bounded() as m,
        pytest.raises(exports.ExportError, match="larger than"),
    ):
        _fetch(f"{server.url}/x.zip", _ws(server), max_bytes=4 * MB)
    assert server.connections == 1 and m.seconds < 2 and m.peak_bytes < 2 * MB


def test_a_gzip_content_encoding_is_kept_compressed_not_inflated() -> None:
    bomb = gzip.compress(b"\0" * (200 * MB), compresslevel=9)  # ~200 KB on the wire
    headers = {"Content-Encoding": "gzip"}
    with HostileServer(reply(200, bomb, headers)) as server, bounded() as m:
        data = _fetch(f"{server.url}/x.zip", _ws(server), max_bytes=4 * MB)
    assert data == bomb  # stored as sent; the export reader caps what it inflates
    assert server.connections == 1 and m.peak_bytes < 20 * MB


def test_an_error_page_is_never_shown_only_its_status() -> None:
    page = b"<html>internal admin console: db password = swordfish</html>"
    with HostileServer(reply(418, page)) as server, pytest.raises(exports.ExportError) as err:
        _fetch(f"{server.url}/x.zip", _ws(server))
    assert str(err.value) == "The export download failed with HTTP 418."
    assert server.connections == 1


def test_the_segments_page_shows_only_a_fixed_message_for_a_hostile_link(app_test, demo) -> None:
    """A link Braze (here: a tampered job) points elsewhere: refused, nothing of it shown."""
    from datetime import UTC, datetime

    from tests.conftest import rendered_text

    with HostileServer(reply(200, b"internal admin console")) as other:
        at = app_test("segments")
        link = f"{other.url}/latest/meta-data/"
        meta = exports.ExportJob(
            segment_id="seg-1",
            segment_name="VIP",
            object_prefix="p",
            url=link,
            started_at=datetime(2024, 5, 6, tzinfo=UTC),
            fields=None,
        )
        at.session_state["seg_export_job"] = {
            "job": meta,
            "status": "waiting",
            "clock": 0.0,
            "message": "",
        }
        at.run()
        assert not at.exception
        from dashboard.widgets import md_escape

        assert any(md_escape(exports.LINK_REFUSED) in e.value for e in at.error), [
            e.value for e in at.error
        ]
        text = rendered_text(at)
        assert "internal admin console" not in text and str(other.port) not in text
    assert other.connections == 0
