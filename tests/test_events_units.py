"""Pure pieces of the events page: segment filtering, names, ratios, figures (no I/O)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.charts import events, vega
from dashboard.charts.events import (
    LEGEND_CHARS,
    NO_DATA,
    SESSIONS_COLOUR,
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
from tests.vega_specs import (
    axis_format,
    axis_title,
    data_of,
    layers,
    mark_type,
    schema_errors,
    texts,
    tooltips,
)

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


def test_events_figure_one_series_per_event_in_order_names_as_data() -> None:
    frame = pd.concat([series([1, 2]).assign(event="<b>x</b>"), series([3, 4]).assign(event="a")])
    spec = events_figure(frame, "hour", "Europe/Paris", ["a", "<b>x</b>"])
    line, hover = layers(spec)
    colour = line["encoding"]["color"]
    assert colour["scale"]["domain"] == ["a", "<b>x</b>"]  # the raw names, in the order picked
    assert colour["legend"] is not None  # two series: a legend (on top, from CONFIG)
    assert list(dict.fromkeys(data_of(spec)["series"])) == ["a", "<b>x</b>"]
    assert not any("&lt;" in text for text in texts(spec))
    assert spec["title"]["text"] == "Event occurrences per hour (Europe/Paris)"
    assert axis_title(spec, "x") == "Hour (Europe/Paris)"
    assert axis_title(spec, "y") == "Occurrences"
    assert axis_format(spec, "y") == ",~f"
    assert data_of(spec)["hour"].tolist()[0] == "2024-03-01T01:00:00Z"  # Paris clock, read as UTC
    assert [t["title"] for t in tooltips(hover)] == ["Hour", "Event", "Occurrences"]
    assert not schema_errors(spec)
    one = events_figure(series([1, 2]).assign(event="a"), "day", "UTC", ["a", "gone"])
    (only,) = layers(one)[0]["encoding"]["color"]["scale"]["domain"]
    assert only == "a" and layers(one)[0]["encoding"]["color"]["legend"] is None
    assert (
        axis_title(one, "x") == "Date (UTC days)"
        and data_of(one)["day"].tolist()[0] == "2024-03-01"
    )


def test_events_figure_names_the_segment_in_its_title() -> None:
    frame = series([1, 2]).assign(event="a")
    spec = events_figure(frame, "day", "UTC", ["a"], "<b>VIP</b> & co " + "x" * 80)
    title = spec["title"]["text"]
    assert title.startswith("Event occurrences per day · <b>VIP</b> & co x") and title.endswith("…")
    assert len(title) == len("Event occurrences per day · ") + LEGEND_CHARS


def test_sessions_charts_are_labelled_and_hover_their_parts() -> None:
    frame = series([5, 7])
    spec = sessions_figure(frame, "day", "UTC", "All users")
    assert spec["title"]["text"] == "Sessions per day · All users"
    (bars,) = layers(spec)
    assert mark_type(bars) == "bar" and bars["mark"]["color"] == SESSIONS_COLOUR
    assert axis_title(spec, "y") == "Sessions per day"
    assert data_of(spec)["value"].tolist() == [5, 7]
    assert not schema_errors(spec)
    ratio = pd.DataFrame(
        {
            "time": frame["time"],
            "sessions": [10.0, 9],
            "dau": [4.0, 3],
            "sessions_per_dau": [2.5, 3],
        }
    )
    spec = sessions_per_dau_figure(ratio)
    line, points = layers(spec)
    assert axis_format(spec, "y") == ".2f" and axis_title(spec, "y") == "Sessions per DAU"
    assert [t["field"] for t in tooltips(points)] == ["day", "value", "sessions", "dau"]
    assert data_of(spec)["value"].tolist() == [2.5, 3]
    assert not schema_errors(spec)


def test_empty_figures_say_so() -> None:
    empty = series([])
    for spec in (
        events_figure(empty.assign(event=[]), "day", "UTC", []),
        sessions_figure(empty, "day", "UTC", "All users"),
        sessions_per_dau_figure(pd.DataFrame()),
    ):
        assert vega.is_empty(spec)
        assert data_of(spec)["message"].tolist() == [NO_DATA]
        assert not schema_errors(spec)


def test_names_in_titles_are_shortened_never_escaped() -> None:
    assert events._short("<script>" * 20).startswith("<script><script>")
    assert events._short("x" * 100, 60) == "x" * 59 + "…"
