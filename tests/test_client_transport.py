"""Retries, 429 waits, error kinds, key secrecy and threading against a scripted HTTP peer.

The peer is a real ``http.server`` on loopback that answers from a script, so these
tests drive the client over real sockets exactly as Braze would, including failures
the sandbox cannot produce on demand (dropped connections, short bodies, timeouts).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from braze_api import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    BrazeClient,
    BrazeConnectionError,
    BrazeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimit,
    RateLimitError,
    ServerError,
)

KEY = "sk-transport-5be1d0c2-very-secret"


@dataclass
class Reply:
    """One scripted answer: status, headers, body; or a dropped/short/slow reply."""

    status: int = 200
    body: object = field(default_factory=lambda: {"message": "success", "data": []})
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # send these bytes instead of JSON
    truncate: bool = False  # promise more bytes than are sent, then close
    drop: bool = False  # close the connection without answering
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object
    raw_target: str


class Peer:
    """A scripted HTTP server; ``route`` (if set) answers when the script is empty."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.route: Callable[[Seen], Reply] | None = None
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw_body = self.rfile.read(length) if length else b""
                seen = Seen(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    dict(self.headers.items()),
                    json.loads(raw_body) if raw_body else None,
                    self.path,
                )
                with peer.lock:
                    peer.seen.append(seen)
                    reply = peer.script.pop(0) if peer.script else None
                if reply is None:
                    reply = peer.route(seen) if peer.route else Reply()
                time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data) + (50 if reply.truncate else 0)))
                if reply.truncate:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = Peer()
    yield server
    server.close()


def make_client(peer: Peer, **kwargs: object) -> BrazeClient:
    options: dict = {"backoff_base": 0.01, "max_retries": 3, "timeout": 5.0}
    options.update(kwargs)
    return BrazeClient(KEY, peer.url, **options)


# --- happy path and request shape -------------------------------------------------


def test_key_travels_only_in_the_bearer_header(peer: Peer) -> None:
    client = make_client(peer)
    body = client.kpi.dau(length=7, ending_at="2024-12-10T23:59:59-05:00", app_id="app-1")
    assert body == {"message": "success", "data": []}
    (seen,) = peer.seen
    assert seen.method == "GET" and seen.path == "/kpi/dau/data_series"
    assert seen.query == {
        "length": "7",
        "ending_at": "2024-12-10T23:59:59-05:00",
        "app_id": "app-1",
    }
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in seen.raw_target
    assert not any(KEY in v for k, v in seen.headers.items() if k != "Authorization")


def test_post_body_carries_ids_not_the_key(peer: Peer) -> None:
    make_client(peer).users.export_ids(email_address="a@example.com", fields_to_export=["email"])
    (seen,) = peer.seen
    assert seen.method == "POST" and seen.path == "/users/export/ids"
    assert seen.body == {"email_address": "a@example.com", "fields_to_export": ["email"]}
    assert seen.headers["Content-Type"] == "application/json"


def test_redirects_are_not_followed(peer: Peer) -> None:
    """A redirect could carry the Authorization header somewhere else; we stop instead."""
    peer.script = [Reply(302, {}, headers={"Location": "http://127.0.0.1:1/steal"})]
    with pytest.raises(BrazeError, match=r"\(302\)"):
        make_client(peer).kpi.mau(length=1)
    assert len(peer.seen) == 1


# --- error kinds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "sentence"),
    [
        (400, BadRequestError, "Braze rejected the request (400) for /kpi/mau/data_series: nope"),
        (401, AuthenticationError, "Braze refused the key (401) for /kpi/mau/data_series: nope"),
        (
            403,
            PermissionDeniedError,
            "Braze denied permission (403) for /kpi/mau/data_series: nope",
        ),
        (404, NotFoundError, "Braze found nothing (404) for /kpi/mau/data_series: nope"),
        (409, BrazeError, "Braze answered (409) for /kpi/mau/data_series: nope"),
    ],
)
def test_client_errors_are_typed_and_not_retried(
    peer: Peer, status: int, kind: type, sentence: str
) -> None:
    peer.script = [Reply(status, {"message": "nope"})]
    with pytest.raises(kind) as info:
        make_client(peer).kpi.mau(length=3, app_id="app-9")
    err = info.value
    assert type(err) is kind
    assert str(err) == sentence
    assert (err.status, err.endpoint, err.braze_message) == (status, "/kpi/mau/data_series", "nope")
    assert len(peer.seen) == 1


def test_error_without_json_body_has_no_braze_message(peer: Peer) -> None:
    peer.script = [Reply(401, raw=b"<html>Unauthorized</html>")]
    with pytest.raises(AuthenticationError) as info:
        make_client(peer).segments.details("seg-1")
    assert info.value.braze_message is None
    assert str(info.value) == "Braze refused the key (401) for /segments/details"


def test_server_errors_retry_then_succeed(peer: Peer) -> None:
    peer.script = [Reply(503, {"message": "busy"}), Reply(500), Reply(200, {"message": "success"})]
    assert make_client(peer).kpi.dau(length=1) == {"message": "success"}
    assert len(peer.seen) == 3


def test_server_errors_give_up_after_max_retries(peer: Peer) -> None:
    peer.route = lambda seen: Reply(503, {"message": "down for maintenance"})
    with pytest.raises(ServerError) as info:
        make_client(peer, max_retries=2).campaigns.details("cmp-1")
    assert len(peer.seen) == 3  # one try plus two retries
    err = info.value
    assert err.status == 503 and err.braze_message == "down for maintenance"
    assert str(err) == "Braze server error (503) for /campaigns/details; try again shortly"


def test_zero_retries_means_one_try(peer: Peer) -> None:
    peer.route = lambda seen: Reply(502)
    with pytest.raises(ServerError):
        make_client(peer, max_retries=0).kpi.dau(length=1)
    assert len(peer.seen) == 1


def test_backoff_grows_exponentially_but_stays_bounded(peer: Peer) -> None:
    peer.route = lambda seen: Reply(500)
    started = time.monotonic()
    with pytest.raises(ServerError):
        make_client(peer, max_retries=3, backoff_base=0.05).kpi.dau(length=1)
    # full jitter: each wait is at most 0.05 * 2**attempt -> total ≤ 0.35 s plus overhead
    assert time.monotonic() - started < 2.0
    assert len(peer.seen) == 4


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw=b'{"message": "success", "data": [{"time"'),
        Reply(raw=b"<html>gateway</html>"),
        Reply(raw=b'["not", "an", "object"]'),
        Reply(raw=b""),
        Reply(raw=b'{"message": "success"', truncate=True),
    ],
    ids=["cut-json", "html", "json-list", "empty", "short-body"],
)
def test_unreadable_bodies_are_retried_then_raised(peer: Peer, reply: Reply) -> None:
    peer.route = lambda seen: reply
    with pytest.raises(BadResponseError) as info:
        make_client(peer, max_retries=1).kpi.dau(length=1)
    assert len(peer.seen) == 2
    assert info.value.endpoint == "/kpi/dau/data_series"
    assert "try again shortly" in str(info.value)


def test_short_body_is_reported_as_truncated(peer: Peer) -> None:
    peer.route = lambda seen: Reply(raw=b'{"message": "success", "data": []}', truncate=True)
    with pytest.raises(BadResponseError, match="truncated response for /kpi/dau/data_series"):
        make_client(peer, max_retries=0).kpi.dau(length=1)


def test_truncated_body_then_good_body_succeeds(peer: Peer) -> None:
    peer.script = [Reply(raw=b'{"message": "succ', truncate=True)]
    assert make_client(peer).kpi.dau(length=1)["message"] == "success"
    assert len(peer.seen) == 2


def test_dropped_connections_are_retried_then_raised(peer: Peer) -> None:
    peer.route = lambda seen: Reply(drop=True)
    with pytest.raises(BrazeConnectionError) as info:
        make_client(peer, max_retries=2).kpi.dau(length=1)
    assert len(peer.seen) == 3
    assert info.value.status is None and info.value.endpoint == "/kpi/dau/data_series"
    assert str(info.value).startswith("Could not reach Braze for /kpi/dau/data_series")


def test_dropped_connection_then_success(peer: Peer) -> None:
    peer.script = [Reply(drop=True)]
    assert make_client(peer).kpi.dau(length=1)["message"] == "success"
    assert len(peer.seen) == 2


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply(500, {"message": "boom"}), ServerError),
        (Reply(503, {"message": "busy"}), ServerError),
        (Reply(drop=True), BrazeConnectionError),
        (Reply(raw=b'{"message": "succ', truncate=True), BadResponseError),
        (Reply(raw=b"<html>oops</html>"), BadResponseError),
        (Reply(429, {"message": "slow down"}, headers={"Retry-After": "0"}), RateLimitError),
        (Reply(delay=1.0), BrazeConnectionError),
    ],
    ids=["500", "503", "dropped", "truncated", "unreadable", "short-429", "timeout"],
)
def test_segment_export_is_never_retried(peer: Peer, reply: Reply, kind: type) -> None:
    """A repeated POST /users/export/segment may start a second export: fail, never resend."""
    peer.script = [reply]  # anything after it would succeed
    peer.route = lambda seen: Reply(body={"message": "success", "object_prefix": "p", "url": None})
    with pytest.raises(kind):
        make_client(peer, timeout=0.3).users.export_segment("seg-1")
    time.sleep(0.05)  # a resend, had there been one, has reached the peer by now
    assert [(s.method, s.path) for s in peer.seen] == [("POST", "/users/export/segment")]


def test_posts_are_sent_once_unless_declared_idempotent(peer: Peer) -> None:
    peer.route = lambda seen: Reply(500, {"message": "boom"})
    client = make_client(peer, max_retries=2)
    with pytest.raises(ServerError):
        client.request("POST", "/users/export/segment", json_body={"segment_id": "s"})
    assert len(peer.seen) == 1
    with pytest.raises(ServerError):
        client.request("POST", "/users/export/ids", json_body={"braze_id": "b"}, idempotent=True)
    assert len(peer.seen) == 4
    with pytest.raises(ServerError):
        client.request("GET", "/kpi/dau/data_series", idempotent=False)
    assert len(peer.seen) == 5


def test_timeouts_apply_to_every_request(peer: Peer) -> None:
    peer.route = lambda seen: Reply(delay=1.0)
    started = time.monotonic()
    with pytest.raises(BrazeConnectionError, match="timed out after 0.2 s"):
        make_client(peer, timeout=0.2, max_retries=1).kpi.dau(length=1)
    assert time.monotonic() - started < 1.5


def test_refused_connection_is_a_connection_error() -> None:
    client = BrazeClient(KEY, "http://127.0.0.1:9", max_retries=1, backoff_base=0.01, timeout=2)
    with pytest.raises(BrazeConnectionError) as info:
        client.kpi.dau(length=1)
    assert info.value.__cause__ is None and info.value.__context__ is None


# --- rate limits ------------------------------------------------------------------------


def test_rate_limit_headers_are_recorded(peer: Peer) -> None:
    reset = int(time.time()) + 3600
    peer.script = [
        Reply(
            headers={
                "x-ratelimit-limit": "250000",
                "X-RATELIMIT-REMAINING": "249999",
                "X-RateLimit-Reset": str(reset),
            }
        ),
        Reply(),  # no headers: the last seen values stay
    ]
    client = make_client(peer)
    client.kpi.dau(length=1)
    expected = RateLimit(250000, 249999, datetime.fromtimestamp(reset, UTC))
    assert client.rate_limit == expected
    client.kpi.dau(length=1)
    assert client.rate_limit == expected


@pytest.mark.parametrize("header", ["Retry-After", "x-ratelimit-retry-after"])
def test_short_429_waits_for_the_hint_then_retries(peer: Peer, header: str) -> None:
    peer.script = [Reply(429, {"message": "slow down"}, headers={header: "1"})]
    started = time.monotonic()
    assert make_client(peer).kpi.dau(length=1)["message"] == "success"
    assert time.monotonic() - started >= 0.95
    assert len(peer.seen) == 2


def test_429_waits_until_ratelimit_reset(peer: Peer) -> None:
    reset = time.time() + 1.0
    peer.script = [
        Reply(429, headers={"X-RateLimit-Reset": f"{reset:.3f}", "X-RateLimit-Remaining": "0"})
    ]
    client = make_client(peer)
    client.kpi.dau(length=1)
    assert time.time() >= reset - 0.05
    assert len(peer.seen) == 2


def test_long_429_raises_with_reset_time_and_no_retry(peer: Peer) -> None:
    reset = int(time.time()) + 1800
    peer.script = [
        Reply(
            429,
            {"message": "Over rate limit"},
            headers={
                "X-RateLimit-Reset": str(reset),
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Remaining": "0",
            },
        )
    ]
    client = make_client(peer, max_rate_limit_wait=5)
    started = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        client.campaigns.data_series("cmp-1", length=7)
    assert time.monotonic() - started < 1.0
    assert len(peer.seen) == 1
    err = info.value
    reset_at = datetime.fromtimestamp(reset, UTC)
    assert err.reset_at == reset_at and err.status == 429
    assert err.braze_message == "Over rate limit"
    assert str(err) == (
        f"Braze rate limit reached (429) for /campaigns/data_series; resets at "
        f"{reset_at:%H:%M:%S} UTC"
    )
    assert client.rate_limit == RateLimit(1000, 0, reset_at)


def test_retry_after_beyond_limit_raises_with_computed_reset(peer: Peer) -> None:
    peer.script = [Reply(429, headers={"Retry-After": "120"})]
    before = datetime.now(UTC)
    with pytest.raises(RateLimitError) as info:
        make_client(peer, max_rate_limit_wait=1).kpi.dau(length=1)
    assert info.value.reset_at is not None
    assert 115 <= (info.value.reset_at - before).total_seconds() <= 125


def test_429_without_hint_backs_off_and_gives_up(peer: Peer) -> None:
    peer.route = lambda seen: Reply(429, {"message": "busy"})
    with pytest.raises(RateLimitError) as info:
        make_client(peer, max_retries=2).kpi.dau(length=1)
    assert len(peer.seen) == 3
    assert info.value.reset_at is None
    assert str(info.value).endswith("try again later")


def test_repeated_short_429s_are_bounded(peer: Peer) -> None:
    peer.route = lambda seen: Reply(429, headers={"Retry-After": "0"})
    with pytest.raises(RateLimitError):
        make_client(peer, max_retries=2).kpi.dau(length=1)
    assert len(peer.seen) == 3


# --- the key never leaks -----------------------------------------------------------


def test_key_absent_from_errors_logs_and_urls(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(peer, max_retries=1)
    errors: list[BaseException] = []
    scripts = [
        [Reply(401, {"message": f"Invalid API key: {KEY}"})],
        [Reply(500), Reply(503)],
        [Reply(429, headers={"Retry-After": "999"})],
        [Reply(raw=b"nope"), Reply(raw=b"nope")],
        [Reply(drop=True), Reply(drop=True)],
    ]
    for script in scripts:
        peer.script = list(script)
        with pytest.raises(BrazeError) as info:
            client.users.export_ids(email_address="person@example.com")
        errors.append(info.value)
    assert "[redacted]" in (errors[0].braze_message or "")
    for err in errors:
        for text in (str(err), repr(err), str(err.args), str(vars(err))):
            assert KEY not in text
            assert "person@example.com" not in text
        assert err.__cause__ is None and err.__context__ is None
    records = [r.getMessage() for r in caplog.records if r.name.startswith("braze_api")]
    assert any("POST /users/export/ids -> 500" in r for r in records)
    for text in records:
        assert KEY not in text and "person@example.com" not in text
    assert all(KEY not in s.raw_target for s in peer.seen)


def test_query_values_stay_out_of_logs(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="braze_api")
    make_client(peer).events.data_series("Viewed someone@example.com", length=2, app_id="app-x")
    (record,) = [r for r in caplog.records if r.name == "braze_api"]
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    assert message.startswith("GET /events/data_series -> 200 (")
    assert "someone" not in message and "app-x" not in message


# --- paging and chunking over HTTP ------------------------------------------------


def paged(key: str, total: int, size: int) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        page = int(seen.query.get("page", "0"))
        items = [f"{key}-{i}" for i in range(page * size, min(total, (page + 1) * size))]
        return Reply(body={"message": "success", key: items})

    return answer


def test_lists_walk_every_page_in_order(peer: Peer) -> None:
    peer.route = paged("events", 620, 250)
    body = make_client(peer).events.list()
    assert body["events"] == [f"events-{i}" for i in range(620)]
    assert [s.query["page"] for s in peer.seen] == ["0", "1", "2"]


def test_exact_multiple_needs_one_empty_page(peer: Peer) -> None:
    peer.route = paged("campaigns", 200, 100)
    body = make_client(peer).campaigns.list(include_archived=True, sort_direction="desc")
    assert len(body["campaigns"]) == 200
    assert [s.query["page"] for s in peer.seen] == ["0", "1", "2"]
    assert peer.seen[0].query == {"page": "0", "include_archived": "true", "sort_direction": "desc"}


def test_explicit_page_fetches_one_page(peer: Peer) -> None:
    peer.route = paged("products", 620, 250)
    body = make_client(peer).purchases.product_list(page=2)
    assert body["products"] == [f"products-{i}" for i in range(500, 620)]
    assert [s.query for s in peer.seen] == [{"page": "2"}]


def test_export_ids_chunks_and_merges(peer: Peer) -> None:
    def answer(seen: Seen) -> Reply:
        ids = seen.body["external_ids"]
        users = [{"external_id": i} for i in ids if not i.endswith("7")]
        invalid = [i for i in ids if i.endswith("7")]
        return Reply(body={"message": "success", "users": users, "invalid_user_ids": invalid})

    peer.route = answer
    ids = [f"user-{i:03d}" for i in range(120)]
    body = make_client(peer).users.export_ids(external_ids=ids, fields_to_export=["external_id"])
    assert [len(s.body["external_ids"]) for s in peer.seen] == [50, 50, 20]
    assert all(s.body["fields_to_export"] == ["external_id"] for s in peer.seen)
    assert [u["external_id"] for u in body["users"]] == [i for i in ids if not i.endswith("7")]
    assert body["invalid_user_ids"] == [i for i in ids if i.endswith("7")]
    assert body["message"] == "success"


def test_export_ids_chunks_aliases(peer: Peer) -> None:
    peer.route = lambda seen: Reply(body={"message": "success", "users": seen.body["user_aliases"]})
    aliases = [{"alias_name": f"a{i}", "alias_label": "crm"} for i in range(51)]
    body = make_client(peer).users.export_ids(user_aliases=aliases)
    assert [len(s.body["user_aliases"]) for s in peer.seen] == [50, 1]
    assert body["users"] == aliases
    assert "invalid_user_ids" not in body


def test_failed_chunk_raises(peer: Peer) -> None:
    peer.script = [Reply(body={"message": "success", "users": []}), Reply(400, {"message": "bad"})]
    with pytest.raises(BadRequestError):
        make_client(peer).users.export_ids(external_ids=[str(i) for i in range(60)])
    assert len(peer.seen) == 2


# --- threads ------------------------------------------------------------------------------


def test_one_client_shared_by_threads(peer: Peer) -> None:
    counter = iter(range(10**6))
    lock = threading.Lock()

    def answer(seen: Seen) -> Reply:
        with lock:
            n = next(counter)
        return Reply(
            body={"message": "success", "data": [{"time": seen.query["length"]}]},
            headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": str(100 - n)},
            delay=0.01,
        )

    peer.route = answer
    client = make_client(peer)
    results: dict[int, object] = {}
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(5):
                results[n] = client.kpi.dau(length=n)["data"][0]["time"]
                assert isinstance(client.rate_limit, RateLimit)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert results == {n: str(n) for n in range(1, 9)}
    assert len(peer.seen) == 40
    assert client.rate_limit is not None and 60 <= client.rate_limit.remaining <= 100


def test_retry_after_http_date_is_understood(peer: Peer) -> None:
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    peer.script = [Reply(429, headers={"Retry-After": format_datetime(when, usegmt=True)})]
    with pytest.raises(RateLimitError) as info:
        make_client(peer).kpi.dau(length=1)
    assert info.value.reset_at is not None
    assert abs((info.value.reset_at - when).total_seconds()) <= 2


def test_an_injected_session_is_used_and_left_open(peer: Peer) -> None:
    session = requests.Session()
    session.headers["X-Trace"] = "dashboard"
    with BrazeClient(KEY, peer.url, session=session) as client:
        client.kpi.dau(length=1)
    assert peer.seen[0].headers["X-Trace"] == "dashboard"
    assert "Authorization" not in session.headers  # the key is never parked on a shared session
    session.get(peer.url + "/still-open", timeout=5)
    assert len(peer.seen) == 2


# --- bytes straight to frames (request_parsed, sends.data_series_frames) ---------------


def _send_body() -> dict:
    day = {
        "time": "2025-03-01",
        "conversions": 2,
        "messages": {
            "ios_push": [{"variation_name": "Tap", "sent": 40, "bounces": 3, "direct_opens": 5}],
            "email": [{"variation_name": "Plain", "sent": 9, "opens": 4, "unique_recipients": 9}],
        },
    }
    second = json.loads(json.dumps({**day, "time": "2025-03-02"}))
    return {"message": "success", "data": [day, second]}


def test_send_frames_come_from_the_bytes_and_match_the_decoded_pivot(peer: Peer) -> None:
    from pandas.testing import assert_frame_equal

    from dashboard.data.campaigns import series_from_body

    peer.route = lambda seen: Reply(body=_send_body())
    client = make_client(peer)
    read = client.sends.data_series_frames("c-1", "s-9", length=14, ending_at="2025-03-02")
    expected = series_from_body(_send_body())
    assert_frame_equal(read.long, expected.long, check_exact=True)
    assert_frame_equal(read.totals, expected.totals, check_exact=True)
    assert read.channels == expected.channels == ("ios_push", "email")
    assert read.long["delivered"].tolist() == [37, 0, 37, 0]  # push: sent − bounces
    [seen] = peer.seen
    assert seen.path == "/sends/data_series" and seen.headers["Authorization"] == f"Bearer {KEY}"
    assert seen.query["campaign_id"] == "c-1" and seen.query["send_id"] == "s-9"
    assert seen.query["length"] == "14" and "unit" not in seen.query
    assert client.slots.in_flight == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw=b'{"message": "success", "data": [{"time"'),
        Reply(raw=b"<html>gateway</html>"),
        Reply(raw=b'["not", "an", "object"]'),
        Reply(raw=b"null"),
        Reply(raw=b""),
        Reply(raw=b'{"message": "success"', truncate=True),
    ],
    ids=["cut-json", "html", "json-list", "null", "empty", "short-body"],
)
def test_send_frames_retry_unreadable_bodies_as_request_does(peer: Peer, reply: Reply) -> None:
    peer.route = lambda seen: reply
    with pytest.raises(BadResponseError) as info:
        make_client(peer, max_retries=1).sends.data_series_frames("c-1", "s-9", length=14)
    assert len(peer.seen) == 2
    assert info.value.endpoint == "/sends/data_series"


def test_send_frames_refuse_a_wrong_type_once_without_retrying(peer: Peer) -> None:
    from braze_api.frames import SeriesTypeError

    body = _send_body()
    body["data"][1]["messages"]["email"][0]["opens"] = "4"
    peer.route = lambda seen: Reply(body=body)
    with pytest.raises(SeriesTypeError, match=r"got `str` - at `\$\.data\[1\]\.messages\.email"):
        make_client(peer, max_retries=3).sends.data_series_frames("c-1", "s-9", length=14)
    assert len(peer.seen) == 1


def test_send_frames_keep_the_size_cap_errors_and_server_retries(peer: Peer) -> None:
    big = _send_body()
    big["data"] = big["data"] * 40  # over the cap, small enough to be sent whole
    peer.route = lambda seen: Reply(body=big)
    with pytest.raises(BadResponseError, match="larger than this dashboard reads"):
        make_client(peer, max_response_bytes=4096).sends.data_series_frames("c", "s", length=14)
    peer.route = None
    peer.script = [Reply(status=404, body={"message": "no such send"})]
    with pytest.raises(NotFoundError) as info:
        make_client(peer).sends.data_series_frames("c", "s", length=14)
    assert info.value.braze_message == "no such send"
    peer.script = [Reply(status=503), Reply(body=_send_body())]
    assert make_client(peer).sends.data_series_frames("c", "s", length=14).channels
    peer.script = [Reply(body=_send_body(), delay=1.0)]
    with pytest.raises(BrazeConnectionError):
        make_client(peer, timeout=0.2, max_retries=0).sends.data_series_frames("c", "s", length=14)


def test_send_frames_refuse_a_body_nested_too_deeply(peer: Peer) -> None:
    deep = b'{"data": [], "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    peer.route = lambda seen: Reply(raw=deep)
    with pytest.raises(BadResponseError, match="nested too deeply"):
        make_client(peer, max_retries=2).sends.data_series_frames("c", "s", length=14)
    assert len(peer.seen) == 1
