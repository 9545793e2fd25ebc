"""KPI figures: one per daily series, hourly sessions, and DAU/MAU stickiness."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, axis_title, empty_figure, safe_label, style_figure
from dashboard.display import PERCENT_HOVER, percent_tickformat


@dataclass(frozen=True)
class MetricStyle:
    label: str
    title: str
    unit: str  # what one y unit counts, shown on the axis and in the hover
    colour: str
    kind: str  # "line", "area" or "bar"


METRIC_STYLES: dict[str, MetricStyle] = {
    "mau": MetricStyle("MAU", "Monthly active users (30-day rolling)", "users", PALETTE[0], "line"),
    "dau": MetricStyle("DAU", "Daily active users", "users", PALETTE[1], "line"),
    "new_users": MetricStyle("New users", "New users per day", "users", PALETTE[2], "bar"),
    "uninstalls": MetricStyle("Uninstalls", "Uninstalls per day", "uninstalls", PALETTE[4], "bar"),
    "sessions": MetricStyle("Sessions", "Sessions per day", "sessions", PALETTE[3], "bar"),
}
STICKINESS_COLOUR = PALETTE[5]
NO_DATA = "No data in this date range"
FLAG_COLOUR = "#DC2626"  # unusual days: red rings, readable on both themes
LAUNCH_COLOUR = "rgba(107, 114, 128, 0.75)"  # launches: grey dotted lines
#: (ISO day, value, sentence) per flagged day; (ISO day, sentence) per launch
Flags = tuple[tuple[str, float, str], ...]
Launches = tuple[tuple[str, str], ...]


def _naive_days(values: pd.Series) -> pd.Series:
    """Daily points as plain dates, so plotly does not shift them by a timezone."""
    times = pd.to_datetime(values)
    if times.dt.tz is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.dt.normalize()


def _trace(x: pd.Series, y: pd.Series, style: MetricStyle, hover_x: str) -> go.BaseTraceType:
    hover = f"{hover_x}<br>%{{y:,.0f}} {style.unit}<extra></extra>"
    if style.kind == "bar":
        return go.Bar(x=x, y=y, name=style.label, marker_color=style.colour, hovertemplate=hover)
    return go.Scatter(
        x=x,
        y=y,
        name=style.label,
        mode="lines",
        line={"color": style.colour, "width": 2.5},
        fill="tozeroy" if style.kind == "area" else None,
        hovertemplate=hover,
    )


def daily_figure(
    frame: pd.DataFrame,
    metric: str,
    flags: Flags = (),
    launches: Launches = (),
    *,
    height: int = 320,
) -> go.Figure:
    """A daily series (``date`` + ``metric`` columns) drawn in that metric's style.

    ``flags`` ring the unusual days (hover: the sentence explaining each); ``launches`` draw
    a dotted line on each day a campaign or Canvas started or stopped (hover: which).
    """
    style = METRIC_STYLES[metric]
    data = frame.dropna(subset=[metric]) if metric in frame else frame.iloc[0:0]
    if data.empty:
        return empty_figure(style.title, NO_DATA)
    days = _naive_days(data["date"])
    fig = go.Figure(_trace(days, data[metric], style, "%{x|%a %d %b %Y}"))
    if flags:
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime([day for day, _, _ in flags]),
                y=[value for _, value, _ in flags],
                name="Unusual day",
                mode="markers",
                marker={
                    "size": 13,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": FLAG_COLOUR, "width": 2.5},
                },
                hovertext=[safe_label(text) for _, _, text in flags],
                hovertemplate="%{hovertext}<extra>Unusual day</extra>",
            )
        )
    _add_launches(fig, launches, days)
    # Every count starts at zero, so MAU and DAU read on the same baseline (issue 17).
    return style_figure(fig, style.title, axis_title(style.label, style.unit), height=height)


def _add_launches(fig: go.Figure, launches: Launches, days: pd.Series) -> None:
    """Dotted lines at launches inside the drawn days, with the names on hover."""
    if not launches or days.empty:
        return
    first, last = days.min(), days.max()
    by_day: dict[pd.Timestamp, list[str]] = {}
    for day, text in launches:
        when = pd.Timestamp(day)
        if first <= when <= last:
            by_day.setdefault(when, []).append(safe_label(text, 90))
    if not by_day:
        return
    for when in by_day:
        fig.add_vline(x=when, line={"color": LAUNCH_COLOUR, "width": 1.5, "dash": "dot"})
    fig.add_trace(
        go.Scatter(
            x=list(by_day),
            y=[1.0] * len(by_day),
            yaxis="y2",
            name="Launch",
            mode="markers",
            marker={"symbol": "triangle-down", "size": 10, "color": LAUNCH_COLOUR},
            hovertext=["<br>".join(texts) for texts in by_day.values()],
            hovertemplate="%{hovertext}<extra>Launches</extra>",
        )
    )
    fig.update_layout(
        yaxis2={"overlaying": "y", "range": [0, 1.04], "visible": False, "fixedrange": True}
    )


def hourly_sessions_figure(frame: pd.DataFrame, timezone: str) -> go.Figure:
    """Hourly sessions (``time`` in UTC + ``sessions``) shown on the clock of ``timezone``."""
    title = f"Sessions per hour ({timezone})"
    if frame.empty:
        return empty_figure(title, NO_DATA)
    times = pd.to_datetime(frame["time"])
    if times.dt.tz is None:
        times = times.dt.tz_localize("UTC")
    local = times.dt.tz_convert(timezone).dt.tz_localize(None)
    style = METRIC_STYLES["sessions"]
    fig = go.Figure(_trace(local, frame["sessions"], style, "%{x|%a %d %b %H:00}"))
    return style_figure(fig, title, "Sessions per hour", x_title=f"Hour ({timezone})")


def stickiness_figure(frame: pd.DataFrame) -> go.Figure:
    """DAU / MAU per day as a percentage: how often monthly users come back."""
    title = "Stickiness (DAU / MAU)"
    if "stickiness" not in frame or frame["stickiness"].dropna().empty:
        return empty_figure(title, NO_DATA)
    data = frame.dropna(subset=["stickiness"])
    fig = go.Figure(
        go.Scatter(
            x=_naive_days(data["date"]),
            y=data["stickiness"],
            name="Stickiness",
            mode="lines+markers",
            line={"color": STICKINESS_COLOUR, "width": 2.5},
            marker={"size": 5},
            hovertemplate="%{x|%a %d %b %Y}<br>%{y:"
            + PERCENT_HOVER
            + "} of MAU active<extra></extra>",
        )
    )
    # Enough decimals that ticks differ ("1.5%, 2.0%", never "2%, 2%, 1%").
    tickformat = percent_tickformat(data["stickiness"])
    return style_figure(fig, title, "DAU / MAU (%)", y_tickformat=tickformat)
