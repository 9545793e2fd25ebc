"""Custom event and session figures, and the multi-series builder the revenue page shares.

Series names come from Braze (event and product names are typed by customers), so they are
HTML-escaped before plotly sees them: plotly renders a small HTML subset in legends and hovers.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure

NO_DATA = "No data in this date range"
SESSIONS_COLOUR = PALETTE[3]
RATIO_COLOUR = PALETTE[5]
LEGEND_CHARS = 60  # longer Braze names are shortened in legends and titles


def display_times(times: pd.Series, unit: str, timezone: str) -> pd.Series:
    """UTC times -> what the x axis shows: plain dates (UTC days) or the zone's wall clock."""
    stamps = pd.to_datetime(times, utc=True)
    if unit == "hour":
        return stamps.dt.tz_convert(timezone).dt.tz_localize(None)
    return stamps.dt.tz_localize(None).dt.normalize()


def time_axis(unit: str, timezone: str) -> tuple[str, str, str]:
    """(x axis title, title suffix, hover date format) for a unit."""
    if unit == "hour":
        return f"Hour ({timezone})", f"per hour ({timezone})", "%a %d %b %H:00"
    return "Date (UTC days)", "per day", "%a %d %b %Y"


def series_figure(
    frame: pd.DataFrame,
    *,
    name: str,
    title: str,
    y_title: str,
    unit: str,
    timezone: str,
    value_format: str = ",.0f",
    prefix: str = "",
    stacked: bool = False,
    order: list[str] | None = None,
    scope: str = "",
) -> go.Figure:
    """One trace per distinct ``frame[name]`` (long frame: time, name, value), on one chart.

    Overlay draws lines; ``stacked`` draws stacked areas, so the top edge is the selection's sum.
    """
    x_title, suffix, hover_x = time_axis(unit, timezone)
    full_title = f"{title} {suffix}" + (f" · {scope}" if scope else "")
    data = frame.dropna(subset=["value"]) if "value" in frame else frame.iloc[0:0]
    if data.empty:
        return empty_figure(full_title, NO_DATA)
    labels = order or list(dict.fromkeys(data[name].tolist()))
    fig = go.Figure()
    for i, label in enumerate(labels):
        part = data[data[name] == label].sort_values("time")
        if part.empty:
            continue
        colour = PALETTE[i % len(PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=display_times(part["time"], unit, timezone),
                y=part["value"],
                name=safe_label(label, LEGEND_CHARS),
                mode="lines",
                line={"color": colour, "width": 2.5 if not stacked else 1},
                stackgroup="one" if stacked else None,
                hovertemplate=(
                    f"%{{x|{hover_x}}}<br>{prefix}%{{y:{value_format}}}"
                    "<extra>%{fullData.name}</extra>"
                ),
            )
        )
    return style_figure(
        fig, full_title, y_title, x_title=x_title, show_legend=len(fig.data) > 1, height=360
    )


def events_figure(frame: pd.DataFrame, unit: str, timezone: str, order: list[str]) -> go.Figure:
    """The selected events compared on one chart (long frame: time, event, value)."""
    return series_figure(
        frame,
        name="event",
        title="Event occurrences",
        y_title="Occurrences",
        unit=unit,
        timezone=timezone,
        order=order,
    )


def sessions_figure(frame: pd.DataFrame, unit: str, timezone: str, audience: str) -> go.Figure:
    """Sessions (time, value) for the app and segment chosen; ``audience`` names the segment."""
    x_title, suffix, hover_x = time_axis(unit, timezone)
    title = f"Sessions {suffix} · {safe_label(audience, LEGEND_CHARS)}"
    data = frame.dropna(subset=["value"]) if "value" in frame else frame.iloc[0:0]
    if data.empty:
        return empty_figure(title, NO_DATA)
    fig = go.Figure(
        go.Bar(
            x=display_times(data["time"], unit, timezone),
            y=data["value"],
            name="Sessions",
            marker_color=SESSIONS_COLOUR,
            hovertemplate=f"%{{x|{hover_x}}}<br>%{{y:,.0f}} sessions<extra></extra>",
        )
    )
    unit_word = "hour" if unit == "hour" else "day"
    return style_figure(fig, title, f"Sessions per {unit_word}", x_title=x_title)


def sessions_per_dau_figure(frame: pd.DataFrame) -> go.Figure:
    """Daily sessions divided by daily active users: how often an active user opens the app."""
    title = "Sessions per daily active user"
    if "sessions_per_dau" not in frame or frame["sessions_per_dau"].dropna().empty:
        return empty_figure(title, NO_DATA)
    data = frame.dropna(subset=["sessions_per_dau"])
    fig = go.Figure(
        go.Scatter(
            x=display_times(data["time"], "day", "UTC"),
            y=data["sessions_per_dau"],
            name="Sessions per DAU",
            mode="lines+markers",
            line={"color": RATIO_COLOUR, "width": 2.5},
            marker={"size": 5},
            customdata=data[["sessions", "dau"]].to_numpy(),
            hovertemplate=(
                "%{x|%a %d %b %Y}<br>%{y:.2f} sessions per active user"
                "<br>%{customdata[0]:,.0f} sessions / %{customdata[1]:,.0f} DAU<extra></extra>"
            ),
        )
    )
    return style_figure(
        fig, title, "Sessions per DAU", x_title="Date (UTC days)", y_tickformat=".2f"
    )
