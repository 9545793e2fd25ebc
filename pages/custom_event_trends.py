"""Custom events and sessions: events compared on one chart, totals with change, sessions.

Reads top to bottom: controls (mirrored in the URL) -> one load -> event cards, chart and
table -> sessions and sessions per DAU.
"""

import streamlit as st

from dashboard import sidebar
from dashboard.charts.common import memoized
from dashboard.charts.events import (
    events_figure,
    sessions_figure,
    sessions_per_dau_figure,
)
from dashboard.data.definitions import EventCatalog, definitions_export, load_event_catalog
from dashboard.data.events import (
    ALL_USERS,
    MAX_EVENTS,
    MAX_TABLE_EVENTS,
    SegmentChoices,
    default_events,
    load_event_table,
    load_events_page,
    load_segment_choices,
    series_export,
    total,
    with_definitions,
)
from dashboard.data.timeseries import HOURLY_MAX_DAYS
from dashboard.display import change_column, show_table
from dashboard.filters import compared_label, comparison_text
from dashboard.navigation import require_app
from dashboard.url_state import sync_query_params
from dashboard.widgets import (
    csv_download,
    empty_state,
    file_range,
    guarded,
    hourly_toggle,
    md_escape,
    metric_card,
    page_header,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

K_EVENTS, K_SEGMENT, K_HOURLY = "ev_events", "ev_segment", "ev_hourly"
MAX_CARDS = 5
OPENING_EVENTS = 3  # what the page opens with when no link names events
EVENT_TABLE = ["name", "status", "tag_names_text", "included_in_analytics_report", "description"]
EVENT_COLUMNS_CONFIG = {
    "name": st.column_config.TextColumn("Event"),
    "description": st.column_config.TextColumn("Description"),
    "status": st.column_config.TextColumn("Status"),
    "tag_names_text": st.column_config.TextColumn("Tags"),
    "included_in_analytics_report": st.column_config.CheckboxColumn("In analytics report"),
}


def show_catalog(catalog: EventCatalog) -> None:
    """Every custom event's definition, and its CSV."""
    show_table(
        catalog.frame[EVENT_TABLE],
        hide_index=True,
        width="stretch",
        column_config=EVENT_COLUMNS_CONFIG,
    )
    csv_download(
        definitions_export(catalog.frame), "braze-custom-events.csv", "Download custom events (CSV)"
    )


ws = sidebar.current_workspace()
filters = sidebar.current_filters()
period = file_range(filters)

page_header("Custom events", filters, app=sidebar.app_label(ws, filters.app_id), compare=True)

# ---- controls (seeded from the URL once, mirrored back every run) --------------------
catalog: EventCatalog | None = None
with guarded("the custom event list"):
    catalog = load_event_catalog(ws)
event_names = catalog.names if catalog is not None else ()
segments = SegmentChoices((), 0)
with guarded("the segment list"):
    segments = load_segment_choices(ws)
segment_names = {s.segment_id: s.name for s in segments.tracked}

if K_EVENTS not in st.session_state:
    linked = [e for e in st.query_params.get_all("event") if e in event_names]
    if not linked and catalog is not None and "event" not in st.query_params:
        # open on a chart, not an empty picker; a link's events win
        linked = default_events(catalog, OPENING_EVENTS)
    st.session_state[K_EVENTS] = linked[:MAX_EVENTS]
    linked_segment = st.query_params.get("segment")
    st.session_state[K_SEGMENT] = linked_segment if linked_segment in segment_names else ALL_USERS
    st.session_state[K_HOURLY] = st.query_params.get("unit") == "hour"
if st.session_state.get(K_SEGMENT) not in (ALL_USERS, *segment_names):
    st.session_state[K_SEGMENT] = ALL_USERS

hourly_allowed = filters.days <= HOURLY_MAX_DAYS
# the events picker gets the whole row: in half of it the third event's chip was cut at 1280 px
pick = st.container()
audience, grain, _ = st.columns([3, 2, 3], vertical_alignment="bottom")
with pick:
    selected = st.multiselect(
        "Events",
        event_names,
        key=K_EVENTS,
        max_selections=MAX_EVENTS,
        placeholder=f"Type to search {len(event_names):,} custom events…",
        help=f"Compare up to {MAX_EVENTS} events on one chart.",
    )
with audience:
    segment = st.selectbox(
        "Segment",
        [ALL_USERS, *segment_names],
        key=K_SEGMENT,
        format_func=lambda v: segment_names.get(v, v),
        help="Only segments with analytics tracking enabled can filter event and session series.",
    )
with grain:
    hourly = hourly_toggle(filters, K_HOURLY)
notes = []
if segments.untracked:
    notes.append(
        f"{segments.untracked:,} segments are not offered: Braze keeps event and session series "
        "only for segments with analytics tracking turned on (in Braze: Segments → the segment "
        "→ Analytics tracking)."
    )
if not hourly_allowed:
    notes.append(f"Hourly charts are available for ranges of up to {HOURLY_MAX_DAYS} days.")
for note in notes:
    st.caption(note)
unit = "hour" if hourly else "day"
segment_id = None if segment == ALL_USERS else segment
audience_label = segment_names.get(segment_id, ALL_USERS) if segment_id else ALL_USERS

sync_query_params({"event": selected, "segment": segment_id, "unit": "hour" if hourly else None})

if catalog is not None and not catalog.has_definitions:
    st.caption(
        "Descriptions, statuses and tags are not shown: this API key may list the custom "
        "events but not read their definitions.",
        help="The key lacks the `events.get` permission, so the event names come from "
        "`/events/list`.",
    )

# ---- one load -------------------------------------------------------------------------
with st.spinner("Loading events and sessions from Braze…"):
    data = load_events_page(ws, filters, selected, unit=unit, segment_id=segment_id)

# ---- events ---------------------------------------------------------------------------
if unit == "hour":
    st.caption(
        f"Hourly charts show the range's days on the {md_escape(filters.timezone)} clock; "
        "totals and changes are UTC days."
    )
if not data.events:
    empty_state(
        "Pick one or more custom events above to chart them and compare their totals with the "
        "previous period."
    )
else:
    for event, error in data.event_errors().items():
        show_error(error, f"the event {md_escape(event)}")
    totals = data.totals()
    with guarded("the event totals"):
        shown = totals.head(MAX_CARDS)
        for column, event, event_total, previous_total in zip(
            st.columns(max(len(shown), 1)),
            shown["event"],
            shown["total"],
            shown["previous_period"],
            strict=False,
        ):
            with column:
                metric_card(
                    md_escape(event),
                    event_total,
                    previous=previous_total,
                    help=f"Occurrences: {comparison_text(filters)}.",
                    comparison=compared_label(filters),
                )
    with guarded("the events chart"):
        fig = memoized(
            events_figure,
            data.event_series(),
            unit,
            filters.timezone,
            list(data.events),
            audience_label if segment_id else None,
        )
        show_chart(fig, key="chart_events")
    with guarded("the event table"):
        if catalog is not None:
            totals = with_definitions(totals, catalog)
        show_table(
            totals,
            hide_index=True,
            width="stretch",
            column_config={
                "event": st.column_config.TextColumn("Event"),
                "total": st.column_config.NumberColumn("Total", format="localized"),
                "previous_period": st.column_config.NumberColumn(
                    f"Previous {filters.days} days", format="localized"
                ),
                "relative_change": change_column("Change"),
                **{k: v for k, v in EVENT_COLUMNS_CONFIG.items() if k != "name"},
            },
        )
        downloads = st.columns(2)
        with downloads[0]:
            csv_download(
                totals.round(4), f"braze-event-totals-{period}.csv", "Download totals (CSV)"
            )
        with downloads[1]:
            grain_word = "hourly" if unit == "hour" else "daily"
            csv_download(
                series_export(data.event_series(), "event", "count", unit),
                f"braze-events-{grain_word}-{period}.csv",
                f"Download {grain_word} series (CSV)",
            )

# ---- every custom event ---------------------------------------------------------------
if catalog is not None and catalog.has_definitions:
    everything = f"All {len(catalog.frame):,} custom events: descriptions, statuses, tags"
    # drawn only while open (the page opens on charts, not on a table of every event)
    with st.expander(everything, key="ev_catalog", on_change="rerun") as listing:
        if listing.open:
            with guarded("the custom event catalogue"):
                show_catalog(catalog)

# ---- sessions -------------------------------------------------------------------------
SESSION_CARD_PX = 150  # both session cards side by side the same height (one has a delta)
st.subheader("Sessions")
left, right = st.columns(2)
with left, guarded("the sessions chart"):
    if data.sessions is not None and data.sessions.error is not None:
        show_error(data.sessions.error, "sessions")
    else:
        daily = data.sessions_daily
        before = data.sessions_previous
        if daily is not None and daily.ok:
            metric_card(
                f"Sessions · total · {md_escape(audience_label)}",
                total(daily.value),
                previous=total(before.value) if before is not None and before.ok else None,
                help="Sessions started in the range (UTC days), for the app and segment chosen.",
                comparison=compared_label(filters),
                height=SESSION_CARD_PX,
            )
        if data.sessions is None:  # load_events_page always sets it
            raise RuntimeError("no sessions series")
        fig = memoized(
            sessions_figure, data.sessions.unwrap(), unit, filters.timezone, audience_label
        )
        show_chart(fig, key="chart_sessions")
with right, guarded("sessions per DAU"):
    if data.dau is not None and data.dau.error is not None:
        show_error(data.dau.error, "daily active users")
    elif data.sessions_all_users is not None and data.sessions_all_users.error is not None:
        show_error(data.sessions_all_users.error, "sessions for all users")
    else:
        ratio = data.sessions_per_dau()
        sessions_sum, dau_sum = ratio["sessions"].sum(), ratio["dau"].sum()
        st.metric(
            "Sessions per DAU · range average",
            f"{sessions_sum / dau_sum:.2f}" if dau_sum else "—",
            border=True,
            help="Total sessions divided by the sum of daily active users (all users of the app).",
            height=SESSION_CARD_PX,
        )
        show_chart(memoized(sessions_per_dau_figure, ratio), key="chart_spd")
        if segment_id:
            st.caption(
                "Braze reports DAU for the whole app, not per segment, so this ratio uses all "
                "users' sessions."
            )

# ---- every event against the period before ------------------------------------------------
st.subheader("Every custom event · this period against the one before")
with guarded("the every-event comparison"):
    if not event_names:
        empty_state("This workspace has no custom events yet.")
    else:
        table_progress = st.empty()

        def table_loading(done: int, count: int) -> None:
            table_progress.progress(done / count, text=f"Comparing events… {done:,} of {count:,}")

        every = load_event_table(
            ws, filters, event_names, segment_id=segment_id, on_progress=table_loading
        )
        table_progress.empty()
        failures = every.errors()
        if failures:
            show_error(
                next(iter(failures.values())),
                f"{len(failures):,} of {len(every.results):,} events (left out of the table)",
            )
        compared = every.totals()
        if every.listed > MAX_TABLE_EVENTS:
            st.caption(
                f"The first {MAX_TABLE_EVENTS:,} of {every.listed:,} events (in name order)."
            )
        show_table(
            compared,
            hide_index=True,
            width="stretch",
            height=min(420, 38 + 35 * len(compared)),
            column_config={
                "event": st.column_config.TextColumn("Event"),
                "total": st.column_config.NumberColumn("Total", format="localized"),
                "previous_period": st.column_config.NumberColumn(
                    f"Previous {filters.days} days", format="localized"
                ),
                "relative_change": change_column("Change"),
            },
        )
        csv_download(
            compared.round(4),
            f"braze-event-comparison-{period}.csv",
            "Download the comparison (CSV)",
        )
