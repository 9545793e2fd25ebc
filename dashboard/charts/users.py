"""User lookup charts (Vega-Lite): one person's activity and messages on a time axis.

The chart holds one person's data: pages build it per session (never ``memoized``, never
shared). Braze names are data values, never markup (Vega draws them as text).
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts import vega
from dashboard.charts.common import PALETTE

TIMELINE_TITLE = "Activity and messages over time (UTC)"
NO_ACTIVITY = "No custom events, purchases or messages in this profile"
KIND_COLOURS: dict[str, str] = {
    "Custom event": PALETTE[0],
    "Purchase": PALETTE[2],
    "Campaign": PALETTE[3],
    "Canvas": PALETTE[1],
}
OTHER_COLOUR = PALETTE[4]
_ROW_HEIGHT = 26
_MAX_HEIGHT = 900  # the whole chart (title, legend and axis included); past it rows share
TIME_HOVER = "%d %b %Y %H:%M"


def _utc_text(values: pd.Series) -> list[str]:
    """Times (zoned or naive UTC) as wall-clock UTC text, read as UTC by the chart."""
    times = pd.to_datetime(values, utc=True, errors="coerce")
    return vega.wall_times(times.dt.tz_convert("UTC"))


def _x(field: str) -> vega.Spec:
    return {
        "field": field,
        "type": "temporal",
        "timeUnit": "utcyearmonthdatehoursminutes",
        "title": "Date (UTC)",
        "scale": {"type": "utc"},
        "axis": {"format": vega.DAY_FORMAT, "labelOverlap": True, "labelFlush": True},
    }


def _time_tip(field: str, title: str) -> vega.Spec:
    return {
        "field": field,
        "type": "temporal",
        "timeUnit": "utcyearmonthdatehoursminutes",
        "title": title,
        "format": TIME_HOVER,
    }


def timeline_figure(frame: pd.DataFrame) -> vega.Spec:
    """One row per event, product, campaign or Canvas: a bar from first to last, a dot at each end.

    Expects ``data.users.timeline_frame`` columns: kind, name, start, end, count, detail.
    Row labels are "kind · name" so an event and a product of the same name stay apart.
    """
    rows = frame.dropna(subset=["start"]) if "start" in frame else frame.iloc[0:0]
    if rows.empty:
        return vega.empty_chart(TIMELINE_TITLE, NO_ACTIVITY)
    ends = rows["end"].where(rows["end"].notna(), rows["start"])
    main = pd.DataFrame(
        {
            "label": [f"{k} · {n}" for k, n in zip(rows["kind"], rows["name"], strict=True)],
            "kind": rows["kind"].astype(str).tolist(),
            "start": _utc_text(rows["start"]),
            "end": _utc_text(ends),
            "detail": ["" if pd.isna(d) else str(d) for d in rows["detail"]],
        }
    )
    order = list(dict.fromkeys(main["label"]))
    kinds = list(dict.fromkeys(main["kind"]))
    colour = vega.colour_by("kind", kinds, [KIND_COLOURS.get(k, OTHER_COLOUR) for k in kinds])
    colour["title"] = None  # no blank title line between the chart's title and its legend
    colour["legend"] = colour["legend"] and {**colour["legend"], "offset": 6}
    y: vega.Spec = {"field": "label", "type": "nominal", "title": "Activity", "sort": order}
    dot_colour: vega.Spec = {**colour, "legend": None}
    span_tips = [
        vega.text_tip("label", "Activity"),
        _time_tip("start", "From"),
        _time_tip("end", "To"),
        vega.text_tip("detail", "Detail"),
    ]
    span = {
        "mark": {"type": "rule", "strokeWidth": 6, "strokeCap": "round"},
        "encoding": {
            "x": _x("start"),
            "x2": {"field": "end"},
            "y": y,
            "color": colour,
            "tooltip": span_tips,
        },
    }
    dots: list[vega.Spec] = [
        {
            "mark": {"type": "point", "filled": True, "size": 80, "opacity": 1},
            "encoding": {
                "x": _x(field),
                "y": y,
                "color": dot_colour,
                "tooltip": [
                    vega.text_tip("label", "Activity"),
                    _time_tip(field, "Date"),
                    vega.text_tip("detail", "Detail"),
                ],
            },
        }
        for field in ("start", "end")
    ]
    # the chart's whole height (Streamlit fits title, legend and axis inside it), as before
    height = min(_MAX_HEIGHT, 140 + _ROW_HEIGHT * len(order))
    return vega.chart(TIMELINE_TITLE, [span, *dots], {vega.MAIN: main}, height=height)
