"""Cursor paging through the Link header (/events, /custom_attributes): the client against the
sandbox and against a local server of our own that sends hostile or looping Link headers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from braze_api import BadResponseError, BrazeClient, PermissionDeniedError
from braze_api.resources._base import next_cursor
from braze_sandbox import start_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    url = start_sandbox(users=100)
    yield url
    url.stop()


def test_events_get_follows_every_next_cursor(sandbox) -> None:
    client = BrazeClient("sk-cursor-test", sandbox)
    sandbox.sandbox.clear_requests()
    body = client.events.get()
    names = [e["name"] for e in body["events"]]
    assert names == sorted(sandbox.sandbox.workspace.events)
    asked = [r for r in sandbox.sandbox.requests if r.path == "/events"]
    assert len(asked) == -(-len(names) // 50)
    assert "cursor" not in asked[0].query and all("cursor" in r.query for r in asked[1:])
    assert body["message"] == "success"


def test_one_page_and_its_next_cursor(sandbox) -> None:
    client = BrazeClient("sk-cursor-test", sandbox)
    first = client.custom_attributes.get_page()
    assert len(first.body["attributes"]) == 50 and first.next_cursor
    second = client.custom_attributes.get_page(first.next_cursor)
    assert second.next_cursor is None
    everything = client.custom_attributes.get()["attributes"]
    assert everything == first.body["attributes"] + second.body["attributes"]
    assert (
        client.custom_attributes.get(first.next_cursor)["attributes"] == (second.body["attributes"])
    )


def test_a_missing_permission_raises_the_typed_error(sandbox) -> None:
    client = BrazeClient("sk-cursor-test", sandbox)
    sandbox.sandbox.deny("events.get")
    try:
        with pytest.raises(PermissionDeniedError, match="/events"):
            client.events.get()
    finally:
        sandbox.sandbox.allow_all()


@pytest.mark.parametrize("cursor", ["", "  ", "a b", "x" * 513, "tab\there", 7])
def test_bad_cursors_are_refused_before_sending(sandbox, cursor) -> None:
    client = BrazeClient("sk-cursor-test", sandbox)
    sandbox.sandbox.clear_requests()
    with pytest.raises(ValueError, match="cursor"):
        client.events.get_page(cursor)  # type: ignore[arg-type]
    assert not sandbox.sandbox.requests


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('</events?cursor=c2tpcDo1MA==>; rel="next"', "c2tpcDo1MA=="),
        (
            '<https://rest.iad-01.braze.com/events?cursor=YQ==>; rel="prev",'
            '<https://rest.iad-01.braze.com/events?cursor=Yg==>; rel="next"',
            "Yg==",
        ),
        ('<https://x.test/custom_attributes/?cursor=c2tpcDow>; rel="prev"', None),
        ('<https://x.test/custom_attributes/?page=2>; rel="next"', None),
        ("", None),
        ("garbage without brackets", None),
    ],
)
def test_next_cursor_reads_only_the_next_links_cursor(header, expected) -> None:
    assert next_cursor({"Link": header}) == expected


class _Server:
    """A local server answering /events with a scripted list of (body, Link header)."""

    def __init__(self, pages: list[tuple[dict, str | None]]) -> None:
        self.pages = pages
        self.seen: list[dict[str, list[str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                outer.seen.append(parse_qs(urlsplit(self.path).query))
                body, link = outer.pages[min(len(outer.seen), len(outer.pages)) - 1]
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if link:
                    self.send_header("Link", link)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_next_link_to_another_host_is_never_followed() -> None:
    server = _Server(
        [
            (
                {"message": "success", "events": [{"name": "a"}]},
                '<https://evil.example/steal?cursor=Zm9v>; rel="next"',
            ),
            ({"message": "success", "events": [{"name": "b"}]}, None),
        ]
    )
    try:
        body = BrazeClient("sk-cursor-test", server.url).events.get()
        assert [e["name"] for e in body["events"]] == ["a", "b"]
        assert server.seen[1] == {"cursor": ["Zm9v"]}  # the cursor, asked of our own host
    finally:
        server.stop()


def test_a_repeated_cursor_ends_with_an_error_not_a_loop() -> None:
    server = _Server(
        [({"message": "success", "events": [{"name": "a"}]}, '</events?cursor=YQ==>; rel="next"')]
    )
    try:
        with pytest.raises(BadResponseError, match="repeated a page cursor"):
            BrazeClient("sk-cursor-test", server.url).events.get()
        assert len(server.seen) == 2  # the second page pointed back at itself
    finally:
        server.stop()


def test_request_with_headers_returns_this_requests_headers(sandbox) -> None:
    client = BrazeClient("sk-cursor-test", sandbox)
    body, headers = client.request_with_headers("GET", "/events")
    assert "next" in headers["Link"] and headers["X-RateLimit-Limit"]
    body, headers = client.request_with_headers("GET", "/kpi/dau/data_series", params={"length": 2})
    assert "Link" not in headers and len(body["data"]) == 2
