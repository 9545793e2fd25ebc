"""Segments: find a segment, see its details and size over time, and export its users.

Reads top to bottom: list + filters -> details -> size comparison -> export. An export's
parsed frames live only in this browser session's state (never the shared cache, never disk).
"""

import time

import streamlit as st

from dashboard import auth, sidebar
from dashboard.charts.common import memoized
from dashboard.charts.segments import size_figure
from dashboard.data import segment_export as exports
from dashboard.data.segment_export_cancel import cancel_segment_export
from dashboard.data.segments import (
    LIST_COLUMNS,
    MAX_COMPARE,
    TRACKING_CHOICES,
    extra_columns,
    filter_segments,
    load_details,
    load_segments,
    load_sizes,
    segment_details,
    size_summary,
)
from dashboard.data.tags import tag_options
from dashboard.display import change_column, moment_text, show_table
from dashboard.export_view import follow_export, show_export
from dashboard.navigation import require_app
from dashboard.url_state import sync_query_params
from dashboard.widgets import (
    BrazeError,
    csv_download,
    empty_state,
    file_range,
    format_number,
    guarded,
    md_escape,
    page_header,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

JOB_KEY, RESULT_KEY = "seg_export_job", "seg_export_result"

ws = sidebar.current_workspace()
filters = sidebar.current_filters()

page_header(
    "Segments",
    filters,
    note="every segment in the workspace, its size over the range, and a full user export",
)

try:
    with st.spinner("Loading segments from Braze…"):
        segments = load_segments(ws)
except Exception as err:  # nothing else on this page works without the list
    show_error(err, "the segment list")
    st.stop()

if segments.empty:
    empty_state("This workspace has no segments (archived segments are not listed by Braze).")
    st.stop()

# ---- list and filters ----------------------------------------------------------------------
search_col, tag_col, tracking_col = st.columns([2, 2, 2])
search = search_col.text_input("Search by name or ID", key="seg_search", placeholder="e.g. VIP")
tags = tag_col.multiselect("Tags", tag_options(segments), key="seg_tags")
tracking = tracking_col.selectbox("Analytics tracking", TRACKING_CHOICES, key="seg_tracking")
shown = filter_segments(segments, search, tags, tracking)
tracked_total = int(segments["analytics_tracking_enabled"].sum())
st.caption(
    f"{format_number(len(shown))} of {format_number(len(segments))} segments shown · "
    f"{format_number(tracked_total)} have analytics tracking (size history)."
)
with guarded("the segment table"):
    table = shown[
        [
            "name",
            "id",
            "analytics_tracking_enabled",
            "tags_text",
            *extra_columns(shown, LIST_COLUMNS),
        ]
    ]
    show_table(
        table,
        hide_index=True,
        width="stretch",
        height=260,
        column_config={
            "name": st.column_config.TextColumn("Segment"),
            "id": st.column_config.TextColumn("Segment API ID"),
            "analytics_tracking_enabled": st.column_config.CheckboxColumn("Analytics tracking"),
            "tags_text": st.column_config.TextColumn("Tags"),
        },
    )
    csv_download(
        table.rename(columns={"tags_text": "tags"}),
        "braze-segments.csv",
        "Download segment list (CSV)",
    )

if shown.empty:
    empty_state("No segment matches these filters. Clear the search or pick other tags.")
    st.stop()

# ---- the selected segment ------------------------------------------------------------------
names: dict[str, str] = dict(zip(segments["id"], segments["name"], strict=True))
tracked = dict(zip(segments["id"], segments["analytics_tracking_enabled"], strict=True))
options = shown["id"].tolist()
linked = st.query_params.get("segment_id")
if "seg_selected" not in st.session_state and linked in names:
    st.session_state["seg_selected"] = linked
if st.session_state.get("seg_selected") not in options:
    st.session_state["seg_selected"] = linked if linked in options else options[0]
if st.session_state["seg_selected"] not in options:
    options = [st.session_state["seg_selected"], *options]


def segment_label(i: str) -> str:
    return names.get(i, i) + ("" if tracked.get(i) else "  (no analytics tracking)")


segment_id = st.selectbox("Segment", options, key="seg_selected", format_func=segment_label)
sync_query_params({"segment_id": segment_id})

st.subheader(md_escape(names.get(segment_id, segment_id)))
with guarded("the segment details"):
    details = segment_details(load_details(ws, segment_id))
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Description**")
        st.text(details.text_description or "No description written for this segment.")
        st.markdown("**Filters (as Braze describes them)**")
        st.text(details.filters or "No filter description.")
        st.markdown(
            "**Tags:** "
            + (", ".join(md_escape(t) for t in details.tags) if details.tags else "none")
        )
        st.markdown(
            "**Teams:** "
            + (", ".join(md_escape(t) for t in details.teams) if details.teams else "none")
        )
    with right:
        for label, stamp in (("Created", details.created_at), ("Last updated", details.updated_at)):
            st.markdown(f"**{label}:** {moment_text(stamp)}")
        st.markdown("**Analytics tracking:** " + ("on" if tracked.get(segment_id) else "off"))
        for key, value in details.other.items():
            st.markdown(f"**{md_escape(key)}:** {md_escape(value)}")
        # plain text (wraps, whole at 1280 px): a code block would load a 1.5 MB syntax
        # highlighter for one id and cost this page a quarter of a second (bench_pages)
        st.markdown("**Segment API ID**")
        st.text(segment_id)

# ---- size over time ----------------------------------------------------------------------
st.subheader("Size over time")
tracked_ids = [i for i in segments["id"] if tracked.get(i)]
compare = st.multiselect(
    f"Compare with (analytics-tracked segments, up to {MAX_COMPARE - 1})",
    [i for i in tracked_ids if i != segment_id],
    key="seg_compare",
    format_func=lambda i: names.get(i, i),
    max_selections=MAX_COMPARE - 1,
)
if not tracked.get(segment_id):
    st.info(
        "Braze keeps size history only for segments with analytics tracking turned on, so "
        "this segment has no size chart. Turn tracking on in Braze (Segment → Analytics "
        "tracking) to start collecting it, or compare tracked segments below.",
        icon=":material/info:",
    )
wanted = ([segment_id] if tracked.get(segment_id) else []) + list(compare)
if wanted:
    with guarded("the segment sizes"):
        with st.spinner("Loading segment sizes…"):
            sizes, failures = load_sizes(ws, segments, wanted, filters.start, filters.end)
        for failure in failures:
            if failure.error is not None:
                show_error(
                    failure.error, f"the size of {md_escape(names.get(failure.item, failure.item))}"
                )
        show_chart(memoized(size_figure, sizes), key="seg_size_chart")
        size_table = size_summary(sizes)
        if not size_table.empty:
            show_table(
                size_table.drop(columns="segment_id"),
                hide_index=True,
                width="stretch",
                column_config={
                    "segment": "Segment",
                    # Users are whole: an average is rounded to one (step=1), never "268.867".
                    "first_size": st.column_config.NumberColumn(
                        "First day (users)", format="localized", step=1
                    ),
                    "latest_size": st.column_config.NumberColumn(
                        "Latest (users)", format="localized", step=1
                    ),
                    "change": st.column_config.NumberColumn(
                        "Change (users)", format="localized", step=1
                    ),
                    "relative_change": change_column("Change (%)"),
                    "average_size": st.column_config.NumberColumn(
                        "Daily average (users)", format="localized", step=1
                    ),
                },
            )
            csv_download(
                sizes.assign(date=sizes["date"].dt.date),
                f"braze-segment-sizes-{file_range(filters)}.csv",
                "Download sizes (CSV)",
            )
elif tracked_ids:
    st.caption("Pick tracked segments above to chart their size.")

# ---- export ------------------------------------------------------------------------------
st.subheader("Export this segment's users")
auth.require_people_data("Exporting users")  # viewers: sizes above, a short note here
st.caption(
    "Braze prepares a zip of user profiles (it can take minutes for big segments), then this "
    "page downloads and summarises it. The data stays in this browser session only: it is "
    "never saved on the server's disk or shared with other users."
)
all_fields = st.toggle(
    "Let Braze choose the fields (send no field list)",
    key="seg_all_fields",
    help="Only older workspaces accept this; newer workspaces must name the fields to export.",
)
# Pills wrap onto as many lines as they need; a multiselect this full clips its chips.
fields = st.pills(
    "Fields to export",
    exports.EXPORT_FIELDS,
    selection_mode="multi",
    default=list(exports.EXPORT_FIELDS),
    key="seg_fields",
    disabled=all_fields,
    help="Newer Braze workspaces must name the fields; exporting fewer fields is faster.",
)
limit_minutes = st.number_input(
    "Give up waiting after (minutes)", min_value=1, max_value=120, value=20, key="seg_limit"
)
job = st.session_state.get(JOB_KEY)
waiting = job is not None and job.get("status") == "waiting"
start_col, cancel_col = st.columns([1, 4])
start = start_col.button(
    "Start export",
    type="primary",
    icon=":material/download:",
    key="seg_export_start",
    disabled=waiting or (not all_fields and not fields),
)
if (
    waiting
    and job is not None
    and cancel_col.button(
        "Cancel",
        icon=":material/close:",
        key="seg_export_cancel",
        help="Cancels the export at Braze (every ongoing export of this segment) and stops waiting.",
    )
):
    job["status"] = "cancelled"
    waiting = False
    try:
        cancel_segment_export(ws, job["job"].segment_id)
    except (BrazeError, ValueError) as err:
        job["cancel_error"] = err
if not all_fields and not fields:
    st.warning("Choose at least one field to export.")

if start:
    try:
        started = exports.start_export(
            ws, segment_id, names.get(segment_id, segment_id), None if all_fields else fields
        )
    except (BrazeError, ValueError) as err:
        show_error(err, "the segment export")
    else:
        st.session_state.pop(RESULT_KEY, None)
        job = {"job": started, "status": "waiting", "clock": time.monotonic(), "message": ""}
        st.session_state[JOB_KEY] = job
        st.rerun()  # draw the page again with the job waiting, so Cancel is on screen

if job is not None:
    meta: exports.ExportJob = job["job"]
    if job.get("cancel_error") is not None:
        show_error(job.pop("cancel_error"), "the export cancel at Braze")
    follow_export(
        job,
        ws,
        waiting=waiting,
        limit_minutes=float(limit_minutes),
        result_key=RESULT_KEY,
        s3_location=meta.s3_location,
        cancel_hint="**Cancel** cancels the export at Braze",
        cancelled_note=(
            "Cancelled: Braze was asked to stop this segment's export, and this page stopped "
            "waiting for it. Start a new export when you need the data."
        ),
    )

saved = st.session_state.get(RESULT_KEY)
if saved is not None:
    show_export(saved, key="seg", stem=f"braze-segment-export-{saved['job'].segment_id[:8]}")
