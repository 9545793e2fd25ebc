"""Vega-Lite chart specs: how every chart is built (titles, axes with units, UTC days, tooltips).

A builder returns a plain Vega-Lite spec (a ``dict``) with its data as named pandas frames
under ``datasets``; ``widgets.show_chart`` hands it to ``st.vega_lite_chart``, which sends each
frame as Arrow. A page of six charts draws in about 0.6x the time of the same page in plotly
(bench/RESULTS.md, "Pages, until drawn").

Rules every builder follows (its tests check them, and the spec against the Vega-Lite schema,
with ``tests/vega_specs.py``):

- **Days and hours are wall-clock text read as UTC.** A day travels as ``"2026-11-02"``, an
  hour as ``"2026-11-02T14:00:00Z"`` already on the clock it is shown in (the "Z" makes a
  browser read it as UTC, as it reads a bare day); the x channel uses a
  ``utc...`` time unit and a ``utc`` scale, so a browser in any time zone shows the same day the
  numbers belong to (a plain temporal field would be moved to the viewer's zone).
- **Text from Braze is data, never markup.** Vega draws labels as SVG text and Streamlit's
  tooltip handler escapes HTML, so names are passed as they are (no ``html.escape``: it would
  show ``&lt;``); field names are the builder's own constants (Vega-Lite reads dots and
  brackets in a field name as a path), and Braze text is only ever a value.
- **Every visible axis has a title**, made by ``common.axis_title`` (units where they add
  something), and numbers have thousands separators.
- **An empty chart says why** (``empty_chart``), with its title kept.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from dashboard.charts.common import PALETTE
from dashboard.display import USD, Currency

Spec = dict[str, Any]

HEIGHT = 320
GRID = "rgba(128, 128, 128, 0.2)"
MAIN = "main"  # the name of a chart's main dataset

DAY_FORMAT = "%d %b"
DAY_HOVER = "%a %d %b %Y"
HOUR_FORMAT = "%d %b %H:00"
HOUR_HOVER = "%a %d %b %H:00"

#: Chart-wide look: quiet grid, left-aligned titles, the product palette, legends on top.
CONFIG: Spec = {
    "axis": {"gridColor": GRID, "labelLimit": 220, "titleFontWeight": "normal"},
    "axisX": {"grid": False},
    "title": {"anchor": "start", "fontSize": 15, "subtitleFontSize": 12},
    "range": {"category": list(PALETTE)},
    "legend": {"orient": "top", "labelLimit": 260},
    "view": {"stroke": None},
}


def utc_days(values: Iterable[Any]) -> list[str]:
    """Dates or times as ISO day strings (``"2026-11-02"``), the UTC day of a zoned time."""
    times = pd.to_datetime(pd.Series(list(values)) if not isinstance(values, pd.Series) else values)
    if times.dt.tz is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.dt.strftime("%Y-%m-%d").tolist()


def wall_times(values: Iterable[Any]) -> list[str]:
    """Naive wall-clock times (already on the clock shown) as ISO text read as UTC.

    The text ends in "Z": a browser reads a date-time without a zone on its own clock (a date
    alone it reads as UTC), so "…T14:00:00" would show as 22:00 in Los Angeles.
    """
    times = pd.to_datetime(pd.Series(list(values)) if not isinstance(values, pd.Series) else values)
    if times.dt.tz is not None:
        times = times.dt.tz_localize(None)
    return times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist()


def x_days(title: str = "Date", field: str = "day") -> Spec:
    """A daily x axis: one tick label per day shown as "02 Nov", in UTC."""
    return {
        "field": field,
        "type": "temporal",
        "timeUnit": "utcyearmonthdate",
        "title": title,
        "scale": {"type": "utc"},
        # flush: the first and last labels stay inside the chart (bars cut "01 Dec" to "01 De")
        "axis": {"format": DAY_FORMAT, "labelOverlap": True, "labelFlush": True},
    }


def x_hours(title: str, field: str = "hour") -> Spec:
    """An hourly x axis on the clock the times were converted to (see ``wall_times``)."""
    return {
        "field": field,
        "type": "temporal",
        "timeUnit": "utcyearmonthdatehours",
        "title": title,
        "scale": {"type": "utc"},
        "axis": {"format": HOUR_FORMAT, "labelOverlap": True, "labelFlush": True},
    }


def y_quantity(title: str, field: str = "value", fmt: str = ",~f", *, zero: bool = True) -> Spec:
    """A quantitative y axis, titled, with thousands separators (``fmt`` is a d3 format).

    Give d3 formats a type (``,~f``, ``.1%``): Vega sets a typeless format's precision from the
    tick step, and ``","`` then draws 80,000 as "8e+4".
    """
    return {
        "field": field,
        "type": "quantitative",
        "title": title,
        "scale": {"zero": zero},
        "axis": {"format": fmt},
    }


#: Compact count ticks for small charts: 40k, 1.5k, 400 (whole numbers only: no "500m").
COMPACT_COUNT = ".3~s"


def compact_counts(y: Spec) -> Spec:
    """``y`` (from ``y_quantity``) with short tick labels, for charts a third of a page wide:
    "40,000" leaves the day labels too little room and Vega drops every other one. The
    hover still gives the exact count."""
    return {**y, "axis": {**y["axis"], "format": COMPACT_COUNT, "tickMinStep": 1}}


def day_tip(field: str = "day", title: str = "Day") -> Spec:
    return {
        "field": field,
        "type": "temporal",
        "timeUnit": "utcyearmonthdate",
        "title": title,
        "format": DAY_HOVER,
    }


def hour_tip(field: str = "hour", title: str = "Hour") -> Spec:
    return {
        "field": field,
        "type": "temporal",
        "timeUnit": "utcyearmonthdatehours",
        "title": title,
        "format": HOUR_HOVER,
    }


def number_tip(field: str, title: str, fmt: str = ",.0f") -> Spec:
    return {"field": field, "type": "quantitative", "title": title, "format": fmt}


def text_tip(field: str, title: str) -> Spec:
    return {"field": field, "type": "nominal", "title": title}


def colour_by(
    field: str, names: Sequence[str], colours: Sequence[str] | None = None, *, legend: bool = True
) -> Spec:
    """Colour per series, fixed to the order given (the same name keeps its colour on a page)."""
    palette = (
        list(colours)
        if colours is not None
        else [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    )
    return {
        "field": field,
        "type": "nominal",
        "title": " ",
        "scale": {"domain": list(names), "range": palette[: len(names)]},
        "sort": list(names),
        "legend": {"orient": "top"} if legend else None,
    }


def money_formats(currency: Currency = USD, values: Iterable[Any] = ()) -> tuple[str, str]:
    """(axis, tooltip) d3 formats for amounts, as the cards write them: ticks "$1,200,000"
    (cents only when every amount is under 10), tooltips "$1,229,843.19".

    d3's ``$`` draws the spec's currency sign: "$" by default, another currency's sign once the
    chart has gone through ``in_currency``.
    """
    data = pd.to_numeric(pd.Series(list(values), dtype="float64"), errors="coerce").dropna()
    small = not data.empty and float(data.abs().max()) < 10
    return f"$,.{currency.decimals if small else 0}f", f"$,.{currency.decimals}f"


def money_y(title: str, currency: Currency, values: Iterable[Any], field: str = "value") -> Spec:
    """A money axis whose ticks carry the cards' sign: "$1,200,000" (cents only when every
    amount is under 10), "-$5" below zero. The sign is our constant (``Currency.symbol``), put
    into the label expression as a JSON string literal."""
    data = pd.to_numeric(pd.Series(list(values), dtype="float64"), errors="coerce").dropna()
    small = not data.empty and float(data.abs().max()) < 10
    fmt = f",.{currency.decimals if small else 0}f"
    axis = y_quantity(title, field, fmt)
    sign = json.dumps(currency.symbol, ensure_ascii=False)
    axis["axis"]["labelExpr"] = (
        f"(datum.value < 0 ? '-' : '') + {sign} + format(abs(datum.value), {json.dumps(fmt)})"
    )
    return axis


def in_currency(spec: Spec, currency: Currency = USD) -> Spec:
    """``spec`` with d3's ``$`` drawn as ``currency``'s sign ("€1,200"); USD keeps the default."""
    if currency.code != USD.code:
        spec["config"] = {
            **spec["config"],
            "locale": {
                "number": {
                    "decimal": ".",
                    "thousands": ",",
                    "grouping": [3],
                    "currency": [currency.symbol, ""],
                }
            },
        }
    return spec


HOVER = "hover"  # the nearest-point selection of ``series_layers``
LEGEND_ROW = 20  # px per row of a wrapped legend


def wrapped_legend(colour: Spec, columns: int = 2, label_limit: int = 170) -> tuple[Spec, int]:
    """``colour`` (from ``colour_by``) with its legend untitled and wrapped ``columns`` entries
    a row (one long row would run past a half-width chart and be cut off), and the height its
    rows take, to add to the chart's so the plot keeps its size.

    A name longer than a column holds (about ``label_limit`` / 6.5 characters) puts every
    entry on its own row, ``label_limit`` times ``columns`` wide, so names read whole.
    """
    names = [str(name) for name in colour["scale"]["domain"]]
    if columns > 1 and max((len(name) for name in names), default=0) > label_limit / 6.5:
        columns, label_limit = 1, label_limit * columns
    rows = -(-len(names) // columns)
    legend = {
        **(colour.get("legend") or {}),
        "title": None,
        "columns": columns,
        "labelLimit": label_limit,
    }
    return {**colour, "legend": legend}, 2 * LEGEND_ROW + (rows - 1) * LEGEND_ROW


def day_ticks(x: Spec, days: int) -> Spec:
    """``x`` (from ``x_days``) with one tick a day over a short range: left alone, Vega adds
    noon ticks there, and labels each day twice ("01 Mar, 01 Mar, 02 Mar")."""
    if days > 12:
        return x
    return {**x, "axis": {**x["axis"], "tickCount": {"interval": "day", "step": 1}}}


def hover_points(encoding: Spec, *, name: str = HOVER, size: int = 60, dots: bool = False) -> Spec:
    """A layer of points that gives a line or area per-point tooltips: the point nearest the
    pointer shows and lists its values (a line's own tooltip would only ever name its first
    point, wherever it is hovered).

    ``encoding`` is the line's x / y / colour plus the ``tooltip`` list; ``name`` must be unique
    within the chart. ``dots`` shows every point (a series of one time draws no line).
    """
    return {
        "params": [
            {
                "name": name,
                "select": {
                    "type": "point",
                    "on": "pointerover",
                    "nearest": True,
                    "clear": "pointerout",
                },
            }
        ],
        "mark": {"type": "point", "filled": True, "size": size},
        "encoding": {
            **encoding,
            "opacity": {
                "condition": {"param": name, "empty": False, "value": 1},
                "value": 1 if dots else 0,
            },
        },
    }


def series_layers(
    mark: Spec, encoding: Spec, tooltip: Sequence[Spec], *, dots: bool = False
) -> list[Spec]:
    """Lines or areas drawn without a tooltip, and ``hover_points`` carrying it: a tooltip at
    the point nearest the pointer (any series), and no dot on every point to clutter an hourly
    chart unless ``dots``."""
    points = hover_points({**encoding, "tooltip": list(tooltip)}, dots=dots)
    return [{"mark": mark, "encoding": dict(encoding)}, points]


def chart(
    title: str,
    layers: Sequence[Spec],
    datasets: Mapping[str, pd.DataFrame | list[dict[str, Any]]],
    *,
    height: int = HEIGHT,
    subtitle: str | None = None,
    description: str | None = None,
) -> Spec:
    """A titled, layered chart; each layer reads ``MAIN`` unless it names its own dataset."""
    heading: Spec = {"text": title, "anchor": "start"}
    if subtitle:
        heading["subtitle"] = subtitle
    spec: Spec = {
        "title": heading,
        "height": height,
        "datasets": {name: _frame(data) for name, data in datasets.items()},
        "data": {"name": MAIN},
        "layer": list(layers),
        "config": CONFIG,
    }
    if description:
        spec["description"] = description
    return spec


EMPTY_LINE = 52  # characters a line of an empty chart's message holds on half a page


def empty_chart(title: str, message: str, *, height: int = HEIGHT) -> Spec:
    """A titled chart with no axes that says why there is nothing to draw.

    The message is wrapped into lines short enough for half a page ("\\n" starts one; a longer
    line would run past both edges, taking the title's start with it), and has no tooltip (it
    would only repeat the message under the field's name).
    """
    lines = [part for line in message.split("\n") for part in textwrap.wrap(line, EMPTY_LINE)]
    return {
        "title": {"text": title, "anchor": "start"},
        "height": height,
        "datasets": {MAIN: pd.DataFrame({"message": ["\n".join(lines)]})},
        "data": {"name": MAIN},
        "mark": {
            "type": "text",
            "fontSize": 14,
            "color": "#6B7280",
            "lineBreak": "\n",
            "tooltip": None,
        },
        "encoding": {"text": {"field": "message", "type": "nominal"}},
        "config": CONFIG,
    }


def is_empty(spec: Spec) -> bool:
    """True for a chart made by ``empty_chart``."""
    return spec.get("mark", {}).get("type") == "text" and "layer" not in spec


def _frame(data: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    return data if isinstance(data, pd.DataFrame) else pd.DataFrame.from_records(data)
