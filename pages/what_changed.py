"""What changed: the home page. Unusual KPI days, launches and top movers, each explained.

Reads top to bottom: the sidebar's view -> one load (``dashboard.data.overview``) -> summary ->
unusual days (with the KPI charts) -> launches -> movers per kind -> CSV of every finding.
"""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import sidebar
from dashboard.charts.common import memoized
from dashboard.charts.kpis import METRIC_STYLES, daily_figure
from dashboard.data.kpis import METRICS
from dashboard.data.overview import (
    KINDS,
    chart_flags,
    chart_launches,
    findings_csv,
    launch_link,
    link,
    load_overview,
    mover_link,
)
from dashboard.display import (
    change_column,
    configured_currency,
    money_format,
    money_text,
    show_table,
)
from dashboard.insights.movers import Mover
from dashboard.navigation import require_app
from dashboard.widgets import (
    file_range,
    format_number,
    guarded,
    md_escape,
    page_header,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

VIEW_KEYS = ("range", "start", "end", "app", "tz")
CHART_HEIGHT = 250

ws = sidebar.current_workspace()
filters = sidebar.current_filters()
view = {k: v for k in VIEW_KEYS if (v := st.query_params.get(k))}

page_header(
    "What changed",
    filters,
    app=sidebar.app_label(ws, filters.app_id),
    compare=True,
    note="unusual days, launches and the biggest movers, each explained",
)

progress = st.empty()


def on_progress(done: int, total: int) -> None:
    progress.progress(done / total, text=f"Comparing with the period before… {done:,} of {total:,}")


try:
    with st.spinner("Loading KPIs, campaigns, Canvases, events and products from Braze…"):
        data = load_overview(ws, filters, on_progress=on_progress)
except Exception as failure:  # each part carries its own errors; this is the unforeseen rest
    progress.empty()
    show_error(failure, "the overview")
    st.stop()
progress.empty()

for what, err in data.errors.items():
    show_error(err, what)

flags = data.anomalies.all()
mover_count = sum(len(m.all()) for m in data.movers.values())
if data.nothing_unusual:
    st.success(
        "Nothing unusual in this range: every KPI day is within its usual weekly range, no "
        "campaign or Canvas started or stopped, and nothing moved enough to list.",
        icon=":material/check_circle:",
    )
else:
    parts = [
        f"**{len(flags)}** unusual day{'s' if len(flags) != 1 else ''}",
        f"**{len(data.launches)}** launch{'es' if len(data.launches) != 1 else ''} or stop"
        f"{'s' if len(data.launches) != 1 else ''}",
        f"**{mover_count}** top movers",
    ]
    st.markdown(" · ".join(parts))
for note in data.notes:
    st.caption(md_escape(note))

# ---- unusual days --------------------------------------------------------------------------
st.subheader("Unusual days", anchor="unusual-days")
with guarded("the unusual days"):
    if not flags and not data.anomalies.errors:
        st.info(
            "No unusual KPI day: MAU, DAU, new users, uninstalls and sessions all stayed within "
            "what the same weekday of the previous four weeks suggests.",
            icon=":material/check_circle:",
        )
    kpi_link = link("kpis", view)
    for a in flags:
        icon = ":material/trending_up:" if a.change > 0 else ":material/trending_down:"
        worse = (a.change < 0) != (a.metric == "uninstalls")  # fewer uninstalls is better
        colour = "red" if worse else "green"
        st.markdown(f":{colour}[{icon}] {md_escape(a.sentence())} [Open KPIs]({kpi_link})")
    st.caption(
        "A day is unusual when it is at least 10% and 3.5 “usual wobbles” away from the median "
        "of the same weekday in the previous four weeks (the wobble is the series' median "
        "absolute deviation from that expectation). Rings mark them on the charts; dotted lines "
        "are launches."
    )

launch_marks = chart_launches(data.launches)
with guarded("the KPI charts"):
    columns = st.columns(3)
    for i, metric in enumerate(METRICS):
        frame = data.kpis.frame(metric)
        with columns[i % 3]:
            if frame is None:
                st.warning(f"No {METRIC_STYLES[metric].label} chart: the series failed to load.")
                continue
            fig = memoized(
                daily_figure,
                frame,
                metric,
                chart_flags(data.anomalies.flags.get(metric, ())),
                launch_marks,
                height=CHART_HEIGHT,
                compact=True,
            )
            show_chart(fig, key=f"overview_{metric}")

# ---- launches ------------------------------------------------------------------------------
st.subheader("Launches and stops", anchor="launches")
with guarded("the launches"):
    if not data.launches and not data.launch_errors:
        st.info(
            "No campaign or Canvas started or stopped sending in this range.",
            icon=":material/event_busy:",
        )
    for launch in data.launches:
        icon = ":material/rocket_launch:" if launch.event == "started" else ":material/stop_circle:"
        st.markdown(f"{icon} {md_escape(launch.sentence())} [Open]({launch_link(launch, view)})")

# ---- movers --------------------------------------------------------------------------------
st.subheader("Top movers", anchor="movers")


ROW_PX = 35  # st.dataframe's row height
STATUS_TEXT = {"up": "▲ rising", "down": "▼ falling", "new": "● new", "stopped": "■ stopped"}


def movers_table(movers: tuple[Mover, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": pd.Series([STATUS_TEXT[m.status] for m in movers], dtype="string"),
            "name": pd.Series([m.name for m in movers], dtype="string"),
            "current": pd.Series([m.current for m in movers], dtype="float64"),
            "previous": pd.Series([m.previous for m in movers], dtype="float64"),
            "change": pd.Series([m.change for m in movers], dtype="float64"),
            # a new item (no period before) has none: show_table draws "—"
            "relative": pd.Series([m.relative for m in movers], dtype="float64"),
            "link": pd.Series([mover_link(m, view) for m in movers], dtype="string"),
        }
    )


def show_movers(movers: tuple[Mover, ...], measure: str, money: bool) -> None:
    number = money_format(configured_currency()) if money else "localized"
    show_table(
        movers_table(movers),
        hide_index=True,
        width="stretch",
        height=ROW_PX * (len(movers) + 1) + 3,  # every mover shown, no inner scrolling
        column_config={
            "status": st.column_config.TextColumn(
                "Movement",
                help="Rising and falling: the largest changes first. New: nothing the period "
                "before. Stopped: nothing in this range.",
            ),
            "name": st.column_config.TextColumn("Name", width="medium"),
            "current": st.column_config.NumberColumn(
                "This period", format=number, help=f"{measure.capitalize()} in the range"
            ),
            "previous": st.column_config.NumberColumn(
                "Period before",
                format=number,
                help="The period the range is compared with (the header says which)",
            ),
            "change": st.column_config.NumberColumn("Change", format=number),
            "relative": change_column(
                "Change %", help="Against the period before; — for items new in this range"
            ),
            "link": st.column_config.LinkColumn("Open", display_text="Open ↗"),
        },
    )


tabs = st.tabs([KINDS[kind][0] for kind in KINDS])
for tab, kind in zip(tabs, KINDS, strict=True):
    with tab, guarded(f"the {KINDS[kind][0].lower()} movers"):
        if kind in data.mover_errors:
            st.warning(f"{KINDS[kind][0]} could not be compared (see the message above).")
            continue
        movers = data.movers.get(kind)
        if movers is None:
            continue
        money = kind == "product"
        floor = (
            money_text(movers.min_volume, configured_currency())
            if money
            else format_number(movers.min_volume)
        )
        st.caption(
            f"Ranked by the change in {movers.measure} against the period before. Compared: "
            f"the {movers.considered:,} of {movers.total_items:,} with at least {floor} "
            f"{movers.measure} (1% of all) in one of the two periods, so tiny ones don't crowd "
            "the list."
        )
        if movers.is_empty:
            st.info(
                f"No {KINDS[kind][0].lower()} moved enough to list.",
                icon=":material/check_circle:",
            )
            continue
        show_movers(movers.all(), movers.measure, money)

# ---- download ------------------------------------------------------------------------------
with guarded("the findings download"):
    st.download_button(
        "Download every finding (CSV)",
        data=partial(findings_csv, ws, data, view),  # built when clicked
        file_name=f"braze-what-changed-{file_range(filters)}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        help="Unusual days, launches and movers, one row each, with the link to each.",
    )
