"""Revenue figures: revenue and purchases over time (all products, or products compared),
and each product's share of the range's revenue."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure
from dashboard.charts.events import series_figure
from dashboard.display import (
    PERCENT_HOVER,
    USD,
    Currency,
    money_axis,
    money_hover,
    money_title,
)
from dashboard.metrics import PURCHASE_REVENUE

# metric -> (title, y axis title, value format, prefix); revenue's depend on the currency
METRIC_TEXT: dict[str, tuple[str, str, str, str]] = {
    "revenue": (PURCHASE_REVENUE.label, f"{PURCHASE_REVENUE.label} (USD)", ",.2f", "$"),
    "purchases": ("Purchases", "Purchases", ",.0f", ""),
}


def metric_text(metric: str, currency: Currency = USD) -> tuple[str, str, str, str]:
    """(title, y axis title, hover value format, hover prefix) for a metric in ``currency``."""
    if metric == "revenue":
        return (
            PURCHASE_REVENUE.label,
            money_title(PURCHASE_REVENUE.label, currency),
            f",.{currency.decimals}f",
            currency.symbol,
        )
    return METRIC_TEXT[metric]


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
    currency: Currency = USD,
) -> go.Figure:
    """Revenue or purchases (long frame: time, product, value), one trace per product."""
    title, y_title, value_format, prefix = metric_text(metric, currency)
    stacked = view == "Stacked"
    fig = series_figure(
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
    if metric == "revenue" and "value" in frame:
        fig.update_yaxes(**money_axis(currency, frame["value"]))
    return fig


def product_revenue_figure(
    totals: pd.DataFrame, top: int = 15, currency: Currency = USD
) -> go.Figure:
    """Horizontal bars: the range's revenue per product, largest first (top ``top``)."""
    title = f"{PURCHASE_REVENUE.label} by product"
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
            hovertemplate=(
                f"%{{y}}<br>{money_hover(currency, 'x')} (%{{customdata:{PERCENT_HOVER}}} of revenue)"
                "<extra></extra>"
            ),
        )
    )
    fig = style_figure(
        fig,
        title,
        "Product",
        x_title=f"{PURCHASE_REVENUE.label} ({currency.code}, range total)",
        height=max(240, 40 + 28 * len(data)),
    )
    fig.update_xaxes(
        **money_axis(currency, data["revenue"]), showgrid=True, gridcolor="rgba(128,128,128,0.2)"
    )
    fig.update_yaxes(rangemode=None, automargin=True)
    return fig
