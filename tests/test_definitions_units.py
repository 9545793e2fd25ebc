"""Pure helpers of the custom event / attribute definitions: filters, defaults, joins, CSV."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from braze_api import BrazeClient, frames
from dashboard.data.definitions import (
    EventCatalog,
    choices,
    definitions_export,
    filter_definitions,
    tag_choices,
)
from dashboard.data.events import default_events, with_definitions

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def attributes() -> pd.DataFrame:
    return frames.custom_attributes_frame(load("custom_attributes"))


def test_search_is_literal_case_insensitive_and_covers_every_text_field(attributes) -> None:
    assert filter_definitions(attributes, "LOYALTY")["name"].tolist() == ["loyalty_points"]
    assert filter_definitions(attributes, "personalisation")["name"].tolist() == [
        "recently_viewed"
    ]  # a tag
    assert filter_definitions(attributes, "blocklisted")["name"].tolist() == ["beta_tester"]
    assert filter_definitions(attributes, ".*").empty  # not a regular expression
    assert len(filter_definitions(attributes, "   ")) == 3


def test_type_status_and_tag_filters_combine(attributes) -> None:
    assert filter_definitions(attributes, data_types=["Array"])["name"].tolist() == [
        "recently_viewed"
    ]
    assert filter_definitions(attributes, statuses=["Active"], tags=["loyalty"])[
        "name"
    ].tolist() == ["loyalty_points"]
    assert choices(attributes, "data_type") == ["Array", "Boolean", "Number"]
    assert tag_choices(attributes) == ["commerce", "loyalty", "personalisation"]


def test_export_writes_lists_as_text_and_keeps_unknown_columns(attributes) -> None:
    attributes["owner"] = "Growth"
    out = definitions_export(attributes)
    assert "tag_names_text" not in out and out.loc[1, "tag_names"] == "commerce, personalisation"
    assert out["owner"].tolist() == ["Growth"] * 3
    assert out.loc[1, "array_length"] == 25


def test_the_default_event_is_active_reported_and_alphabetic() -> None:
    table = frames.custom_events_frame(load("events"))
    catalog = EventCatalog(table, "events")
    assert default_events(catalog) == ["checkout_started"]
    undescribed = table.assign(description=["", "", ""])
    assert default_events(EventCatalog(undescribed, "events")) == ["checkout_started"]
    unreported = table.assign(included_in_analytics_report=[False, False, False])
    assert default_events(EventCatalog(unreported, "events")) == ["checkout_started"]
    names_only = EventCatalog(frames.custom_events_frame([{"name": "-x"}, {"name": "b"}]), "x")
    assert default_events(names_only) == ["b"]  # a letter first, then punctuation
    assert default_events(EventCatalog(frames.custom_events_frame([]), "events")) == []


def test_totals_gain_description_status_and_tags_only_from_definitions() -> None:
    table = frames.custom_events_frame(load("events"))
    totals = pd.DataFrame({"event": ["legacy_ping", "checkout_started"], "total": [1.0, 2.0]})
    joined = with_definitions(totals, EventCatalog(table, "events"))
    assert joined["event"].tolist() == ["legacy_ping", "checkout_started"]
    assert joined["status"].tolist() == ["Blocklisted", "Active"]
    assert joined["tag_names_text"].tolist() == ["legacy", "commerce, funnel"]
    assert with_definitions(totals, EventCatalog(table, "events.list")) is totals


def test_concurrent_pages_each_get_their_own_link_header() -> None:
    from braze_sandbox import start_sandbox

    url = start_sandbox(users=50)
    try:
        client = BrazeClient("sk-concurrent", url)
        cursors = [None]
        while True:
            page = client.events.get_page(cursors[-1])
            if page.next_cursor is None:
                break
            cursors.append(page.next_cursor)
        expected = [client.events.get_page(c).next_cursor for c in cursors]
        with ThreadPoolExecutor(max_workers=6) as pool:
            for _ in range(3):
                got = list(pool.map(lambda c: client.events.get_page(c).next_cursor, cursors))
                assert got == expected
    finally:
        url.stop()
