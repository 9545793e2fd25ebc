"""KPI figures: one per daily series, hourly sessions, and DAU/MAU stickiness."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.charts import vega
from dashboard.charts.common import PALETTE, axis_title
from dashboard.display import PERCENT_HOVER, percent_tickformat


@dataclass(frozen=True)
class MetricStyle:
    label: str
    title: str
    unit: str  # what one y unit counts, shown on the axis and in the hover
    colour: str
    kind: str  # "line", "area" or "bar"


METRIC_STYLES: dict[str, MetricStyle] = {
    "mau": MetricStyle("MAU", "MAU, 30-day rolling", "users", PALETTE[0], "line"),
    "dau": MetricStyle("DAU", "Daily active users", "users", PALETTE[1], "line"),
    "new_users": MetricStyle("New users", "New users per day", "users", PALETTE[2], "bar"),
    "uninstalls": MetricStyle("Uninstalls", "Uninstalls per day", "uninstalls", PALETTE[4], "bar"),
    "sessions": MetricStyle("Sessions", "Sessions per day", "sessions", PALETTE[3], "bar"),
}
STICKINESS_COLOUR = PALETTE[5]
NO_DATA = "No data in this date range"
FLAG_COLOUR = "#DC2626"  # unusual days: red rings, readable on both themes
LAUNCH_COLOUR = "rgba(107, 114, 128, 0.75)"  # launches: grey dotted lines
#: A bar fills its day, so the last day's label sits half a bar from the edge: room for it on
#: the right; elsewhere none, as a line chart (titles of a row of cards line up).
BAR_PADDING = {"left": 0, "top": 0, "right": 18, "bottom": 0}
LAUNCH_TEXT_LIMIT = 90  # characters of launch names shown per day on hover
#: (ISO day, value, sentence) per flagged day; (ISO day, sentence) per launch
Flags = tuple[tuple[str, float, str], ...]
Launches = tuple[tuple[str, str], ...]


def _mark(style: MetricStyle) -> vega.Spec:
    if style.kind == "bar":
        return {"type": "bar", "color": style.colour}
    mark: vega.Spec = {"type": "line", "color": style.colour, "strokeWidth": 2.5}
    if style.kind == "area":
        mark = {"type": "area", "color": style.colour, "opacity": 0.35, "line": True}
    return mark


def daily_figure(
    frame: pd.DataFrame,
    metric: str,
    flags: Flags = (),
    launches: Launches = (),
    *,
    height: int = vega.HEIGHT,
    compact: bool = False,
) -> vega.Spec:
    """A daily series (``date`` + ``metric`` columns) drawn in that metric's style.

    ``flags`` ring the unusual days (hover: the sentence explaining each); ``launches`` draw
    a dotted line on each day a campaign or Canvas started or stopped (hover: which).
    ``compact``: short count ticks (40k) for a chart in a three-column row.
    """
    style = METRIC_STYLES[metric]
    data = frame.dropna(subset=[metric]) if metric in frame else frame.iloc[0:0]
    if data.empty:
        return vega.empty_chart(style.title, NO_DATA, height=height)
    days = vega.utc_days(data["date"])
    main = pd.DataFrame({"day": days, "value": data[metric].to_numpy(dtype=float)})
    # Every count starts at zero, so MAU and DAU read on the same baseline (issue 17).
    y = vega.y_quantity(axis_title(style.label, style.unit))
    if compact:
        y = vega.compact_counts(y)
    encoding: vega.Spec = {
        "x": vega.x_days(),
        "y": y,
        "tooltip": [vega.day_tip(), vega.number_tip("value", style.label.capitalize())],
    }
    layers: list[vega.Spec] = [{"mark": _mark(style), "encoding": encoding}]
    if style.kind != "bar":
        # A line's own tooltip names only its first day: the day nearest the pointer does.
        # Below the rings and launch lines, so their own tooltips stay reachable.
        line = {k: v for k, v in encoding.items() if k != "tooltip"}
        layers = [{"mark": _mark(style), "encoding": line}, _hover(encoding, style.colour)]
    datasets: dict[str, pd.DataFrame] = {vega.MAIN: main}
    # A bar fills its day, a line's point sits at its start: rings and launch lines go where
    # the day is drawn (the bar's middle), as plotly drew them.
    marks_x = vega.x_days()
    if style.kind == "bar":
        marks_x["bandPosition"] = 0.5
    if flags:
        datasets["flags"] = pd.DataFrame(
            {
                "day": [day for day, _, _ in flags],
                "value": [float(value) for _, value, _ in flags],
                "why": [text for _, _, text in flags],
            }
        )
        layers.append(
            {
                "data": {"name": "flags"},
                "mark": {
                    "type": "point",
                    "size": 170,
                    "filled": False,
                    "stroke": FLAG_COLOUR,
                    "strokeWidth": 2.5,
                },
                "encoding": {
                    "x": marks_x,
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": [vega.day_tip(), vega.text_tip("why", "Unusual day")],
                },
            }
        )
    marks = _launch_marks(launches, days[0], days[-1])
    if marks:
        datasets["launches"] = pd.DataFrame(
            {"day": list(marks), "what": ["; ".join(texts) for texts in marks.values()]}
        )
        layers.append(
            {
                "data": {"name": "launches"},
                "mark": {
                    "type": "rule",
                    "color": LAUNCH_COLOUR,
                    "strokeDash": [2, 3],
                    "strokeWidth": 1.5,
                },
                "encoding": {
                    "x": marks_x,
                    "tooltip": [vega.day_tip(), vega.text_tip("what", "Launches")],
                },
            }
        )
    spec = vega.chart(style.title, layers, datasets, height=height)
    if style.kind == "bar":
        spec["padding"] = BAR_PADDING
    return spec


def _launch_marks(launches: Launches, first: str, last: str) -> dict[str, list[str]]:
    """Launch names per ISO day inside the drawn days, each shortened for the hover."""
    by_day: dict[str, list[str]] = {}
    days = vega.utc_days([day for day, _ in launches]) if launches else []  # one conversion
    for iso, (_, text) in zip(days, launches, strict=True):
        if first <= iso <= last:
            label = str(text)
            if len(label) > LAUNCH_TEXT_LIMIT:
                label = label[: LAUNCH_TEXT_LIMIT - 1] + "…"
            by_day.setdefault(iso, []).append(label)
    return by_day


def hourly_sessions_figure(frame: pd.DataFrame, timezone: str) -> vega.Spec:
    """Hourly sessions (``time`` in UTC + ``sessions``) shown on the clock of ``timezone``."""
    title = f"Sessions per hour ({timezone})"
    if frame.empty:
        return vega.empty_chart(title, NO_DATA)
    times = pd.to_datetime(frame["time"])
    if times.dt.tz is None:
        times = times.dt.tz_localize("UTC")
    local = times.dt.tz_convert(timezone).dt.tz_localize(None)
    style = METRIC_STYLES["sessions"]
    main = pd.DataFrame(
        {"hour": vega.wall_times(local), "value": frame["sessions"].to_numpy(dtype=float)}
    )
    layer = {
        "mark": _mark(style),
        "encoding": {
            "x": vega.x_hours(f"Hour ({timezone})"),
            "y": vega.y_quantity("Sessions per hour"),
            "tooltip": [vega.hour_tip(), vega.number_tip("value", "Sessions")],
        },
    }
    return vega.chart(title, [layer], {vega.MAIN: main})


def stickiness_figure(frame: pd.DataFrame) -> vega.Spec:
    """DAU / MAU per day as a percentage: how often monthly users come back."""
    title = "Stickiness (DAU / MAU)"
    if "stickiness" not in frame or frame["stickiness"].dropna().empty:
        return vega.empty_chart(title, NO_DATA)
    data = frame.dropna(subset=["stickiness"])
    main = pd.DataFrame(
        {"day": vega.utc_days(data["date"]), "value": data["stickiness"].to_numpy(dtype=float)}
    )
    # Enough decimals that ticks differ ("1.5%, 2.0%", never "2%, 2%, 1%").
    tickformat = percent_tickformat(data["stickiness"])
    encoding: vega.Spec = {
        "x": vega.x_days(),
        "y": vega.y_quantity("DAU / MAU (%)", fmt=tickformat),
        "tooltip": [vega.day_tip(), vega.number_tip("value", "Of MAU active", PERCENT_HOVER)],
    }
    line = {
        "mark": {"type": "line", "color": STICKINESS_COLOUR, "strokeWidth": 2.5, "point": True},
        "encoding": {k: v for k, v in encoding.items() if k != "tooltip"},
    }
    return vega.chart(title, [line, _hover(encoding, STICKINESS_COLOUR)], {vega.MAIN: main})


def _hover(encoding: vega.Spec, colour: str) -> vega.Spec:
    """The nearest day's point, shown on hover with its tooltip, in the series' colour."""
    layer = vega.hover_points(encoding)
    layer["mark"]["color"] = colour
    return layer
