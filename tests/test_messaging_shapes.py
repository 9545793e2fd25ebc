"""Campaign, send and Canvas endpoints against fixtures in today's documented shapes.

The fixtures in ``tests/fixtures/`` are our own values in the structure Braze documents
(braze-inc/braze-docs, ``_docs/_api/endpoints/export/campaigns/`` and ``.../canvas/``). Each
endpoint's test walks its fixture and checks that every numeric stat in the body is in the
frame, in the right row, with the same value; unknown channels and fields included.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from braze_api import frames as f
from dashboard.data import campaigns as cdata
from dashboard.data import canvases as vdata
from dashboard.data.channels import channel_health, channel_label

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def numbers(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, float]]:
    """Every numeric leaf (booleans are flags, not stats) with its path in the body."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from numbers(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from numbers(value, (*path, i))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path, node


def same(cell: Any, value: float) -> bool:
    return cell is not None and not pd.isna(cell) and math.isclose(float(cell), value)


def one(frame: pd.DataFrame, **keys: Any) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for name, value in keys.items():
        mask &= frame[name].astype("object") == value
    rows = frame[mask.to_numpy(dtype=bool)]
    assert len(rows) == 1, (keys, len(rows))
    return rows.iloc[0]


def ts(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz="UTC")


def check_campaign_series(body: dict) -> int:
    """Every numeric stat of a campaign or send series body, found in the long frame (one row
    per entry, matched by time, channel and variation id or name) or the totals frame."""
    long, totals = f.campaign_series_frame(body), f.campaign_totals_frame(body)
    checked = 0
    for path, value in numbers(body):
        entry = body["data"][path[1]]
        if len(path) == 3:  # a per-day total
            row = one(totals, time=ts(entry["time"]))
        else:
            assert path[2] == "messages" and len(path) == 6, path
            channel, item = path[3], entry["messages"][path[3]][path[4]]
            keys: dict[str, Any] = {"time": ts(entry["time"]), "channel": channel}
            if "variation_api_id" in item:
                keys["variation_api_id"] = item["variation_api_id"]
            else:
                keys["variation_name"] = item.get("variation_name", channel)
            row = one(long, **keys)
        assert same(row[path[-1]], value), (path, row[path[-1]], value)
        checked += 1
    return checked


# ---- /campaigns/list --------------------------------------------------------------------


def test_campaign_list_keeps_every_field() -> None:
    body = load("campaigns_list")
    table = f.items_frame(body, cdata.LIST_COLUMNS, extra=True)
    for item in body["campaigns"]:
        row = one(table, id=item["id"])
        for key, value in item.items():
            if key == "last_edited":
                assert pd.Timestamp(row[key]) == pd.Timestamp(value)
            elif key == "tags":
                assert list(row["tags"]) == value
            else:
                assert row[key] == value
    # a field Braze adds later is kept, after the documented ones
    body["campaigns"][0]["teams"] = ["Lifecycle"]
    extended = f.items_frame(body, cdata.LIST_COLUMNS, extra=True)
    assert list(extended.columns)[-1] == "teams"


# ---- /campaigns/details -----------------------------------------------------------------


def test_campaign_details_keep_every_field() -> None:
    body = load("campaigns_details")
    summary = cdata.details_summary(body)
    assert summary["teams"] == ["Lifecycle", "Growth EU"]
    assert summary["enabled"] is True and summary["post_launch_draft"] is True
    assert summary["state"] == "Active"
    assert cdata.details_summary({**body, "enabled": False})["state"] == "Stopped"
    messages = f.campaign_messages_frame(body)
    for variation_id, message in body["messages"].items():
        row = one(messages, message_variation_id=variation_id)
        for key, value in message.items():
            assert key in messages.columns, key
            if isinstance(value, str):
                assert row[key] == value
    assert f.variation_names(body)["var-email-a"] == "Subject: Last chance"
    behaviors = f.conversion_behaviors_frame(body)
    checked = 0
    for path, value in numbers(body):
        assert path[0] == "conversion_behaviors" and path[-1] == "window", path
        assert behaviors["window_seconds"].iloc[path[1]] == value
        checked += 1
    assert checked == 4


# ---- /campaigns/data_series -------------------------------------------------------------


def test_campaign_series_keeps_every_stat() -> None:
    body = load("campaigns_data_series")
    assert check_campaign_series(body) > 100
    long = f.campaign_series_frame(body)
    # an undocumented channel (LINE) and fields (push button clicks) are kept as they came
    assert one(long, channel="line")["reads"] == 25
    push = one(long, channel="ios_push", time=ts("2026-02-12"))
    assert push["notif_button_1_Shop_now_click"] == 13


def test_multivariate_series_keeps_every_stat() -> None:
    body = load("campaigns_data_series_multivariate")
    assert check_campaign_series(body) > 20
    long = f.campaign_series_frame(body)
    control = one(long, variation_api_id="iam-control")
    assert bool(control["is_control"]) and control["enrolled"] == 210


def test_variations_are_told_apart_by_id_whatever_the_order() -> None:
    """Braze lists the two email variations in the opposite order on the second day: totals
    follow variation_api_id, and names come from /campaigns/details."""
    body, details = load("campaigns_data_series"), load("campaigns_details")
    long = f.campaign_series_frame(body)
    table = cdata.variation_table(long, cdata.variation_names(details))
    email = table[table["channel"] == "email"].set_index("variation_api_id")
    assert email.loc["var-email-a", "sent"] == 3000 + 90
    assert email.loc["var-email-b", "sent"] == 1000 + 700
    assert email.loc["var-email-a", "variation_name"] == "Subject: Last chance"
    assert email.loc["var-email-b", "variation_name"] == "Subject: Don't miss out"
    assert bool(email.loc["var-control", "is_control"])
    # without details the ids still keep them apart (no positional "email #2")
    bare = f.campaign_variation_totals(long)
    assert sorted(bare[bare["channel"] == "email"]["sent"].tolist()) == [420 * 0, 1700, 3090]


def test_two_variations_with_one_name_stay_apart_on_every_day() -> None:
    day = {
        "email": [
            {"variation_name": "Test", "variation_api_id": "a1b2c3d4-x", "sent": 5},
            {"variation_name": "Test", "variation_api_id": "ffff0000-y", "sent": 7},
        ]
    }
    swapped = {"email": list(reversed(day["email"]))}
    body = {
        "data": [
            {"time": "2026-01-01", "messages": day},
            {"time": "2026-01-02", "messages": swapped},
        ]
    }
    long = f.campaign_series_frame(body)
    labels = long.groupby("variation_api_id")["variation_name"].agg(set)
    assert labels.map(len).tolist() == [1, 1]  # the same label for an id on both days
    totals = f.campaign_variation_totals(long).set_index("variation_api_id")
    assert totals.loc["a1b2c3d4-x", "sent"] == 10 and totals.loc["ffff0000-y", "sent"] == 14


def test_push_delivered_is_brazes_when_sent_else_sent_minus_bounces() -> None:
    sends = f.campaign_series_frame(load("sends_data_series"))
    push = one(sends, time=ts("2026-03-02"))
    assert push["delivered"] == 1130  # not 1200 − 30
    eng = f.engagement_frame(sends)
    assert eng["delivered"].iloc[0] == 1130
    campaign = f.campaign_series_frame(load("campaigns_data_series"))
    derived = one(campaign, channel="ios_push", time=ts("2026-02-12"))
    assert derived["delivered"] == 800 - 9  # Braze sent none: sent − bounces


def test_leaderboard_sums_read_brazes_push_delivered() -> None:
    from datetime import date

    body = load("sends_data_series")
    sums = f.campaign_window_sums(body, date(2026, 3, 2), date(2026, 3, 3))
    assert sums is not None
    totals = f.campaign_range_sums([sums], date(2026, 3, 2), date(2026, 3, 3))
    assert totals is not None and totals["delivered"] == 1130


def test_conversions_b_to_d_by_send_time() -> None:
    body, details = load("campaigns_data_series"), load("campaigns_details")
    totals = f.campaign_totals_frame(body)
    timing = cdata.conversion_timing(totals)
    assert timing["conversions3_by_send_time"].tolist() == [2, 0]
    table = cdata.conversion_table(totals, details).set_index("event")
    assert table.loc["B", "by_send_time"] == 17 + 5 and table.loc["B", "conversions"] == 16 + 4
    assert table.loc["D", "by_send_time"] == 2 and table.loc["D", "type"] == "Starts Session"


def test_channel_health_lists_what_marketers_act_on() -> None:
    long = f.campaign_series_frame(load("campaigns_data_series"))
    health = channel_health(long).set_index(["channel", "metric"])
    assert health.loc[("email", "unsubscribes"), "value"] == 12 + 4 + 2
    assert health.loc[("email", "reported_spam"), "value"] == 3
    assert health.loc[("email", "bounces"), "value"] == 35 + 11 + 8 + 1
    assert health.loc[("sms", "opt_out"), "value"] == 8
    assert health.loc[("sms", "rejected"), "value"] == 10
    assert health.loc[("sms", "delivery_failed"), "rate"] == pytest.approx(19 / 590)
    assert health.loc[("whats_app", "failed"), "value"] == 9
    assert health.loc[("content_cards", "total_dismissals"), "value"] == 60
    assert health.loc[("ios_push", "notif_button_1_Shop_now_click"), "value"] == 13
    assert health.loc[("webhook", "errors"), "value"] == 3
    iam = channel_health(f.campaign_series_frame(load("campaigns_data_series_multivariate")))
    buttons = iam.set_index("metric").loc[["first_button_clicks", "second_button_clicks"], "value"]
    assert buttons.tolist() == [70 + 95, 31 + 22]  # the control group sent nothing
    assert channel_label("whats_app") == "WhatsApp" and channel_label("ios_push") == "iOS push"
    assert channel_label("carrier_pigeon") == "Carrier pigeon"


# ---- /sends/data_series -----------------------------------------------------------------


def test_send_series_keeps_every_stat() -> None:
    assert check_campaign_series(load("sends_data_series")) > 30


# ---- /canvas/list and /canvas/details ---------------------------------------------------


def test_canvas_list_keeps_every_field() -> None:
    body = load("canvas_list")
    table = vdata.canvas_list_frame(body)
    for item in body["canvases"]:
        row = one(table, id=item["id"])
        assert row["name"] == item["name"] and list(row["tags"]) == item["tags"]
        assert row["last_edited"] == pd.Timestamp(item["last_edited"])


def test_canvas_details_keep_steps_types_paths_teams() -> None:
    body = load("canvas_details")
    details = vdata.details_from_body("cv", body)
    assert details.teams == ("Lifecycle",) and details.enabled is True
    assert details.post_launch_draft is True and details.status == "Active"
    assert vdata.details_from_body("cv", {**body, "enabled": False}).status == "Stopped"
    steps = details.steps.set_index("step_id")
    assert steps.loc["st-split", "type"] == "decision_split"
    assert steps.loc["st-split", "next_paths_text"] == "Yes → Tips push; No → Nudge SMS"
    # the split lists its branches only in next_paths: both are still reachable
    assert list(steps.loc["st-split", "next_step_ids"]) == ["st-push", "st-sms"]
    assert steps.loc["st-sms", "depth"] == 2
    assert [p["name"] for p in steps.loc["st-split", "next_paths"]] == ["Yes", "No"]


# ---- /canvas/data_series and /canvas/data_summary ---------------------------------------


def check_canvas(body: dict, fr: f.CanvasFrames, timed: bool) -> int:
    """Every numeric stat of a Canvas body, found in the matching CanvasFrames row."""
    checked = 0
    for path, value in numbers(body):
        if timed:
            point = body["data"]["stats"][path[2]]
            rest, where = path[3:], {"time": ts(point["time"])}
        else:
            point, rest, where = body["data"], path[1:], {}
        if rest[0] == "total_stats":
            row = one(fr.totals, **where) if where else fr.totals.iloc[0]
        elif rest[0] == "variant_stats":
            row = one(fr.variants, variant_id=rest[1], **where)
        elif len(rest) == 3:
            row = one(fr.steps, step_id=rest[1], **where)
        else:
            assert rest[2] == "messages", rest
            step = point["step_stats"][rest[1]]
            item = step["messages"][rest[3]][rest[4]]
            matches = fr.step_channels[
                (fr.step_channels["step_id"] == rest[1]).to_numpy(dtype=bool)
                & (fr.step_channels["channel"] == rest[3]).to_numpy(dtype=bool)
                & (
                    (fr.step_channels["time"] == where["time"]).to_numpy(dtype=bool)
                    if where
                    else True
                )
            ]
            row = matches.iloc[step["messages"][rest[3]].index(item)]
        assert same(row[rest[-1]], value), (path, row[rest[-1]], value)
        checked += 1
    return checked


def test_canvas_series_keeps_every_stat() -> None:
    body = load("canvas_data_series")
    assert check_canvas(body, f.canvas_series_frames(body), timed=True) > 50


def test_canvas_summary_keeps_every_stat() -> None:
    body = load("canvas_data_summary")
    assert check_canvas(body, f.canvas_summary_frames(body), timed=False) > 25


def test_canvas_push_steps_count_their_opens_and_influenced_opens() -> None:
    series = f.canvas_series_frames(load("canvas_data_series"))
    table = vdata.step_channel_table(series.step_channels).set_index("step_id")
    assert table.loc["st-push", "opens"] == 31 + 8  # was 0: push steps report `opens`
    assert table.loc["st-push", "influenced_opens"] == 18 + 2
    assert table.loc["st-push", "delivered"] == (420 - 12) + (95 - 1)
    # as the page gets it: per-window summaries added up
    summary = vdata.sum_summaries([f.canvas_summary_frames(load("canvas_data_summary"))])
    summed = vdata.step_channel_table(summary.step_channels).set_index("step_id")
    assert summed.loc["st-push", "influenced_opens"] == 20 and summed.loc["st-push", "opens"] == 39
    totals = vdata.message_totals(summary.step_channels)
    assert totals["influenced_opens"] == 20 and totals["opens"] == 301 + 39
    steps = vdata.step_table(
        vdata.details_from_body("cv", load("canvas_details")).steps, summary.steps
    ).set_index("step_id")
    assert steps.loc["st-push", "conversions"] == 7 and steps.loc["st-welcome", "revenue"] == 150.2
    assert steps.loc["st-split", "type"] == "decision_split"


# ---- loaders over real HTTP: what the CSVs download -------------------------------------


@pytest.fixture
def ws(sandbox):
    from braze_sandbox import SANDBOX_API_KEY
    from dashboard.cache import CACHE
    from dashboard.settings import Workspace

    CACHE.clear()
    yield Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY, label="test")
    CACHE.clear()


def _raw(sandbox, path: str, **params: Any) -> dict:
    import requests

    from braze_sandbox import SANDBOX_API_KEY

    response = requests.get(
        f"{sandbox}{path}",
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    )
    assert response.status_code == 200
    return response.json()


def test_the_campaign_csv_holds_every_stat_of_the_body(ws, sandbox) -> None:
    """`flat_series` (the Data tab's CSV) from the loader vs the sandbox's own answer."""
    from dashboard.filters import utc_today

    end = utc_today()
    start = end - timedelta(days=9)
    campaign = next(
        c
        for c in sandbox.sandbox.workspace.campaigns
        if c.first_sent and c.last_sent is None and len(c.variations) > 1
    )
    series = cdata.load_campaign_series(ws, campaign.id, start, end)
    flat = cdata.flat_series(series.long)
    body = _raw(
        sandbox,
        "/campaigns/data_series",
        campaign_id=campaign.id,
        length=10,
        ending_at=f"{end.isoformat()}T23:59:59+00:00",
    )
    checked = 0
    for point in body["data"]:
        for channel, entries in point["messages"].items():
            for item in entries:
                row = one(
                    flat,
                    date=point["time"],
                    channel=channel,
                    variation_api_id=item["variation_api_id"],
                )
                for key, value in item.items():
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        assert same(row[key], value), (key, row[key], value)
                        checked += 1
    assert checked > 50


def test_the_canvas_step_csv_holds_every_step_stat(ws, sandbox) -> None:
    from dashboard.filters import utc_today

    end = utc_today()
    canvas = next(
        c
        for c in sandbox.sandbox.workspace.canvases
        if c.first_entry and not c.last_entry and len(c.steps) > 3
    )
    frames_ = vdata.load_canvas_series(ws, canvas.id, end - timedelta(days=6), end)
    csv = vdata.daily_step_channels(frames_.step_channels)
    body = _raw(
        sandbox,
        "/canvas/data_series",
        canvas_id=canvas.id,
        length=7,
        ending_at=f"{end.isoformat()}T23:59:59+00:00",
        include_step_breakdown="true",
    )
    checked = 0
    for point in body["data"]["stats"]:
        for step_id, step in point["step_stats"].items():
            for channel, entries in step["messages"].items():
                for item in entries:
                    row = one(csv, date=point["time"], step_id=step_id, channel=channel)
                    for key, value in item.items():
                        assert same(row[key], value), (key, row[key], value)
                        checked += 1
    assert checked > 20
