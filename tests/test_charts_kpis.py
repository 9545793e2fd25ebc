"""KPI figure builders: pure functions, checked on the figure objects they return."""

import pandas as pd
import pytest

from dashboard.charts.common import PALETTE, axis_title
from dashboard.charts.kpis import (
    METRIC_STYLES,
    NO_DATA,
    daily_figure,
    hourly_sessions_figure,
    stickiness_figure,
)

DAYS = pd.date_range("2024-03-01", periods=4, freq="D")


def _daily(metric: str, values: list[float | None]) -> pd.DataFrame:
    return pd.DataFrame({"date": DAYS[: len(values)], metric: values})


@pytest.mark.parametrize("metric", list(METRIC_STYLES))
def test_daily_figure_is_titled_labelled_and_formatted(metric: str) -> None:
    style = METRIC_STYLES[metric]
    fig = daily_figure(_daily(metric, [1200, 3400, None, 5600]), metric)
    assert fig.layout.title.text == style.title
    assert fig.layout.yaxis.title.text == axis_title(style.label, style.unit)
    assert fig.layout.xaxis.title.text == "Date"
    assert fig.layout.yaxis.tickformat == ","
    (trace,) = fig.data
    assert list(trace.y) == [1200, 3400, 5600]  # the missing day is not drawn as zero
    assert "%{y:,.0f} " + style.unit in trace.hovertemplate
    colour = trace.marker.color if trace.type == "bar" else trace.line.color
    assert colour == style.colour


def test_metric_colours_are_distinct_and_from_the_palette() -> None:
    colours = [s.colour for s in METRIC_STYLES.values()]
    assert len(set(colours)) == len(colours)
    assert set(colours) <= set(PALETTE)


def test_tz_aware_days_plot_on_their_utc_date() -> None:
    frame = pd.DataFrame({"date": pd.date_range("2024-03-01", periods=2, tz="UTC"), "dau": [5, 6]})
    fig = daily_figure(frame, "dau")
    assert [pd.Timestamp(x).date().isoformat() for x in fig.data[0].x] == [
        "2024-03-01",
        "2024-03-02",
    ]


def test_empty_series_says_so() -> None:
    fig = daily_figure(_daily("mau", []), "mau")
    assert not fig.data
    assert fig.layout.annotations[0].text == NO_DATA
    assert fig.layout.title.text == METRIC_STYLES["mau"].title


def test_hourly_sessions_are_shown_on_the_chosen_clock() -> None:
    times = pd.date_range("2024-03-01T00:00", periods=3, freq="h", tz="UTC")
    frame = pd.DataFrame({"time": times, "sessions": [10, 20, 30]})
    fig = hourly_sessions_figure(frame, "Asia/Tokyo")
    assert "Asia/Tokyo" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "Hour (Asia/Tokyo)"
    hours = [pd.Timestamp(x) for x in fig.data[0].x]
    assert hours[0] == pd.Timestamp("2024-03-01T09:00")  # UTC+9
    assert list(fig.data[0].y) == [10, 20, 30]


def test_hourly_empty() -> None:
    frame = pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]"), "sessions": []})
    assert hourly_sessions_figure(frame, "UTC").layout.annotations[0].text == NO_DATA


def test_stickiness_is_a_percentage_axis() -> None:
    frame = pd.DataFrame({"date": DAYS[:3], "stickiness": [0.1, 0.25, None]})
    fig = stickiness_figure(frame)
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.yaxis.title.text == "DAU / MAU (%)"
    assert list(fig.data[0].y) == [0.1, 0.25]
    assert "%{y:.1%}" in fig.data[0].hovertemplate


def test_stickiness_without_data() -> None:
    assert stickiness_figure(pd.DataFrame({"date": DAYS[:2]})).layout.annotations[0].text == NO_DATA


def test_figures_leave_backgrounds_to_the_theme() -> None:
    fig = daily_figure(_daily("dau", [1, 2]), "dau")
    assert fig.layout.paper_bgcolor == "rgba(0,0,0,0)"
    assert fig.layout.plot_bgcolor == "rgba(0,0,0,0)"
    assert fig.layout.font.color is None
