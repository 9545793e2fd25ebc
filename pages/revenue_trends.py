"""Revenue: money and purchases for all products, and selected products compared.

Reads top to bottom: controls (mirrored in the URL) -> one load -> cards -> charts -> table.
"""

import streamlit as st

from dashboard import sidebar
from dashboard.charts.common import memoized
from dashboard.charts.revenue import VIEWS, product_revenue_figure, revenue_figure
from dashboard.data.revenue import (
    ALL_PRODUCTS,
    MAX_SELECTED,
    MAX_TABLE_PRODUCTS,
    METRICS,
    load_products,
    load_revenue_page,
)
from dashboard.data.timeseries import HOURLY_MAX_DAYS
from dashboard.display import (
    configured_currency,
    money_column,
    money_text,
    show_table,
)
from dashboard.metrics import PURCHASE_REVENUE
from dashboard.navigation import require_app
from dashboard.table_columns import compared_columns
from dashboard.url_state import sync_query_params
from dashboard.widgets import (
    csv_download,
    empty_state,
    file_range,
    guarded,
    hourly_toggle,
    md_escape,
    no_data_state,
    page_header,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

K_PRODUCTS, K_HOURLY, K_VIEW = "rev_products", "rev_hourly", "rev_view"


CURRENCY = configured_currency()


def money(value: float | None) -> str:
    return money_text(value, CURRENCY)


def count(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


ws = sidebar.current_workspace()
filters = sidebar.current_filters()
app_label = sidebar.app_label(ws, filters.app_id)

page_header("Revenue", filters, app=app_label, compare=True, note=f"revenue in {CURRENCY.code}")

# ---- controls (seeded from the URL once, mirrored back every run) --------------------
product_names: tuple[str, ...] = ()
with guarded("the product list"):
    product_names = load_products(ws)

if K_PRODUCTS not in st.session_state:
    linked = [p for p in st.query_params.get_all("product") if p in product_names]
    st.session_state[K_PRODUCTS] = linked[:MAX_SELECTED]
    st.session_state[K_HOURLY] = st.query_params.get("unit") == "hour"
    st.session_state[K_VIEW] = "Stacked" if st.query_params.get("view") == "stacked" else "Overlay"

hourly_allowed = filters.days <= HOURLY_MAX_DAYS
pick, options = st.columns([3, 2], vertical_alignment="bottom")
with pick:
    selected = st.multiselect(
        "Compare products",
        product_names,
        key=K_PRODUCTS,
        max_selections=MAX_SELECTED,
        placeholder="Type to search products…",
        help=f"Up to {MAX_SELECTED} products, drawn side by side with the all-products totals.",
    )
with options:
    view = st.radio("Comparison view", VIEWS, key=K_VIEW, horizontal=True)
    hourly = hourly_toggle(filters, K_HOURLY)
if not hourly_allowed:
    st.caption(
        f"Hourly charts are available for ranges of up to {HOURLY_MAX_DAYS} days; "
        "pick a shorter range in the sidebar to see them."
    )
unit = "hour" if hourly else "day"

sync_query_params(
    {
        "product": selected,
        "unit": "hour" if hourly else None,
        "view": "stacked" if view == "Stacked" else None,
    }
)

# ---- one load -------------------------------------------------------------------------
with st.spinner("Loading revenue from Braze…"):
    data = load_revenue_page(ws, filters, selected, unit=unit, all_products=product_names)

# ---- cards ----------------------------------------------------------------------------
headline = data.headline()
headline_error = data.headline_error()
if headline_error is not None:
    show_error(headline_error, "the revenue totals")
elif headline["revenue"] is None and headline["purchases"] is None:
    no_data_state("purchase", filters, app_label)
else:
    cards = st.columns(3)
    cards[0].metric(
        f"{PURCHASE_REVENUE.label} · total",
        money(headline["revenue"]),
        border=True,
        help=PURCHASE_REVENUE.help,
    )
    cards[1].metric(
        "Purchases · total",
        count(headline["purchases"]),
        border=True,
        help="Number of purchases of all products in the range.",
    )
    cards[2].metric(
        "Average revenue per purchase",
        money(headline["revenue_per_purchase"]),
        border=True,
        help="Purchase revenue divided by purchases for the range.",
    )

# ---- charts: all products | selected products, for revenue then purchases --------------
if unit == "hour":
    st.caption(
        f"Hourly charts show the range's days on the {md_escape(filters.timezone)} clock; "
        "totals above and in the table are UTC days."
    )
for metric in METRICS:
    left, right = st.columns(2)
    with left, guarded(f"the all-products {metric} chart"):
        for label, error in data.errors(metric, selected=False).items():
            show_error(error, f"{metric} for {label.lower()}")
        fig = memoized(
            revenue_figure,
            data.series(metric, selected=False),
            metric,
            unit=unit,
            timezone=filters.timezone,
            currency=CURRENCY,
        )  # one line: stacking changes nothing
        show_chart(fig, key=f"chart_all_{metric}")
    with right, guarded(f"the selected products' {metric} chart"):
        if not data.products:
            empty_state("Pick products above to compare their " + metric + " here.")
            continue
        for label, error in data.errors(metric, selected=True).items():
            show_error(error, f"{metric} for {md_escape(label)}")
        fig = memoized(
            revenue_figure,
            data.series(metric, selected=True),
            metric,
            unit=unit,
            timezone=filters.timezone,
            view=view,
            scope="selected products",
            order=list(data.products),
            currency=CURRENCY,
        )
        show_chart(fig, key=f"chart_selected_{metric}")

# ---- per-product totals ---------------------------------------------------------------
st.subheader("Products · totals for the range")
if len(product_names) > MAX_TABLE_PRODUCTS:
    st.caption(
        f"This workspace has {len(product_names):,} products; the table covers the products you "
        "picked above (loading each one's totals would take many requests)."
    )
with guarded("the product totals"):
    for label, error in data.table_errors().items():
        show_error(error, md_escape(label))
    totals = data.totals()
    if totals.empty:
        empty_state("No products to total: pick products above, or check the product list.")
    else:
        # the table takes the full width (beside the chart its compared columns were cut off)
        table_col, bars_col = st.container(), st.container()
        with table_col:
            show_table(
                totals,
                hide_index=True,
                width="stretch",
                # the period before's revenue is in the CSV: on screen it pushed the share off
                column_order=[c for c in totals.columns if c != "revenue_previous"],
                column_config={
                    "product": st.column_config.TextColumn("Product"),
                    "revenue": money_column(
                        PURCHASE_REVENUE.label, CURRENCY, help=PURCHASE_REVENUE.help
                    ),
                    "purchases": st.column_config.NumberColumn("Purchases", format="localized"),
                    "revenue_per_purchase": money_column("Revenue per purchase", CURRENCY),
                    **compared_columns(
                        "revenue", PURCHASE_REVENUE.label, "Revenue", currency=CURRENCY
                    ),
                    "share_of_revenue": st.column_config.NumberColumn(
                        "Share of revenue", format="percent"
                    ),
                },
            )
            csv_download(
                totals,
                f"braze-product-totals-{file_range(filters)}.csv",
                "Download totals (CSV)",
                revenue=PURCHASE_REVENUE,
            )
            st.caption("The CSV also has each product's revenue in the period before.")
        with bars_col:
            show_chart(
                memoized(product_revenue_figure, totals, currency=CURRENCY), key="chart_products"
            )

with guarded("the series download"):
    series = data.series_table()
    if not series.empty:
        grain = "hourly" if unit == "hour" else "daily"
        csv_download(
            series,
            f"braze-revenue-{grain}-{file_range(filters)}.csv",
            f"Download {grain} series (CSV)",
            revenue=PURCHASE_REVENUE,
        )
        st.caption(
            f"The series file holds {ALL_PRODUCTS.lower()} and each selected product; "
            "times are UTC."
        )
