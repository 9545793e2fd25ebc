"""Attack tests: a hostile server on loopback against the client's size cap and deadline.

Each test counts the connections the client made and checks that memory (tracemalloc peak)
and time stay bounded. Time bounds are generous safety bounds, not performance targets.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from braze_api import BadRequestError, BadResponseError, BrazeClient, BrazeConnectionError
from braze_api.body import DEFAULT_MAX_RESPONSE_BYTES, json_depth, read_capped
from braze_api.slots import LocalSlots
from tests.hostile_server import HostileServer, drip, respond

KEY = "hostile-test-key-0b5e"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """~1 MB of gzip that inflates to 1 GiB of zeros (64 members of 16 MiB each)."""
    member = gzip.compress(b"\0" * (16 * MiB), compresslevel=9)
    bomb = member * 64
    assert len(bomb) < 1.5 * MiB
    return bomb


def client(url: str, **options: Any) -> BrazeClient:
    settings: dict[str, Any] = {"max_retries": 3, "backoff_base": 0.01, "timeout": 5.0}
    settings.update(options)
    return BrazeClient(KEY, url, **settings)


def measured(call: Callable[[], Any]) -> tuple[BaseException | None, float, int]:
    """Run ``call``; return what it raised, the seconds it took and the peak traced bytes."""
    tracemalloc.start()
    started = time.monotonic()
    raised: BaseException | None = None
    try:
        call()
    except BaseException as exc:  # inspected by the caller
        raised = exc
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return raised, elapsed, peak


# --- bounded responses ---------------------------------------------------------------------


def test_default_cap_is_32_mib() -> None:
    assert 32 * MiB == DEFAULT_MAX_RESPONSE_BYTES


def test_gzip_bomb_is_stopped_early_with_bounded_memory(gzip_bomb: bytes) -> None:
    def bomb(conn: socket.socket, server: HostileServer) -> None:
        respond(conn, gzip_bomb, headers={"Content-Encoding": "gzip"})

    with HostileServer(bomb) as server:
        raised, elapsed, peak = measured(lambda: client(server.url).kpi.dau(length=1))
    assert isinstance(raised, BadResponseError), raised
    assert "larger than this dashboard reads (32 MiB decompressed)" in str(raised)
    assert server.connections == 1 and len(server.requests) == 1  # not retried
    assert peak < 3 * DEFAULT_MAX_RESPONSE_BYTES  # nowhere near the bomb's 1 GiB
    assert elapsed < 30


def test_small_configured_cap_bounds_memory_tighter(gzip_bomb: bytes) -> None:
    def bomb(conn: socket.socket, server: HostileServer) -> None:
        respond(conn, gzip_bomb, headers={"Content-Encoding": "gzip"})

    with HostileServer(bomb) as server:
        api = client(server.url, max_response_bytes=2 * MiB)
        raised, elapsed, peak = measured(lambda: api.kpi.dau(length=1))
    assert isinstance(raised, BadResponseError) and "(2 MiB decompressed)" in str(raised)
    assert server.connections == 1
    assert peak < 8 * MiB
    assert elapsed < 10


def test_deflate_bomb_and_plain_oversized_body_are_capped() -> None:
    deflated = zlib.compress(b"\0" * (64 * MiB), 9)
    plain = b'{"message": "' + b"x" * (5 * MiB) + b'"}'
    replies = iter([(deflated, {"Content-Encoding": "deflate"}), (plain, {})])

    def answer(conn: socket.socket, server: HostileServer) -> None:
        body, headers = next(replies)
        respond(conn, body, headers=headers)

    with HostileServer(answer) as server:
        api = client(server.url, max_response_bytes=4 * MiB)
        for _ in range(2):
            raised, _, peak = measured(lambda: api.kpi.dau(length=1))
            assert isinstance(raised, BadResponseError) and "larger than" in str(raised)
            assert peak < 16 * MiB
        assert len(server.requests) == 2


def test_endless_chunked_body_is_cut_at_the_cap() -> None:
    def endless(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
        piece = b"[" * 65536
        frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        while not server.stopping.is_set():
            conn.sendall(frame)

    with HostileServer(endless) as server:
        api = client(server.url, max_response_bytes=1 * MiB)
        raised, elapsed, peak = measured(lambda: api.kpi.dau(length=1))
    assert isinstance(raised, BadResponseError) and "larger than" in str(raised)
    assert server.connections == 1
    assert peak < 8 * MiB and elapsed < 10


def test_an_encoding_we_did_not_offer_is_refused() -> None:
    def brotli(conn: socket.socket, server: HostileServer) -> None:
        respond(conn, b"\x8b\x02\x80{}\x03", headers={"Content-Encoding": "br"})

    with (
        HostileServer(brotli) as server,
        pytest.raises(BadResponseError, match="could not be decompressed"),
    ):
        client(server.url, max_retries=1).kpi.dau(length=1)
    assert b"accept-encoding: gzip, deflate" in server.requests[0].lower()


def test_gzip_body_within_the_cap_is_read() -> None:
    def fine(conn: socket.socket, server: HostileServer) -> None:
        body = gzip.compress(b'{"message": "success", "data": [{"time": "2024-01-01", "dau": 5}]}')
        respond(conn, body, headers={"Content-Encoding": "gzip"})

    with HostileServer(fine) as server:
        body = client(server.url).kpi.dau(length=1)
    assert body == {"message": "success", "data": [{"time": "2024-01-01", "dau": 5}]}


def test_read_capped_counts_decompressed_bytes() -> None:
    data = gzip.compress(b"a" * 1000)
    assert read_capped([data[:10], data[10:]], "gzip", 1000) == b"a" * 1000
    with pytest.raises(Exception, match="larger than 999"):
        read_capped([data], "gzip", 999)
    two_members = gzip.compress(b"ab") + gzip.compress(b"cd")
    assert read_capped([two_members], "gzip", 10) == b"abcd"
    with pytest.raises(Exception, match="ends early"):
        read_capped([data[:-12]], "gzip", 10_000)
    raw_deflate = zlib.compressobj(wbits=-15)
    payload = raw_deflate.compress(b"xyz") + raw_deflate.flush()
    assert read_capped([payload], "deflate", 10) == b"xyz"


# --- deeply nested JSON ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [("200 OK", BadResponseError), ("400 Bad Request", BadRequestError)],
    ids=["success-body", "error-body"],
)
def test_deeply_nested_json_is_a_clean_error(status: str, kind: type) -> None:
    deep = b"[" * 100_000

    def nested(conn: socket.socket, server: HostileServer) -> None:
        respond(conn, deep, status=status)

    with HostileServer(nested) as server:
        raised, elapsed, _ = measured(lambda: client(server.url).kpi.dau(length=1))
    assert type(raised) is kind, raised
    assert not isinstance(raised, RecursionError)
    assert raised.__context__ is None and raised.__cause__ is None
    if kind is BadResponseError:
        assert "nested too deeply" in str(raised)
    else:
        assert raised.braze_message is None  # the body could not be read: no message shown
    assert server.connections == 1 and len(server.requests) == 1
    assert elapsed < 10


def test_moderately_deep_json_is_refused_before_it_can_recurse() -> None:
    """Depth 500 parses, but would blow the stack of code walking it: refused at 64."""
    deep = b'{"message": "success", "x": ' + b'{"a": ' * 500 + b"1" + b"}" * 500 + b"}"

    def nested(conn: socket.socket, server: HostileServer) -> None:
        respond(conn, deep)

    with (
        HostileServer(nested) as server,
        pytest.raises(BadResponseError, match="nested too deeply"),
    ):
        client(server.url).kpi.dau(length=1)


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"name": "[[[[ {{{{ \\" [[[[", "list": [[1]]}') == 3
    assert json_depth(b'["\\\\", ["\\\\\\"]]"]]') == 2
    assert json_depth(b"[" * 100_000) == 100_000


# --- deadlines -----------------------------------------------------------------------------


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"


def drip_headers(conn: socket.socket, server: HostileServer) -> None:
    drip(conn, server, HEAD + b'{"message": "success"}' + b" " * 18)


def drip_body(conn: socket.socket, server: HostileServer) -> None:
    conn.sendall(HEAD)
    drip(conn, server, b'{"message": "success"}' + b" " * 18)


@pytest.mark.parametrize("behaviour", [drip_headers, drip_body], ids=["headers", "body"])
def test_a_dripping_server_is_cut_off_at_the_deadline(behaviour: Any) -> None:
    """One byte a second never trips a per-read timeout; the overall deadline cuts it."""
    deadline = 1.5
    with HostileServer(behaviour) as server:
        api = client(server.url, deadline=deadline, timeout=30, max_retries=0)
        raised, elapsed, peak = measured(lambda: api.kpi.dau(length=1))
    assert isinstance(raised, BrazeConnectionError), raised
    assert "within the 1.5 s deadline" in str(raised)
    assert deadline * 0.9 <= elapsed < 3 * deadline
    assert server.connections == 1
    assert peak < 4 * MiB


def test_deadline_applies_to_each_retry() -> None:
    with HostileServer(drip_body) as server:
        api = client(server.url, deadline=0.8, timeout=30, max_retries=1)
        raised, elapsed, _ = measured(lambda: api.kpi.dau(length=1))
    assert isinstance(raised, BrazeConnectionError)
    assert server.connections == 2  # the cut connection is not reused
    assert elapsed < 3 * 2 * 0.8


def test_a_dripping_server_does_not_hold_the_slot_past_the_deadline() -> None:
    """With one slot, a request queued behind a dripping one gets it once the deadline hits."""
    slow_path = b"GET /kpi/dau/"

    def mixed(conn: socket.socket, server: HostileServer) -> None:
        if server.requests[-1].startswith(slow_path):
            drip_headers(conn, server)
        else:
            respond(conn, b'{"message": "success"}')

    slots = LocalSlots(1)
    with HostileServer(mixed) as server:
        api = client(server.url, deadline=1.5, timeout=30, max_retries=0, slots=slots)
        outcome: dict[str, Any] = {}
        slow = threading.Thread(
            target=lambda: outcome.setdefault("slow", measured(lambda: api.kpi.dau(length=1)))
        )
        slow.start()
        time.sleep(0.2)  # the slow request holds the only slot now
        started = time.monotonic()
        assert api.kpi.mau(length=1) == {"message": "success"}
        waited = time.monotonic() - started
        slow.join(5)
    assert isinstance(outcome["slow"][0], BrazeConnectionError)
    assert 1.0 <= waited < 4.5  # it waited for the deadline, not for the drip to end (40 s)
    assert slots.in_flight == 0 and slots.peak == 1


def test_watchdog_leaves_a_finished_requests_connection_alone() -> None:
    """A connection back in the pool after a fast answer is not cut when that deadline passes."""

    def fast(conn: socket.socket, server: HostileServer) -> None:
        respond(conn, b'{"message": "success"}')

    with HostileServer(fast) as server:
        api = client(server.url, deadline=0.3)
        api.kpi.dau(length=1)
        time.sleep(0.5)  # the first attempt's deadline has passed
        api.kpi.dau(length=1)
        assert server.connections == 1  # the same keep-alive connection, still open


def test_a_deeply_nested_line_in_a_segment_export_is_reported_not_fatal() -> None:
    """pyarrow's JSON reader crashes the process on deep nesting: such blocks never reach it."""
    import io
    import json
    import zipfile

    from braze_api.export_reader import read_export

    good = json.dumps({"external_id": "u1", "first_name": "Ada"})
    deep = '{"external_id": "u2", "custom_attributes": {"x": ' + "[" * 100_000 + "]" * 100_000
    moderate = '{"external_id": "u3", "custom_attributes": {"x": ' + "[" * 900 + "]" * 900
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("seg/part-1.txt", "\n".join([good, deep + "}}", moderate + "}}", good]))
    result = read_export(buffer.getvalue())
    assert result.users["external_id"].tolist() == ["u1", "u1"]
    assert [(i.line, i.problem) for i in result.issues] == [
        (2, "nested more than 64 levels deep"),
        (3, "nested more than 64 levels deep"),
    ]


def test_the_deadline_also_holds_through_a_proxy() -> None:
    """Connections a proxy manager hands out (a proxy named in the environment) are watched."""
    import requests

    with HostileServer(drip_headers) as proxy:
        session = requests.Session()
        session.proxies = {"http": proxy.url}
        api = BrazeClient(
            KEY, "http://127.0.0.1:9", session=session, deadline=1.5, timeout=30, max_retries=0
        )
        raised, elapsed, _ = measured(lambda: api.kpi.dau(length=1))
    assert isinstance(raised, BrazeConnectionError) and "deadline" in str(raised)
    assert proxy.connections == 1 and elapsed < 3 * 1.5


@pytest.mark.parametrize(
    "options",
    [{"deadline": 0}, {"deadline": -1}, {"max_response_bytes": -1}, {"max_response_bytes": 1.5}],
)
def test_bad_bounds_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        BrazeClient(KEY, "US-03", **options)


def test_json_depth_walks_escapes_as_the_replace_passes_do(monkeypatch) -> None:
    """Escaped quotes found by walking the backslashes (few) or by two replace passes (many)
    give the same depth, for every mix of quotes, backslashes and brackets."""
    import random

    from braze_api import body

    rng = random.Random(7)
    texts = [
        bytes(rng.choice(b'"\\[]{}a ') for _ in range(rng.randint(0, 40))) for _ in range(3000)
    ]
    walked = [json_depth(t) for t in texts]
    monkeypatch.setattr(body, "_WALK_BACKSLASHES", -1)
    assert [json_depth(t) for t in texts] == walked
    assert json_depth(b'["a\\\\\\"[[[", [[["\\\\"]]]]') == 4
