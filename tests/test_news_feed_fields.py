"""News Feed loaders keep every stat: documented four, plus any Braze adds (summed, exported)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from braze_api import frames
from dashboard.data.news_feed import (
    card_times,
    card_totals,
    extra_stats,
    other_details,
    series_export,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _series(with_extra: bool) -> pd.DataFrame:
    body = json.loads((FIXTURES / "feed_data_series.json").read_text())
    if with_extra:
        for i, entry in enumerate(body["data"]):
            entry["total_dismissals"] = 3 + i  # not documented today; must not vanish
    raw = frames.series_frame(body)
    out = pd.DataFrame({"card_id": "c1", "card": "Spring menu", "time": raw["time"]})
    for column in raw.columns.drop("time"):
        out[column] = raw[column].astype("float64")
    out["ctr"] = out["clicks"] / out["impressions"]
    return out


def test_documented_stats_are_totalled_and_exported_with_their_values() -> None:
    body = json.loads((FIXTURES / "feed_data_series.json").read_text())
    series = _series(with_extra=False)
    totals = card_totals(series).iloc[0]
    for stat in ("clicks", "impressions", "unique_clicks", "unique_impressions"):
        assert totals[stat] == sum(entry[stat] for entry in body["data"])
    export = series_export(series, "day", "UTC")
    assert export["date_utc"].tolist() == [e["time"] for e in body["data"]]
    for stat in ("clicks", "impressions", "unique_clicks", "unique_impressions"):
        assert export[stat].tolist() == [e[stat] for e in body["data"]]


def test_a_new_stat_is_kept_summed_and_exported() -> None:
    series = _series(with_extra=True)
    assert extra_stats(series) == ["total_dismissals"]
    assert card_totals(series).iloc[0]["total_dismissals"] == 3 + 4 + 5 + 6
    assert series_export(series, "day", "UTC")["total_dismissals"].tolist() == [3, 4, 5, 6]


def test_card_detail_dates_in_every_form_and_unknown_fields() -> None:
    details = json.loads((FIXTURES / "feed_details.json").read_text())
    details["end_at"] = "2025-05-31 23:59:59.000 UTC"
    details["owner"] = "Content team"
    times = card_times(details)
    assert f"{times['end_at']:%Y-%m-%d %H:%M}" == "2025-05-31 23:59"
    assert f"{times['publish_at']:%Y-%m-%d}" == "2025-02-04"
    assert other_details(details) == {"owner": "Content team"}
