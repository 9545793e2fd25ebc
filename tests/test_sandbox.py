"""The Braze sandbox over real HTTP: shapes, paging, auth, errors, exports, faults, invariants."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY, RecordedRequest, Sandbox, SandboxURL, start_sandbox

AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}


def today() -> date:
    """The UTC date now, read at each use: a run that crosses midnight must not compare
    the sandbox's new day with the day the module was imported."""
    return datetime.now(UTC).date()


@pytest.fixture(scope="module")
def url() -> SandboxURL:
    base = start_sandbox(seed=7, export_delay=0.3, hostile_names=True)
    yield base
    base.stop()


@pytest.fixture(scope="module")
def ws(url: SandboxURL):
    return url.sandbox.workspace


def get(url: str, path: str, **params: object) -> requests.Response:
    return requests.get(url + path, params=params, headers=AUTH, timeout=10)


def ok(url: str, path: str, **params: object) -> dict:
    resp = get(url, path, **params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["message"] == "success"
    return body


def post(url: str, path: str, body: dict) -> requests.Response:
    return requests.post(url + path, json=body, headers=AUTH, timeout=10)


# -- start-up, shapes ---------------------------------------------------------


def test_url_is_a_str_with_sandbox(url: SandboxURL) -> None:
    assert isinstance(url, str) and url.startswith("http://127.0.0.1:")
    assert isinstance(url.sandbox, Sandbox)


def test_workspace_looks_real(ws) -> None:
    assert 3 <= len(ws.apps) <= 4
    assert len(ws.campaigns) >= 120 and len(ws.canvases) >= 30 and len(ws.segments) >= 110
    assert len(ws.events) >= 250 and len(ws.products) >= 5 and len(ws.cards) >= 3
    assert len(ws.users) == 3000
    channels = {v.channel for c in ws.campaigns for v in c.variations}
    assert {
        "email",
        "ios_push",
        "android_push",
        "webhook",
        "sms",
        "content_cards",
        "whats_app",
        "trigger_in_app_message",
    } <= channels
    assert any(c.multivariate for c in ws.campaigns) and any(c.send_ids for c in ws.campaigns)
    assert any(len(c.steps) >= 50 for c in ws.canvases) and any(not c.steps for c in ws.canvases)
    assert any(c.name.startswith("<script>") for c in ws.campaigns)
    assert any(s.name.startswith("=HYPERLINK") for s in ws.segments)
    assert {s.analytics_tracking_enabled for s in ws.segments} == {True, False}
    sparse = [u for u in ws.users if "first_name" not in u]
    assert 200 < len(sparse) < 1000


def test_same_seed_same_workspace(ws) -> None:
    again = Sandbox(seed=7, users=50, hostile_names=True).workspace
    assert [c.id for c in again.campaigns] == [c.id for c in ws.campaigns]
    assert again.users == ws.users[:50]


@pytest.mark.parametrize(
    ("path", "key", "item"),
    [
        ("/kpi/mau/data_series", "mau", int),
        ("/kpi/dau/data_series", "dau", int),
        ("/kpi/new_users/data_series", "new_users", int),
        ("/kpi/uninstalls/data_series", "uninstalls", int),
        ("/sessions/data_series", "sessions", int),
        ("/purchases/revenue_series", "revenue", float),
        ("/purchases/quantity_series", "purchase_quantity", int),
    ],
)
def test_simple_series_shapes(url: str, path: str, key: str, item: type) -> None:
    data = ok(url, path, length=7, ending_at="2025-03-10")["data"]
    assert [p["time"] for p in data] == [
        (date(2025, 3, 4) + timedelta(days=i)).isoformat() for i in range(7)
    ]
    assert all(set(p) == {"time", key} and isinstance(p[key], item) and p[key] >= 0 for p in data)


def test_lists_and_details(url: str, ws) -> None:
    seg = ok(url, "/segments/list")["segments"][0]
    assert set(seg) == {"id", "name", "analytics_tracking_enabled", "tags"}
    details = ok(url, "/segments/details", segment_id=seg["id"])
    assert {"created_at", "updated_at", "name", "description", "tags"} <= set(details)
    camp = ok(url, "/campaigns/list")["campaigns"][0]
    assert {"id", "name", "is_api_campaign", "tags"} <= set(camp)
    cd = ok(url, "/campaigns/details", campaign_id=camp["id"])
    assert {
        "created_at",
        "updated_at",
        "archived",
        "draft",
        "name",
        "schedule_type",
        "channels",
        "first_sent",
        "last_sent",
        "tags",
        "messages",
        "conversion_behaviors",
    } <= set(cd)
    assert all(m["channel"] in cd["channels"] for m in cd["messages"].values())
    canvas = ok(url, "/canvas/list")["canvases"][0]
    assert set(canvas) >= {"id", "name", "tags"}
    cv = ok(url, "/canvas/details", canvas_id=canvas["id"])
    assert {
        "variants",
        "steps",
        "channels",
        "first_entry",
        "last_entry",
        "draft",
        "archived",
    } <= set(cv)
    step_ids = {s["id"] for s in cv["steps"]}
    assert all(set(s["next_step_ids"]) <= step_ids for s in cv["steps"])
    card = ok(url, "/feed/list")["cards"][0]
    assert set(card) == {"id", "type", "title", "tags"}
    fd = ok(url, "/feed/details", card_id=card["id"])
    assert {"name", "publish_at", "end_at", "title", "image_url", "extras", "description"} <= set(
        fd
    )
    fs = ok(url, "/feed/data_series", card_id=card["id"], length=3)["data"]
    assert all(
        p["unique_clicks"] <= p["clicks"] and p["unique_impressions"] <= p["impressions"]
        for p in fs
    )
    assert ok(url, "/purchases/product_list")["products"] == sorted(p.name for p in ws.products)


def test_hostile_content_is_served_verbatim(url: str, ws) -> None:
    names = [
        c["name"] for page in (0, 1) for c in ok(url, "/campaigns/list", page=page)["campaigns"]
    ]
    assert "<script>alert(1)</script> Flash sale" in names
    bodies = [m.get("body", "") for c in ws.campaigns for v in c.variations for m in [v.message]]
    assert any("<script>" in b and "onerror=" in b for b in bodies)
    assert any(p.startswith("=HYPERLINK") for p in ok(url, "/purchases/product_list")["products"])


# -- pagination ---------------------------------------------------------------


def test_campaign_pages_and_archived(url: str, ws) -> None:
    first = ok(url, "/campaigns/list", page=0)["campaigns"]
    second = ok(url, "/campaigns/list", page=1)["campaigns"]
    assert len(first) == 100 and ok(url, "/campaigns/list", page=5)["campaigns"] == []
    visible = [c for c in ws.campaigns if not c.archived]
    assert [c["id"] for c in first + second] == [c.id for c in visible]
    everything = ok(url, "/campaigns/list", page=1, include_archived="true")["campaigns"]
    assert len(first) + len(everything) == len(ws.campaigns)
    desc = ok(url, "/campaigns/list", sort_direction="desc")["campaigns"]
    assert desc[0]["id"] == visible[-1].id


def test_segments_events_canvas_pages(url: str, ws) -> None:
    segs = ok(url, "/segments/list")["segments"] + ok(url, "/segments/list", page=1)["segments"]
    assert len(segs) == len(ws.segments) > 100
    events = ok(url, "/events/list")["events"]
    rest = ok(url, "/events/list", page=1)["events"]
    assert len(events) == 250 and events + rest == ws.events == sorted(ws.events)
    canvases = ok(url, "/canvas/list", include_archived="true")["canvases"]
    assert len(canvases) == len(ws.canvases)
    assert len(ok(url, "/canvas/list")["canvases"]) == sum(not c.archived for c in ws.canvases)


# -- auth and errors ----------------------------------------------------------


def test_any_bearer_token_works_by_default(url: str) -> None:
    resp = requests.get(
        url + "/kpi/dau/data_series",
        params={"length": 7},
        headers={"Authorization": "Bearer x"},
        timeout=10,
    )
    assert resp.status_code == 200 and len(resp.json()["data"]) == 7


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}]
)
def test_missing_key_is_401(url: str, headers: dict) -> None:
    resp = requests.get(
        url + "/kpi/dau/data_series", params={"length": 7}, headers=headers, timeout=10
    )
    assert resp.status_code == 401 and resp.json()["message"]


def test_key_in_query_is_refused_and_never_logged(url: str) -> None:
    sandbox = url.sandbox
    sandbox.clear_requests()
    resp = requests.get(
        url + "/kpi/dau/data_series",
        params={"length": 7, "api_key": "leaky-secret"},
        headers=AUTH,
        timeout=10,
    )
    assert resp.status_code == 401 and "Authorization" in resp.json()["message"]
    post(url, "/users/export/ids", {"external_ids": ["user-00001"], "api_key": "leaky-secret"})
    log = repr(sandbox.requests)
    assert "leaky-secret" not in log and SANDBOX_API_KEY not in log
    assert sandbox.requests[0] == RecordedRequest(
        "GET", "/kpi/dau/data_series", {"length": "7", "api_key": "[redacted]"}, None
    )


def test_configured_key_only() -> None:
    base = start_sandbox(api_key="s3cret", users=20)
    try:
        wrong = requests.get(
            base + "/events/list", headers={"Authorization": "Bearer nope"}, timeout=10
        )
        right = requests.get(
            base + "/events/list", headers={"Authorization": "Bearer s3cret"}, timeout=10
        )
        assert wrong.status_code == 401 and right.status_code == 200
        assert "s3cret" not in repr(base.sandbox.requests) + repr(base.sandbox)
    finally:
        base.stop()


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("/kpi/dau/data_series", {}, "length"),
        ("/kpi/dau/data_series", {"length": 0}, "length"),
        ("/kpi/dau/data_series", {"length": 101}, "length"),
        ("/kpi/dau/data_series", {"length": "x"}, "length"),
        ("/kpi/dau/data_series", {"length": 3, "ending_at": "yesterday"}, "ending_at"),
        ("/kpi/dau/data_series", {"length": 3, "app_id": "nope"}, "app_id"),
        ("/sessions/data_series", {"length": 3, "unit": "week"}, "unit"),
        ("/campaigns/list", {"sort_direction": "up"}, "sort_direction"),
        ("/campaigns/list", {"include_archived": "maybe"}, "include_archived"),
        ("/campaigns/list", {"page": -1}, "page"),
        ("/campaigns/data_series", {"campaign_id": "nope", "length": 3}, "campaign_id"),
        ("/campaigns/details", {"campaign_id": "nope"}, "campaign_id"),
        ("/canvas/details", {"canvas_id": "nope"}, "canvas_id"),
        ("/feed/details", {"card_id": "nope"}, "card_id"),
        ("/segments/details", {"segment_id": "nope"}, "segment_id"),
        ("/events/data_series", {"event": "never_happened", "length": 3}, "event"),
        ("/purchases/revenue_series", {"length": 3, "product": "nope"}, "product"),
    ],
)
def test_bad_parameters_are_400(url: str, path: str, params: dict, fragment: str) -> None:
    resp = get(url, path, **params)
    assert resp.status_code == 400
    assert fragment in resp.json()["message"]


def test_canvas_window_rules(url: str, ws) -> None:
    cid = ws.canvases[0].id
    assert (
        get(url, "/canvas/data_series", canvas_id=cid, length=3).status_code == 400
    )  # no ending_at
    end = today().isoformat()
    assert (
        get(url, "/canvas/data_series", canvas_id=cid, ending_at=end, length=15).status_code == 400
    )
    assert get(url, "/canvas/data_series", canvas_id=cid, ending_at=end).status_code == 400
    too_long = (today() - timedelta(days=15)).isoformat()
    assert (
        get(
            url, "/canvas/data_series", canvas_id=cid, ending_at=end, starting_at=too_long
        ).status_code
        == 400
    )
    start = (today() - timedelta(days=4)).isoformat()
    stats = ok(url, "/canvas/data_series", canvas_id=cid, ending_at=end, starting_at=start)["data"][
        "stats"
    ]
    assert [s["time"] for s in stats] == [
        (today() - timedelta(days=4 - i)).isoformat() for i in range(5)
    ]


def test_segment_filters_need_analytics(url: str, ws) -> None:
    off = next(s for s in ws.segments if not s.analytics_tracking_enabled)
    on = next(s for s in ws.segments if s.analytics_tracking_enabled and s.rule != ("all",))
    assert get(url, "/sessions/data_series", length=3, segment_id=off.id).status_code == 400
    assert (
        get(url, "/events/data_series", event=ws.events[0], length=3, segment_id=off.id).status_code
        == 400
    )
    whole = ok(url, "/sessions/data_series", length=5)["data"]
    part = ok(url, "/sessions/data_series", length=5, segment_id=on.id)["data"]
    assert all(p["sessions"] <= w["sessions"] for p, w in zip(part, whole, strict=True))


def test_unknown_path_and_wrong_method(url: str) -> None:
    assert get(url, "/kpi/nope/data_series", length=3).status_code == 404
    assert (
        requests.post(url + "/campaigns/list", headers=AUTH, json={}, timeout=10).status_code == 405
    )


def test_rate_limit_headers_everywhere(url: str) -> None:
    for resp in (get(url, "/events/list"), get(url, "/nope"), get(url, "/kpi/dau/data_series")):
        limit = int(resp.headers["X-RateLimit-Limit"])
        assert 0 <= int(resp.headers["X-RateLimit-Remaining"]) <= limit
        assert int(resp.headers["X-RateLimit-Reset"]) >= time.time() - 1
    assert get(url, "/events/list").headers["X-RateLimit-Limit"] == "1000"


# -- users export --------------------------------------------------------------


def test_export_ids(url: str, ws) -> None:
    ids = [u["external_id"] for u in ws.users[:40] if "external_id" in u]
    body = post(
        url,
        "/users/export/ids",
        {"external_ids": [*ids, "ghost"], "fields_to_export": ["first_name", "external_id"]},
    ).json()
    assert [u["external_id"] for u in body["users"]] == ids
    assert all(set(u) <= {"first_name", "external_id"} for u in body["users"])
    assert body["invalid_user_ids"] == ["ghost"]
    full = post(url, "/users/export/ids", {"external_ids": [ws.users[0]["external_id"]]}).json()[
        "users"
    ][0]
    assert full == ws.users[0]
    alias = next(u for u in ws.users if "user_aliases" in u)
    got = post(url, "/users/export/ids", {"user_aliases": alias["user_aliases"]}).json()["users"]
    assert got == [alias]
    rich = next(u for u in ws.users if u.get("devices"))
    by_device = post(
        url, "/users/export/ids", {"device_id": rich["devices"][0]["device_id"]}
    ).json()
    assert by_device["users"] == [rich]
    for kind, key in (("email_address", "email"), ("braze_id", "braze_id"), ("phone", "phone")):
        assert post(url, "/users/export/ids", {kind: rich[key]}).json()["users"] == [rich]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"external_ids": [f"user-{i:05d}" for i in range(51)]},
        {"external_ids": ["user-00001"], "email_address": "a@b.c"},
        {"external_ids": ["user-00001"], "fields_to_export": ["shoe_size"]},
        {"user_aliases": [{"alias_name": "x"}]},
    ],
)
def test_export_ids_bad_requests(url: str, body: dict) -> None:
    assert post(url, "/users/export/ids", body).status_code == 400


def test_profile_shape(ws) -> None:
    rich = [u for u in ws.users if "campaigns_received" in u]
    keys = set().union(*(u.keys() for u in rich))
    assert {
        "external_id",
        "braze_id",
        "first_name",
        "last_name",
        "email",
        "dob",
        "home_city",
        "country",
        "phone",
        "language",
        "time_zone",
        "last_coordinates",
        "gender",
        "total_revenue",
        "push_subscribe",
        "email_subscribe",
        "custom_attributes",
        "custom_events",
        "purchases",
        "devices",
        "push_tokens",
        "apps",
        "campaigns_received",
        "canvases_received",
        "cards_clicked",
        "created_at",
        "random_bucket",
        "user_aliases",
    } <= keys
    assert any(u["canvases_received"] and u["canvases_received"][0]["steps_received"] for u in rich)
    assert any(isinstance(u["custom_attributes"]["address"], dict) for u in rich)


class _Catcher(BaseHTTPRequestHandler):
    received: list = []
    event = threading.Event()

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(data))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        type(self).event.set()

    def log_message(self, *args: object) -> None:
        return


def _unzip(data: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode().splitlines() for n in archive.namelist()}


def test_segment_export_lifecycle(url: str, ws) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Catcher)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        segment = next(s for s in ws.segments if s.rule[0] == "country")
        callback = f"http://127.0.0.1:{receiver.server_address[1]}/done"
        resp = post(
            url,
            "/users/export/segment",
            {
                "segment_id": segment.id,
                "callback_endpoint": callback,
                "fields_to_export": ["external_id", "country"],
            },
        )
        body = resp.json()
        assert resp.status_code == 200 and body["object_prefix"] in body["url"]
        assert post(url, "/users/export/segment", {"segment_id": segment.id}).status_code == 429
        assert requests.get(body["url"], timeout=10).status_code == 404
        assert _Catcher.event.wait(5)
        assert _Catcher.received == [{"success": True, "url": body["url"]}]
        files = _unzip(requests.get(body["url"], timeout=10).content)
        users = [json.loads(line) for lines in files.values() for line in lines]
        assert users == [
            {"external_id": u["external_id"], "country": u["country"]}
            if "external_id" in u
            else {"country": u["country"]}
            for u in ws.segment_members(segment.id)
        ]
    finally:
        receiver.shutdown()
        receiver.server_close()


def test_segment_export_bad_requests(url: str, ws) -> None:
    assert post(url, "/users/export/segment", {"segment_id": "nope"}).status_code == 400
    sid = ws.segments[1].id
    far = {"segment_id": sid, "callback_endpoint": "http://evil.example/hook"}
    assert post(url, "/users/export/segment", far).status_code == 400
    assert (
        post(url, "/users/export/segment", {"segment_id": sid, "output_format": "rar"}).status_code
        == 400
    )


def test_big_export_has_one_file_per_5000_users_and_corrupt_lines() -> None:
    base = start_sandbox(users=10_001, campaigns=20, export_delay=0.0, export_corrupt_file=True)
    try:
        everyone = next(s for s in base.sandbox.workspace.segments if s.rule == ("all",))
        body = post(
            base,
            "/users/export/segment",
            {"segment_id": everyone.id, "fields_to_export": ["braze_id"]},
        ).json()
        files = _unzip(requests.get(body["url"], timeout=30).content)
        assert sorted(len(lines) for lines in files.values()) == [1, 5000, 5001]
        bad = 0
        for lines in files.values():
            for line in lines:
                try:
                    json.loads(line)
                except ValueError:
                    bad += 1
        assert bad == 2
    finally:
        base.stop()


# -- faults -------------------------------------------------------------------


def test_inject_and_clear(url: str) -> None:
    sandbox = url.sandbox
    sandbox.inject("/kpi", 503, times=2)
    codes = [get(url, "/kpi/dau/data_series", length=2).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    sandbox.inject("campaigns/list", 429)
    for _ in range(3):
        resp = get(url, "/campaigns/list")
        assert resp.status_code == 429 and resp.json()["message"]
        assert resp.headers["X-RateLimit-Remaining"] == "0" and resp.headers["Retry-After"] == "1"
        assert time.time() < int(resp.headers["X-RateLimit-Reset"]) <= time.time() + 3
    sandbox.clear_injections()
    assert get(url, "/campaigns/list").status_code == 200


def test_random_fault_shares() -> None:
    base = start_sandbox(users=20, campaigns=10, p_429=0.2, p_5xx=0.2, p_truncated=0.2, seed=11)
    try:
        kinds: Counter = Counter()
        session = requests.Session()
        for _ in range(300):
            resp = session.get(base + "/events/list", headers=AUTH, timeout=10)
            if resp.status_code == 200:
                try:
                    resp.json()
                    kinds["ok"] += 1
                except ValueError:
                    kinds["truncated"] += 1
            else:
                kinds[
                    resp.status_code // 100 * 100 if resp.status_code >= 500 else resp.status_code
                ] += 1
        for kind in (429, 500, "truncated"):
            assert 30 <= kinds[kind] <= 95, kinds
        assert kinds["ok"] >= 90
        assert (
            requests.get(base + "/_sandbox/health", timeout=10).status_code == 200
        )  # never faulted
    finally:
        base.stop()


def test_latency_is_added() -> None:
    base = start_sandbox(users=10, campaigns=5, latency=0.2)
    try:
        started = time.perf_counter()
        get(base, "/events/list")
        assert time.perf_counter() - started >= 0.2
    finally:
        base.stop()


# -- windows and consistency ------------------------------------------------------


def test_window_semantics(url: str) -> None:
    data = ok(url, "/kpi/dau/data_series", length=3, ending_at="2025-01-10T23:30:00-05:00")["data"]
    assert [p["time"] for p in data] == ["2025-01-09", "2025-01-10", "2025-01-11"]  # UTC date of E
    future = (today() + timedelta(days=3)).isoformat()
    data = ok(url, "/kpi/dau/data_series", length=5, ending_at=future)["data"]
    assert data[-1]["time"] == today().isoformat() and len(data) == 2
    hours = ok(
        url, "/sessions/data_series", length=5, unit="hour", ending_at="2025-01-10T03:20:00Z"
    )["data"]
    assert [h["time"] for h in hours] == [f"2025-01-09T{h:02d}:00:00Z" for h in (23,)] + [
        f"2025-01-10T{h:02d}:00:00Z" for h in range(4)
    ]


def test_overlapping_windows_agree(url: str, ws) -> None:
    camp = next(c for c in ws.campaigns if c.first_sent and c.last_sent is None)
    for path, params in [
        ("/kpi/mau/data_series", {}),
        ("/sessions/data_series", {"app_id": ws.apps[0].id}),
        ("/events/data_series", {"event": ws.events[3]}),
        ("/campaigns/data_series", {"campaign_id": camp.id}),
    ]:
        a = ok(url, path, length=30, ending_at=(today() - timedelta(days=5)).isoformat(), **params)[
            "data"
        ]
        b = ok(url, path, length=20, **params)["data"]
        overlap = {p["time"] for p in a} & {p["time"] for p in b}
        assert len(overlap) >= 10
        assert [p for p in a if p["time"] in overlap] == [p for p in b if p["time"] in overlap]


def test_kpi_invariants(url: str, ws) -> None:
    for app in [None, ws.apps[1].id]:
        extra = {"app_id": app} if app else {}
        dau = ok(url, "/kpi/dau/data_series", length=60, **extra)["data"]
        mau = ok(url, "/kpi/mau/data_series", length=60, **extra)["data"]
        assert all(0 < d["dau"] <= m["mau"] for d, m in zip(dau, mau, strict=True))
    total = ok(url, "/kpi/dau/data_series", length=10)["data"]
    parts = [ok(url, "/kpi/dau/data_series", length=10, app_id=a.id)["data"] for a in ws.apps]
    assert [p["dau"] for p in total] == [
        sum(x) for x in zip(*[[p["dau"] for p in s] for s in parts], strict=True)
    ]
    weekdays = [p["dau"] for p in ok(url, "/kpi/dau/data_series", length=98)["data"]]
    assert len(set(weekdays)) > 50  # not flat


def test_hours_sum_to_the_day(url: str, ws) -> None:
    day = today() - timedelta(days=3)
    end = f"{day.isoformat()}T23:00:00Z"
    card = ws.cards[0]
    for path, key, params in [
        ("/sessions/data_series", "sessions", {}),
        ("/events/data_series", "count", {"event": ws.events[0]}),
        ("/purchases/quantity_series", "purchase_quantity", {"product": ws.products[0].name}),
        ("/purchases/revenue_series", "revenue", {}),
        ("/feed/data_series", "clicks", {"card_id": card.id}),
    ]:
        daily = ok(url, path, length=1, ending_at=day.isoformat(), **params)["data"][0][key]
        hourly = ok(url, path, length=24, unit="hour", ending_at=end, **params)["data"]
        assert len(hourly) == 24
        assert sum(h[key] for h in hourly) == pytest.approx(daily)
    rows = ok(url, "/feed/data_series", card_id=card.id, length=24, unit="hour", ending_at=end)[
        "data"
    ]
    assert all(
        r["unique_clicks"] <= r["clicks"] and r["unique_impressions"] <= r["impressions"]
        for r in rows
    )


def _check_channel(ch: str, e: dict) -> None:
    if "enrolled" in e:  # a control group: no message stats
        assert e["unique_recipients"] <= e["enrolled"]
    elif ch == "email":
        assert e["unique_opens"] <= e["opens"] <= e["delivered"] <= e["sent"]
        assert e["unique_clicks"] <= e["clicks"] and e["machine_open"] <= e["unique_opens"]
    elif ch.endswith("push") and "opens" in e:  # a Canvas step's push shape
        assert e["opens"] + e["influenced_opens"] + e["bounces"] <= e["sent"]
    elif ch.endswith("push") and "sent" in e:
        assert e["direct_opens"] <= e["total_opens"] <= e["sent"] - e["bounces"]
        if "delivered" in e:  # send analytics report delivered themselves
            assert (
                e["delivered"] + e["undelivered"] + e["delivery_failed"] + e["bounces"]
                == (e["sent"])
            )
    elif ch == "sms" and "sent" in e:
        assert e["delivered"] <= e["sent_to_carrier"] <= e["sent"]
    elif ch == "content_cards" and "total_clicks" in e:
        assert (
            e["unique_clicks"] <= e["total_clicks"]
            and e["unique_impressions"] <= e["total_impressions"]
        )


def test_campaign_series_consistency(url: str, ws) -> None:
    seen_channels: set = set()
    seen_control = False
    for camp in [c for c in ws.campaigns if c.first_sent and c.last_sent is None][:25]:
        for point in ok(url, "/campaigns/data_series", campaign_id=camp.id, length=30)["data"]:
            entries = [e for lst in point["messages"].values() for e in lst]
            assert set(point["messages"]) == set(camp.channels)
            assert point["conversions"] == sum(e["conversions"] for e in entries)
            assert point["unique_recipients"] == sum(e["unique_recipients"] for e in entries)
            assert point["revenue"] == pytest.approx(sum(e["revenue"] for e in entries), abs=0.01)
            for ch, lst in point["messages"].items():
                for e in lst:
                    seen_channels.add(ch)
                    seen_control |= "enrolled" in e
                    assert e["conversions"] <= e["unique_recipients"]
                    _check_channel(ch, e)
    assert len(seen_channels) >= 5 and seen_control


def test_inactive_campaign_days_are_empty(url: str, ws) -> None:
    camp = next(
        c
        for c in ws.campaigns
        if c.first_sent and c.first_sent.date() > today() - timedelta(days=600)
    )
    before = camp.first_sent.date() - timedelta(days=1)
    point = ok(
        url, "/campaigns/data_series", campaign_id=camp.id, length=1, ending_at=before.isoformat()
    )["data"][0]
    assert all(v == [] for v in point["messages"].values()) and point["unique_recipients"] == 0


def test_sends_series(url: str, ws) -> None:
    camp = next(c for c in ws.campaigns if c.send_ids)
    send = camp.send_ids[0]
    data = ok(url, "/sends/data_series", campaign_id=camp.id, send_id=send.id, length=30)["data"]
    assert len(data) == 14 and data[-1]["time"] == today().isoformat()
    sent_day = next(p for p in data if p["time"] == send.day.isoformat())
    assert sent_day["unique_recipients"] > 0
    assert (
        get(url, "/sends/data_series", campaign_id=camp.id, send_id="nope", length=3).status_code
        == 400
    )


def test_canvas_series_and_summary(url: str, ws) -> None:
    big = next(c for c in ws.canvases if len(c.steps) >= 50)
    params = {"canvas_id": big.id, "ending_at": today().isoformat(), "length": 14}
    plain = ok(url, "/canvas/data_series", **params)["data"]
    assert plain["name"] == big.name and len(plain["stats"]) == 14
    assert all(set(s) == {"time", "total_stats"} for s in plain["stats"])
    full = ok(
        url,
        "/canvas/data_series",
        include_variant_breakdown="true",
        include_step_breakdown="true",
        include_deleted_step_data="true",
        **params,
    )["data"]["stats"]
    for day in full:
        variants = day["variant_stats"].values()
        for key in ("entries", "conversions", "conversions_by_entry_time"):
            assert day["total_stats"][key] == sum(v[key] for v in variants)
        assert day["total_stats"]["revenue"] == pytest.approx(
            sum(v["revenue"] for v in variants), abs=0.02
        )
        assert len(day["step_stats"]) >= 50
        for step in day["step_stats"].values():
            for ch, entries in step["messages"].items():
                for e in entries:
                    _check_channel(ch, e)
    summary = ok(
        url,
        "/canvas/data_summary",
        include_variant_breakdown="true",
        include_step_breakdown="true",
        **params,
    )["data"]
    assert summary["total_stats"]["entries"] == sum(d["total_stats"]["entries"] for d in full)
    assert set(summary["variant_stats"]) == {v.id for v in big.variants}
    empty = next(c for c in ws.canvases if not c.steps)
    none = ok(
        url,
        "/canvas/data_summary",
        canvas_id=empty.id,
        ending_at=today().isoformat(),
        length=3,
        include_step_breakdown="true",
    )["data"]
    assert none["step_stats"] == {} and none["total_stats"]["entries"] == 0


def test_deleted_steps_only_when_asked(url: str, ws) -> None:
    canvas = next(
        c for c in ws.canvases if c.deleted_steps and c.first_entry and c.last_entry is None
    )
    params = {
        "canvas_id": canvas.id,
        "ending_at": today().isoformat(),
        "length": 2,
        "include_step_breakdown": "true",
    }
    without = ok(url, "/canvas/data_series", **params)["data"]["stats"][0]["step_stats"]
    with_deleted = ok(url, "/canvas/data_series", include_deleted_step_data="true", **params)[
        "data"
    ]["stats"][0]
    assert set(without) == {s.id for s in canvas.steps}
    assert set(with_deleted["step_stats"]) == {s.id for s in canvas.steps + canvas.deleted_steps}


def test_segment_size_matches_members(url: str, ws) -> None:
    seg = next(s for s in ws.segments if s.analytics_tracking_enabled)
    data = ok(url, "/segments/data_series", segment_id=seg.id, length=10)["data"]
    assert data[-1]["time"] == today().isoformat() and data[-1]["size"] == len(
        ws.segment_members(seg.id)
    )
    off = next(s for s in ws.segments if not s.analytics_tracking_enabled)
    assert get(url, "/segments/data_series", segment_id=off.id, length=3).status_code == 400


def test_revenue_is_price_times_quantity(url: str, ws) -> None:
    product = ws.products[0]
    qty = ok(url, "/purchases/quantity_series", length=5, product=product.name)["data"]
    rev = ok(url, "/purchases/revenue_series", length=5, product=product.name)["data"]
    for q, r in zip(qty, rev, strict=True):
        assert r["revenue"] == pytest.approx(q["purchase_quantity"] * product.price_cents / 100)


def test_command_line_serves_and_prints_url_and_key() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "braze_sandbox", "--port", "0", "--users", "50"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        base = first.split(" on ")[1].strip()
        assert SANDBOX_API_KEY in second
        resp = requests.get(
            base + "/kpi/dau/data_series",
            params={"length": 7},
            headers={"Authorization": "Bearer x"},
            timeout=10,
        )
        assert resp.status_code == 200 and len(resp.json()["data"]) == 7
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_deeply_nested_request_body_is_a_400(url: str) -> None:
    response = requests.post(
        url + "/users/export/ids",
        data=b"[" * 100_000,
        headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Request body is nested too deeply"
