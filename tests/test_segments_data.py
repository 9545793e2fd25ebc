"""Pure parts of the Segments page: filtering, size summaries, export summaries and charts."""

from __future__ import annotations

import io
import json

import pandas as pd

from braze_api.export_reader import read_export
from dashboard.charts import vega
from dashboard.charts.segments import breakdown_figure, coverage_figure, size_figure
from dashboard.data.segments import (
    export_tables,
    filter_segments,
    size_summary,
    summarise_export,
    to_parquet_bytes,
    value_counts,
)
from dashboard.safe_csv import to_csv_bytes
from tests.vega_specs import (
    axis_format,
    axis_title,
    data_of,
    layers,
    mark_type,
    schema_errors,
    tooltips,
)

SEGMENTS = pd.DataFrame(
    {
        "id": ["s1", "s2", "s3"],
        "name": ["VIP (gold)", "Lapsed", "vip.* regex"],
        "analytics_tracking_enabled": [True, False, True],
        "tags": [["crm"], [], ["crm", "promo"]],
        "tags_text": ["crm", None, "crm, promo"],
    }
)


def test_filter_by_search_tag_and_tracking() -> None:
    assert filter_segments(SEGMENTS, "vip")["id"].tolist() == ["s1", "s3"]
    assert filter_segments(SEGMENTS, ".*")["id"].tolist() == ["s3"]  # literal, not a regex
    assert filter_segments(SEGMENTS, "S2")["id"].tolist() == ["s2"]  # ids match too
    assert filter_segments(SEGMENTS, tags=["promo"])["id"].tolist() == ["s3"]
    assert filter_segments(SEGMENTS, tracking="Analytics tracking off")["id"].tolist() == ["s2"]


def test_size_summary_first_latest_change() -> None:
    sizes = pd.DataFrame(
        {
            "segment_id": ["s1"] * 3,
            "segment": ["VIP"] * 3,
            "date": pd.date_range("2024-01-01", periods=3),
            "size": [100.0, None, 150.0],
        }
    )
    row = size_summary(sizes).iloc[0]
    assert (row["first_size"], row["latest_size"], row["change"]) == (100, 150, 50)
    assert row["relative_change"] == 0.5
    spec = size_figure(sizes)
    assert spec["title"]["text"] == "Segment size per day"
    assert data_of(spec)["segment"].unique().tolist() == ["VIP"]  # one series
    assert data_of(spec)["value"].tolist() == [100, 150]  # the missing day is not drawn as 0
    line, hover = layers(spec)
    assert axis_title(spec, "y") == "Users in segment" and axis_title(spec, "x") == "Date (UTC)"
    assert axis_format(spec, "y") == ",~f"
    assert [t["title"] for t in tooltips(hover)] == ["Day", "Segment", "Users"]
    assert not schema_errors(spec)
    empty = size_figure(sizes.iloc[0:0])
    assert vega.is_empty(empty) and "No size data" in data_of(empty)["message"].iloc[0]
    assert not schema_errors(empty)


def test_value_counts_counts_missing_and_folds_the_tail() -> None:
    column = pd.Series(["US", "US", "FR", None, "ES"], dtype="str")
    counts = value_counts(column, total=6, top=2).set_index("value")
    assert counts.loc["US", "users"] == 2
    assert counts.loc["(not set)", "users"] == 2  # one null + one user without the field
    assert counts["users"].sum() == 6


def _export() -> bytes:
    users = [
        {
            "external_id": "a",
            "country": "US",
            "email": "a@x.example",
            "total_revenue": 10.5,
            "custom_attributes": {"tier": "gold", "pets": ["cat"]},
            "custom_events": [{"name": "play", "count": 3}, {"name": "share", "count": 1}],
            "apps": [{"name": "Acme", "platform": "iOS"}],
            "devices": [{"model": "iPhone"}],
        },
        {
            "external_id": "b",
            "country": "=cmd|' /C calc'!A0",
            "custom_attributes": {"tier": None},
            "custom_events": [{"name": "play", "count": 2}],
            "purchases": [{"name": "gems", "count": 1}],
        },
    ]
    return "\n".join(json.dumps(u) for u in users).encode()


def test_export_summary() -> None:
    result = read_export(_export())
    summary = summarise_export(result)
    assert summary.users == 2 and summary.with_email == 1 and summary.revenue == 10.5
    top = summary.top_events.set_index("name")
    assert top.loc["play", "users"] == 2 and top.loc["play", "total_count"] == 5
    coverage = summary.attribute_coverage.set_index("attribute")
    assert coverage.loc["tier", "coverage"] == 0.5  # a null value is not coverage
    assert summary.apps["app"].tolist() == ["Acme (iOS)"]
    bars = breakdown_figure(summary.breakdowns["country"], "Users by country")
    assert [mark_type(layer) for layer in layers(bars)] == ["bar", "text"]  # one bar series
    assert axis_title(bars, "y") == "Country" and axis_title(bars, "x") == "Number of users"
    assert "=cmd|' /C calc'!A0" in data_of(bars)["label"].tolist()  # shown as it is, as data
    assert not schema_errors(bars)
    coverage_spec = coverage_figure(summary.attribute_coverage)
    assert axis_format(coverage_spec, "x") == ".0%"
    assert "50.0%" in data_of(coverage_spec)["text"].tolist()  # tier: one user of two
    assert not schema_errors(coverage_spec)
    assert vega.is_empty(breakdown_figure(None, "Users by language"))
    assert vega.is_empty(coverage_figure(None))


def test_downloads_are_formula_safe_csv_and_parquet() -> None:
    tables = export_tables(read_export(_export()))
    assert list(tables)[0] == "users" and "purchases" in tables
    csv = to_csv_bytes(tables["users"]).decode("utf-8-sig")
    assert "'=cmd" in csv
    back = pd.read_parquet(io.BytesIO(to_parquet_bytes(tables["custom_events"])))
    assert back["name"].tolist() == ["play", "share", "play"]
