"""Analytics endpoints, field for field: documented-shape fixtures → frames, and the sandbox.

Each fixture in tests/fixtures/ follows the structure of the endpoint's current docs page
(braze-inc/braze-docs, _docs/_api/endpoints/export/...), in our own words and values. A
generic walk collects every number in the body; each must reach the frame, unchanged, at
the row and column it came from. The sandbox is checked to answer with the same keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from braze_api import frames
from braze_api.frames._coerce import to_time

FIXTURES = Path(__file__).parent / "fixtures"
AUTH = {"Authorization": "Bearer demo"}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def numbers(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, float]]:
    """Every number in a JSON value with its path (booleans are flags, not stats)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from numbers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from numbers(item, (*path, index))


def series_cell(frame: pd.DataFrame, body: dict, path: tuple) -> Any:
    """The frame cell for ``("data", i, stat)``: the row of that entry's time."""
    _, index, stat = path
    stamp = to_time(body["data"][index]["time"])
    row = frame[frame["time"] == stamp]
    assert len(row) == 1, f"{path}: time {stamp} missing from the frame"
    return row.iloc[0][stat]


def item_cell(frame: pd.DataFrame, body: dict, path: tuple) -> Any:
    """The frame cell for ``(list_key, i, field)`` (items keep Braze's order)."""
    _, index, name = path
    return frame.iloc[index][name]


def details_cell(frame: pd.DataFrame, body: dict, path: tuple) -> Any:
    """``(field,)`` in a details body → the one row; a nested object stays as JSON text."""
    if len(path) == 1:
        return frame.iloc[0][path[0]]
    return json.loads(frame.iloc[0][path[0]])[path[1]]


SERIES = [
    "kpi_mau_data_series",
    "kpi_dau_data_series",
    "kpi_new_users_data_series",
    "kpi_uninstalls_data_series",
    "sessions_data_series",
    "sessions_data_series_hourly",
    "events_data_series",
    "purchases_revenue_series",
    "purchases_quantity_series",
    "segments_data_series",
    "feed_data_series",
]
LISTS: list[tuple[str, Callable[[Any], pd.DataFrame]]] = [
    ("events", frames.custom_events_frame),
    ("custom_attributes", frames.custom_attributes_frame),
    ("segments_list", frames.items_frame),
    ("feed_list", frames.items_frame),
]
DETAILS: list[tuple[str, tuple[str, ...]]] = [
    ("segments_details", frames.SEGMENT_DETAIL_COLUMNS),
    ("feed_details", frames.CARD_DETAIL_COLUMNS),
]


def assert_survives(body: dict, frame: pd.DataFrame, cell: Callable) -> int:
    found = list(numbers(body))
    for path, value in found:
        got = cell(frame, body, path)
        assert not pd.isna(got), f"{path} lost"
        assert float(got) == pytest.approx(float(value), abs=0), f"{path}: {got} != {value}"
    return len(found)


@pytest.mark.parametrize("name", SERIES)
def test_every_series_stat_reaches_the_frame(name: str) -> None:
    body = fixture(name)
    frame = frames.series_frame(body)
    assert len(frame) == len(body["data"])
    stats = {k for entry in body["data"] for k in entry if k != "time"}
    assert stats <= set(frame.columns)
    assert assert_survives(body, frame, series_cell) == len(body["data"]) * len(stats)


@pytest.mark.parametrize(("name", "build"), LISTS)
def test_every_list_field_reaches_the_frame(name: str, build: Callable) -> None:
    body = fixture(name)
    frame = build(body)
    key = next(k for k, v in body.items() if isinstance(v, list))
    assert len(frame) == len(body[key])
    fields = {k for item in body[key] for k in item}
    assert fields <= set(frame.columns)
    assert_survives(body, frame, item_cell)
    for index, item in enumerate(body[key]):  # text, flags and tag lists too
        row = frame.iloc[index]
        for field, value in item.items():
            if isinstance(value, list):
                assert list(row[field]) == value
                assert (row[f"{field}_text"] if value else None) == (", ".join(value) or None)
            elif isinstance(value, bool):
                assert bool(row[field]) is value
            elif isinstance(value, str):
                assert row[field] == value


@pytest.mark.parametrize(("name", "documented"), DETAILS)
def test_every_details_field_reaches_the_frame(name: str, documented: tuple[str, ...]) -> None:
    body = fixture(name)
    frame = frames.details_frame(body, documented)
    assert len(frame) == 1
    assert set(body) - {"message"} <= set(frame.columns)
    assert_survives(body, frame, details_cell)
    row = frame.iloc[0]
    for field, value in body.items():
        if field.endswith("_at"):
            assert row[field] == to_time(value) and not pd.isna(row[field])
        elif isinstance(value, list):
            assert list(row[field]) == value


def test_name_lists_keep_every_name() -> None:
    for name, key in (("events_list", "events"), ("purchases_product_list", "products")):
        body = fixture(name)
        assert frames.items_frame(body)["name"].tolist() == body[key]


def test_unknown_fields_and_stats_are_kept() -> None:
    body = fixture("feed_data_series")
    body["data"][0]["total_dismissals"] = 7  # a stat nobody has documented yet
    frame = frames.series_frame(body)
    assert frame.loc[0, "total_dismissals"] == 7
    events = fixture("events")
    events["events"][0]["owner_team"] = "Growth"
    events["events"][0]["sample_rate"] = 3
    table = frames.custom_events_frame(events)
    assert table.loc[0, "owner_team"] == "Growth" and table.loc[0, "sample_rate"] == 3


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2020-07-10 15:00:00.000 UTC", "2020-07-10T15:00:00+00:00"),  # segment export, details
        ("2026-02-11 08:02:44 +0000", "2026-02-11T08:02:44+00:00"),  # SMS invalid numbers
        ("2018-06-28T23:59:59-5:00", "2018-06-29T04:59:59+00:00"),  # the docs' examples
        ("2018-06-28T23:59:59-05:00", "2018-06-29T04:59:59+00:00"),
        ("2026-03-04T11:00:00Z", "2026-03-04T11:00:00+00:00"),
        ("2026-03-04T11:00:00.123+01:00", "2026-03-04T10:00:00.123+00:00"),
        ("2026-03-04", "2026-03-04T00:00:00+00:00"),
    ],
)
def test_every_documented_date_form_parses(text: str, iso: str) -> None:
    assert to_time(text) == pd.Timestamp(iso)
    body = {"created_at": text, "updated_at": text}
    row = frames.details_frame(body).iloc[0]
    assert row["created_at"] == pd.Timestamp(iso)


# ---- the sandbox answers with the documented keys ------------------------------------------


def sandbox_get(base: str, path: str, **params: Any) -> requests.Response:
    response = requests.get(base + path, params=params, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    from braze_sandbox import start_sandbox

    url = start_sandbox(users=200)
    yield str(url)
    url.stop()


def keys_of(items: list[dict]) -> set[str]:
    return {k for item in items for k in item}


def test_sandbox_series_carry_every_documented_stat(base: str) -> None:
    workspace_segments = sandbox_get(base, "/segments/list").json()["segments"]
    tracked = next(s["id"] for s in workspace_segments if s["analytics_tracking_enabled"])
    card = sandbox_get(base, "/feed/list").json()["cards"][0]["id"]
    event = sandbox_get(base, "/events/list").json()["events"][0]
    cases = {
        "/kpi/mau/data_series": ({}, "kpi_mau_data_series"),
        "/kpi/dau/data_series": ({}, "kpi_dau_data_series"),
        "/kpi/new_users/data_series": ({}, "kpi_new_users_data_series"),
        "/kpi/uninstalls/data_series": ({}, "kpi_uninstalls_data_series"),
        "/sessions/data_series": ({}, "sessions_data_series"),
        "/events/data_series": ({"event": event}, "events_data_series"),
        "/purchases/revenue_series": ({}, "purchases_revenue_series"),
        "/purchases/quantity_series": ({}, "purchases_quantity_series"),
        "/segments/data_series": ({"segment_id": tracked}, "segments_data_series"),
        "/feed/data_series": ({"card_id": card}, "feed_data_series"),
    }
    for path, (params, name) in cases.items():
        body = sandbox_get(base, path, length=3, **params).json()
        assert keys_of(body["data"]) == keys_of(fixture(name)["data"]), path
        assert assert_survives(body, frames.series_frame(body), series_cell) > 0


def test_sandbox_lists_and_details_carry_every_documented_field(base: str) -> None:
    segments = sandbox_get(base, "/segments/list").json()["segments"]
    assert keys_of(segments) == keys_of(fixture("segments_list")["segments"])
    details = sandbox_get(base, "/segments/details", segment_id=segments[0]["id"]).json()
    assert set(details) == set(fixture("segments_details"))
    assert all(isinstance(t, str) for t in details["teams"])
    cards = sandbox_get(base, "/feed/list").json()["cards"]
    assert keys_of(cards) == keys_of(fixture("feed_list")["cards"])
    card = sandbox_get(base, "/feed/details", card_id=cards[0]["id"]).json()
    assert set(card) == set(fixture("feed_details"))
    events = sandbox_get(base, "/events").json()["events"]
    assert keys_of(events) == keys_of(fixture("events")["events"])
    attributes = sandbox_get(base, "/custom_attributes").json()["attributes"]
    assert keys_of(attributes) == keys_of(fixture("custom_attributes")["attributes"])
    arrays = [a for a in attributes if a["data_type"] == "Array"]
    assert arrays and all(isinstance(a["array_length"], int) for a in arrays)
    assert all(a["array_length"] is None for a in attributes if a["data_type"] != "Array")


@pytest.mark.parametrize(
    ("path", "key"), [("/events", "events"), ("/custom_attributes", "attributes")]
)
def test_sandbox_cursor_paging_through_the_link_header(base: str, path: str, key: str) -> None:
    first = sandbox_get(base, path)
    assert len(first.json()[key]) == 50
    assert "prev" not in first.links  # no cursor sent: no previous page
    seen = list(first.json()[key])
    response = first
    while "next" in response.links:
        cursor = response.links["next"]["url"].split("cursor=")[1]
        response = sandbox_get(base, path, cursor=cursor)
        assert "prev" in response.links
        seen += response.json()[key]
    assert 0 < len(response.json()[key]) <= 50
    names = [item["name"] for item in seen]
    assert names == sorted(names) and len(set(names)) == len(names)
    bad = requests.get(base + path, params={"cursor": "not-a-cursor"}, headers=AUTH, timeout=10)
    assert bad.status_code == 400


def test_sandbox_can_deny_one_permission(base: str) -> None:
    from braze_sandbox.server import Sandbox

    sandbox = Sandbox(users=50, denied_permissions=("events.get",))
    url = sandbox.start()
    try:
        denied = requests.get(url + "/events", headers=AUTH, timeout=10)
        assert denied.status_code == 403 and "events.get" in denied.json()["message"]
        assert requests.get(url + "/events/list", headers=AUTH, timeout=10).status_code == 200
        sandbox.deny("custom_attributes.get", status=401)
        assert requests.get(url + "/custom_attributes", headers=AUTH, timeout=10).status_code == 401
        sandbox.allow_all()
        assert requests.get(url + "/events", headers=AUTH, timeout=10).status_code == 200
    finally:
        sandbox.stop()


def test_lists_with_fixed_columns_still_keep_unknown_keys() -> None:
    body = fixture("segments_list")
    body["segments"][0]["owner_team"] = "CRM"
    columns = frames.with_unknown(
        ("id", "name", "analytics_tracking_enabled", "tags"), body["segments"]
    )
    assert columns[-1] == "owner_team"
    table = frames.items_frame(body["segments"], columns)
    assert table.loc[0, "owner_team"] == "CRM" and pd.isna(table.loc[1, "owner_team"])
