"""News Feed charts (Vega-Lite): a metric per card over time, CTR over time, and totals per card.

Card titles come from Braze: they are data values (legend labels, ticks, tooltips), never
markup, and pass as they are (see ``vega``).
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts import vega
from dashboard.charts.common import PALETTE
from dashboard.display import PERCENT_HOVER, percent_tickformat
from dashboard.metrics import CARD_CTR

LABELS = {
    "impressions": "Impressions",
    "unique_impressions": "Unique impressions",
    "clicks": "Clicks",
    "unique_clicks": "Unique clicks",
    "ctr": CARD_CTR.label,
}
NO_ACTIVITY = "No News Feed activity for these cards in this range"
NO_CARDS = "No cards selected"
TOTALS = ("impressions", "clicks")


def metric_figure(series: pd.DataFrame, metric: str, unit: str, x_title: str) -> vega.Spec:
    """One line per card for ``metric`` (counts per day/hour, or CTR as a percentage).

    ``series`` has ``time`` already on the clock shown (naive: UTC days, or the zone's hours),
    ``card`` and the metric's column. Each point's tooltip names the time, card and value.
    """
    per = "hour" if unit == "hour" else "day"
    label = LABELS[metric]
    title = f"{label} per {per}" if metric != "ctr" else f"{label} per {per} ({CARD_CTR.sentence})"
    values = pd.to_numeric(series[metric], errors="coerce").dropna() if not series.empty else None
    if values is None or values.empty or (metric != "ctr" and not values.any()):
        # all zero: a flat line at 0 on a 0–1 axis of fractions says less than these words
        return vega.empty_chart(title, NO_ACTIVITY)
    data = series.assign(value=pd.to_numeric(series[metric], errors="coerce"))
    data = data.sort_values("time", kind="stable")
    # every card keeps its colour on both charts, even one with no rate (no impressions)
    names = [str(name) for name in dict.fromkeys(data["card"])]
    # a missing value (a rate without impressions) breaks the line, never reads as 0
    times = vega.wall_times(data["time"]) if unit == "hour" else vega.utc_days(data["time"])
    main = pd.DataFrame(
        {
            "time": times,
            "card": data["card"].astype(str).to_numpy(),
            "value": data["value"].to_numpy(dtype=float),
        }
    )
    if metric == "ctr":
        y = vega.y_quantity("Clicks per impression", fmt=percent_tickformat(series[metric]))
        value_tip = vega.number_tip("value", label, PERCENT_HOVER)
    else:
        y = vega.y_quantity(f"{label} per {per}")
        if values.max() < 5:
            y["axis"]["tickMinStep"] = 1  # counts: no fractional ticks on a small axis
        value_tip = vega.number_tip("value", label)
    count = main["time"].nunique()
    if unit == "hour":
        unit_x = vega.x_hours(x_title, "time")
    else:
        unit_x = vega.day_ticks(vega.x_days(x_title, "time"), count)
    when = vega.hour_tip("time") if unit == "hour" else vega.day_tip("time")
    colour, legend_height = vega.wrapped_legend(vega.colour_by("card", names))
    layers = vega.series_layers(
        {"type": "line", "strokeWidth": 2, "invalid": "break-paths-filter-domains"},
        {"x": unit_x, "y": y, "color": colour},
        [when, vega.text_tip("card", "Card"), value_tip],
        dots=count == 1,
    )
    return vega.chart(title, layers, {vega.MAIN: main}, height=vega.HEIGHT + legend_height)


def totals_figure(totals: pd.DataFrame) -> vega.Spec:
    """Impressions and clicks per card over the range, side by side."""
    title = "Impressions and clicks per card (range total)"
    if totals.empty:
        return vega.empty_chart(title, NO_CARDS)
    cards = totals["card"].astype(str).tolist()
    names = [LABELS[m] for m in TOTALS]
    numbers = {m: pd.to_numeric(totals[m], errors="coerce").to_numpy(dtype=float) for m in TOTALS}
    main = pd.DataFrame(
        {
            "card": [card for card in cards for _ in TOTALS],
            "measure": [LABELS[m] for _ in cards for m in TOTALS],
            "value": [numbers[m][i] for i in range(len(cards)) for m in TOTALS],
            # each bar's tooltip gives both totals of its card
            **{m: [numbers[m][i] for i in range(len(cards)) for _ in TOTALS] for m in TOTALS},
        }
    )
    colour, legend_height = vega.wrapped_legend(vega.colour_by("measure", names, PALETTE[:2]))
    layer = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "card",
                "type": "nominal",
                "title": "Card",
                "sort": list(dict.fromkeys(cards)),
                "axis": {"labelAngle": -30, "labelLimit": 180},
            },
            "xOffset": {"field": "measure", "type": "nominal", "sort": names},
            "y": vega.y_quantity("Impressions / clicks (range total)"),
            "color": colour,
            "tooltip": [
                vega.text_tip("card", "Card"),
                *(vega.number_tip(m, LABELS[m]) for m in TOTALS),
            ],
        },
    }
    return vega.chart(title, [layer], {vega.MAIN: main}, height=vega.HEIGHT + legend_height)
