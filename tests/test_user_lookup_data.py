"""User lookup data layer over real HTTP against a sandbox, and its pure profile helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest

from dashboard.charts import vega
from dashboard.charts.users import TIMELINE_TITLE, timeline_figure
from dashboard.data.users import (
    NOT_SET,
    ChunkFailure,
    batch_json,
    batch_table,
    chunks,
    coordinates_frame,
    file_stem,
    invalid_frame,
    lookup_users,
    profile_json,
    profile_summary,
    profile_tables,
    readable,
    timeline_frame,
    user_label,
)
from dashboard.lookup_input import parse_batch, parse_single
from dashboard.settings import Workspace
from tests.vega_specs import (
    axis_title,
    data_of,
    layers,
    mark_type,
    schema_errors,
    texts,
    tooltips,
)

EXPORT = "/users/export/ids"


@pytest.fixture
def ws(sandbox) -> Iterator[Workspace]:
    from braze_sandbox import SANDBOX_API_KEY

    sandbox.sandbox.clear_requests()
    sandbox.sandbox.clear_injections()
    yield Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY, label="test")
    sandbox.sandbox.clear_injections()


def full_users(sandbox) -> list[dict]:
    return [u for u in sandbox.sandbox.workspace.users if "external_id" in u and "devices" in u]


def posts(sandbox) -> list:
    return [r for r in sandbox.sandbox.requests if r.path == EXPORT and r.method == "POST"]


def test_batch_of_120_is_three_requests_merged_in_order(ws, sandbox) -> None:
    users = [u for u in sandbox.sandbox.workspace.users if "external_id" in u][:119]
    ids = [u["external_id"] for u in users]
    request = parse_batch([*ids[:60], "no-such-user", *ids[60:]]).request
    progress: list[tuple[int, int]] = []
    result = lookup_users(ws, request, on_progress=lambda d, n: progress.append((d, n)))
    sent = posts(sandbox)
    assert len(sent) == 3 == result.requests_sent
    assert sorted(len(r.body["external_ids"]) for r in sent) == [20, 50, 50]
    assert all(r.body["fields_to_export"] == list(request.fields) for r in sent)
    assert [u["external_id"] for u in result.users] == ids
    assert result.invalid_user_ids == ["no-such-user"]
    assert progress[-1] == (3, 3) and len(progress) == 3
    assert result.complete


def test_a_failing_chunk_keeps_the_others(ws, sandbox) -> None:
    ids = [u["external_id"] for u in full_users(sandbox)[:75]]
    sandbox.sandbox.inject(EXPORT, 403, times=1)
    result = lookup_users(ws, parse_batch(ids).request)
    assert len(result.failures) == 1
    failure = result.failures[0]
    assert failure.span in ("#1–#50", "#51–#75")
    assert len(result.users) == (25 if failure.first == 1 else 50)
    assert not result.complete


@pytest.mark.parametrize("kind", ["email", "phone", "braze_id", "device_id"])
def test_single_identifiers_find_the_user(ws, sandbox, kind: str) -> None:
    user = full_users(sandbox)[5]
    value = {
        "email": user["email"],
        "phone": user["phone"],
        "braze_id": user["braze_id"],
        "device_id": user["devices"][0]["device_id"],
    }[kind]
    result = lookup_users(ws, parse_single(kind, value).request)
    assert [u["braze_id"] for u in result.users] == [user["braze_id"]]
    (sent,) = posts(sandbox)
    assert sent.body[{"email": "email_address"}.get(kind, kind)] == value


def test_alias_and_unknown(ws, sandbox) -> None:
    user = next(u for u in sandbox.sandbox.workspace.users if "user_aliases" in u)
    alias = user["user_aliases"][0]
    found = lookup_users(
        ws, parse_single("alias", alias["alias_name"], alias_label=alias["alias_label"]).request
    )
    assert [u["braze_id"] for u in found.users] == [user["braze_id"]]
    missing = lookup_users(ws, parse_single("external_id", "ghost-42").request)
    assert missing.users == [] and missing.invalid_user_ids == ["ghost-42"]
    assert invalid_frame(missing)["identifier"].tolist() == ["ghost-42"]


def test_lookups_bypass_the_shared_cache(ws, sandbox) -> None:
    from dashboard.cache import CACHE

    before = len(CACHE)
    request = parse_single("braze_id", full_users(sandbox)[0]["braze_id"]).request
    lookup_users(ws, request)
    lookup_users(ws, request)
    assert len(posts(sandbox)) == 2  # asked twice: nothing served from a cache
    assert len(CACHE) == before


# ---- pure helpers -------------------------------------------------------------------------

SAMPLE = {
    "external_id": "u/1 <b>",
    "user_aliases": [{"alias_name": "anon", "alias_label": "amp"}],
    "braze_id": "b1",
    "first_name": "Ada",
    "last_coordinates": [-3.7, 40.4],
    "custom_attributes": {"pets": ["cat", "dog"], "address": {"zip": "1", "x": None}, "ok": True},
    "custom_events": [{"name": "open", "first": "2024-01-01", "last": "2024-03-01", "count": 3}],
    "purchases": [{"name": "coins", "first": "2024-02-01", "last": "2024-02-01", "count": "2"}],
    "apps": [{"name": "iOS", "sessions": 5}, {"name": "Web", "sessions": "7"}],
    "campaigns_received": [
        {
            "name": "Promo",
            "last_received": "2024-02-10T00:00:00Z",
            "engaged": {"opened_email": True},
            "converted": True,
            "in_control": False,
        }
    ],
    "canvases_received": [
        {"name": "Journey", "last_entered": "2024-02-01", "steps_received": [{"name": "s1"}]}
    ],
    "total_revenue": "12.5",
}


def test_profile_tables_split_identity_and_attributes() -> None:
    tables = profile_tables(SAMPLE)
    identity = dict(zip(tables["identity"]["field"], tables["identity"]["value"], strict=True))
    assert identity["braze_id"] == "b1"
    assert identity["created_at"] == NOT_SET
    assert "last_coordinates" not in set(tables["attributes"]["field"])
    assert "first_name" in set(tables["attributes"]["field"])
    assert tables["user_aliases"].to_dict("records") == [
        {"alias_label": "amp", "alias_name": "anon"}
    ]
    custom = tables["custom_attributes"].set_index("key")
    assert custom.loc["pets", "value"] == "cat, dog"
    assert custom.loc["address", "value"] == "zip: 1 · x: null"
    assert custom.loc["ok", "type"] == "boolean"


def test_readable_values() -> None:
    assert readable([]) == "(empty list)"
    assert readable([{"a": 1}, None]) == "a: 1, null"
    assert readable(float("nan")) is None
    assert readable(3) == "3"


@pytest.mark.parametrize(
    ("coords", "expected"),
    [
        ([-3.7, 40.4], (40.4, -3.7)),
        (["1.5", "2"], (2.0, 1.5)),
        ([200, 10], None),
        ([1], None),
        ("1,2", None),
        (None, None),
        ([None, 1], None),
    ],
)
def test_coordinates_are_lon_lat(coords, expected) -> None:
    frame = coordinates_frame({"last_coordinates": coords})
    if expected is None:
        assert frame.empty
    else:
        assert (frame["lat"].iloc[0], frame["lon"].iloc[0]) == expected


def test_summary_and_timeline() -> None:
    tables = profile_tables(SAMPLE)
    summary = profile_summary(SAMPLE, tables)
    assert (summary.sessions, summary.custom_events, summary.purchases) == (12, 3, 2)
    assert summary.total_revenue == 12.5 and summary.campaigns == summary.canvases == 1
    timeline = timeline_frame(tables)
    assert timeline["kind"].tolist() == ["Custom event", "Purchase", "Campaign", "Canvas"]
    assert timeline.loc[2, "detail"] == "opened email, converted"
    assert timeline.loc[3, "detail"] == "1 step received"
    assert timeline.loc[3, "end"] == timeline.loc[3, "start"]  # no exit yet
    spec = timeline_figure(timeline)
    assert spec["title"]["text"] == TIMELINE_TITLE
    assert axis_title(spec, "x") == "Date (UTC)" and axis_title(spec, "y") == "Activity"
    span, first, last = layers(spec)
    assert [mark_type(layer) for layer in (span, first, last)] == ["rule", "point", "point"]
    assert span["encoding"]["color"]["scale"]["domain"] == [
        "Custom event",
        "Purchase",
        "Campaign",
        "Canvas",
    ]
    assert set(data_of(spec)["kind"]) == {"Custom event", "Purchase", "Campaign", "Canvas"}
    assert data_of(spec)["detail"].tolist()[2] == "opened email, converted"
    assert [t["title"] for t in tooltips(first)] == ["Activity", "Date", "Detail"]
    x = span["encoding"]["x"]
    assert x["timeUnit"].startswith("utc") and x["scale"]["type"] == "utc"
    assert not schema_errors(spec)


def test_sparse_and_garbage_profiles_do_not_crash() -> None:
    for user in ({}, {"braze_id": "x"}, None, {"custom_events": "oops", "apps": [None, 3]}):
        tables = profile_tables(user)
        summary = profile_summary(user or {}, tables)
        assert summary.sessions == 0 and summary.total_revenue is None
        timeline = timeline_frame(tables)
        assert timeline.empty
        empty = timeline_figure(timeline)
        assert empty["title"]["text"] == TIMELINE_TITLE and vega.is_empty(empty)
        assert "No custom events" in data_of(empty)["message"].iloc[0]
        assert set(tables["attributes"]["value"]) == {NOT_SET}


def test_chart_keeps_braze_names_as_data_never_markup() -> None:
    tables = profile_tables({"custom_events": [{"name": "<img src=x>", "first": "2024-01-01"}]})
    spec = timeline_figure(timeline_frame(tables))
    # the name is a value Vega draws as text (the rows' data and their order), never markup
    assert data_of(spec)["label"].tolist() == ["Custom event · <img src=x>"]
    assert layers(spec)[0]["encoding"]["y"]["sort"] == ["Custom event · <img src=x>"]
    assert "<img" not in json.dumps(spec["title"])
    assert not any("&lt;" in text for text in texts(spec))
    assert not schema_errors(spec)


def test_labels_files_and_downloads() -> None:
    assert user_label(SAMPLE) == "Ada (u/1 <b>)"
    assert user_label({"user_aliases": [{"alias_name": "n", "alias_label": "l"}]}) == "l: n"
    assert user_label({"braze_id": "b"}) == "Braze ID b"
    assert file_stem(SAMPLE) == "u-1-b"
    assert file_stem({"external_id": "../../"}) == "profile"
    assert json.loads(profile_json(SAMPLE)) == SAMPLE
    assert chunks(list(range(120)))[2] == (100, list(range(100, 120)))


def test_batch_table_and_json() -> None:
    from dashboard.data.users import LookupResult

    result = LookupResult(
        request=parse_batch(["a", "b"]).request,
        users=[SAMPLE, {"external_id": "b"}],
        invalid_user_ids=["c"],
    )
    table = batch_table(result)
    assert table["external_id"].tolist() == ["u/1 <b>", "b"]
    assert table["user_aliases"].tolist()[0] == "amp: anon"
    assert pd.isna(table["user_aliases"].iloc[1])
    assert table["custom_events_count"].tolist() == [1, 0]
    assert json.loads(batch_json(result))["invalid_user_ids"] == ["c"]
    assert ChunkFailure(1, 1, ValueError()).span == "#1"


def test_profile_tables_survive_a_lone_surrogate() -> None:
    """JSON allows "\\ud800"; Arrow refuses to encode it. The profile must still render."""
    from dashboard.data.users import aliases_frame, custom_attributes_frame

    user = {
        "custom_attributes": {"tier\ud800": "gold\udc00", "tags": ["a\ud800", "b"]},
        "user_aliases": [{"alias_label": "crm\ud800", "alias_name": "x"}],
    }
    attributes = custom_attributes_frame(user)
    assert attributes["key"].tolist() == ["tags", "tier\ufffd"]
    assert attributes["value"].tolist() == ["a\ufffd, b", "gold\ufffd"]
    assert aliases_frame(user)["alias_label"].tolist() == ["crm\ufffd"]


def test_custom_attribute_kinds_use_the_profile_wording() -> None:
    """One kind per JSON value (shared with the export reader); the profile says "text"."""
    from braze_api.fields import value_kind
    from dashboard.data.users import custom_attributes_frame

    user = {
        "custom_attributes": {
            "a_text": "gold",
            "b_flag": True,
            "c_count": 3,
            "d_ratio": 0.5,
            "e_list": ["x"],
            "f_obj": {"k": 1},
            "g_none": None,
        }
    }
    attributes = custom_attributes_frame(user)
    assert attributes["type"].tolist() == [
        "text", "boolean", "number", "number", "array", "object", "null",
    ]  # fmt: skip
    values = user["custom_attributes"].values()
    assert [value_kind(v) for v in values] == [
        "string", "boolean", "number", "number", "array", "object", "null",
    ]  # fmt: skip
