"""Segment figures: size over time (several segments on one chart) and export breakdowns.

Segment names and export values (countries, languages, apps, device models, attribute names)
come from Braze, so every label goes through ``safe_label`` before plotly sees it.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure
from dashboard.display import PERCENT_HOVER, percent_text


def size_figure(sizes: pd.DataFrame) -> go.Figure:
    """One line per segment: estimated users per day."""
    title = "Segment size per day"
    if sizes.empty:
        return empty_figure(title, "No size data for the selected segments in this range")
    fig = go.Figure()
    for k, (name, part) in enumerate(sizes.sort_values("date").groupby("segment", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["size"],
                mode="lines",
                name=safe_label(name),
                line={"color": PALETTE[k % len(PALETTE)], "width": 2},
                hovertemplate="%{y:,.0f} users<extra>%{fullData.name}</extra>",
            )
        )
    return style_figure(
        fig, title, "Users in segment", x_title="Date (UTC)", show_legend=True, height=360
    )


def breakdown_figure(counts: pd.DataFrame, title: str, *, unit: str = "users") -> go.Figure:
    """Horizontal bars, largest on top, labelled with count and share."""
    if counts is None or counts.empty:
        return empty_figure(title, "Not in this export (field not exported or empty)")
    value_col = "users" if "users" in counts else counts.columns[1]
    label_col = next(c for c in ("value", "name", "app", "attribute") if c in counts)
    data = counts.iloc[::-1]
    share = data.get("share")
    text = [
        f"{v:,.0f}" + (f" · {percent_text(s)}" if share is not None else "")
        for v, s in zip(
            data[value_col], share if share is not None else data[value_col], strict=True
        )
    ]
    fig = go.Figure(
        go.Bar(
            x=data[value_col],
            y=[safe_label(v) for v in data[label_col]],
            orientation="h",
            text=text,
            textposition="outside",  # inside a short bar a label shrinks past reading
            cliponaxis=False,
            marker_color=PALETTE[0],
            hovertemplate=f"%{{y}}: %{{x:,.0f}} {unit}<extra></extra>",
        )
    )
    height = max(220, 60 + 24 * len(data))
    fig = style_figure(fig, title, "", x_title=f"Number of {unit}", height=height)
    fig.update_layout(hovermode="closest")
    # the bars' categories, as the title names them: "Users by country" -> "Country"
    category = title.split(" by ", 1)[-1] if " by " in title else label_col
    fig.update_yaxes(
        title_text=category[:1].upper() + category[1:],
        rangemode=None,
        tickformat=None,
        type="category",
    )
    # Room on the right for the longest label outside its bar.
    fig.update_xaxes(range=[0, float(data[value_col].max() or 1) * 1.25])
    return fig


def coverage_figure(coverage: pd.DataFrame) -> go.Figure:
    """Share of exported users that have each custom attribute set."""
    title = "Custom attribute coverage"
    if coverage is None or coverage.empty:
        return empty_figure(title, "No custom attributes in this export")
    data = coverage.sort_values("coverage").tail(25)
    fig = go.Figure(
        go.Bar(
            x=data["coverage"],
            y=[safe_label(v) for v in data["attribute"]],
            orientation="h",
            text=[percent_text(c) for c in data["coverage"]],
            textposition="outside",
            cliponaxis=False,
            marker_color=PALETTE[2],
            hovertemplate="%{y}: %{x:" + PERCENT_HOVER + "} of users<extra></extra>",
        )
    )
    fig = style_figure(
        fig,
        title,
        "",
        x_title="Share of exported users with a value",
        y_tickformat="",
        height=max(220, 60 + 24 * len(data)),
    )
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(tickformat=".0%", range=[0, 1.12])  # room for "100%" outside the bar
    fig.update_yaxes(title_text="Custom attribute", rangemode=None, type="category")
    return fig
