"""Segment charts (Vega-Lite): size over time (several segments on one chart) and export
breakdowns.

Segment names and export values (countries, languages, apps, device models, attribute names)
come from Braze: they travel as data values, never markup (Vega draws them as text and
Streamlit's tooltips escape them), so they show exactly as Braze has them.
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts import vega
from dashboard.charts.common import PALETTE
from dashboard.display import PERCENT_HOVER, percent_text

SIZE_TITLE = "Segment size per day"
NO_SIZES = "No size data for the selected segments in this range"
NOT_EXPORTED = "Not in this export (field not exported or empty)"
COVERAGE_TITLE = "Custom attribute coverage"
NO_ATTRIBUTES = "No custom attributes in this export"
BAR_PX = 24  # one bar's row
LABEL_PX = 150  # a category label's widest (half a page at 1280 px; the tooltip has it whole)
#: room on the right of the longest bar for its label ("2,900 · 70.0%")
BAR_PADDING = {"left": 5, "top": 5, "right": 12, "bottom": 5}


def size_figure(sizes: pd.DataFrame) -> vega.Spec:
    """One line per segment: estimated users per day (the nearest day's point lists it)."""
    data = sizes.dropna(subset=["size"]) if "size" in sizes else sizes.iloc[0:0]
    if data.empty:
        return vega.empty_chart(SIZE_TITLE, NO_SIZES)
    data = data.sort_values("date", kind="stable")
    names = [str(name) for name in dict.fromkeys(data["segment"])]
    main = pd.DataFrame(
        {
            "day": vega.utc_days(data["date"]),
            "segment": data["segment"].astype(str).tolist(),
            "value": data["size"].to_numpy(dtype=float),
        }
    )
    x = vega.x_days("Date (UTC)")
    y = vega.y_quantity("Users in segment")
    colour = vega.colour_by("segment", names)
    colour["title"] = None  # no blank title line between the chart's title and its legend
    colour["legend"] = colour["legend"] and {**colour["legend"], "offset": 6}
    line = {
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {"x": x, "y": y, "color": colour},
    }
    hover = vega.hover_points(
        {
            "x": x,
            "y": y,
            "color": {**colour, "legend": None},
            "tooltip": [
                vega.day_tip(),
                vega.text_tip("segment", "Segment"),
                vega.number_tip("value", "Users"),
            ],
        }
    )
    return vega.chart(SIZE_TITLE, [line, hover], {vega.MAIN: main}, height=360)


def _bars(
    title: str,
    main: pd.DataFrame,
    *,
    x: vega.Spec,
    y_title: str,
    colour: str,
    tooltip: list[vega.Spec],
) -> vega.Spec:
    """Horizontal bars in the frame's order (first on top), each labelled outside its end."""
    y = {
        "field": "label",
        "type": "nominal",
        "title": y_title,
        "sort": None,  # the frame's order: largest first, on top
        "axis": {"labelLimit": LABEL_PX},
    }
    bars = {
        "mark": {"type": "bar", "color": colour},
        "encoding": {"x": x, "y": y, "tooltip": tooltip},
    }
    # outside the bar: inside a short bar a label shrinks past reading
    labels = {
        "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4},
        "encoding": {
            "x": {"field": x["field"], "type": "quantitative"},
            "y": y,
            "text": {"field": "text", "type": "nominal"},
            "tooltip": tooltip,
        },
    }
    spec = vega.chart(title, [bars, labels], {vega.MAIN: main})
    spec["height"] = {"step": BAR_PX}  # one row per bar, however many
    spec["padding"] = BAR_PADDING
    return spec


def breakdown_figure(counts: pd.DataFrame | None, title: str, *, unit: str = "users") -> vega.Spec:
    """Horizontal bars, largest on top, labelled with count and share."""
    if counts is None or counts.empty:
        return vega.empty_chart(title, NOT_EXPORTED)
    value_col = "users" if "users" in counts else counts.columns[1]
    label_col = next(c for c in ("value", "name", "app", "attribute") if c in counts)
    values = counts[value_col].to_numpy(dtype=float)
    share = counts["share"].to_numpy(dtype=float) if "share" in counts else None
    main = pd.DataFrame(
        {
            "label": ["" if pd.isna(v) else str(v) for v in counts[label_col]],
            "value": values,
            "text": [
                f"{v:,.0f}" + (f" · {percent_text(share[i])}" if share is not None else "")
                for i, v in enumerate(values)
            ],
        }
    )
    # the bars' categories, as the title names them: "Users by country" -> "Country"
    category = title.split(" by ", 1)[-1] if " by " in title else label_col
    category = category[:1].upper() + category[1:]
    tooltip = [vega.text_tip("label", category), vega.number_tip("value", unit.capitalize())]
    if share is not None:
        main["share"] = share
        tooltip.append(vega.number_tip("share", "Share", PERCENT_HOVER))
    top = float(values.max()) if len(values) and values.max() > 0 else 1.0
    x = {
        "field": "value",
        "type": "quantitative",
        "title": f"Number of {unit}",
        "scale": {"domain": [0, top * 1.35], "nice": False},  # room for the longest label
        "axis": {"format": ",~f"},
    }
    return _bars(title, main, x=x, y_title=category, colour=PALETTE[0], tooltip=tooltip)


def coverage_figure(coverage: pd.DataFrame | None) -> vega.Spec:
    """Share of exported users that have each custom attribute set (the 25 most set)."""
    if coverage is None or coverage.empty:
        return vega.empty_chart(COVERAGE_TITLE, NO_ATTRIBUTES)
    data = coverage.sort_values("coverage", kind="stable").tail(25).iloc[::-1]
    main = pd.DataFrame(
        {
            "label": [str(v) for v in data["attribute"]],
            "coverage": data["coverage"].to_numpy(dtype=float),
            "text": [percent_text(c) for c in data["coverage"]],
        }
    )
    x = {
        "field": "coverage",
        "type": "quantitative",
        "title": "Share of exported users with a value",
        "scale": {"domain": [0, 1.15], "nice": False},  # room for "100.0%" outside the bar
        "axis": {"format": ".0%", "values": [0, 0.25, 0.5, 0.75, 1]},
    }
    tooltip = [
        vega.text_tip("label", "Custom attribute"),
        vega.number_tip("coverage", "Of users", PERCENT_HOVER),
    ]
    return _bars(
        COVERAGE_TITLE, main, x=x, y_title="Custom attribute", colour=PALETTE[2], tooltip=tooltip
    )
