"""Issue 17: News Feed CTR, the two revenues and the in-app conversion rate, defined once in
``dashboard/metrics.py`` and used by every page, file and the README.

- News Feed click-through rates are clicks ÷ impressions (and unique clicks ÷ unique
  impressions), the counts Braze's card analytics export reports.
- Purchase revenue (the Revenue page) and campaign- / Canvas-attributed revenue carry distinct
  names on cards, charts, columns and CSV headers, each with help saying why they differ.
- The in-app conversion rate says what it divides by: Braze's export gives in-app impressions
  only as a total, so the rate uses summed daily unique recipients, not unique impressions.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard import metrics
from dashboard.data.news_feed import card_totals

ROOT = Path(__file__).resolve().parents[1]


# ---- News Feed CTR ------------------------------------------------------------------------


def test_card_rates_divide_clicks_by_impressions() -> None:
    assert metrics.CARD_CTR.sentence == "clicks ÷ impressions"
    assert metrics.CARD_UNIQUE_CTR.sentence == "unique clicks ÷ unique impressions"
    series = pd.DataFrame(
        {
            "card_id": ["a", "a", "b"],
            "card": ["A", "A", "B"],
            "time": pd.to_datetime(["2026-11-01", "2026-11-02", "2026-11-01"]),
            "impressions": [100.0, 100, 0],
            "unique_impressions": [50.0, 30, 0],
            "clicks": [10.0, 20, 0],
            "unique_clicks": [5.0, 3, 0],
        }
    )
    totals = card_totals(series).set_index("card_id")
    assert totals.loc["a", "ctr"] == pytest.approx(30 / 200)
    assert totals.loc["a", "unique_ctr"] == pytest.approx(8 / 80)
    assert pd.isna(totals.loc["b", "ctr"])  # no impressions: no rate, not 0
    assert "per day" in metrics.CARD_UNIQUE_CTR.help()  # summed daily uniques, said so


def test_the_readme_defines_every_rate_and_revenue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = metrics.readme_section()
    assert section in readme
    for needle in (
        "**Click-through rate**, News Feed cards: clicks ÷ impressions",
        "**Purchase revenue**",
        "**Campaign-attributed revenue**",
        "**Canvas-attributed revenue**",
        "**Conversion rate**, In-app messages:",
    ):
        assert needle in section


def test_the_news_feed_page_shows_the_metrics_definition(app_test, demo) -> None:
    card = demo.workspace.cards[-1]  # the newest card is the one still live (the first ended)
    at = app_test("news-feed", query={"card_id": card.id})
    assert not at.exception
    rates = next(m for m in at.markdown if metrics.CARD_CTR.label in m.value)
    assert metrics.CARD_UNIQUE_CTR.label in rates.value
    assert rates.proto.help and metrics.CARD_CTR.sentence in rates.proto.help
    table = next(d for d in at.dataframe if "ctr" in json.loads(d.proto.columns or "{}"))
    config = json.loads(table.proto.columns)
    assert config["ctr"]["help"] == metrics.CARD_CTR.help()
    assert config["unique_ctr"]["help"] == metrics.CARD_UNIQUE_CTR.help()
    shown = table.value.set_index("card")
    for _, row in shown.iterrows():  # the table's CTR is the rule applied to its own counts
        if row["impressions"] > 0:
            assert row["ctr"] == pytest.approx(row["clicks"] / row["impressions"], abs=6e-4)


# ---- two revenues -------------------------------------------------------------------------


def test_revenue_measures_have_distinct_names_and_say_why_they_differ() -> None:
    measures = (metrics.PURCHASE_REVENUE, metrics.CAMPAIGN_REVENUE, metrics.CANVAS_REVENUE)
    assert len({m.label for m in measures}) == 3 and len({m.column for m in measures}) == 3
    for measure in measures:
        assert "do not add up" in measure.help
    frame = pd.DataFrame({"revenue": [1.0], "revenue_change": [0.1], "revenue_per_purchase": [2]})
    assert list(metrics.PURCHASE_REVENUE.csv_columns(frame).columns) == [
        "purchase_revenue",
        "purchase_revenue_change",
        "revenue_per_purchase",
    ]


def _downloads(monkeypatch) -> dict[str, bytes]:
    from streamlit.runtime.media_file_manager import MediaFileManager

    saved: dict[str, bytes] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        saved[str(file_name)] = data_callable()  # a click builds the CSV: build it here
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return saved


def _csv(saved: dict[str, bytes], prefix: str) -> pd.DataFrame:
    body = next(v for k, v in saved.items() if k.startswith(prefix))
    return pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", nrows=5)


def test_revenue_page_and_campaigns_page_name_their_revenues(app_test, monkeypatch) -> None:
    saved = _downloads(monkeypatch)
    at = app_test("revenue")
    assert not at.exception
    card = next(m for m in at.metric if m.label.startswith(metrics.PURCHASE_REVENUE.label))
    assert card.proto.help == metrics.PURCHASE_REVENUE.help
    assert not [m.label for m in at.metric if m.label.startswith("Revenue")]
    assert "purchase_revenue_usd" in _csv(saved, "braze-product-totals-").columns
    assert "purchase_revenue_usd" in _csv(saved, "braze-revenue-daily-").columns

    at = app_test("campaigns")
    assert not at.exception
    card = next(m for m in at.metric if m.label == metrics.CAMPAIGN_REVENUE.label)
    assert metrics.CAMPAIGN_REVENUE.help in card.proto.help
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["revenue"]["label"].startswith(metrics.CAMPAIGN_REVENUE.short)
    assert config["revenue"]["help"] == metrics.CAMPAIGN_REVENUE.help
    board = _csv(saved, "braze-campaigns-")
    assert "campaign_attributed_revenue_usd" in board.columns and "revenue_usd" not in board


def test_the_canvases_page_names_its_revenue(app_test, demo) -> None:
    canvas = next(c for c in demo.workspace.canvases if c.steps and c.first_entry is not None)
    at = app_test("canvases", query={"canvas_id": canvas.id})
    assert not at.exception
    card = next(m for m in at.metric if m.label == metrics.CANVAS_REVENUE.short)
    assert metrics.CANVAS_REVENUE.help in card.proto.help


# ---- in-app conversion rate -----------------------------------------------------------------


def test_the_in_app_conversion_rate_says_what_it_divides_by() -> None:
    rate = metrics.CONVERSION_RATE
    assert rate.sentence("in_app") == "primary conversions (A) ÷ daily unique recipients, summed"
    text = rate.help()
    assert "In-app messages:" in text and "unique impressions" in text
    assert "only as a total" in text  # what the export gives instead
