"""Every client method against the embedded Braze sandbox, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from braze_api import (
    AuthenticationError,
    BadRequestError,
    BrazeClient,
    NotFoundError,
    PermissionDeniedError,
    RateLimit,
    RateLimitError,
    ServerError,
)
from braze_sandbox import SANDBOX_API_KEY, Sandbox, start_sandbox

TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    url = start_sandbox(users=400, api_key=SANDBOX_API_KEY)
    yield url.sandbox
    url.stop()


@pytest.fixture
def sb(sandbox: Sandbox) -> Iterator[Sandbox]:
    sandbox.clear_requests()
    sandbox.clear_injections()
    yield sandbox
    sandbox.clear_injections()


@pytest.fixture
def client(sb: Sandbox) -> BrazeClient:
    return BrazeClient(SANDBOX_API_KEY, sb.url, backoff_base=0.01, timeout=10)


def _calls(ws: Any) -> list[tuple[str, str, Callable[[BrazeClient], dict], str]]:
    """(id, path, call, key that must be in the body) for all 26 endpoints."""
    # send analytics are kept 14 days: pick a send inside that window
    campaign, send = next(
        (c, s) for c in ws.campaigns for s in c.send_ids if s.day >= TODAY - timedelta(days=12)
    )
    segment = next(s for s in ws.segments if s.analytics_tracking_enabled)
    canvas, card, app = ws.canvases[0], ws.cards[0], ws.apps[0]
    user = ws.users[0]
    event, product = ws.events[0], ws.products[0].name
    return [
        ("users.export_ids", "/users/export/ids",
         lambda c: c.users.export_ids(external_ids=[user["external_id"]]), "users"),
        ("users.export_segment", "/users/export/segment",
         lambda c: c.users.export_segment(segment.id, fields_to_export=["email"]), "object_prefix"),
        ("segments.list", "/segments/list", lambda c: c.segments.list(), "segments"),
        ("segments.data_series", "/segments/data_series",
         lambda c: c.segments.data_series(segment.id, length=7), "data"),
        ("segments.details", "/segments/details", lambda c: c.segments.details(segment.id), "name"),
        ("campaigns.list", "/campaigns/list", lambda c: c.campaigns.list(), "campaigns"),
        ("campaigns.data_series", "/campaigns/data_series",
         lambda c: c.campaigns.data_series(campaign.id, length=7, ending_at=TODAY), "data"),
        ("campaigns.details", "/campaigns/details",
         lambda c: c.campaigns.details(campaign.id), "messages"),
        ("sends.data_series", "/sends/data_series",
         lambda c: c.sends.data_series(campaign.id, send.id, length=14), "data"),
        ("canvas.list", "/canvas/list", lambda c: c.canvas.list(), "canvases"),
        ("canvas.details", "/canvas/details", lambda c: c.canvas.details(canvas.id), "steps"),
        ("canvas.data_series", "/canvas/data_series",
         lambda c: c.canvas.data_series(canvas.id, ending_at=TODAY, length=7), "data"),
        ("canvas.data_summary", "/canvas/data_summary",
         lambda c: c.canvas.data_summary(
             canvas.id, ending_at=TODAY, starting_at=TODAY - timedelta(days=6)), "data"),
        ("feed.list", "/feed/list", lambda c: c.feed.list(), "cards"),
        ("feed.data_series", "/feed/data_series",
         lambda c: c.feed.data_series(card.id, length=24, unit="hour"), "data"),
        ("feed.details", "/feed/details", lambda c: c.feed.details(card.id), "title"),
        ("kpi.mau", "/kpi/mau/data_series", lambda c: c.kpi.mau(length=30), "data"),
        ("kpi.dau", "/kpi/dau/data_series", lambda c: c.kpi.dau(length=30, app_id=app.id), "data"),
        ("kpi.new_users", "/kpi/new_users/data_series",
         lambda c: c.kpi.new_users(length=30), "data"),
        ("kpi.uninstalls", "/kpi/uninstalls/data_series",
         lambda c: c.kpi.uninstalls(length=30), "data"),
        ("sessions.data_series", "/sessions/data_series",
         lambda c: c.sessions.data_series(length=48, unit="hour", segment_id=segment.id), "data"),
        ("events.list", "/events/list", lambda c: c.events.list(), "events"),
        ("events.data_series", "/events/data_series",
         lambda c: c.events.data_series(event, length=14, app_id=app.id), "data"),
        ("purchases.product_list", "/purchases/product_list",
         lambda c: c.purchases.product_list(), "products"),
        ("purchases.revenue_series", "/purchases/revenue_series",
         lambda c: c.purchases.revenue_series(length=14, product=product), "data"),
        ("purchases.quantity_series", "/purchases/quantity_series",
         lambda c: c.purchases.quantity_series(length=10, unit="day"), "data"),
    ]  # fmt: skip


def test_all_26_endpoints_answer(client: BrazeClient, sb: Sandbox) -> None:
    calls = _calls(sb.workspace)
    assert len({path for _, path, _, _ in calls}) == 26
    for name, path, call, key in calls:
        sb.clear_requests()
        body = call(client)
        assert body.get("message") == "success", name
        assert key in body and body[key], name
        assert {r.path for r in sb.requests} == {path}, name


def test_series_shapes_follow_the_parameters(client: BrazeClient, sb: Sandbox) -> None:
    ending = datetime(2024, 12, 10, 23, 59, 59)  # naive: treated as UTC
    body = client.kpi.dau(length=7, ending_at=ending)
    assert [p["time"] for p in body["data"]][-1] == "2024-12-10"
    assert len(body["data"]) == 7 and all("dau" in p for p in body["data"])
    assert sb.requests[-1].query["ending_at"] == "2024-12-10T23:59:59+00:00"
    hourly = client.sessions.data_series(length=24, unit="hour", ending_at=date(2024, 12, 10))
    assert len(hourly["data"]) == 24 and hourly["data"][-1]["time"].startswith("2024-12-10T23")
    canvas = sb.workspace.canvases[0]
    plain = client.canvas.data_series(canvas.id, ending_at="2024-12-10", length=3)
    assert plain["data"]["name"] == canvas.name and len(plain["data"]["stats"]) == 3
    assert "variant_stats" not in plain["data"]["stats"][0]
    detailed = client.canvas.data_series(
        canvas.id,
        ending_at="2024-12-10",
        length=3,
        include_variant_breakdown=True,
        include_step_breakdown=True,
    )
    day = detailed["data"]["stats"][0]
    assert "variant_stats" in day and "step_stats" in day
    assert sb.requests[-1].query["include_variant_breakdown"] == "true"


def test_lists_page_through_the_sandbox(client: BrazeClient, sb: Sandbox) -> None:
    ws = sb.workspace
    live = [c.id for c in ws.campaigns if not c.archived]
    assert len(live) > 100
    assert [c["id"] for c in client.campaigns.list()["campaigns"]] == live
    assert [r.query["page"] for r in sb.requests] == ["0", "1"]
    everything = client.campaigns.list(include_archived=True)["campaigns"]
    assert [c["id"] for c in everything] == [c.id for c in ws.campaigns]
    newest_first = client.campaigns.list(sort_direction="desc")["campaigns"]
    assert [c["id"] for c in newest_first] == live[::-1]
    assert client.events.list()["events"] == sorted(ws.events)
    assert len(ws.events) > 250
    segments = client.segments.list()["segments"]
    assert [s["id"] for s in segments] == [s.id for s in ws.segments]


def test_explicit_page_fetches_one_page(client: BrazeClient, sb: Sandbox) -> None:
    live = [c.id for c in sb.workspace.campaigns if not c.archived]
    second = client.campaigns.list(page=1)["campaigns"]
    assert [c["id"] for c in second] == live[100:200]
    assert len(sb.requests) == 1 and sb.requests[0].query["page"] == "1"
    events = client.events.list(page=1)["events"]
    assert events == sorted(sb.workspace.events)[250:500]


def test_export_ids_chunks_of_50_are_merged(client: BrazeClient, sb: Sandbox) -> None:
    known = [u["external_id"] for u in sb.workspace.users if "external_id" in u][:100]
    unknown = [f"nobody-{i}" for i in range(20)]
    ids = known[:60] + unknown[:10] + known[60:] + unknown[10:]
    body = client.users.export_ids(external_ids=ids, fields_to_export=["external_id", "email"])
    posts = [r for r in sb.requests if r.path == "/users/export/ids"]
    assert [len(r.body["external_ids"]) for r in posts] == [50, 50, 20]
    assert [u["external_id"] for u in body["users"]] == known
    assert set(body["users"][0]) <= {"external_id", "email"}
    assert body["invalid_user_ids"] == unknown


def test_export_ids_by_alias_and_by_single_identifiers(client: BrazeClient, sb: Sandbox) -> None:
    user = next(u for u in sb.workspace.users if u.get("user_aliases") and u.get("email"))
    alias = user["user_aliases"][0]
    by_alias = client.users.export_ids(user_aliases=[alias])
    assert by_alias["users"][0]["braze_id"] == user["braze_id"]
    by_email = client.users.export_ids(email_address=user["email"])
    assert user["braze_id"] in [u["braze_id"] for u in by_email["users"]]
    by_braze_id = client.users.export_ids(braze_id=user["braze_id"])
    assert by_braze_id["users"][0]["braze_id"] == user["braze_id"]
    missing = client.users.export_ids(phone="+10000000000")
    assert missing["users"] == [] and missing["invalid_user_ids"] == ["+10000000000"]


def test_wrong_key_is_an_authentication_error(sb: Sandbox) -> None:
    wrong = "definitely-not-the-key-123"
    client = BrazeClient(wrong, sb.url, backoff_base=0.01)
    with pytest.raises(AuthenticationError) as info:
        client.kpi.mau(length=7)
    err = info.value
    assert err.status == 401 and err.endpoint == "/kpi/mau/data_series"
    assert err.braze_message and str(err).startswith(
        "Braze refused the key (401) for /kpi/mau/data_series: "
    )
    assert wrong not in str(err) and len(sb.requests) == 1


def test_braze_400_carries_the_sandbox_message(client: BrazeClient, sb: Sandbox) -> None:
    with pytest.raises(BadRequestError) as info:
        client.campaigns.details("no-such-campaign")
    assert info.value.braze_message
    assert str(info.value).endswith(info.value.braze_message)
    assert len(sb.requests) == 1


@pytest.mark.parametrize(
    ("status", "kind"),
    [(403, PermissionDeniedError), (404, NotFoundError), (401, AuthenticationError)],
)
def test_injected_client_errors(client: BrazeClient, sb: Sandbox, status: int, kind: type) -> None:
    sb.inject("/kpi", status)
    with pytest.raises(kind) as info:
        client.kpi.new_users(length=3)
    assert info.value.status == status and len(sb.requests) == 1


def test_injected_5xx_is_retried_until_it_clears(client: BrazeClient, sb: Sandbox) -> None:
    sb.inject("/campaigns/details", 503, times=2)
    campaign = sb.workspace.campaigns[0]
    assert client.campaigns.details(campaign.id)["name"] == campaign.name
    assert len(sb.requests) == 3


def test_persistent_5xx_gives_up(sb: Sandbox) -> None:
    sb.inject("/feed", 500)
    client = BrazeClient(SANDBOX_API_KEY, sb.url, backoff_base=0.01, max_retries=2)
    with pytest.raises(ServerError):
        client.feed.list()
    assert len(sb.requests) == 3


def test_segment_export_post_reaches_braze_once_on_a_5xx(client: BrazeClient, sb: Sandbox) -> None:
    """A retried POST could start a second export: the 500 is raised, while a GET is retried."""
    segment = sb.workspace.segments[0]
    campaign = sb.workspace.campaigns[0]
    sb.inject("/users/export/segment", 500, times=1)  # a retry would have succeeded
    sb.inject("/campaigns/details", 500, times=1)
    with pytest.raises(ServerError) as info:
        client.users.export_segment(segment.id, fields_to_export=["email"])
    assert info.value.status == 500
    assert client.campaigns.details(campaign.id)["name"] == campaign.name
    assert [(r.method, r.path) for r in sb.requests] == [
        ("POST", "/users/export/segment"),
        ("GET", "/campaigns/details"),
        ("GET", "/campaigns/details"),
    ]


def test_segment_export_post_is_not_retried_after_a_short_429(
    client: BrazeClient, sb: Sandbox
) -> None:
    sb.inject("/users/export/segment", 429, times=1)
    with pytest.raises(RateLimitError):
        client.users.export_segment(sb.workspace.segments[0].id)
    assert [(r.method, r.path) for r in sb.requests] == [("POST", "/users/export/segment")]


def test_export_ids_lookup_is_still_retried(client: BrazeClient, sb: Sandbox) -> None:
    """/users/export/ids only reads profiles, so a 5xx is retried like a GET."""
    user = sb.workspace.users[0]
    sb.inject("/users/export/ids", 503, times=1)
    body = client.users.export_ids(external_ids=[user["external_id"]])
    assert [u["external_id"] for u in body["users"]] == [user["external_id"]]
    assert [r.path for r in sb.requests] == ["/users/export/ids"] * 2


def test_injected_429_waits_then_retries(client: BrazeClient, sb: Sandbox) -> None:
    sb.inject("/kpi/dau", 429, times=1)
    assert client.kpi.dau(length=2)["message"] == "success"
    assert len(sb.requests) == 2


def test_injected_429_raises_when_the_wait_is_too_long(sb: Sandbox) -> None:
    sb.inject("/kpi/dau", 429, times=1)
    client = BrazeClient(SANDBOX_API_KEY, sb.url, max_rate_limit_wait=0.1)
    with pytest.raises(RateLimitError) as info:
        client.kpi.dau(length=2)
    assert info.value.reset_at is not None and len(sb.requests) == 1
    assert client.rate_limit is not None and client.rate_limit.remaining == 0


def test_rate_limit_budget_is_visible(client: BrazeClient) -> None:
    client.kpi.mau(length=1)
    first = client.rate_limit
    client.kpi.mau(length=1)
    second = client.rate_limit
    assert isinstance(first, RateLimit) and isinstance(second, RateLimit)
    assert first.limit == 250000 and second.remaining < first.remaining
    assert second.reset is not None and second.reset > datetime.now(UTC)


def test_key_never_reaches_urls_or_bodies(client: BrazeClient, sb: Sandbox) -> None:
    for name, _, call, _ in _calls(sb.workspace):
        if name != "users.export_segment":  # a second export of a busy segment is a 429
            call(client)
    for recorded in sb.requests:
        assert SANDBOX_API_KEY not in repr(recorded)
        assert "api_key" not in recorded.query
        assert not (isinstance(recorded.body, dict) and "api_key" in recorded.body)


def test_threads_share_one_client(client: BrazeClient, sb: Sandbox) -> None:
    # export_segment starts a job (a second one for the same segment is a 429): leave it out
    calls = [call for name, _, call, _ in _calls(sb.workspace) if name != "users.export_segment"]
    expected = [call(client) for call in calls]
    results: dict[int, dict] = {}
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(offset, len(calls), 4):
                results[i] = calls[i](client)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert len(results) == len(calls) == 25
    for i, body in enumerate(expected):
        # same shape and size; values may shift only if the clock crosses an hour meanwhile
        assert results[i].keys() == body.keys()
        assert {k: len(v) for k, v in results[i].items() if isinstance(v, list)} == {
            k: len(v) for k, v in body.items() if isinstance(v, list)
        }
