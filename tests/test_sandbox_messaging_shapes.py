"""The sandbox's campaign and Canvas endpoints in today's documented shapes, over real HTTP.

Shapes follow braze-inc/braze-docs `_docs/_api/endpoints/export/campaigns/` and `.../canvas/`.
The clock is injected, so "today" is tested across midnight without waiting for one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY, SandboxURL, start_sandbox

AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}


class Clock:
    """A settable clock: the sandbox reads it on every request."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(datetime(2026, 3, 9, 22, 30, tzinfo=UTC))


@pytest.fixture(scope="module")
def url(clock: Clock) -> Iterator[SandboxURL]:
    base = start_sandbox(seed=11, users=200, campaigns=60, clock=clock)
    yield base
    base.stop()


def ok(url: str, path: str, **params: object) -> dict:
    resp = requests.get(url + path, params=params, headers=AUTH, timeout=10)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["message"] == "success"
    return body


def _ongoing(url: SandboxURL):
    ws = url.sandbox.workspace
    return next(c for c in ws.campaigns if c.first_sent and c.last_sent is None and not c.draft)


def test_today_is_read_per_request_not_at_start(url: SandboxURL, clock: Clock) -> None:
    """A sandbox left running past midnight serves the new day (no ending_at: the request's
    time, as Braze documents the default), for campaigns, sends and Canvases."""
    campaign = _ongoing(url)
    canvas = next(c for c in url.sandbox.workspace.canvases if c.first_entry and not c.last_entry)
    clock.now = datetime(2026, 3, 9, 22, 30, tzinfo=UTC)
    before = ok(url, "/campaigns/data_series", campaign_id=campaign.id, length=2)["data"]
    assert [p["time"] for p in before] == ["2026-03-08", "2026-03-09"]
    clock.now = datetime(2026, 3, 10, 0, 15, tzinfo=UTC)  # past midnight, same process
    after = ok(url, "/campaigns/data_series", campaign_id=campaign.id, length=2)["data"]
    assert [p["time"] for p in after] == ["2026-03-09", "2026-03-10"]
    # an ongoing campaign sends on the new day too
    assert any(after[-1]["messages"].values())
    details = ok(url, "/campaigns/details", campaign_id=campaign.id)
    assert details["last_sent"].startswith("2026-03-09T23")
    series = ok(
        url,
        "/canvas/data_series",
        canvas_id=canvas.id,
        ending_at="2026-03-10T23:59:59Z",
        length=3,
    )["data"]["stats"]
    assert [s["time"] for s in series] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert series[-1]["total_stats"]["entries"] > 0
    assert ok(url, "/canvas/details", canvas_id=canvas.id)["last_entry"].startswith("2026-03-10")


def test_length_two_without_ending_at_has_a_point_for_today(url: SandboxURL, clock: Clock) -> None:
    clock.now = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    data = ok(url, "/campaigns/data_series", campaign_id=_ongoing(url).id, length=2)["data"]
    assert [p["time"] for p in data] == ["2026-04-01", "2026-04-02"]


def test_every_campaign_entry_names_its_variation(url: SandboxURL, clock: Clock) -> None:
    clock.now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    ws = url.sandbox.workspace
    checked = 0
    for campaign in [c for c in ws.campaigns if c.first_sent and c.last_sent is None][:12]:
        ids = {v.id: v.name for v in campaign.variations}
        details = ok(url, "/campaigns/details", campaign_id=campaign.id)
        assert set(details["messages"]) == set(ids)
        for point in ok(url, "/campaigns/data_series", campaign_id=campaign.id, length=5)["data"]:
            for entries in point["messages"].values():
                for entry in entries:
                    assert ids[entry["variation_api_id"]] == entry["variation_name"]
                    checked += 1
    assert checked


def test_multivariate_variations_change_order_between_days(url: SandboxURL, clock: Clock) -> None:
    """Braze may list variations in any order: the sandbox does too, so the dashboard's
    per-variation totals are tested against it."""
    clock.now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    ws = url.sandbox.workspace
    orders = set()
    for campaign in [c for c in ws.campaigns if c.multivariate and c.first_sent]:
        data = ok(url, "/campaigns/data_series", campaign_id=campaign.id, length=30)["data"]
        for point in data:
            for entries in point["messages"].values():
                if len(entries) > 1:
                    orders.add((campaign.id, tuple(e["variation_api_id"] for e in entries)))
    by_campaign: dict[str, set] = {}
    for cid, order in orders:
        by_campaign.setdefault(cid, set()).add(order)
    assert any(len(o) > 1 for o in by_campaign.values())


def test_push_sends_report_delivered_and_failures(url: SandboxURL, clock: Clock) -> None:
    ws = url.sandbox.workspace
    found = False
    for campaign in ws.campaigns:
        for send in campaign.send_ids:
            if not any(ch.endswith("_push") for ch in campaign.channels):
                continue
            clock.now = datetime.combine(send.day, datetime.min.time(), UTC) + timedelta(hours=20)
            data = ok(
                url, "/sends/data_series", campaign_id=campaign.id, send_id=send.id, length=1
            )["data"]
            for channel, entries in data[0]["messages"].items():
                for e in entries:
                    if "enrolled" in e or not channel.endswith("_push"):
                        continue
                    found = True
                    assert {"delivered", "undelivered", "delivery_failed"} <= set(e)
                    assert e["delivered"] <= e["sent"] - e["bounces"]
    assert found


def test_details_carry_teams_enabled_and_post_launch_drafts(url: SandboxURL) -> None:
    ws = url.sandbox.workspace
    for campaign in ws.campaigns[:20]:
        body = ok(url, "/campaigns/details", campaign_id=campaign.id)
        assert isinstance(body["teams"], list)
        assert isinstance(body["enabled"], bool) and isinstance(body["has_post_launch_draft"], bool)
        assert not (body["draft"] and body["enabled"])
    assert any(c.has_post_launch_draft for c in ws.campaigns)
    assert any(c.teams for c in ws.campaigns)
    draft = next(c for c in ws.campaigns if c.has_post_launch_draft)
    live = ok(url, "/campaigns/details", campaign_id=draft.id)
    pending = ok(url, "/campaigns/details", campaign_id=draft.id, post_launch_draft_version="true")
    assert live["messages"] != pending["messages"]
    for canvas in ws.canvases:
        body = ok(url, "/canvas/details", canvas_id=canvas.id)
        assert {"teams", "enabled", "has_post_launch_draft"} <= set(body)
        ids = {s["id"] for s in body["steps"]}
        for step in body["steps"]:
            assert step["type"]
            assert all(p["next_step_id"] in ids for p in step["next_paths"])
            assert [p["next_step_id"] for p in step["next_paths"]] == step["next_step_ids"]
    splits = [
        s
        for c in ws.canvases
        for s in ok(url, "/canvas/details", canvas_id=c.id)["steps"]
        if s["type"] == "decision_split" and len(s["next_paths"]) == 2
    ]
    assert splits and all([p["name"] for p in s["next_paths"]] == ["Yes", "No"] for s in splits)


def test_canvas_push_steps_report_opens_and_influenced_opens(url: SandboxURL, clock: Clock) -> None:
    clock.now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    seen = 0
    for canvas in url.sandbox.workspace.canvases:
        if not any(ch.endswith("_push") for ch in canvas.channels) or not canvas.first_entry:
            continue
        body = ok(
            url,
            "/canvas/data_summary",
            canvas_id=canvas.id,
            ending_at=date(2026, 3, 9).isoformat(),
            length=14,
            include_step_breakdown="true",
        )["data"]
        for step in body.get("step_stats", {}).values():
            for channel, entries in step["messages"].items():
                if channel.endswith("_push"):
                    for e in entries:
                        assert {"sent", "opens", "influenced_opens", "bounces"} <= set(e)
                        seen += 1
    assert seen


def test_the_client_asks_for_a_post_launch_draft(url: SandboxURL) -> None:
    from braze_api import BrazeClient

    campaign = next(c for c in url.sandbox.workspace.campaigns if c.has_post_launch_draft)
    client = BrazeClient(SANDBOX_API_KEY, str(url))
    url.sandbox.clear_requests()
    live = client.campaigns.details(campaign.id)
    pending = client.campaigns.details(campaign.id, post_launch_draft_version=True)
    assert live["has_post_launch_draft"] is True and live["messages"] != pending["messages"]
    [request] = [r for r in url.sandbox.requests if r.query.get("post_launch_draft_version")]
    assert request.query["post_launch_draft_version"] == "true"
    canvas = url.sandbox.workspace.canvases[0]
    assert client.canvas.details(canvas.id, post_launch_draft_version=True)["name"] == canvas.name
