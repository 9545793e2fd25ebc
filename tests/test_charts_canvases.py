"""Canvas chart builders: pure functions, checked on the Vega-Lite specs they return."""

from __future__ import annotations

import pandas as pd

from braze_api import frames
from dashboard.charts import vega
from dashboard.charts.canvases import (
    DAY_AXIS,
    KIND_COLORS,
    KIND_LABELS,
    VARIANT_COLOR,
    conversions_figure,
    entries_figure,
    revenue_figure,
    step_channel_figure,
    step_graph_figure,
    variant_comparison_figure,
    variant_trend_figure,
)
from dashboard.charts.common import PALETTE
from dashboard.display import parse_currency
from tests.vega_specs import (
    axis_format,
    axis_title,
    data_of,
    layers,
    mark_type,
    schema_errors,
    texts,
    tooltips,
)

DAYS = pd.date_range("2026-11-01", periods=3, freq="D", tz="UTC")
TOTALS = pd.DataFrame(
    {
        "time": DAYS,
        "entries": [80_000, 1_200, 3],
        "conversions": [10, 12, 9],
        "conversions_by_entry_time": [8, 13, 7],
        "revenue": [1_250.5, 0.0, 99.99],
    }
)


def test_entries_per_day_is_a_bar_per_utc_day() -> None:
    spec = entries_figure(TOTALS)
    assert spec["title"]["text"] == "Entries per day"
    (layer,) = layers(spec)
    assert mark_type(layer) == "bar" and layer["mark"]["color"] == PALETTE[0]
    assert axis_title(spec, "x") == DAY_AXIS and axis_title(spec, "y") == "Entries (users)"
    assert axis_format(spec, "y") == ",~f"  # 80,000, never "8e+4"
    assert data_of(spec)["day"].tolist() == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert layer["encoding"]["x"]["timeUnit"].startswith("utc")
    assert [t["title"] for t in tooltips(layer)] == ["Day", "Entries"]
    assert not schema_errors(spec)


def test_conversions_by_both_times_with_both_values_on_hover() -> None:
    spec = conversions_figure(TOTALS)
    lines, shown, hidden = layers(spec)
    assert mark_type(lines) == "line"
    colour = lines["encoding"]["color"]
    assert colour["scale"]["domain"] == ["By conversion time", "By entry time"]
    assert colour["scale"]["range"] == [PALETTE[2], PALETTE[1]]
    assert colour["legend"]["orient"] == "top"
    assert lines["encoding"]["strokeDash"]["scale"]["range"][1] == [2, 3]  # entry time dotted
    data = data_of(spec)
    assert data.loc[data["series"] == "By entry time", "value"].tolist() == [8, 13, 7]
    # the unified hover becomes each point's tooltip listing both values of its day
    for layer in (shown, hidden):
        fields = [t["field"] for t in tooltips(layer)]
        assert fields == ["day", "by_conversion", "by_entry"]
    assert shown["mark"]["opacity"] == 1 and hidden["mark"]["opacity"] == 0
    assert axis_title(spec, "y") == "Conversions" and axis_title(spec, "x") == DAY_AXIS
    assert not schema_errors(spec)


def test_revenue_axis_and_hover_carry_the_currency() -> None:
    spec = revenue_figure(TOTALS)
    assert spec["title"]["text"] == "Canvas-attributed revenue per day"
    area, targets = layers(spec)
    assert mark_type(area) == "area" and area["mark"]["color"] == PALETTE[3]
    assert axis_title(spec, "y") == "Revenue (USD)"
    assert '"$"' in area["encoding"]["y"]["axis"]["labelExpr"]  # ticks: "$1,200"
    assert axis_format(spec, "y") == ",.0f"
    assert data_of(spec)["amount"].tolist() == ["$1,250.50", "$0.00", "$99.99"]
    assert [t["field"] for t in tooltips(targets)] == ["day", "amount"]
    small = revenue_figure(TOTALS.assign(revenue=[1.5, 2.0, 0.25]), parse_currency("eur"))
    assert axis_format(small, "y") == ",.2f" and axis_title(small, "y") == "Revenue (EUR)"
    assert not schema_errors(spec) and not schema_errors(small)


def test_variant_comparison_has_one_titled_panel_per_measure() -> None:
    variants = pd.DataFrame(
        {
            "variant_id": ["a", "b", "c"],
            "variant_name": ["Control", "Offer <10%>", "Control"],
            "entries": [80_000, 500, 20],
            "conversions": [30, 20, 1],
            "revenue": [900.0, 450.5, 0.0],
        }
    )
    spec = variant_comparison_figure(variants)
    assert spec["title"]["text"] == "Variants compared over the range"
    panels = spec["vconcat"]
    assert [p["encoding"]["x"]["title"] for p in panels] == [
        "Entries",
        "Conversions",
        "Revenue (USD)",
    ]
    assert all(p["encoding"]["y"]["title"] == "Variant" for p in panels)
    assert panels[0]["encoding"]["x"]["axis"]["format"] == ",~f"
    names = data_of(spec)["variant"].tolist()
    assert names == ["Control (a)", "Offer <10%>", "Control (c)"]  # shared names told apart
    colour = panels[0]["encoding"]["color"]
    assert colour["scale"]["range"] == list(PALETTE[:3]) and colour["legend"] is None
    assert [t["field"] for t in tooltips(panels[2])] == ["variant", "amount"]
    assert data_of(spec)["amount"].tolist() == ["$900.00", "$450.50", "$0.00"]
    assert not schema_errors(spec)


def test_variant_trend_is_a_line_per_variant() -> None:
    variants = pd.DataFrame(
        {
            "time": list(DAYS[:2]) * 2,
            "variant_id": ["a", "a", "b", "b"],
            "variant_name": ["A", "A", None, None],
            "entries": [5, 6, 7, 8],
        }
    )
    spec = variant_trend_figure(variants)
    (layer,) = layers(spec)
    assert mark_type(layer) == "line"
    assert layer["encoding"]["color"]["scale"]["domain"] == ["A", "b"]  # no name: its id
    assert layer["encoding"]["color"]["legend"]["orient"] == "top"
    assert axis_title(spec, "y") == "Entries (users)" and axis_title(spec, "x") == DAY_AXIS
    assert [t["field"] for t in tooltips(layer)] == ["day", "variant", "value"]
    assert not schema_errors(spec)


def test_step_channel_bars_are_grouped_per_step_and_channel() -> None:
    table = pd.DataFrame(
        {
            "step_id": ["s1", "s2", "s3"],
            "step_name": ["Welcome " + "x" * 40, None, "Reminder"],
            "kind": ["email", "push", "sms"],
            "sent": [100, 300, 5],
            "delivered": [90, 280, 5],
            "opens": [40, 20, 0],
            "clicks": [4, 2, 0],
        }
    )
    spec = step_channel_figure(table, limit=2)
    assert spec["title"]["text"] == "Message stats by step and channel (top 2 by messages sent)"
    (layer,) = layers(spec)
    enc = layer["encoding"]
    assert enc["y"]["title"] == "Step · channel" and enc["x"]["title"] == "Messages"
    assert enc["yOffset"]["field"] == "stat"  # grouped, not stacked
    assert enc["color"]["scale"]["domain"] == ["Sent", "Delivered", "Opens", "Clicks"]
    assert enc["color"]["scale"]["range"] == list(PALETTE[:4])
    rows = enc["y"]["sort"]
    assert rows == ["s2 · Push", f"{'Welcome ' + 'x' * 23}… · Email"]  # busiest first, cut
    data = data_of(spec)
    assert data.loc[data["row"] == "s2 · Push", "value"].tolist() == [300, 280, 20, 2]
    assert spec["height"] >= 34 * len(rows)
    assert not schema_errors(spec)


def test_journey_map_colours_nodes_by_step_kind_in_one_legend() -> None:
    details = {
        "variants": [{"id": "v", "name": "Variant A", "first_step_ids": ["s1"]}],
        "steps": [
            {"id": "s1", "name": "Wait", "channels": [], "next_step_ids": ["s2"]},
            {"id": "s2", "name": "Mail", "channels": ["email"], "next_step_ids": []},
        ],
    }
    steps = frames.canvas_steps_frame(details)
    stats = pd.DataFrame(
        {
            "step_id": ["s2"],
            "unique_recipients": [1234.0],
            "conversions": [5.0],
            "revenue": [12.5],
        }
    )
    spec = step_graph_figure(steps, frames.canvas_variants_frame(details), stats)
    assert spec["title"]["text"] == "Journey map · 2 steps, read top to bottom"
    points = [la for la in layers(spec) if mark_type(la) == "point"]
    colour = points[0]["encoding"]["color"]
    assert colour["scale"]["domain"] == [
        "Variant",
        KIND_LABELS["email"],
        KIND_LABELS["none"],
    ]
    assert colour["scale"]["range"] == [VARIANT_COLOR, KIND_COLORS["email"], KIND_COLORS["none"]]
    assert points[0]["encoding"]["shape"]["scale"]["range"] == ["square", "circle", "diamond"]
    assert all(p["encoding"]["color"] == colour for p in points)  # one shared legend
    nodes = data_of(spec)
    mail = nodes.set_index("name").loc["Mail"]
    assert (mail["recipients"], mail["conversions"], mail["revenue"]) == ("1,234", "5", "$12.50")
    assert nodes.set_index("name").loc["Wait", "recipients"] == "—"  # no stats for it
    assert nodes.set_index("name").loc["Wait", "channels"] == "none (delay or split)"
    assert "Variant A" in set(texts(spec))
    assert not schema_errors(spec)


def test_empty_inputs_say_why() -> None:
    empty = TOTALS.iloc[0:0]
    cases = [
        (entries_figure(empty), "No entries in this range"),
        (conversions_figure(empty), "No conversions in this range"),
        (revenue_figure(empty), "No revenue in this range"),
        (variant_comparison_figure(pd.DataFrame()), "This Canvas reported no variant stats"),
        (variant_trend_figure(pd.DataFrame()), "This Canvas reported no variant stats"),
    ]
    for spec, message in cases:
        assert vega.is_empty(spec), spec["title"]
        assert data_of(spec)["message"].iloc[0].startswith(message)
        assert not schema_errors(spec)
