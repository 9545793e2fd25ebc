"""Custom event and session charts (Vega-Lite), built on one multi-series builder.

Series names come from Braze (event and product names are typed by customers): they travel as
data values, never markup (Vega draws them as text; Streamlit's tooltips escape them).
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts import vega
from dashboard.charts.common import PALETTE
from dashboard.charts.kpis import BAR_PADDING

NO_DATA = "No data in this date range"
SESSIONS_COLOUR = PALETTE[3]
RATIO_COLOUR = PALETTE[5]
LEGEND_CHARS = 60  # longer Braze names are shortened in legends and titles


def display_times(times: pd.Series, unit: str, timezone: str) -> pd.Series:
    """UTC times -> what the x axis shows: plain dates (UTC days) or the zone's wall clock."""
    stamps = pd.to_datetime(times, utc=True)
    if unit == "hour":
        return stamps.dt.tz_convert(timezone).dt.tz_localize(None)
    return stamps.dt.tz_localize(None).dt.normalize()


def time_axis(unit: str, timezone: str) -> tuple[str, str, str]:
    """(x axis title, title suffix, hover date format) for a unit."""
    if unit == "hour":
        return f"Hour ({timezone})", f"per hour ({timezone})", "%a %d %b %H:00"
    return "Date (UTC days)", "per day", "%a %d %b %Y"


def _short(text: object, limit: int = LEGEND_CHARS) -> str:
    """A Braze name shortened for a title (the data keeps it whole)."""
    label = "" if text is None or text is pd.NA else str(text)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _time_encoding(unit: str, timezone: str) -> tuple[str, vega.Spec, vega.Spec]:
    """(field, x encoding, tooltip) for a unit: UTC days, or hours on the zone's clock."""
    x_title, _, _ = time_axis(unit, timezone)
    if unit == "hour":
        return "hour", vega.x_hours(x_title), vega.hour_tip()
    return "day", vega.x_days(x_title), vega.day_tip()


def _time_values(times: pd.Series, unit: str, timezone: str) -> list[str]:
    shown = display_times(times, unit, timezone)
    return vega.wall_times(shown) if unit == "hour" else vega.utc_days(shown)


def series_chart(
    frame: pd.DataFrame,
    *,
    name: str,
    title: str,
    y_title: str,
    unit: str,
    timezone: str,
    value_format: str = ",.0f",
    prefix: str = "",
    stacked: bool = False,
    order: list[str] | None = None,
    scope: str = "",
    y_format: str = ",~f",
) -> vega.Spec:
    """One series per distinct ``frame[name]`` (long frame: time, name, value), on one chart.

    Overlay draws lines; ``stacked`` draws stacked areas, so the top edge is the selection's
    sum. The point nearest the pointer lists its time, series and value (``prefix`` before it,
    e.g. "$"); ``y_format`` is the axis' d3 format.
    """
    _, suffix, _ = time_axis(unit, timezone)
    full_title = f"{title} {suffix}" + (f" · {scope}" if scope else "")
    data = frame.dropna(subset=["value"]) if "value" in frame else frame.iloc[0:0]
    if data.empty:
        return vega.empty_chart(full_title, NO_DATA)
    present = set(data[name].tolist())
    labels = [label for label in (order or list(dict.fromkeys(data[name]))) if label in present]
    data = data[data[name].isin(labels)]
    rank = {label: i for i, label in enumerate(labels)}
    data = data.assign(_rank=data[name].map(rank)).sort_values(["_rank", "time"], kind="stable")
    field, x, time_tip = _time_encoding(unit, timezone)
    values = data["value"].to_numpy(dtype=float)
    main = pd.DataFrame(
        {
            field: _time_values(data["time"], unit, timezone),
            "series": data[name].astype(str).tolist(),
            "value": values,
            "rank": data["_rank"].to_numpy(dtype=int),
        }
    )
    value_tip = vega.number_tip("value", y_title, value_format)
    if prefix:
        main["shown"] = [f"{prefix}{v:{value_format}}" for v in values]
        value_tip = vega.text_tip("shown", y_title)
    y = vega.y_quantity(y_title, fmt=y_format)
    if stacked:
        y["stack"] = "zero"
    colour = vega.colour_by("series", [str(label) for label in labels], legend=len(labels) > 1)
    colour["title"] = None  # no blank title line between the chart's title and its legend
    colour["legend"] = colour["legend"] and {**colour["legend"], "offset": 6}
    order_by = {"field": "rank", "type": "quantitative"}
    tips = [time_tip, vega.text_tip("series", name.capitalize()), value_tip]
    mark: vega.Spec = (
        {"type": "area", "opacity": 0.6, "line": {"strokeWidth": 1}}
        if stacked
        else {"type": "line", "strokeWidth": 2.5}
    )
    line = {"mark": mark, "encoding": {"x": x, "y": y, "color": colour, "order": order_by}}
    hover = vega.hover_points(
        {"x": x, "y": y, "color": {**colour, "legend": None}, "order": order_by, "tooltip": tips}
    )
    return vega.chart(full_title, [line, hover], {vega.MAIN: main}, height=360)


def events_figure(
    frame: pd.DataFrame,
    unit: str,
    timezone: str,
    order: list[str],
    audience: str | None = None,
) -> vega.Spec:
    """The selected events compared on one chart (long frame: time, event, value);
    ``audience`` names the segment chosen, if any, in the title."""
    return series_chart(
        frame,
        name="event",
        title="Event occurrences",
        y_title="Occurrences",
        unit=unit,
        timezone=timezone,
        order=order,
        scope=_short(audience) if audience else "",
    )


def sessions_figure(frame: pd.DataFrame, unit: str, timezone: str, audience: str) -> vega.Spec:
    """Sessions (time, value) for the app and segment chosen; ``audience`` names the segment."""
    _, suffix, _ = time_axis(unit, timezone)
    title = f"Sessions {suffix} · {_short(audience)}"
    data = frame.dropna(subset=["value"]) if "value" in frame else frame.iloc[0:0]
    if data.empty:
        return vega.empty_chart(title, NO_DATA)
    field, x, time_tip = _time_encoding(unit, timezone)
    main = pd.DataFrame(
        {
            field: _time_values(data["time"], unit, timezone),
            "value": data["value"].to_numpy(dtype=float),
        }
    )
    unit_word = "hour" if unit == "hour" else "day"
    layer = {
        "mark": {"type": "bar", "color": SESSIONS_COLOUR},
        "encoding": {
            "x": x,
            "y": vega.y_quantity(f"Sessions per {unit_word}"),
            "tooltip": [time_tip, vega.number_tip("value", "Sessions")],
        },
    }
    spec = vega.chart(title, [layer], {vega.MAIN: main})
    spec["padding"] = BAR_PADDING  # a bar fills its day: room for the last day's label
    return spec


def sessions_per_dau_figure(frame: pd.DataFrame) -> vega.Spec:
    """Daily sessions divided by daily active users: how often an active user opens the app."""
    title = "Sessions per daily active user"
    if "sessions_per_dau" not in frame or frame["sessions_per_dau"].dropna().empty:
        return vega.empty_chart(title, NO_DATA)
    data = frame.dropna(subset=["sessions_per_dau"])
    main = pd.DataFrame(
        {
            "day": _time_values(data["time"], "day", "UTC"),
            "value": data["sessions_per_dau"].to_numpy(dtype=float),
            "sessions": data["sessions"].to_numpy(dtype=float),
            "dau": data["dau"].to_numpy(dtype=float),
        }
    )
    x = vega.x_days("Date (UTC days)")
    y = vega.y_quantity("Sessions per DAU", fmt=".2f")
    line = {
        "mark": {"type": "line", "color": RATIO_COLOUR, "strokeWidth": 2.5},
        "encoding": {"x": x, "y": y},
    }
    points = {
        "mark": {"type": "point", "filled": True, "size": 30, "color": RATIO_COLOUR},
        "encoding": {
            "x": x,
            "y": y,
            "tooltip": [
                vega.day_tip(),
                vega.number_tip("value", "Sessions per active user", ".2f"),
                vega.number_tip("sessions", "Sessions"),
                vega.number_tip("dau", "DAU"),
            ],
        },
    }
    return vega.chart(title, [line, points], {vega.MAIN: main})
