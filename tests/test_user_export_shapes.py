"""User data endpoints against documented-shape fixtures and the sandbox over real HTTP.

Fixtures (tests/fixtures/users_export_*.json) follow the current Braze docs pages
post_users_identifier.md, post_users_segment.md and post_users_global_control_group.md in our
own values. Each test checks that every number in the body survives into the frames with the
same value, and that the documented fields are kept.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from braze_api import BrazeClient
from braze_api.dates import to_time
from braze_api.export_reader import read_export
from braze_api.export_reader.assemble import Assembler
from braze_api.export_reader.lines import LineBuilder
from braze_api.fields import CONTROL_GROUP_FIELDS, EXPORT_FIELDS
from braze_api.frames import user_profile_frames, users_summary_frame
from braze_sandbox import SANDBOX_API_KEY, Sandbox
from dashboard.data import segment_export as exports
from dashboard.data.control_group_export import start_control_group_export
from dashboard.data.segment_export_cancel import cancel_segment_export
from dashboard.settings import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
NESTED_NUMBERS = {  # nested list -> its numeric keys (documented)
    "custom_events": ("count",),
    "purchases": ("count",),
    "apps": ("sessions",),
}


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _ids_users() -> list[dict]:
    return _load("users_export_ids.json")["users"]


def _zip(users: list[dict]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("prefix/0.txt", "".join(json.dumps(u) + "\n" for u in users))
    return buffer.getvalue()


def _number(value: Any) -> float:
    return float(value)  # "3" (sessions as text, as the control-group page shows) is 3


def _line_path(users: list[dict]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The exact (stdlib) parsing path, which the reader uses for blocks Arrow refuses."""
    builder = LineBuilder()
    for user in users:
        builder.add(user)
    parts = Assembler()
    parts.add(builder.part())
    return parts.frames()


# ---- /users/export/ids: the lookup frames ----------------------------------------------


def test_every_number_of_a_lookup_reaches_the_profile_tables() -> None:
    for user in _ids_users():
        tables = user_profile_frames(user)
        attributes = dict(
            zip(tables["attributes"]["field"], tables["attributes"]["value"], strict=True)
        )
        for key in ("random_bucket", "total_revenue"):
            if key in user:
                assert _number(attributes[key]) == user[key]
        for name, keys in NESTED_NUMBERS.items():
            for key in keys:
                want = [_number(e[key]) for e in user.get(name, [])]
                assert tables[name][key].astype("float").tolist() == want
        custom = dict(
            zip(
                tables["custom_attributes"]["key"],
                tables["custom_attributes"]["value"],
                strict=True,
            )
        )
        for key, value in (user.get("custom_attributes") or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert _number(custom[key]) == value
        if "last_coordinates" in user:
            lon, lat = user["last_coordinates"]
            assert attributes["last_coordinates"] == f"{lon}, {lat}"
    summary = users_summary_frame(_load("users_export_ids.json"))
    assert summary["random_bucket"].tolist() == [u["random_bucket"] for u in _ids_users()]
    assert summary["total_revenue"].iloc[0] == 212.45


def test_the_documented_lookup_fields_are_kept() -> None:
    user = _ids_users()[0]
    tables = user_profile_frames(user)
    attributes = dict(
        zip(tables["attributes"]["field"], tables["attributes"]["value"], strict=True)
    )
    assert attributes["uninstalled_at"] == user["uninstalled_at"]
    assert attributes["push_opted_in_at"] == user["push_opted_in_at"]  # not in the field list
    devices = tables["devices"]
    for source, row in zip(user["devices"], devices.to_dict("records"), strict=True):
        for key, value in source.items():
            assert row[key] == value or (value is None and pd.isna(row[key])), key
    tokens = tables["push_tokens"]
    assert tokens["device_id"].tolist() == [t["device_id"] for t in user["push_tokens"]]
    assert tokens["notifications_enabled"].tolist() == [True, False]
    campaigns = tables["campaigns_received"]
    assert campaigns["clicked_triggered_in_app_message"].tolist() == [False, True]
    assert campaigns["multiple_converted"].iloc[0] == (
        "Primary Conversion Event - A; Conversion Event - C"
    )
    assert (
        campaigns["variation_api_id"].iloc[0] == user["campaigns_received"][0]["variation_api_id"]
    )
    canvases = tables["canvases_received"]
    assert canvases["steps_received"].tolist() == [2, 0]
    assert canvases["last_entered_control_at"].iloc[1] == to_time("2024-01-05T00:00:00.000Z")
    steps = tables["canvas_steps_received"]
    assert steps["api_canvas_step_id"].tolist() == ["step-welcome-01", "step-push-02"]
    assert tables["cards_clicked"]["name"].tolist() == ["Summer challenge card"]


def test_a_key_braze_adds_later_is_kept_in_the_lookup_tables() -> None:
    user = json.loads(json.dumps(_ids_users()[0]))
    user["devices"][0]["secure_enclave"] = True
    user["campaigns_received"][0]["engaged"]["clicked_content_card"] = True
    tables = user_profile_frames(user)
    assert tables["devices"]["secure_enclave"].tolist()[0] is True
    assert tables["campaigns_received"]["clicked_content_card"].tolist()[0] is True


def test_the_field_list_is_todays() -> None:
    assert "uninstalled_at" in EXPORT_FIELDS and "uninstalled" not in EXPORT_FIELDS
    assert not {"campaigns_received", "push_tokens", "email_subscribe"} & set(CONTROL_GROUP_FIELDS)


# ---- /users/export/segment: the streamed reader -----------------------------------------


@pytest.mark.parametrize("path", ["fast", "lines"])
def test_every_number_of_a_segment_export_reaches_the_frames(path: str) -> None:
    users = _ids_users()
    if path == "fast":
        result = read_export(_zip(users))
        assert not result.issues
        frame, tables = result.users, result.tables
    else:
        frame, tables = _line_path(users)
    by_id = frame.set_index("user_id")
    for user in users:
        uid = user.get("external_id") or user["braze_id"]
        for key in ("random_bucket", "total_revenue"):
            if key in user:
                assert by_id.loc[uid, key] == user[key]
        for name, keys in NESTED_NUMBERS.items():
            mine = tables[name][tables[name]["user_id"] == uid]
            for key in keys:
                assert mine[key].astype("float").tolist() == [
                    _number(e[key]) for e in user.get(name, [])
                ]
        attrs = tables["custom_attributes"]
        mine = attrs[attrs["user_id"] == uid].set_index("attribute")
        for key, value in (user.get("custom_attributes") or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert _number(mine.loc[key, "value"]) == value
        if "last_coordinates" in user:
            assert [by_id.loc[uid, "longitude"], by_id.loc[uid, "latitude"]] == user[
                "last_coordinates"
            ]


@pytest.mark.parametrize("path", ["fast", "lines"])
def test_segment_export_keeps_todays_fields_and_reads_utc_dates(path: str) -> None:
    users = _ids_users()
    frame, tables = (
        (read_export(_zip(users)).users, read_export(_zip(users)).tables)
        if path == "fast"
        else _line_path(users)
    )
    # "2023-03-14 09:26:53.589 UTC": the same instant the single lookup reads
    assert frame["created_at"].tolist() == [to_time(u["created_at"]) for u in users]
    assert frame["created_at"].notna().all()
    assert frame["uninstalled_at"].iloc[0] == to_time(users[0]["uninstalled_at"])
    devices = tables["devices"]
    for key in ("idfv", "idfa", "google_ad_id", "roku_ad_id", "windows_ad_id", "device_id"):
        want = [d[key] for d in users[0]["devices"] if key in d]
        assert devices[key].dropna().tolist() == want, key
    assert devices["ad_tracking_enabled"].tolist() == [
        d["ad_tracking_enabled"] for d in users[0]["devices"]
    ]
    tokens = tables["push_tokens"]
    assert tokens["device_id"].tolist() == [t["device_id"] for t in users[0]["push_tokens"]]
    assert tokens["notifications_enabled"].tolist() == [True, False]
    campaigns = tables["campaigns_received"]
    assert campaigns["clicked_triggered_in_app_message"].fillna(False).tolist() == [False, True]
    assert campaigns["multiple_converted"].iloc[0] == (
        "Primary Conversion Event - A; Conversion Event - C"
    )
    assert "engaged" not in campaigns
    steps = tables["canvas_steps_received"]
    assert steps["api_canvas_step_id"].tolist() == ["step-welcome-01", "step-push-02"]
    assert steps["canvas_name"].tolist() == ["Onboarding journey"] * 2
    assert tables["canvases_received"]["steps_received"].tolist() == [2, 0]


@pytest.mark.parametrize("path", ["fast", "lines"])
def test_segment_export_keeps_a_key_braze_adds_later(path: str) -> None:
    users = json.loads(json.dumps(_ids_users()))
    users[0]["devices"][1]["secure_enclave"] = "yes"
    frame, tables = (
        (read_export(_zip(users)).users, read_export(_zip(users)).tables)
        if path == "fast"
        else _line_path(users)
    )
    assert tables["devices"]["secure_enclave"].dropna().tolist() == ["yes"]


# ---- /users/export/global_control_group ---------------------------------------------------


def test_every_number_of_a_control_group_line_reaches_the_frames() -> None:
    user = _load("users_export_global_control_group_line.json")
    result = read_export(_zip([user]))
    assert not result.issues
    row = result.users.iloc[0]
    assert row["random_bucket"] == 9051 and row["total_revenue"] == 0
    assert row["created_at"] == to_time(user["created_at"])
    assert result.tables["apps"]["sessions"].tolist() == [219]  # sent as text
    assert result.tables["custom_events"]["count"].tolist() == [41]
    assert result.tables["purchases"]["count"].tolist() == [1]
    attrs = result.tables["custom_attributes"].set_index("attribute")
    assert float(attrs.loc["loyalty_points", "value"]) == 12.5
    assert result.tables["devices"]["google_ad_id"].tolist() == ["gaid-77-88"]


# ---- over the sandbox ---------------------------------------------------------------------


@pytest.fixture
def slow_sandbox():
    sandbox = Sandbox(api_key=SANDBOX_API_KEY, users=800, export_delay=0.6)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _ws(sandbox: Sandbox) -> Workspace:
    return Workspace(base_url=sandbox.url, api_key=SANDBOX_API_KEY, label="t")


def test_sandbox_lookup_answers_todays_shape(slow_sandbox: Sandbox) -> None:
    client = BrazeClient(SANDBOX_API_KEY, slow_sandbox.url)
    ids = [u["external_id"] for u in slow_sandbox.workspace.users[:60] if "external_id" in u]
    body = client.users.export_ids(
        external_ids=[*ids, "nobody-here"], fields_to_export=list(EXPORT_FIELDS)
    )
    assert body["message"] == "success" and body["invalid_user_ids"] == ["nobody-here"]
    users = body["users"]
    assert len(users) == len(ids)
    assert all(u["created_at"].endswith(" UTC") for u in users)
    full = [u for u in users if "campaigns_received" in u]
    flags = {k for u in full for c in u["campaigns_received"] for k in c["engaged"]}
    assert "clicked_triggered_in_app_message" in flags and "clicked_in_app_message" not in flags
    assert all(
        isinstance(c.get("multiple_converted", {}), dict)
        for u in full
        for c in u["campaigns_received"]
    )
    tokens = [t for u in full for t in u.get("push_tokens", [])]
    assert tokens and all({"device_id", "notifications_enabled"} <= set(t) for t in tokens)
    assert any("google_ad_id" in d for u in full for d in u["devices"])
    assert any("uninstalled_at" in u for u in slow_sandbox.workspace.users)
    only = client.users.export_ids(
        external_ids=ids[:2], fields_to_export=["uninstalled_at", "random_bucket"]
    )
    assert all(set(u) <= {"uninstalled_at", "random_bucket"} for u in only["users"])


def test_sandbox_start_responses_have_the_documented_keys(slow_sandbox: Sandbox) -> None:
    client = BrazeClient(SANDBOX_API_KEY, slow_sandbox.url)
    segment = slow_sandbox.workspace.segments[0].id
    started = {
        "users_export_segment_start.json": client.users.export_segment(
            segment, fields_to_export=["email"]
        ),
        "users_export_global_control_group_start.json": client.users.export_global_control_group(
            fields_to_export=["email"]
        ),
    }
    for name, body in started.items():
        assert set(body) == set(_load(name)) == {"message", "object_prefix", "url"}
        assert body["message"] == "success" and body["url"].endswith(".zip")


def test_control_group_export_end_to_end(slow_sandbox: Sandbox) -> None:
    ws = _ws(slow_sandbox)
    job = start_control_group_export(ws, list(CONTROL_GROUP_FIELDS))
    post = [r for r in slow_sandbox.requests if r.path == "/users/export/global_control_group"]
    assert len(post) == 1 and post[0].body["fields_to_export"] == list(CONTROL_GROUP_FIELDS)
    assert job.url and job.object_prefix and job.url.startswith(slow_sandbox.url)
    result = exports.download_and_parse(job, ws, time_limit=30)
    members = [u for u in slow_sandbox.workspace.users if u["random_bucket"] <= 499]
    assert result.user_count == len(members) > 0
    assert sorted(result.users["random_bucket"].tolist()) == sorted(
        u["random_bucket"] for u in members
    )
    assert result.tables["campaigns_received"].empty  # the group receives no messages
    assert result.users["created_at"].notna().all()


def test_segment_cancel_is_sent_to_braze_and_the_export_stops(slow_sandbox: Sandbox) -> None:
    ws = _ws(slow_sandbox)
    segment = next(s for s in slow_sandbox.workspace.segments if s.rule[0] == "all")
    job = exports.start_export(ws, segment.id, segment.name, ["external_id"])
    slow_sandbox.clear_requests()
    cancel_segment_export(ws, segment.id)
    sent = [r for r in slow_sandbox.requests if r.path == "/export/segment/cancel"]
    assert (
        len(sent) == 1 and sent[0].method == "POST" and sent[0].body == {"segment_id": segment.id}
    )
    time.sleep(1.0)  # past the export's delay: a live export would be served by now
    assert job.url is not None
    assert requests.get(job.url, timeout=5).status_code == 404
    with pytest.raises(exports.ExportTimeout):
        exports.download_and_parse(job, ws, time_limit=2)
    # the segment is free again: a new export starts (no 429) and is served
    again = exports.start_export(ws, segment.id, segment.name, ["external_id"])
    assert exports.download_and_parse(again, ws, time_limit=30).user_count == len(
        slow_sandbox.workspace.users
    )


def test_cancel_checks_its_argument_before_sending(slow_sandbox: Sandbox) -> None:
    client = BrazeClient(SANDBOX_API_KEY, slow_sandbox.url)
    slow_sandbox.clear_requests()
    with pytest.raises(ValueError):
        client.segments.cancel_export("")
    assert not slow_sandbox.requests
    with pytest.raises(Exception, match="Invalid segment_id"):
        client.segments.cancel_export("no-such-segment")


# ---- the pages ----------------------------------------------------------------------------


def test_control_group_page_exports_and_summarises(app_test, demo) -> None:
    demo.exports.delay = 0.3
    at = app_test("control-group")
    assert not at.exception
    assert any("Start export" in i.value for i in at.info)
    demo.clear_requests()
    at.button(key="gcg_export_start").click().run()
    assert not at.exception
    members = [u for u in demo.workspace.users if u["random_bucket"] <= 499]
    values = {m.label: m.value for m in at.metric}
    assert values["Users exported"] == f"{len(members):,}"
    post = [r for r in demo.requests if r.path == "/users/export/global_control_group"]
    assert len(post) == 1 and post[0].body["fields_to_export"] == list(CONTROL_GROUP_FIELDS)
    assert at.session_state["gcg_export_result"]["result"].user_count == len(members)
    assert "gcg" not in "".join(at.query_params.keys())  # nothing about the export in the URL


def test_segments_page_cancel_cancels_at_braze(app_test, demo) -> None:
    demo.exports.delay = 600.0  # never ready while the test runs
    segment = next(s for s in demo.workspace.segments if s.rule[0] == "all")
    at = app_test("segments", query={"segment_id": segment.id})
    job = exports.start_export(_ws_demo(demo), segment.id, segment.name, ["external_id"])
    at.session_state["seg_export_job"] = {
        "job": job,
        "status": "waiting",
        "clock": time.monotonic() - 10_000,  # past the time limit: this run stops waiting
        "message": "",
    }
    at.run()  # draws Cancel, then gives up waiting (the clock is past the limit)
    at.session_state["seg_export_job"]["status"] = "waiting"  # as if still waiting
    demo.clear_requests()
    at.button(key="seg_export_cancel").click().run()
    assert not at.exception
    sent = [r for r in demo.requests if r.path == "/export/segment/cancel"]
    assert [r.body for r in sent] == [{"segment_id": segment.id}]
    assert at.session_state["seg_export_job"]["status"] == "cancelled"
    assert any("Braze was asked to stop" in i.value for i in at.info)
    assert not demo.exports.busy(segment.id)
    demo.exports.delay = 1.0


def _ws_demo(demo) -> Workspace:
    return Workspace(base_url=demo.url, api_key=SANDBOX_API_KEY, label="demo")


DATE_FORMS = [
    "2020-07-10 15:00:00.000 UTC",
    "2021-06-28T17:02:43.032Z",
    "2021-07-07T20:45:24.000+00:00",
    "2021-07-07T22:45:24+02:00",
    "2024-02-29",
    "2024-02-29 08:00",
]


def test_one_date_parser_for_lookups_and_exports() -> None:
    stamps = [to_time(text) for text in DATE_FORMS]
    assert all(s is not None for s in stamps)
    assert stamps[2] == stamps[3]  # the same instant written with two offsets
    users = [
        {"external_id": f"d{i}", "created_at": text, "uninstalled_at": text}
        for i, text in enumerate(DATE_FORMS)
    ]
    for frame, _ in ((read_export(_zip(users)).users, None), _line_path(users)):
        assert frame["created_at"].tolist() == stamps
        assert frame["uninstalled_at"].tolist() == stamps
    summary = users_summary_frame(users)
    assert summary["created_at"].tolist() == stamps


def test_a_second_control_group_export_while_one_runs_is_refused(slow_sandbox: Sandbox) -> None:
    from braze_api.errors import RateLimitError

    client = BrazeClient(SANDBOX_API_KEY, slow_sandbox.url, max_rate_limit_wait=0)
    slow_sandbox.exports.delay = 30.0
    client.users.export_global_control_group(fields_to_export=["email"])
    with pytest.raises(RateLimitError):
        client.users.export_global_control_group(fields_to_export=["email"])
    posts = [r for r in slow_sandbox.requests if r.path == "/users/export/global_control_group"]
    assert len(posts) == 2  # never retried: a retry could start a second export
