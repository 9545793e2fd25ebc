"""Pure shared pieces: plotly label escaping, range/hour helpers, tags, and export tables."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from braze_api import frames
from dashboard.charts.campaigns import variation_figure
from dashboard.charts.canvases import variant_comparison_figure
from dashboard.charts.common import safe_label
from dashboard.charts.news_feed import metric_figure, totals_figure
from dashboard.charts.segments import breakdown_figure, coverage_figure, size_figure
from dashboard.charts.users import timeline_figure
from dashboard.data.canvases import step_channel_table
from dashboard.data.news_feed import series_export
from dashboard.data.tags import tag_options
from dashboard.data.timeseries import hour_range, percent_change
from dashboard.filters import Filters
from tests.vega_specs import data_of, layers, texts

HOSTILE = '<img src=x onerror="alert(1)"> & co'
SHOWN = '&lt;img src=x onerror="alert(1)"&gt; &amp; co'  # what plotly receives


def test_safe_label_escapes_tags_but_not_quotes() -> None:
    assert safe_label(HOSTILE) == SHOWN
    assert safe_label(None) == "" and safe_label(pd.NA) == ""
    assert safe_label("x" * 100, 60) == "x" * 59 + "…"
    assert safe_label("<" * 10, 4) == "&lt;&lt;&lt;…"  # cut before escaping: no half entity


def test_segment_charts_keep_braze_names_as_raw_data() -> None:
    """Vega draws names as text (no markup): the raw name is a data value, never an entity."""
    sizes = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "segment": HOSTILE, "size": [1, 2]}
    )
    counts = pd.DataFrame({"value": [HOSTILE, "US"], "users": [3, 1], "share": [0.75, 0.25]})
    coverage = pd.DataFrame({"attribute": [HOSTILE], "coverage": [0.5]})
    size = size_figure(sizes)
    assert data_of(size)["segment"].unique().tolist() == [HOSTILE]
    assert layers(size)[0]["encoding"]["color"]["scale"]["domain"] == [HOSTILE]
    assert data_of(breakdown_figure(counts, "Users by country"))["label"].tolist()[0] == HOSTILE
    assert data_of(coverage_figure(coverage))["label"].tolist() == [HOSTILE]
    for spec in (size, breakdown_figure(counts, "Users by country"), coverage_figure(coverage)):
        assert not any("&lt;" in text or "&amp;" in text for text in texts(spec))
        assert "&lt;" not in json.dumps({k: v for k, v in spec.items() if k != "datasets"})


def test_news_feed_figures_escape_card_titles() -> None:
    series = pd.DataFrame(
        {
            "card": [HOSTILE],
            "time": pd.to_datetime(["2024-01-01"]),
            "impressions": [4.0],
            "ctr": [0.25],
        }
    )
    assert [t.name for t in metric_figure(series, "impressions", "day", "Date").data] == [SHOWN]
    totals = pd.DataFrame({"card": [HOSTILE], "impressions": [4], "clicks": [1]})
    assert list(totals_figure(totals).data[0].x) == [SHOWN]


def test_quotes_show_as_quotes_in_every_chart_module() -> None:
    """Plotly does not decode &quot;, so a quote escaped as an entity would show literally."""
    quoted = 'The "VIP" <list>'
    timeline = pd.DataFrame(
        {
            "kind": ["Custom event"],
            "name": [quoted],
            "start": pd.to_datetime(["2024-01-01"]),
            "end": pd.to_datetime(["2024-01-02"]),
            "count": [2],
            "detail": [quoted],
        }
    )
    spec = timeline_figure(timeline)  # Vega-Lite: the quote is data, drawn as it is
    assert data_of(spec)["label"].tolist() == [f"Custom event · {quoted}"]
    assert not any("&quot;" in text or "&lt;" in text for text in texts(spec))
    variants = pd.DataFrame(
        {
            "variant_id": ["v"],
            "variant_name": [quoted],
            "entries": [1],
            "conversions": [1],
            "revenue": [1.0],
        }
    )
    assert list(variant_comparison_figure(variants).data[0].x) == ['The "VIP" &lt;list&gt;']
    variations = pd.DataFrame(
        {
            "variation_name": [quoted],
            "channel": ["email"],
            "is_control": [False],
            "conversion_rate": [0.5],
            "unique_recipients": [2],
            "conversions": [1],
        }
    )
    assert list(variation_figure(variations).data[0].x) == ['The "VIP" &lt;list&gt;']


def test_hour_range_is_the_zones_midnights_across_dst() -> None:
    first, after = hour_range(Filters(date(2024, 3, 9), date(2024, 3, 10), timezone="US/Eastern"))
    assert first.isoformat() == "2024-03-09T05:00:00+00:00"
    assert after.isoformat() == "2024-03-11T04:00:00+00:00"  # 47 hours: clocks went forward


def test_percent_change_has_no_answer_without_a_baseline() -> None:
    assert percent_change(15, 10) == 0.5 and percent_change(5, -10) == 1.5
    assert percent_change(10, 0) is None and percent_change(None, 3) is None
    assert percent_change(float("nan"), 3) is None and percent_change(3, float("nan")) is None


def test_tag_options_skip_missing_rows_and_sort_casefolded() -> None:
    items = pd.DataFrame({"tags": [["beta", "Alpha"], None, float("nan"), [], ["alpha", " "]]})
    assert tag_options(items) == ["Alpha", "alpha", "beta"]
    assert tag_options(pd.DataFrame({"id": []})) == []


def test_step_channel_table_without_channel_rows_has_every_column() -> None:
    empty = step_channel_table(frames.canvas_series_frames({}).step_channels, ["s1"])
    assert empty.empty
    # the page drops these and configures the rest: a missing one raised KeyError
    shown = empty.drop(columns=["step_id", "kind"])
    assert {"step_name", "channel", "variation_name", "sent", "opens", "open_rate"} <= set(
        shown.columns
    )


@pytest.fixture
def card_series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "card_id": ["c1", "c1"],
            "card": ["News", "News"],
            "time": pd.to_datetime(["2024-03-09T23:00:00Z", "2024-03-10T00:00:00Z"], utc=True),
            "impressions": [3.0, 4.0],
            "unique_impressions": [3.0, 4.0],
            "clicks": [1.0, 0.0],
            "unique_clicks": [1.0, 0.0],
            "ctr": [1 / 3, 0.0],
        }
    )


def test_news_feed_hourly_export_is_utc_with_a_named_local_column(card_series) -> None:
    table = series_export(card_series, "hour", "Asia/Tokyo")
    assert list(table.columns[:2]) == ["hour_utc", "hour_local (Asia/Tokyo)"]
    assert table["hour_utc"].tolist() == ["2024-03-09T23:00:00Z", "2024-03-10T00:00:00Z"]
    assert table["hour_local (Asia/Tokyo)"].tolist() == [
        "2024-03-10T08:00:00+09:00",
        "2024-03-10T09:00:00+09:00",
    ]
    assert table["ctr"].tolist() == [0.3333, 0.0]


def test_news_feed_daily_export_is_utc_dates(card_series) -> None:
    table = series_export(card_series, "day", "Asia/Tokyo")
    assert table.columns[0] == "date_utc" and "hour_local (Asia/Tokyo)" not in table
    assert table["date_utc"].tolist() == ["2024-03-09", "2024-03-10"]
