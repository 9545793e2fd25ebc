"""KPI figures: one per daily series, hourly sessions, and DAU/MAU stickiness."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, style_figure


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


def daily_figure(frame: pd.DataFrame, metric: str) -> go.Figure:
    """A daily series (``date`` + ``metric`` columns) drawn in that metric's style."""
    style = METRIC_STYLES[metric]
    data = frame.dropna(subset=[metric]) if metric in frame else frame.iloc[0:0]
    if data.empty:
        return empty_figure(style.title, NO_DATA)
    fig = go.Figure(_trace(_naive_days(data["date"]), data[metric], style, "%{x|%a %d %b %Y}"))
    # MAU is a 30-day rolling count that moves a few percent: a zero baseline would flatten it.
    return style_figure(
        fig, style.title, f"{style.label} ({style.unit})", from_zero=metric != "mau"
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
    return style_figure(fig, title, "Sessions (per hour)", x_title=f"Hour ({timezone})")


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
            hovertemplate="%{x|%a %d %b %Y}<br>%{y:.1%} of MAU active<extra></extra>",
        )
    )
    return style_figure(fig, title, "DAU / MAU (%)", y_tickformat=".0%")
