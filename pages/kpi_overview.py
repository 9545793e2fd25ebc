"""KPIs: active users, new users, uninstalls and sessions for the sidebar's range.

Reads top to bottom: filters -> one load -> cards -> charts -> table.
"""

import streamlit as st

from dashboard import sidebar
from dashboard.charts.common import memoized
from dashboard.charts.kpis import (
    METRIC_STYLES,
    daily_figure,
    hourly_sessions_figure,
    stickiness_figure,
)
from dashboard.data.kpi_anomalies import load_kpi_anomalies
from dashboard.data.kpis import METRICS, export_table, load_kpi_page
from dashboard.data.overview import chart_flags, chart_launches, load_launches
from dashboard.data.timeseries import HOURLY_MAX_DAYS
from dashboard.display import show_table
from dashboard.filters import compared_label
from dashboard.navigation import require_app
from dashboard.widgets import (
    card_columns,
    csv_download,
    file_range,
    guarded,
    hourly_toggle,
    metric_card,
    no_data_state,
    page_header,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

CARD_LABELS = {
    "mau": "MAU · latest",
    "dau": "DAU · daily average",
    "new_users": "New users · total",
    "uninstalls": "Uninstalls · total",
    "sessions": "Sessions · total",
}
CARD_HELP = {
    "mau": "Unique users active in the 30 days up to the last day of the range.",
    "dau": "Average number of unique users active per day.",
    "new_users": "Users first seen during the range.",
    "uninstalls": "Uninstalls recorded during the range (lower is better).",
    "sessions": "Sessions started during the range.",
}

ws = sidebar.current_workspace()
filters = sidebar.current_filters()
app_label = sidebar.app_label(ws, filters.app_id)

page_header("Key metrics", filters, app=app_label, compare=True)

# one row of content-wide toggles: columns of a fixed share cut "Hourly sessions (UTC)" at 1280 px
with st.container(horizontal=True, gap="large"):
    hourly = hourly_toggle(
        filters,
        "kpi_hourly",
        label="Hourly sessions",
        help=f"Available for ranges of up to {HOURLY_MAX_DAYS} days; shown on the sidebar's "
        "timezone.",
    )
    show_launches = st.toggle(
        "Mark launches",
        True,
        key="kpi_launches",
        help="Dotted lines on the days a campaign or Canvas started or stopped sending (read "
        "from the same data as the Campaigns and Canvases pages and What changed).",
    )

with st.spinner("Loading KPIs from Braze…"):
    data = load_kpi_page(ws, filters, hourly=hourly)
anomalies = None  # unusual days, ringed on the daily charts (the same ones the overview lists)
with guarded("the unusual-day marks"):
    anomalies = load_kpi_anomalies(ws, filters, load_kpi_page(ws, filters) if hourly else data)
launch_marks: tuple[tuple[str, str], ...] = ()  # dotted lines: what started or stopped sending
if show_launches and not data.is_empty:
    with guarded("the launch marks"):
        loading = st.empty()

        def launches_loading(done: int, count: int) -> None:
            loading.progress(
                done / count, text=f"Finding campaign and Canvas launches… {done:,} of {count:,}"
            )

        found = load_launches(ws, filters, on_progress=launches_loading)
        loading.empty()
        for kind, failure in found.errors.items():
            show_error(failure, f"the {kind} launches (not marked)")
        launch_marks = chart_launches(found.launches)

if data.is_empty:
    no_data_state("KPI", filters, app_label)
else:
    for column, metric in zip(card_columns(len(METRICS)), METRICS, strict=True):
        with column:
            error = data.error(metric)
            if error is not None:
                show_error(error, METRIC_STYLES[metric].label)
                continue
            metric_card(
                CARD_LABELS[metric],
                data.value(metric),
                previous=data.previous_value(metric),
                help=CARD_HELP[metric],
                lower_is_better=metric == "uninstalls",
                comparison=compared_label(filters),
            )

    def series_chart(metric: str) -> None:
        """One metric's chart, or a note where its load failed (the card shows why)."""
        label = METRIC_STYLES[metric].label
        if data.error(metric) is not None:
            st.warning(f"No {label} chart: that series failed to load (see its card).")
            return
        with guarded(f"the {label} chart"):
            if metric == "sessions" and data.hourly is not None:
                if data.hourly.error is not None:
                    show_error(data.hourly.error, "hourly sessions")
                    return
                fig = memoized(hourly_sessions_figure, data.hourly.value, filters.timezone)
            else:
                flags = chart_flags(anomalies.flags.get(metric, ())) if anomalies else ()
                fig = memoized(daily_figure, data.frame(metric), metric, flags, launch_marks)
            show_chart(fig, key=f"chart_{metric}")

    daily = data.daily()
    marks = []
    if anomalies is not None and anomalies.all():
        count = len(anomalies.all())
        marks.append(f"red rings mark {count} unusual day{'s' if count != 1 else ''}")
    if launch_marks:
        count = len(launch_marks)
        marks.append(f"dotted lines {count} launch{'es' if count != 1 else ''} or stops")
    if marks:
        st.caption(
            f"On the charts, {' and '.join(marks)} (hover for why); **What changed** lists "
            "and explains them."
        )
    left, right = st.columns(2)
    with left:
        series_chart("mau")
        series_chart("new_users")
        series_chart("sessions")
    with right:
        series_chart("dau")
        series_chart("uninstalls")
        with guarded("the stickiness chart"):
            if data.error("dau") or data.error("mau"):
                st.warning("No stickiness chart: it needs both DAU and MAU.")
            else:
                show_chart(memoized(stickiness_figure, daily), key="chart_sticky")

    st.subheader("Daily data")
    with guarded("the daily table"):
        table = export_table(daily)
        show_table(
            table,
            hide_index=True,
            width="stretch",
            column_config={
                "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
                "mau": st.column_config.NumberColumn("MAU", format="localized"),
                "dau": st.column_config.NumberColumn("DAU", format="localized"),
                "new_users": st.column_config.NumberColumn("New users", format="localized"),
                "uninstalls": st.column_config.NumberColumn("Uninstalls", format="localized"),
                "sessions": st.column_config.NumberColumn("Sessions", format="localized"),
                "dau_mau_ratio": st.column_config.NumberColumn("DAU / MAU", format="percent"),
            },
        )
        csv_download(
            table,
            f"braze-kpis-{file_range(filters)}.csv",
            "Download daily data (CSV)",
        )
