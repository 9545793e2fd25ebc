"""Revenue charts (Vega-Lite): revenue and purchases over time (all products, or products
compared), and each product's share of the range's revenue.

Product names come from Braze: they are data values (legend labels, tooltips, bar labels),
never markup, and pass as they are (see ``vega``).
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts import vega
from dashboard.charts.common import PALETTE
from dashboard.display import PERCENT_HOVER, USD, Currency, money_title
from dashboard.metrics import PURCHASE_REVENUE

NO_DATA = "No data in this date range"
NO_REVENUE = "No revenue in this date range"
SERIES_HEIGHT = 360
PRODUCT_COLOUR = PALETTE[2]

# metric -> (title, y axis title, value format, prefix); revenue's depend on the currency.
# The value format is d3's: revenue's "$,.2f" draws the currency's sign (``vega.in_currency``).
METRIC_TEXT: dict[str, tuple[str, str, str, str]] = {
    "revenue": (PURCHASE_REVENUE.label, f"{PURCHASE_REVENUE.label} (USD)", "$,.2f", "$"),
    "purchases": ("Purchases", "Purchases", ",.0f", ""),
}


def metric_text(metric: str, currency: Currency = USD) -> tuple[str, str, str, str]:
    """(title, y axis title, tooltip d3 format, sign) for a metric in ``currency``."""
    if metric == "revenue":
        return (
            PURCHASE_REVENUE.label,
            money_title(PURCHASE_REVENUE.label, currency),
            vega.money_formats(currency)[1],
            currency.symbol,
        )
    return METRIC_TEXT[metric]


VIEWS: tuple[str, ...] = ("Overlay", "Stacked")


def _time_axis(unit: str, timezone: str) -> tuple[str, str]:
    """(x axis title, title suffix) for a unit: UTC days, or hours on ``timezone``'s clock."""
    if unit == "hour":
        return f"Hour ({timezone})", f"per hour ({timezone})"
    return "Date (UTC days)", "per day"


def _x_values(times: pd.Series, unit: str, timezone: str) -> list[str]:
    """UTC times as the x axis reads them: ISO UTC days, or the zone's wall-clock hours."""
    stamps = pd.to_datetime(times, utc=True)
    if unit == "hour":
        return vega.wall_times(stamps.dt.tz_convert(timezone).dt.tz_localize(None))
    return vega.utc_days(stamps)


def _colours(names: list[str]) -> tuple[vega.Spec, int]:
    """A colour per product in the order given; a legend only for two or more (its height)."""
    colour = vega.colour_by("series", names, legend=len(names) > 1)
    return vega.wrapped_legend(colour) if len(names) > 1 else (colour, 0)


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
) -> vega.Spec:
    """Revenue or purchases (long frame: time, product, value), one series per product.

    Overlay draws lines; Stacked draws stacked areas, so the top edge is the selection's sum.
    Each point's tooltip names the time, the product and the value.
    """
    title, y_title, tip_format, _ = metric_text(metric, currency)
    stacked = view == "Stacked"
    x_title, suffix = _time_axis(unit, timezone)
    shown_scope = f"{scope} (stacked)" if stacked else scope
    full_title = f"{title} {suffix}" + (f" · {shown_scope}" if shown_scope else "")
    data = frame.dropna(subset=["value"]) if "value" in frame else frame.iloc[0:0]
    if data.empty:
        return vega.empty_chart(full_title, NO_DATA, height=SERIES_HEIGHT)
    present = set(data["product"])
    names = [p for p in (order or list(dict.fromkeys(data["product"]))) if p in present]
    data = data[data["product"].isin(names)].sort_values("time", kind="stable")
    main = pd.DataFrame(
        {
            "time": _x_values(data["time"], unit, timezone),
            "series": data["product"].astype(str).to_numpy(),
            "value": data["value"].to_numpy(dtype=float),
        }
    )
    money = metric == "revenue"
    axis_format = vega.money_formats(currency, main["value"])[0] if money else ",~f"
    times = main["time"].nunique()
    if unit == "hour":
        x = vega.x_hours(x_title, "time")
    else:
        x = vega.day_ticks(vega.x_days(x_title, "time"), times)
    when = vega.hour_tip("time") if unit == "hour" else vega.day_tip("time")
    y = vega.y_quantity(y_title, fmt=axis_format)
    y["stack"] = "zero" if stacked else None
    if stacked:
        mark: vega.Spec = {"type": "area", "opacity": 0.7, "line": {"strokeWidth": 1}}
    else:
        mark = {"type": "line", "strokeWidth": 2.5}
    colour, legend_height = _colours(names)
    encoding: vega.Spec = {"x": x, "y": y, "color": colour}
    if stacked:
        # the stacking order is the legend's (first product at the bottom), not alphabetical
        main["series_order"] = main["series"].map({n: i for i, n in enumerate(names)})
        encoding["order"] = {"field": "series_order", "type": "quantitative"}
    tips = [when, vega.text_tip("series", "Product"), vega.number_tip("value", title, tip_format)]
    layers = vega.series_layers(mark, encoding, tips, dots=times == 1)
    spec = vega.chart(full_title, layers, {vega.MAIN: main}, height=SERIES_HEIGHT + legend_height)
    return vega.in_currency(spec, currency)


def product_revenue_figure(
    totals: pd.DataFrame, top: int = 15, currency: Currency = USD
) -> vega.Spec:
    """Horizontal bars: the range's revenue per product, largest first (top ``top``)."""
    title = f"{PURCHASE_REVENUE.label} by product"
    data = totals.dropna(subset=["revenue"]) if "revenue" in totals else totals.iloc[0:0]
    data = data[data["revenue"] > 0].nlargest(top, "revenue") if not data.empty else data
    if data.empty:
        return vega.empty_chart(title, NO_REVENUE, height=240)
    main = pd.DataFrame(
        {
            "product": data["product"].astype(str).to_numpy(),
            "revenue": data["revenue"].to_numpy(dtype=float),
            "share": data["share_of_revenue"].fillna(0).to_numpy(dtype=float),
        }
    )
    axis_format, tip_format = vega.money_formats(currency, main["revenue"])
    layer = {
        "mark": {"type": "bar", "color": PRODUCT_COLOUR},
        "encoding": {
            "y": {
                "field": "product",
                "type": "nominal",
                "title": "Product",
                "sort": main["product"].tolist(),  # largest at the top
                "axis": {"labelLimit": 220},
            },
            "x": {
                **vega.y_quantity(
                    f"{PURCHASE_REVENUE.label} ({currency.code}, range total)",
                    "revenue",
                    axis_format,
                ),
                "axis": {"format": axis_format, "grid": True},  # its colour: vega.CONFIG
            },
            "tooltip": [
                vega.text_tip("product", "Product"),
                vega.number_tip("revenue", PURCHASE_REVENUE.label, tip_format),
                vega.number_tip("share", "Share of revenue", PERCENT_HOVER),
            ],
        },
    }
    # the height holds the title and the x axis, then a readable row per product
    spec = vega.chart(title, [layer], {vega.MAIN: main}, height=110 + 26 * len(main))
    return vega.in_currency(spec, currency)
