"""KPI chart builders: pure functions, checked on the Vega-Lite specs they return."""

import pandas as pd
import pytest

from dashboard.charts import vega
from dashboard.charts.common import PALETTE, axis_title
from dashboard.charts.kpis import (
    METRIC_STYLES,
    NO_DATA,
    daily_figure,
    hourly_sessions_figure,
    stickiness_figure,
)
from tests.vega_specs import axis_format, data_of, layers, mark_type, schema_errors, tooltips

DAYS = pd.date_range("2024-03-01", periods=4, freq="D")


def _daily(metric: str, values: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame({"date": DAYS[: len(values)], metric: values})


@pytest.mark.parametrize("metric", list(METRIC_STYLES))
def test_daily_figure_is_titled_labelled_and_formatted(metric: str) -> None:
    style = METRIC_STYLES[metric]
    spec = daily_figure(_daily(metric, [1200, 3400, None, 5600]), metric)
    assert spec["title"]["text"] == style.title
    layer, *hover = layers(spec)
    assert layer["encoding"]["y"]["title"] == axis_title(style.label, style.unit)
    assert layer["encoding"]["x"]["title"] == "Date"
    assert axis_format(spec, "y") == ",~f"
    assert data_of(spec)["value"].tolist() == [1200, 3400, 5600]  # the gap is not drawn as 0
    assert mark_type(layer) == ("bar" if style.kind == "bar" else "line")
    assert layer["mark"]["color"] == style.colour
    # a bar has its own tooltip; a line's would name its first day only: the nearest day's does
    tipped = layer
    if style.kind != "bar":
        (tipped,) = hover
        assert not tooltips(layer) and mark_type(tipped) == "point"
        assert tipped["mark"]["color"] == style.colour and data_of(spec, tipped) is data_of(spec)
    assert [t["title"] for t in tooltips(tipped)] == ["Day", style.label.capitalize()]
    assert not schema_errors(spec)


@pytest.mark.parametrize("metric", list(METRIC_STYLES))
def test_a_compact_card_has_short_whole_count_ticks_and_exact_hovers(metric: str) -> None:
    spec = daily_figure(_daily(metric, [1200, 3400, 5600]), metric, compact=True)
    assert axis_format(spec, "y") == vega.COMPACT_COUNT == ".3~s"  # d3: 40k, 1.5k, 400
    y = layers(spec)[0]["encoding"]["y"]
    assert y["axis"]["tickMinStep"] == 1  # a count of 0..3 gets no "500m" tick
    assert y["title"] == axis_title(METRIC_STYLES[metric].label, METRIC_STYLES[metric].unit)
    hover = layers(spec)[-1 if METRIC_STYLES[metric].kind != "bar" else 0]
    assert tooltips(hover)[-1]["format"] == ",.0f"  # the hover keeps the exact count
    assert (
        "tickMinStep"
        not in layers(daily_figure(_daily(metric, [1]), metric))[0]["encoding"]["y"]["axis"]
    )
    assert not schema_errors(spec)


def test_metric_colours_are_distinct_and_from_the_palette() -> None:
    colours = [s.colour for s in METRIC_STYLES.values()]
    assert len(set(colours)) == len(colours)
    assert set(colours) <= set(PALETTE)


def test_tz_aware_days_plot_on_their_utc_date() -> None:
    frame = pd.DataFrame(
        {"date": pd.date_range("2024-03-01T23:00", periods=2, tz="America/New_York"), "dau": [5, 6]}
    )
    spec = daily_figure(frame, "dau")
    assert data_of(spec)["day"].tolist() == ["2024-03-02", "2024-03-03"]  # 04:00 UTC next day
    x = layers(spec)[0]["encoding"]["x"]
    assert x["timeUnit"].startswith("utc") and x["scale"]["type"] == "utc"


def test_flags_and_launches_are_their_own_layers() -> None:
    flags = (("2024-03-02", 3400.0, "DAU fell 40% <b>below</b> its usual level"),)
    launches = (("2024-03-03", "Spring sale"), ("2024-03-03", "x" * 200), ("2025-01-01", "out"))
    spec = daily_figure(_daily("dau", [1200, 3400, 3000, 5600]), "dau", flags, launches)
    main, hover, rings, rules = layers(spec)  # the nearest-day layer below the marks' own tips
    assert mark_type(hover) == "point" and "data" not in hover
    assert mark_type(rings) == "point" and mark_type(rules) == "rule"
    assert data_of(spec, rings)["why"].tolist() == [flags[0][2]]  # text as data, not escaped
    (what,) = data_of(spec, rules)["what"].tolist()
    assert what.startswith("Spring sale; xxx") and what.endswith("…")  # the day outside: dropped
    assert len(what) == len("Spring sale; ") + 90
    assert not schema_errors(spec)


def test_empty_series_says_so() -> None:
    spec = daily_figure(_daily("mau", []), "mau")
    assert vega.is_empty(spec)
    assert data_of(spec)["message"].tolist() == [NO_DATA]
    assert spec["title"]["text"] == METRIC_STYLES["mau"].title
    assert not schema_errors(spec)


def test_hourly_sessions_are_shown_on_the_chosen_clock() -> None:
    times = pd.date_range("2024-03-01T00:00", periods=3, freq="h", tz="UTC")
    frame = pd.DataFrame({"time": times, "sessions": [10, 20, 30]})
    spec = hourly_sessions_figure(frame, "Asia/Tokyo")
    assert "Asia/Tokyo" in spec["title"]["text"]
    (layer,) = layers(spec)
    assert layer["encoding"]["x"]["title"] == "Hour (Asia/Tokyo)"
    assert data_of(spec)["hour"].tolist()[0] == "2024-03-01T09:00:00Z"  # UTC+9, read as UTC
    assert data_of(spec)["value"].tolist() == [10, 20, 30]
    assert not schema_errors(spec)


def test_hourly_empty() -> None:
    frame = pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]"), "sessions": []})
    assert vega.is_empty(hourly_sessions_figure(frame, "UTC"))


def test_stickiness_is_a_percentage_axis() -> None:
    frame = pd.DataFrame({"date": DAYS[:3], "stickiness": [0.1, 0.25, None]})
    spec = stickiness_figure(frame)
    assert axis_format(spec, "y") == ".0%"
    layer, hover = layers(spec)
    assert layer["encoding"]["y"]["title"] == "DAU / MAU (%)"
    assert data_of(spec)["value"].tolist() == [0.1, 0.25]
    assert not tooltips(layer) and tooltips(hover)[1]["format"] == ".1%"
    assert not schema_errors(spec)


def test_stickiness_without_data() -> None:
    assert vega.is_empty(stickiness_figure(pd.DataFrame({"date": DAYS[:2]})))


def test_charts_leave_backgrounds_and_text_colours_to_the_theme() -> None:
    spec = daily_figure(_daily("dau", [1, 2]), "dau")
    assert "background" not in spec and "background" not in spec["config"]
    assert "labelColor" not in spec["config"]["axis"]


def test_rings_and_launch_lines_sit_on_the_drawn_day() -> None:
    """A bar fills its day (drawn from midnight to midnight): its ring and launch line go to
    the bar's middle; a line's point is at the day's start, and so are its marks."""
    flags = (("2024-03-02", 3400.0, "unusual"),)
    launches = (("2024-03-03", "Spring sale"),)
    bars = daily_figure(_daily("sessions", [1200, 3400, 3000]), "sessions", flags, launches)
    _, rings, rules = layers(bars)
    assert rings["encoding"]["x"]["bandPosition"] == rules["encoding"]["x"]["bandPosition"] == 0.5
    line = daily_figure(_daily("dau", [1200, 3400, 3000]), "dau", flags, launches)
    assert all("bandPosition" not in layer["encoding"]["x"] for layer in layers(line))
    assert not schema_errors(bars) and not schema_errors(line)
