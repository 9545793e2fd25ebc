"""Pure pieces of the events page: segment filtering, names, ratios, figures (no I/O)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.charts.common import safe_label
from dashboard.charts.events import (
    display_times,
    events_figure,
    sessions_figure,
    sessions_per_dau_figure,
)
from dashboard.data.common import LoadResult
from dashboard.data.events import (
    EventsPage,
    clean_names,
    segment_choices,
    series_export,
    total,
)
from dashboard.data.timeseries import hour_range, percent_change
from dashboard.filters import Filters

FILTERS = Filters(date(2024, 3, 1), date(2024, 3, 3), timezone="Asia/Tokyo")


def series(values: list[float | None], start: str = "2024-03-01", freq: str = "D") -> pd.DataFrame:
    times = pd.date_range(start, periods=len(values), freq=freq, tz="UTC")
    return pd.DataFrame({"time": times, "value": pd.Series(values, dtype="float64")})


def test_segment_choices_offer_only_analytics_segments() -> None:
    choices = segment_choices(
        [
            {"id": "b", "name": "beta", "analytics_tracking_enabled": True},
            {"id": "a", "name": "Alpha", "analytics_tracking_enabled": True},
            {"id": "c", "name": "off", "analytics_tracking_enabled": False},
            {"id": "d", "name": "missing flag"},
            {"name": "no id", "analytics_tracking_enabled": True},
            "junk",
        ]
    )
    assert [s.segment_id for s in choices.tracked] == ["a", "b"]
    assert choices.untracked == 2


def test_clean_names_dedupes_and_drops_junk() -> None:
    assert clean_names(["b", "a", "b", "", "  ", None, 3, "=x"]) == ("b", "a", "=x")
    assert clean_names(None) == ()


def test_hour_range_is_the_zones_midnights() -> None:
    first, after = hour_range(FILTERS)
    assert first.isoformat() == "2024-02-29T15:00:00+00:00"
    assert after.isoformat() == "2024-03-03T15:00:00+00:00"


def test_totals_keep_unknown_apart_from_zero() -> None:
    assert total(series([None, None])) is None
    assert total(series([0, None, 2])) == 2
    assert (
        percent_change(10, 0) is None
        and percent_change(15, 10) == 0.5
        and percent_change(None, 3) is None
    )


def test_page_totals_and_sessions_per_dau() -> None:
    ok = {"e": LoadResult("e", series([1, 2, 3]))}
    failed = {"e": LoadResult("e", error=RuntimeError("x"))}
    page = EventsPage(
        filters=FILTERS,
        unit="day",
        events=("e",),
        segment_id=None,
        chart=ok,
        current=ok,
        previous=failed,
        dau=LoadResult("d", series([2, 0, 4])),
        sessions_all_users=LoadResult("s", series([4, 5, 6])),
    )
    row = page.totals().iloc[0]
    assert row["total"] == 6 and pd.isna(row["previous_period"]) and pd.isna(row["relative_change"])
    ratio = page.sessions_per_dau()["sessions_per_dau"].tolist()
    assert ratio[0] == 2 and pd.isna(ratio[1]) and ratio[2] == 1.5


def test_series_export_is_utc_whole_counts() -> None:
    frame = series([1.0, 2.4], freq="h").assign(event="=cmd")
    out = series_export(frame, "event", "count", "hour")
    assert list(out.columns) == ["hour_utc", "event", "count"]
    assert out["hour_utc"].tolist() == ["2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z"]
    assert out["count"].tolist() == [1, 2]


def test_hourly_times_show_on_the_zones_clock() -> None:
    shown = display_times(series([1], freq="h")["time"], "hour", "Asia/Tokyo")
    assert shown.iloc[0] == pd.Timestamp("2024-03-01 09:00")
    assert display_times(series([1])["time"], "day", "Asia/Tokyo").iloc[0] == pd.Timestamp(
        "2024-03-01"
    )


def test_events_figure_one_escaped_trace_per_event_in_order() -> None:
    frame = pd.concat([series([1, 2]).assign(event="<b>x</b>"), series([3, 4]).assign(event="a")])
    fig = events_figure(frame, "hour", "Europe/Paris", ["a", "<b>x</b>"])
    assert [t.name for t in fig.data] == ["a", "&lt;b&gt;x&lt;/b&gt;"]
    assert fig.layout.title.text == "Event occurrences per hour (Europe/Paris)"
    assert fig.layout.xaxis.title.text == "Hour (Europe/Paris)"
    assert fig.layout.showlegend


def test_empty_figures_say_so() -> None:
    empty = series([])
    assert (
        "No data"
        in events_figure(empty.assign(event=[]), "day", "UTC", []).layout.annotations[0].text
    )
    assert len(sessions_figure(empty, "day", "UTC", "All users").data) == 0
    assert len(sessions_per_dau_figure(pd.DataFrame()).data) == 0


def test_labels_are_shortened_and_escaped() -> None:
    assert safe_label("<script>" * 20).startswith("&lt;script&gt;")
    assert safe_label("x" * 100, 60).endswith("…")
