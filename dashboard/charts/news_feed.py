"""News Feed figures: a metric per card over time, CTR over time, and totals per card.

Card titles come from Braze, so they go through ``safe_label`` before plotly sees them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure
from dashboard.display import percent_tickformat
from dashboard.metrics import CARD_CTR

LABELS = {
    "impressions": "Impressions",
    "unique_impressions": "Unique impressions",
    "clicks": "Clicks",
    "unique_clicks": "Unique clicks",
    "ctr": CARD_CTR.label,
}


def metric_figure(series: pd.DataFrame, metric: str, unit: str, x_title: str) -> go.Figure:
    """One line per card for ``metric`` (counts per day/hour, or CTR as a percentage)."""
    per = "hour" if unit == "hour" else "day"
    label = LABELS[metric]
    title = f"{label} per {per}" if metric != "ctr" else f"{label} per {per} ({CARD_CTR.sentence})"
    values = pd.to_numeric(series[metric], errors="coerce").dropna() if not series.empty else None
    if values is None or values.empty or (metric != "ctr" and not values.any()):
        # all zero: a flat line at 0 on a 0–1 axis of fractions says less than these words
        return empty_figure(title, "No News Feed activity for these cards in this range")
    fig = go.Figure()
    for k, (name, part) in enumerate(series.sort_values("time").groupby("card", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=part["time"],
                y=part[metric],
                mode="lines",
                name=safe_label(name),
                line={"color": PALETTE[k % len(PALETTE)], "width": 2},
            )
        )
    if metric == "ctr":
        return style_figure(
            fig,
            title,
            "Clicks per impression",
            x_title=x_title,
            y_tickformat=percent_tickformat(series[metric]),
            show_legend=True,
        )
    fig = style_figure(fig, title, f"{label} per {per}", x_title=x_title, show_legend=True)
    if values.max() < 5:
        fig.update_yaxes(dtick=1)  # counts: no fractional ticks on a small axis
    return fig


def totals_figure(totals: pd.DataFrame) -> go.Figure:
    """Impressions and clicks per card over the range, side by side."""
    title = "Impressions and clicks per card (range total)"
    if totals.empty:
        return empty_figure(title, "No cards selected")
    fig = go.Figure()
    for k, metric in enumerate(("impressions", "clicks")):
        fig.add_trace(
            go.Bar(
                x=[safe_label(c) for c in totals["card"]],
                y=totals[metric],
                name=LABELS[metric],
                marker_color=PALETTE[k],
            )
        )
    fig.update_layout(barmode="group")
    fig = style_figure(
        fig, title, "Impressions / clicks (range total)", x_title="Card", show_legend=True
    )
    fig.update_xaxes(type="category")
    return fig
