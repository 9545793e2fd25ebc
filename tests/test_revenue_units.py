"""Pure pieces of the revenue page: totals table, series table, figures (no I/O)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.charts.revenue import product_revenue_figure, revenue_figure
from dashboard.data.common import LoadResult
from dashboard.data.revenue import ALL_PRODUCTS, RevenuePage, revenue_per_purchase
from dashboard.filters import Filters


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
    assert [t.name for t in overlay.data] == ["A", "B"]
    assert {t.stackgroup for t in overlay.data} == {None}
    assert {t.stackgroup for t in stacked.data} == {"one"}
    assert stacked.layout.title.text == "Purchase revenue per day · selected (stacked)"
    assert overlay.layout.yaxis.title.text == "Purchase revenue (USD)"
    assert "$%{y:,.2f}" in overlay.data[0].hovertemplate


def test_product_figure_largest_on_top_skips_zero() -> None:
    fig = product_revenue_figure(page().totals())
    assert list(fig.data[0].y) == ["B", "A"]  # plotly draws the first category at the bottom
    empty = product_revenue_figure(page().totals().iloc[0:0])
    assert "No revenue" in empty.layout.annotations[0].text
