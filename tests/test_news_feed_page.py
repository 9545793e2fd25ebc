"""The News Feed page against the demo sandbox, numbers checked with plain requests."""

from __future__ import annotations

import io

import pandas as pd
import requests

from braze_sandbox import SANDBOX_API_KEY
from dashboard.charts import vega
from dashboard.charts.news_feed import metric_figure, totals_figure
from dashboard.data.news_feed import card_totals
from dashboard.display import percent_tickformat
from dashboard.filters import preset_range, utc_today
from dashboard.metrics import CARD_CTR
from tests.conftest import chart_titles, rendered_text, sent_charts
from tests.vega_specs import (
    axis_format,
    axis_title,
    data_of,
    layers,
    mark_type,
    schema_errors,
    tooltips,
)
from tests.vega_specs import texts as vega_texts


def _sandbox_totals(sandbox, card_id: str, days: int = 30) -> dict[str, int]:
    start, end = preset_range("Last 30 days", utc_today())
    body = requests.get(
        f"{sandbox.url}/feed/data_series",
        params={"card_id": card_id, "length": days, "ending_at": f"{end}T23:59:59Z"},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    ).json()
    points = [p for p in body["data"] if start.isoformat() <= p["time"][:10] <= end.isoformat()]
    return {m: sum(p[m] for p in points) for m in ("impressions", "clicks")}


def test_legacy_notice_and_series_for_a_card(app_test, demo) -> None:
    card = demo.workspace.cards[-1]  # the newest card is the one still live
    at = app_test("news_feed", query={"card_id": card.id})
    assert not at.exception
    assert any("deprecated" in w.value and "Content Cards" in w.value for w in at.warning)
    expected = _sandbox_totals(demo, card.id)
    assert expected["impressions"] > 0
    values = {m.label: m.value for m in at.metric}
    assert values["Impressions"] == f"{expected['impressions']:,}"
    assert values["Clicks"] == f"{expected['clicks']:,}"
    assert "Impressions per day" in chart_titles(at)
    assert any(t.startswith("Click-through rate per day") for t in chart_titles(at))


def test_braze_text_is_escaped(app_test, demo) -> None:
    bold = next(c for c in demo.workspace.cards if c.title.startswith("<b>"))
    at = app_test("news_feed")
    at.toggle(key="feed_archived").set_value(True).run()
    at.selectbox(key="feed_card").set_value(bold.id).run()
    assert not at.exception
    headings = [h.value for h in at.subheader]
    assert "\\<b\\>Bold\\</b\\> news" in headings, headings
    assert all(not getattr(m.proto, "allow_html", False) for m in at.markdown)


def test_hourly_comparison_and_archived(app_test, demo) -> None:
    cards = demo.workspace.cards
    at = app_test("news_feed", query={"range": "last_7", "tz": "Asia/Tokyo"})
    demo.clear_requests()
    at.toggle(key="feed_hourly").set_value(True).run()
    at.multiselect(key="feed_compare").set_value([cards[0].id]).run()
    assert not at.exception
    hourly = [
        r for r in demo.requests if r.path == "/feed/data_series" and r.query.get("unit") == "hour"
    ]
    assert {r.query["card_id"] for r in hourly} >= {cards[0].id, cards[-1].id}
    assert "Impressions per hour" in chart_titles(at)
    assert "Impressions and clicks per card (range total)" in chart_titles(at)
    before = len(at.selectbox(key="feed_card").options)
    at.toggle(key="feed_archived").set_value(True).run()
    assert len(at.selectbox(key="feed_card").options) == before + sum(c.archived for c in cards)


def test_a_failing_series_shows_a_message_and_the_details_render(app_test, demo) -> None:
    demo.inject("/feed/data_series", 500)
    at = app_test("news_feed")
    assert not at.exception
    assert any("(500)" in e.value and "/feed/data_series" in e.value for e in at.error)
    assert any("Published" in m.value for m in at.markdown)
    assert "Traceback" not in rendered_text(at)


def test_totals_and_ctr_are_computed_per_card() -> None:
    series = pd.DataFrame(
        {
            "card_id": ["a", "a", "b"],
            "card": ["A", "A", "B"],
            "time": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
            "impressions": [100.0, 300.0, 0.0],
            "unique_impressions": [80.0, 120.0, 0.0],
            "clicks": [10.0, 30.0, 0.0],
            "unique_clicks": [5.0, 15.0, 0.0],
        }
    )
    totals = card_totals(series).set_index("card_id")
    assert totals.at["a", "impressions"] == 400 and totals.at["a", "ctr"] == 0.1
    assert totals.at["a", "unique_ctr"] == 0.1
    assert pd.isna(totals.at["b", "ctr"])  # no impressions: no rate rather than infinity
    series["ctr"] = series["clicks"] / series["impressions"]
    spec = metric_figure(series, "ctr", "day", "Date (UTC)")
    assert axis_format(spec, "y") == percent_tickformat(series["ctr"])
    assert axis_title(spec, "y") == "Clicks per impression"
    assert axis_title(spec, "x") == "Date (UTC)"
    line, points = layers(spec)
    assert line["encoding"]["color"]["scale"]["domain"] == ["A", "B"]  # one line per card
    assert mark_type(points) == "point" and points["params"][0]["select"]["nearest"] is True
    # B's day without impressions has no rate: a gap in its line, not a 0
    assert data_of(spec)["value"].isna().tolist() == [False, True, False]
    assert line["mark"]["invalid"] == "break-paths-filter-domains"
    assert [t["title"] for t in tooltips(points)] == ["Day", "Card", CARD_CTR.label]
    assert tooltips(points)[-1]["format"] == ".1%"
    assert data_of(spec)["time"].tolist()[0] == "2024-01-01"
    assert not schema_errors(spec)
    bars = totals_figure(card_totals(series))
    (bar,) = layers(bars)
    assert bar["encoding"]["color"]["scale"]["domain"] == ["Impressions", "Clicks"]
    assert bar["encoding"]["xOffset"]["field"] == "measure"  # grouped, side by side
    assert data_of(bars)[["card", "measure", "value"]].values.tolist() == [
        ["A", "Impressions", 400.0],
        ["A", "Clicks", 40.0],
        ["B", "Impressions", 0.0],
        ["B", "Clicks", 0.0],
    ]
    assert [t["title"] for t in tooltips(bar)] == ["Card", "Impressions", "Clicks"]
    assert axis_title(bars, "x") == "Card"
    assert not schema_errors(bars)
    empty = metric_figure(series.iloc[0:0], "clicks", "hour", "Hour (UTC)")
    assert vega.is_empty(empty) and "No News Feed activity" in data_of(empty)["message"].iloc[0]
    assert not schema_errors(empty)
    assert vega.is_empty(totals_figure(card_totals(series).iloc[0:0]))


def test_a_failed_card_series_names_the_card_escaped(app_test, demo) -> None:
    from dashboard.widgets import md_escape

    bold = next(c for c in demo.workspace.cards if c.title.startswith("<b>"))
    at = app_test("news_feed")
    at.toggle(key="feed_archived").set_value(True).run()
    demo.inject("/feed/data_series", 500)
    at.selectbox(key="feed_card").set_value(bold.id).run()
    assert not at.exception
    errors = [e.value for e in at.error if "the series of" in e.value]
    assert errors and all(f"the series of {md_escape(bold.title)}" in e for e in errors), errors


def test_csv_is_named_by_grain_and_hourly_times_say_their_zone(app_test, demo, monkeypatch) -> None:
    from streamlit.runtime.media_file_manager import MediaFileManager

    saved: dict[str, bytes] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        # CSVs are built when clicked (a callable): build it here, as a click would
        saved[str(file_name)] = data_callable()
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    at = app_test("news_feed", query={"range": "last_7", "tz": "Asia/Tokyo"})
    daily = [name for name in saved if name.startswith("braze-news-feed-")]
    assert daily and all("-daily-" in name for name in daily if "cards" not in name), daily
    saved.clear()
    at.toggle(key="feed_hourly").set_value(True).run()
    assert not at.exception
    hourly = [name for name in saved if name.startswith("braze-news-feed-hourly-")]
    assert hourly, list(saved)
    table = pd.read_csv(io.BytesIO(saved[hourly[0]]), dtype=str)
    assert list(table.columns[:2]) == ["hour_utc", "hour_local (Asia/Tokyo)"]
    utc = pd.to_datetime(table["hour_utc"], utc=True)
    local = pd.to_datetime(table["hour_local (Asia/Tokyo)"]).dt.tz_convert("UTC")
    assert table["hour_utc"].str.endswith("Z").all() and (utc == local).all()


def test_a_count_chart_of_only_zeros_is_an_explained_empty_state_and_small_counts_tick_by_one():
    days = pd.date_range("2026-11-01", periods=3, freq="D", tz="UTC")
    zeros = pd.DataFrame({"time": days, "card": "Card A", "impressions": [0, 0, 0]})
    empty = metric_figure(zeros, "impressions", "day", "Date (UTC)")
    assert vega.is_empty(empty)
    assert "No News Feed activity" in str(data_of(empty)["message"].iloc[0])
    small = metric_figure(zeros.assign(impressions=[0, 2, 1]), "impressions", "day", "Date")
    assert layers(small)[0]["encoding"]["y"]["axis"]["tickMinStep"] == 1
    assert axis_format(small, "y") == ",~f"
    assert not schema_errors(small)
    assert layers(small)[0]["encoding"]["x"]["axis"]["tickCount"] == {"interval": "day", "step": 1}
    one = metric_figure(zeros.iloc[1:2].assign(impressions=[3]), "impressions", "day", "Date")
    assert layers(one)[1]["encoding"]["opacity"]["value"] == 1  # one day: its dot, not nothing
    large = metric_figure(zeros.assign(impressions=[0, 200, 100]), "impressions", "day", "Date")
    assert "tickMinStep" not in layers(large)[0]["encoding"]["y"]["axis"]
    assert data_of(large)["time"].tolist() == ["2026-11-01", "2026-11-02", "2026-11-03"]


def test_the_page_sends_vega_charts_with_card_titles_as_data(app_test, demo) -> None:
    bold = next(c for c in demo.workspace.cards if c.title.startswith("<b>"))
    live = demo.workspace.cards[-1]
    at = app_test("news_feed", query={"card_id": live.id})
    at.toggle(key="feed_archived").set_value(True).run()
    at.multiselect(key="feed_compare").set_value([bold.id]).run()
    assert not at.exception
    assert not at.get("plotly_chart")
    charts = sent_charts(at)
    shown = charts["Impressions per day"]
    assert bold.title in set(data_of(shown)["card"])  # the raw title, as a value
    assert not any("&lt;" in text for spec in charts.values() for text in vega_texts(spec))
    totals = charts["Impressions and clicks per card (range total)"]
    assert bold.title in set(data_of(totals)["card"])
