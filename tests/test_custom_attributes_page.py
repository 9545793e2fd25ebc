"""The Custom attributes page against the demo sandbox over real HTTP: every page of
/custom_attributes, search and filters, CSV, and a key without the permission."""

from __future__ import annotations

import pandas as pd
import requests

from dashboard.safe_csv import to_csv_bytes
from tests.conftest import rendered_text


def every_attribute(sandbox) -> list[dict]:
    out, params = [], {}
    while True:
        page = requests.get(
            sandbox.url + "/custom_attributes",
            params=params,
            headers={"Authorization": "Bearer demo"},
            timeout=10,
        )
        page.raise_for_status()
        out += page.json()["attributes"]
        if "next" not in page.links:
            return out
        params = {"cursor": page.links["next"]["url"].split("cursor=")[1]}


def test_every_attribute_with_its_type_status_description_and_tags(app_test, demo) -> None:
    at = app_test("custom_attributes")
    assert not at.exception
    pages = [r for r in demo.requests if r.path == "/custom_attributes"]
    assert len(pages) == 2 and "cursor" in pages[1].query
    wanted = every_attribute(demo)
    assert len(wanted) > 50  # more than one page: the Link header was followed
    table = at.dataframe[0].value
    assert table["name"].tolist() == [a["name"] for a in wanted]
    for row, attribute in zip(table.to_dict("records"), wanted, strict=True):
        assert row["data_type"] == attribute["data_type"]
        assert row["status"] == attribute["status"]
        assert (None if pd.isna(row["description"]) else row["description"]) == (
            attribute["description"]
        )
        length = row["array_length"]
        assert (None if pd.isna(length) else int(length)) == attribute["array_length"]
        tags = row["tag_names_text"]
        assert ("" if pd.isna(tags) else tags) == ", ".join(attribute["tag_names"])
    assert any(f"{len(wanted)} of {len(wanted)} attributes shown" in c.value for c in at.caption)


def test_search_type_filter_and_csv(app_test, demo) -> None:
    at = app_test("custom_attributes")
    at.text_input(key="ca_search").set_value("LOYALTY").run()
    names = at.dataframe[0].value["name"].tolist()
    assert "loyalty_tier" in names
    for row in at.dataframe[0].value.to_dict("records"):  # each hit names it somewhere
        assert "loyalty" in " ".join(str(v) for v in row.values()).casefold()
    at.text_input(key="ca_search").set_value("").run()
    at.multiselect(key="ca_types").set_value(["Array"]).run()
    shown = at.dataframe[0].value
    assert set(shown["data_type"]) == {"Array"} and shown["array_length"].notna().all()
    at.multiselect(key="ca_types").set_value([]).run()
    at.text_input(key="ca_search").set_value("no attribute is called this").run()
    assert any("No custom attribute matches" in i.value for i in at.info)
    assert not at.exception


def test_the_csv_neutralises_formulas_and_keeps_every_field() -> None:
    from braze_api import frames
    from dashboard.data.definitions import definitions_export

    table = frames.custom_attributes_frame(
        {
            "attributes": [
                {
                    "name": '=HYPERLINK("http://evil.example")',
                    "data_type": "String",
                    "array_length": None,
                    "description": "+1 risky",
                    "status": "Active",
                    "tag_names": ["a", "b"],
                    "owner": "Growth",
                }
            ]
        }
    )
    text = to_csv_bytes(definitions_export(table)).decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.split(",")[:6] == [
        "name",
        "data_type",
        "array_length",
        "description",
        "status",
        "tag_names",
    ]
    assert "owner" in header and "Growth" in row
    assert row.startswith("\"'=HYPERLINK") and "'+1 risky" in row and "a, b" in row


def test_a_key_without_the_permission_gets_a_message_not_a_traceback(app_test, demo) -> None:
    demo.deny("custom_attributes.get")
    try:
        at = app_test("custom_attributes")
        assert not at.exception
        assert any("custom_attributes" in e.value for e in at.error)
        assert "Traceback" not in rendered_text(at)
    finally:
        demo.allow_all()


def test_hostile_names_are_shown_as_text(app_test, demo) -> None:
    at = app_test("custom_attributes")
    table = at.dataframe[0].value
    assert "<b>imported</b> from a spreadsheet" in table["description"].tolist()
    for element in at.markdown:
        assert "<b>" not in element.value or not element.proto.allow_html
