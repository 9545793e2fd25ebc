"""Bench-only Streamlit app: the KPI page's cards and six charts, drawn several ways.

Served by ``bench/bench_chart_variants.py`` (through ``_timed_streamlit.py``), one page per
variant, so every variant runs in the same server and is timed interleaved with the others.
Every page shows the same five metric cards (their sparklines are Vega-Lite, as on /kpis) and
the same six figures from the same loader and builders as /kpis (flags and launch marks
included), laid out in two columns; only how the charts are handed to the browser differs:

- ``plotly``: as /kpis (``theme="streamlit"``, the app's ``PLOTLY_CONFIG``);
- ``plotly-theme-none``: ``theme=None`` (Streamlit does not restyle the figure);
- ``plotly-no-modebar``: ``config.displayModeBar = False``;
- ``plotly-static``: ``config.staticPlot = True`` (no hover: measured, not a candidate);
- ``plotly-not-responsive``: ``config.responsive = False``;
- ``plotly-closest-hover``: the figures with ``hovermode="closest"`` instead of "x unified";
- ``plotly-template-none``: the figures with ``template="none"`` (plotly's bare template);
- ``vega``: the same series as Vega-Lite specs (``st.vega_lite_chart``): the same titles,
  axis titles with units, tooltips, unusual-day rings and launch rules;
- ``cards-only``: the cards without the charts (the floor).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import settings  # noqa: E402
from dashboard.charts.common import axis_title, memoized  # noqa: E402
from dashboard.charts.kpis import (  # noqa: E402
    FLAG_COLOUR,
    LAUNCH_COLOUR,
    METRIC_STYLES,
    STICKINESS_COLOUR,
    daily_figure,
    stickiness_figure,
)
from dashboard.data.kpi_anomalies import load_kpi_anomalies  # noqa: E402
from dashboard.data.kpis import METRICS, load_kpi_page  # noqa: E402
from dashboard.data.overview import chart_flags, chart_launches, load_launches  # noqa: E402
from dashboard.filters import default_filters  # noqa: E402
from dashboard.widgets import PLOTLY_CONFIG, card_columns, metric_card  # noqa: E402

LEFT, RIGHT = ("mau", "new_users", "sessions"), ("dau", "uninstalls")


def page_data() -> tuple[Any, Any, Any, Any]:
    ws = settings.current_workspace()
    filters = default_filters()
    data = load_kpi_page(ws, filters)
    anomalies = load_kpi_anomalies(ws, filters, data)
    launches = chart_launches(load_launches(ws, filters).launches)
    return filters, data, anomalies, launches


def cards(data: Any) -> None:
    for column, metric in zip(card_columns(len(METRICS)), METRICS, strict=True):
        with column:
            frame = data.frame(metric)
            metric_card(
                METRIC_STYLES[metric].label,
                data.value(metric),
                previous=data.previous_value(metric),
                chart_data=frame[metric].dropna().tolist() if frame is not None else None,
            )


def plotly_page(
    *, theme: str | None = "streamlit", config: dict | None = None, layout: dict | None = None
) -> None:
    _, data, anomalies, launches = page_data()
    cards(data)
    shown = {**PLOTLY_CONFIG, **(config or {})}

    def chart(fig: Any, key: str) -> None:
        if layout:
            fig = type(fig)(fig)  # a copy: the memoized figure is shared
            fig.update_layout(**layout)
        st.plotly_chart(fig, config=shown, theme=theme, key=key)  # type: ignore[arg-type]

    left, right = st.columns(2)
    for column, metrics in ((left, LEFT), (right, RIGHT)):
        with column:
            for metric in metrics:
                flags = chart_flags(anomalies.flags.get(metric, ()))
                fig = memoized(daily_figure, data.frame(metric), metric, flags, launches)
                chart(fig, f"chart_{metric}")
    with right:
        chart(memoized(stickiness_figure, data.daily()), "chart_sticky")


def vega_spec(frame: pd.DataFrame, metric: str, flags: Any, launches: Any) -> tuple[Any, dict]:
    """One daily series as a layered Vega-Lite spec and its data (the figure's content)."""
    style = METRIC_STYLES[metric]
    data = frame.dropna(subset=[metric])[["date", metric]].rename(columns={metric: "value"})
    data["date"] = pd.to_datetime(data["date"]).dt.strftime("%Y-%m-%d")
    x = {"field": "date", "type": "temporal", "title": "Date", "axis": {"format": "%d %b"}}
    y_title = axis_title(style.label, style.unit)
    tooltip = [
        {"field": "date", "type": "temporal", "title": "Day", "format": "%a %d %b %Y"},
        {"field": "value", "type": "quantitative", "title": style.unit, "format": ",.0f"},
    ]
    mark = {"type": "bar" if style.kind == "bar" else "line", "color": style.colour}
    if style.kind != "bar":
        mark["strokeWidth"] = 2.5
    layers: list[dict] = [
        {
            "mark": mark,
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": y_title},
                "tooltip": tooltip,
            },
        }
    ]
    if flags:
        layers.append(
            {
                "data": {
                    "values": [{"date": d, "value": v, "why": t} for d, v, t in flags],
                },
                "mark": {
                    "type": "point",
                    "size": 160,
                    "stroke": FLAG_COLOUR,
                    "strokeWidth": 2.5,
                    "filled": False,
                },
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "y": {"field": "value", "type": "quantitative"},
                    "tooltip": [{"field": "why", "title": "Unusual day"}],
                },
            }
        )
    if launches:
        layers.append(
            {
                "data": {"values": [{"date": d, "what": t} for d, t in launches]},
                "mark": {"type": "rule", "color": LAUNCH_COLOUR, "strokeDash": [2, 3]},
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "tooltip": [{"field": "what", "title": "Launches"}],
                },
            }
        )
    spec = {"title": {"text": style.title, "anchor": "start"}, "height": 320, "layer": layers}
    return data, spec


def stickiness_spec(daily: pd.DataFrame) -> tuple[Any, dict]:
    data = daily.dropna(subset=["stickiness"])[["date", "stickiness"]].copy()
    data["date"] = pd.to_datetime(data["date"]).dt.strftime("%Y-%m-%d")
    spec = {
        "title": {"text": "Stickiness (DAU / MAU)", "anchor": "start"},
        "height": 320,
        "mark": {"type": "line", "color": STICKINESS_COLOUR, "point": True, "strokeWidth": 2.5},
        "encoding": {
            "x": {
                "field": "date",
                "type": "temporal",
                "title": "Date",
                "axis": {"format": "%d %b"},
            },
            "y": {
                "field": "stickiness",
                "type": "quantitative",
                "title": "DAU / MAU (%)",
                "axis": {"format": ".1%"},
            },
            "tooltip": [
                {"field": "date", "type": "temporal", "title": "Day", "format": "%a %d %b %Y"},
                {"field": "stickiness", "type": "quantitative", "title": "of MAU", "format": ".1%"},
            ],
        },
    }
    return data, spec


def vega_page() -> None:
    _, data, anomalies, launches = page_data()
    cards(data)
    left, right = st.columns(2)
    for column, metrics in ((left, LEFT), (right, RIGHT)):
        with column:
            for metric in metrics:
                flags = chart_flags(anomalies.flags.get(metric, ()))
                frame, spec = vega_spec(data.frame(metric), metric, flags, launches)
                st.vega_lite_chart(frame, spec, width="stretch", key=f"chart_{metric}")
    with right:
        frame, spec = stickiness_spec(data.daily())
        st.vega_lite_chart(frame, spec, width="stretch", key="chart_sticky")


def cards_only() -> None:
    _, data, _, _ = page_data()
    cards(data)


VARIANTS: dict[str, Any] = {
    "plotly": lambda: plotly_page(),
    "plotly-theme-none": lambda: plotly_page(theme=None),
    "plotly-no-modebar": lambda: plotly_page(config={"displayModeBar": False}),
    "plotly-static": lambda: plotly_page(config={"staticPlot": True}),
    "plotly-not-responsive": lambda: plotly_page(config={"responsive": False}),
    "plotly-closest-hover": lambda: plotly_page(layout={"hovermode": "closest"}),
    "plotly-template-none": lambda: plotly_page(layout={"template": "none"}),
    "vega": vega_page,
    "cards-only": cards_only,
}

st.set_page_config(layout="wide")
pages = [
    st.Page(fn, title=name, url_path=name, default=i == 0)
    for i, (name, fn) in enumerate(VARIANTS.items())
]
st.navigation(pages, position="hidden").run()
