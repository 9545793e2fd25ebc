"""User lookup charts: one person's activity and messages on a time axis (frame in, figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure

TIMELINE_TITLE = "Activity and messages over time (UTC)"
KIND_COLOURS: dict[str, str] = {
    "Custom event": PALETTE[0],
    "Purchase": PALETTE[2],
    "Campaign": PALETTE[3],
    "Canvas": PALETTE[1],
}
_ROW_HEIGHT = 26
_MAX_HEIGHT = 900


def timeline_figure(frame: pd.DataFrame) -> go.Figure:
    """One row per event, product, campaign or Canvas: a bar from first to last, a dot if once.

    Expects ``data.users.timeline_frame`` columns: kind, name, start, end, count, detail.
    Row labels are "kind · name" so an event and a product of the same name stay apart.
    Braze names are HTML-escaped: plotly renders a subset of HTML in labels and hovers.
    """
    if frame.empty:
        return empty_figure(
            TIMELINE_TITLE, "No custom events, purchases or messages in this profile"
        )
    fig = go.Figure()
    rows = frame.assign(
        label=[f"{k} · {safe_label(n)}" for k, n in zip(frame["kind"], frame["name"], strict=True)],
        detail=[safe_label(d) for d in frame["detail"]],
    )
    order = list(dict.fromkeys(rows["label"]))
    for kind, group in rows.groupby("kind", sort=False):
        colour = KIND_COLOURS.get(str(kind), PALETTE[4])
        xs: list = []
        ys: list = []
        for row in group.itertuples():
            xs += [row.start, row.end, None]
            ys += [row.label, row.label, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=str(kind),
                line={"color": colour, "width": 6},
                marker={"color": colour, "size": 9},
                customdata=[d for d in group["detail"] for d in (d, d, None)],
                hovertemplate="%{y}<br>%{x|%d %b %Y}<br>%{customdata}<extra></extra>",
                connectgaps=False,
            )
        )
    height = min(_MAX_HEIGHT, 140 + _ROW_HEIGHT * len(order))
    style_figure(
        fig, TIMELINE_TITLE, "Activity", x_title="Date (UTC)", height=height, show_legend=True
    )
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=order[::-1],
        rangemode="normal",
        tickformat="",
        automargin=True,
    )
    return fig
