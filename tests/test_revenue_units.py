"""Pure pieces of the revenue page: totals table, series table, figures (no I/O)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.charts import vega
from dashboard.charts.revenue import product_revenue_figure, revenue_figure
from dashboard.data.common import LoadResult
from dashboard.data.revenue import ALL_PRODUCTS, RevenuePage, revenue_per_purchase
from dashboard.filters import Filters
from tests.vega_specs import axis_format, axis_title, data_of, layers, mark_type, schema_errors
from tests.vega_specs import tooltips as tips


def series(values: list[float | None]) -> pd.DataFrame:
    times = pd.date_range("2024-03-01", periods=len(values), freq="D", tz="UTC")
    return pd.DataFrame({"time": times, "value": pd.Series(values, dtype="float64")})


def page(products: tuple[str, ...] = ("A", "B")) -> RevenuePage:
    numbers = {
        ALL_PRODUCTS: ([10.0, 20.0], [1, 3]),
        "A": ([7.5, 12.5], [1, 1]),
        "B": ([2.5, 7.5], [0, 2]),
        "Z": ([0.0, 0.0], [0, 0]),
    }
    daily = {}
    for label, (revenue, purchases) in numbers.items():
        daily[(label, "revenue")] = LoadResult(label, series(revenue))
        daily[(label, "purchases")] = LoadResult(label, series(purchases))
    daily[("C", "revenue")] = LoadResult("C", error=RuntimeError("boom"))
    daily[("C", "purchases")] = LoadResult("C", series([1, 1]))
    chart = {k: v for k, v in daily.items() if k[0] in (ALL_PRODUCTS, *products)}
    return RevenuePage(
        filters=Filters(date(2024, 3, 1), date(2024, 3, 2)),
        unit="day",
        products=products,
        chart=chart,
        daily=daily,
        table_products=("A", "B", "C", "Z"),
    )


def test_headline_and_revenue_per_purchase() -> None:
    assert page().headline() == {"revenue": 30.0, "purchases": 4.0, "revenue_per_purchase": 7.5}
    assert revenue_per_purchase(5.0, 0) is None and revenue_per_purchase(None, 2) is None


def test_totals_table_sorted_with_shares_and_failures_left_out() -> None:
    totals = page().totals()
    assert totals["product"].tolist() == ["A", "B", "Z"]
    assert totals["share_of_revenue"].tolist() == pytest.approx([20 / 30, 10 / 30, 0])
    assert pd.isna(totals.set_index("product").loc["Z", "revenue_per_purchase"])
    assert list(page().table_errors()) == ["C (revenue)"]


def test_series_table_all_products_first_then_selection() -> None:
    table = page().series_table()
    assert list(table.columns) == ["date_utc", "product", "revenue", "purchases"]
    assert table["product"].tolist() == [ALL_PRODUCTS] * 2 + ["A"] * 2 + ["B"] * 2
    assert table["date_utc"].tolist()[:2] == ["2024-03-01", "2024-03-02"]


def test_overlay_and_stacked_figures() -> None:
    frame = page().series("revenue", selected=True)
    overlay = revenue_figure(frame, "revenue", unit="day", timezone="UTC", scope="selected")
    stacked = revenue_figure(
        frame, "revenue", unit="day", timezone="UTC", view="Stacked", scope="selected"
    )
    (line, points), (area, stacked_points) = layers(overlay), layers(stacked)
    # the tooltip is on a layer of points shown where the pointer is nearest (any series)
    assert mark_type(points) == "point" and points["params"][0]["select"]["nearest"] is True
    assert not tips(line) and points["encoding"]["y"] == line["encoding"]["y"]
    assert stacked_points["encoding"]["y"]["stack"] == "zero"  # the points sit on the stack
    assert stacked_points["encoding"]["order"] == area["encoding"]["order"]
    assert line["encoding"]["color"]["scale"]["domain"] == ["A", "B"]
    assert data_of(overlay)["series"].tolist() == ["A", "B", "A", "B"]
    assert data_of(overlay)["value"].tolist() == [7.5, 2.5, 12.5, 7.5]
    assert mark_type(line) == "line" and line["encoding"]["y"]["stack"] is None
    assert mark_type(area) == "area" and area["encoding"]["y"]["stack"] == "zero"
    assert data_of(stacked)["series_order"].tolist() == [0, 1, 0, 1]  # first product at the bottom
    assert stacked["title"]["text"] == "Purchase revenue per day · selected (stacked)"
    assert axis_title(overlay, "y") == "Purchase revenue (USD)"
    assert axis_title(overlay, "x") == "Date (UTC days)"
    assert axis_format(overlay, "y") == "$,.0f"  # ticks "$20", the cards' sign
    assert [(t["title"], t.get("format")) for t in tips(points)] == [
        ("Day", vega.DAY_HOVER),
        ("Product", None),
        ("Purchase revenue", "$,.2f"),
    ]
    assert "locale" not in overlay["config"]  # USD: d3's own "$"
    assert not schema_errors(overlay) and not schema_errors(stacked)


def test_small_amounts_tick_in_cents_and_purchases_are_counts() -> None:
    frame = page().series("revenue", selected=False).assign(value=[0.5, 1.25])
    assert axis_format(revenue_figure(frame, "revenue", unit="day", timezone="UTC"), "y") == (
        "$,.2f"
    )
    purchases = revenue_figure(
        page().series("purchases", selected=False), "purchases", unit="day", timezone="UTC"
    )
    assert axis_title(purchases, "y") == "Purchases" and axis_format(purchases, "y") == ",~f"
    assert tips(layers(purchases)[1])[-1]["format"] == ",.0f"
    assert not schema_errors(purchases)


def test_hourly_series_are_drawn_on_the_zones_clock() -> None:
    times = pd.date_range("2024-03-01T00:00", periods=3, freq="h", tz="UTC")
    frame = pd.DataFrame({"time": times, "product": ALL_PRODUCTS, "value": [1.0, 2.0, 3.0]})
    spec = revenue_figure(frame, "revenue", unit="hour", timezone="Asia/Tokyo")
    assert spec["title"]["text"] == "Purchase revenue per hour (Asia/Tokyo) · all products"
    assert data_of(spec)["time"].tolist()[0] == "2024-03-01T09:00:00Z"  # UTC+9, read as UTC
    x = layers(spec)[0]["encoding"]["x"]
    assert x["title"] == "Hour (Asia/Tokyo)" and x["timeUnit"].startswith("utc")
    assert layers(spec)[0]["encoding"]["color"]["legend"] is None  # one series: no legend
    assert not schema_errors(spec)


def test_a_long_selection_wraps_its_legend_and_keeps_the_plot_height() -> None:
    times = pd.date_range("2024-03-01", periods=2, freq="D", tz="UTC")
    names = [f"Product {i}" for i in range(8)]
    frame = pd.DataFrame(
        {"time": list(times) * 8, "product": [n for n in names for _ in times], "value": 1.0}
    )
    spec = revenue_figure(frame, "purchases", unit="day", timezone="UTC", order=names)
    legend = layers(spec)[0]["encoding"]["color"]["legend"]
    assert legend["orient"] == "top" and legend["columns"] == 2 and legend["title"] is None
    assert spec["height"] == 360 + 2 * vega.LEGEND_ROW + 3 * vega.LEGEND_ROW  # 4 rows
    assert not schema_errors(spec)
    # a name too long for a column: one entry a row, twice as wide, so it reads whole
    long = frame.replace({"Product 7": '=HYPERLINK("http://evil.example","click")'})
    spec = revenue_figure(long, "purchases", unit="day", timezone="UTC")
    legend = layers(spec)[0]["encoding"]["color"]["legend"]
    assert legend["columns"] == 1 and legend["labelLimit"] == 340
    assert spec["height"] == 360 + 2 * vega.LEGEND_ROW + 7 * vega.LEGEND_ROW  # 8 rows


def test_short_ranges_tick_once_a_day_and_a_single_day_shows_its_dots() -> None:
    frame = page().series("revenue", selected=False)  # two days
    spec = revenue_figure(frame, "revenue", unit="day", timezone="UTC")
    line, points = layers(spec)
    assert line["encoding"]["x"]["axis"]["tickCount"] == {"interval": "day", "step": 1}
    assert points["encoding"]["opacity"]["value"] == 0  # dots only where hovered
    one = revenue_figure(frame.iloc[:1], "revenue", unit="day", timezone="UTC")
    assert layers(one)[1]["encoding"]["opacity"]["value"] == 1  # one day draws no line
    times = pd.date_range("2024-01-01", periods=30, freq="D", tz="UTC")
    month = pd.DataFrame({"time": times, "product": ALL_PRODUCTS, "value": 1.0})
    long = revenue_figure(month, "revenue", unit="day", timezone="UTC")
    assert "tickCount" not in layers(long)[0]["encoding"]["x"]["axis"]
    assert not schema_errors(spec) and not schema_errors(one)


def test_empty_series_says_so_with_its_title() -> None:
    frame = page().series("revenue", selected=False).assign(value=None)
    spec = revenue_figure(frame, "revenue", unit="day", timezone="UTC")
    assert (
        vega.is_empty(spec) and spec["title"]["text"] == "Purchase revenue per day · all products"
    )
    assert data_of(spec)["message"].tolist() == ["No data in this date range"]
    assert not schema_errors(spec)


def test_product_figure_largest_on_top_skips_zero() -> None:
    spec = product_revenue_figure(page().totals())
    (bars,) = layers(spec)
    assert bars["encoding"]["y"]["sort"] == ["A", "B"]  # the first category at the top
    assert data_of(spec)["product"].tolist() == ["A", "B"]  # Z's zero is not drawn
    assert data_of(spec)["share"].tolist() == pytest.approx([20 / 30, 10 / 30])
    assert axis_title(spec, "x") == "Purchase revenue (USD, range total)"
    assert axis_title(spec, "y") == "Product"
    assert axis_format(spec, "x") == "$,.0f"
    assert [(t["title"], t.get("format")) for t in tips(bars)] == [
        ("Product", None),
        ("Purchase revenue", "$,.2f"),
        ("Share of revenue", ".1%"),
    ]
    assert not schema_errors(spec)
    empty = product_revenue_figure(page().totals().iloc[0:0])
    assert vega.is_empty(empty) and "No revenue" in data_of(empty)["message"].iloc[0]
    assert not schema_errors(empty)
