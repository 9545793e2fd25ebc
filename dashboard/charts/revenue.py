"""Revenue figures: revenue and purchases over time (all products, or products compared),
and each product's share of the range's revenue."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure
from dashboard.charts.events import series_figure

# metric -> (title, y axis title, value format, prefix)
METRIC_TEXT: dict[str, tuple[str, str, str, str]] = {
    "revenue": ("Revenue", "Revenue (USD)", ",.2f", "$"),
    "purchases": ("Purchases", "Purchases (count)", ",.0f", ""),
}
VIEWS: tuple[str, ...] = ("Overlay", "Stacked")


def revenue_figure(
    frame: pd.DataFrame,
    metric: str,
    *,
    unit: str,
    timezone: str,
    view: str = "Overlay",
    scope: str = "all products",
    order: list[str] | None = None,
) -> go.Figure:
    """Revenue or purchases (long frame: time, product, value), one trace per product."""
    title, y_title, value_format, prefix = METRIC_TEXT[metric]
    stacked = view == "Stacked"
    return series_figure(
        frame,
        name="product",
        title=title,
        scope=f"{scope} (stacked)" if stacked else scope,
        y_title=y_title,
        unit=unit,
        timezone=timezone,
        value_format=value_format,
        prefix=prefix,
        stacked=stacked,
        order=order,
    )


def product_revenue_figure(totals: pd.DataFrame, top: int = 15) -> go.Figure:
    """Horizontal bars: the range's revenue per product, largest first (top ``top``)."""
    title = "Revenue by product"
    data = totals.dropna(subset=["revenue"]) if "revenue" in totals else totals.iloc[0:0]
    data = data[data["revenue"] > 0].nlargest(top, "revenue") if not data.empty else data
    if data.empty:
        return empty_figure(title, "No revenue in this date range")
    data = data.iloc[::-1]  # largest at the top
    share = data["share_of_revenue"].fillna(0).to_numpy()
    fig = go.Figure(
        go.Bar(
            x=data["revenue"],
            y=[safe_label(p, 32) for p in data["product"]],
            orientation="h",
            marker_color=PALETTE[2],
            customdata=share,
            hovertemplate="%{y}<br>$%{x:,.2f} (%{customdata:.1%} of revenue)<extra></extra>",
        )
    )
    fig = style_figure(
        fig,
        title,
        "",
        x_title="Revenue (USD, range total)",
        height=max(240, 40 + 28 * len(data)),
    )
    fig.update_xaxes(
        tickformat=",.0f", tickprefix="$", showgrid=True, gridcolor="rgba(128,128,128,0.2)"
    )
    fig.update_yaxes(rangemode=None, automargin=True)
    return fig
