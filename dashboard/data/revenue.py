"""The revenue page's data: product names, revenue and purchase series, per-product totals.

Chart series come in the chosen unit (hourly on the sidebar's clock for short ranges); the
headline numbers and the per-product table are daily totals (UTC days, as Braze counts them),
so the table's rows add up to the all-products headline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard.data import comparison
from dashboard.data.common import PURCHASES, REVENUE, LoadResult, SeriesSource, fan_out
from dashboard.data.events import errors_of, load_names, long_frame, total
from dashboard.data.timeseries import (
    HOURLY_MAX_DAYS,
    format_times,
    percent_change,
    range_series,
    time_column,
)
from dashboard.filters import Filters
from dashboard.settings import Workspace

ALL_PRODUCTS = "All products"
MAX_SELECTED = 8  # products compared on one chart (one colour each)
MAX_TABLE_PRODUCTS = 50  # beyond this the totals table covers the selected products only
# metric -> (its series, value column in Braze's series)
METRICS: Mapping[str, tuple[SeriesSource, str]] = {
    "revenue": (REVENUE, "revenue"),
    "purchases": (PURCHASES, "purchase_quantity"),
}


def load_products(ws: Workspace) -> tuple[str, ...]:
    """Every product name (all pages of 250), sorted case-insensitively."""
    return load_names(
        ws, "purchases.product_list", lambda c: c.purchases.product_list(), "products"
    )


def revenue_per_purchase(revenue: float | None, purchases: float | None) -> float | None:
    """Average money per purchase; None when there were no purchases to divide by."""
    if revenue is None or not purchases:
        return None
    return revenue / purchases


Key = tuple[str, str]  # (product label, metric)


@dataclass(frozen=True)
class RevenuePage:
    """Everything the revenue page draws; each series is a LoadResult (frame or error)."""

    filters: Filters
    unit: str
    products: tuple[str, ...]  # the selection compared on the charts
    chart: Mapping[Key, LoadResult] = field(default_factory=dict)  # chart unit; ALL_PRODUCTS too
    daily: Mapping[Key, LoadResult] = field(default_factory=dict)  # UTC days, for totals
    table_products: tuple[str, ...] = ()
    previous: Mapping[Key, LoadResult] = field(default_factory=dict)  # the period before

    def series(self, metric: str, *, selected: bool) -> pd.DataFrame:
        """``time``, ``product``, ``value`` for all products, or for each selected product."""
        labels = self.products if selected else (ALL_PRODUCTS,)
        results = {p: self.chart[(p, metric)] for p in labels if (p, metric) in self.chart}
        return long_frame(results, "product")

    def errors(self, metric: str, *, selected: bool) -> dict[str, BaseException]:
        labels = self.products if selected else (ALL_PRODUCTS,)
        return errors_of({p: self.chart[(p, metric)] for p in labels if (p, metric) in self.chart})

    def series_table(self) -> pd.DataFrame:
        """All products and each selected product, revenue and purchases per time, for CSV."""
        labels = (ALL_PRODUCTS, *self.products)
        parts = {}
        for metric in METRICS:
            results = {p: self.chart[(p, metric)] for p in labels if (p, metric) in self.chart}
            parts[metric] = long_frame(results, "product").rename(columns={"value": metric})
        table = parts["revenue"].merge(parts["purchases"], on=["time", "product"], how="outer")
        if table.empty:
            return pd.DataFrame(columns=[time_column(self.unit), "product", *METRICS])
        rank = {label: i for i, label in enumerate(labels)}
        table = table.assign(_rank=table["product"].map(rank)).sort_values(["_rank", "time"])
        return pd.DataFrame(
            {
                time_column(self.unit): format_times(table["time"], self.unit),
                "product": table["product"].astype("string"),
                "revenue": table["revenue"].round(2),
                "purchases": table["purchases"].round().astype("Int64"),
            }
        ).reset_index(drop=True)

    def _daily_total(self, label: str, metric: str, *, before: bool = False) -> float | None:
        result = (self.previous if before else self.daily).get((label, metric))
        return total(result.value) if result is not None and result.ok else None

    def headline(self, label: str = ALL_PRODUCTS) -> dict[str, float | None]:
        """Revenue, purchases and revenue per purchase over the range (UTC days)."""
        revenue = self._daily_total(label, "revenue")
        purchases = self._daily_total(label, "purchases")
        return {
            "revenue": revenue,
            "purchases": purchases,
            "revenue_per_purchase": revenue_per_purchase(revenue, purchases),
        }

    def headline_error(self) -> BaseException | None:
        for metric in METRICS:
            result = self.daily.get((ALL_PRODUCTS, metric))
            if result is not None and result.error is not None:
                return result.error
        return None

    def table_errors(self) -> dict[str, BaseException]:
        return errors_of(
            {f"{p} ({m})": self.daily[(p, m)] for p in self.table_products for m in METRICS}
        )

    def totals(self) -> pd.DataFrame:
        """One row per product: revenue, purchases, revenue per purchase, share of revenue."""
        rows = []
        for product in self.table_products:
            results = [self.daily.get((product, m)) for m in METRICS]
            if any(r is None or not r.ok for r in results):
                continue  # its error is reported with the table
            numbers = self.headline(product)
            before = self._daily_total(product, "revenue", before=True)
            numbers["revenue_previous"] = before
            numbers["revenue_change"] = percent_change(numbers["revenue"], before)
            rows.append({"product": product, **numbers})
        columns = [
            "product",
            "revenue",
            "purchases",
            "revenue_per_purchase",
            "revenue_previous",
            "revenue_change",
            "share_of_revenue",
        ]
        frame = pd.DataFrame(rows, columns=columns[:-1])
        for column in columns[1:-1]:
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        whole = self.headline()["revenue"]
        frame["share_of_revenue"] = frame["revenue"] / whole if whole else float("nan")
        frame["product"] = frame["product"].astype("string")
        return frame.sort_values("revenue", ascending=False, na_position="last").reset_index(
            drop=True
        )


def load_revenue_page(
    ws: Workspace,
    filters: Filters,
    products: Sequence[str],
    *,
    unit: str = "day",
    all_products: Sequence[str] = (),
) -> RevenuePage:
    """Load charts (all products + each selected one), and daily totals for the table.

    ``all_products`` is the product list; the table covers it when it is short enough,
    otherwise only the selection. Everything goes through the shared cache, concurrently.
    """
    products = tuple(dict.fromkeys(products))[:MAX_SELECTED]
    unit = "hour" if unit == "hour" and filters.days <= HOURLY_MAX_DAYS else "day"
    listed = tuple(all_products)
    table_products = listed if 0 < len(listed) <= MAX_TABLE_PRODUCTS else products
    chart_labels = (ALL_PRODUCTS, *products)
    daily_labels = tuple(dict.fromkeys((ALL_PRODUCTS, *table_products)))

    tasks: list[tuple[str, str, str]] = [
        ("daily", label, metric) for label in daily_labels for metric in METRICS
    ]
    if unit == "hour":
        tasks += [("hour", label, metric) for label in chart_labels for metric in METRICS]
    else:  # the daily chart series are the same requests as the totals
        tasks += [
            ("daily", label, metric)
            for label in chart_labels
            if label not in daily_labels
            for metric in METRICS
        ]

    def run(task: tuple[str, str, str]) -> pd.DataFrame:
        unit_, label, metric = task
        source, column = METRICS[metric]
        return range_series(
            ws,
            source,
            column,
            filters if unit_ == "hour" else comparison.span(filters),  # daily: both periods
            unit="hour" if unit_ == "hour" else "day",
            product=None if label == ALL_PRODUCTS else label,
            app_id=filters.app_id,
        )

    by_task = {r.item: r for r in fan_out(run, tasks)}
    daily: dict[Key, LoadResult] = {}
    previous: dict[Key, LoadResult] = {}
    for (u, label, m), r in by_task.items():
        if u != "daily":
            continue
        if r.error is not None:
            daily[(label, m)] = previous[(label, m)] = r
            continue
        now, before = comparison.split(r.unwrap(), filters)
        daily[(label, m)] = LoadResult(item=r.item, value=now)
        previous[(label, m)] = LoadResult(item=r.item, value=before)
    chart = (
        {(label, m): r for (u, label, m), r in by_task.items() if u == "hour"}
        if unit == "hour"
        else {(label, m): daily[(label, m)] for label in chart_labels for m in METRICS}
    )
    return RevenuePage(
        filters=filters,
        unit=unit,
        products=products,
        chart=chart,
        daily=daily,
        table_products=table_products,
        previous=previous,
    )
