"""Segments: find a segment, see its details and size over time, and export its users.

Reads top to bottom: list + filters -> details -> size comparison -> export. An export's
parsed frames live only in this browser session's state (never the shared cache, never disk).
"""

import time

import streamlit as st

from dashboard import auth, sidebar
from dashboard.charts.segments import breakdown_figure, coverage_figure, size_figure
from dashboard.data import segment_export as exports
from dashboard.data.segments import (
    BREAKDOWNS,
    MAX_COMPARE,
    TRACKING_CHOICES,
    export_tables,
    filter_segments,
    issues_frame,
    load_details,
    load_segments,
    load_sizes,
    size_summary,
    summarise_export,
    to_parquet_bytes,
)
from dashboard.data.tags import tag_options
from dashboard.navigation import require_app
from dashboard.safe_csv import to_csv_bytes
from dashboard.url_state import sync_query_params
from dashboard.widgets import (
    PLOTLY_CONFIG,
    BrazeError,
    csv_download,
    empty_state,
    file_range,
    format_number,
    guarded,
    md_escape,
    metric_card,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

JOB_KEY, RESULT_KEY = "seg_export_job", "seg_export_result"
EXPORT_BROKEN = (
    "The export could not be read or summarised (an unexpected file format or content). "
    "Start a new export to try again."
)

ws = sidebar.current_workspace()
filters = sidebar.current_filters()

st.title("Segments")
st.caption(
    "Every segment in the workspace, its size over "
    f"{filters.start:%d %b %Y} – {filters.end:%d %b %Y} (UTC days), and a full user export."
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
    table = shown[["name", "id", "analytics_tracking_enabled", "tags_text"]]
    st.dataframe(
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
    details = load_details(ws, segment_id)
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Filters (as Braze describes them)**")
        st.text(details.get("description") or "No description.")
        tag_list = details.get("tags") or []
        st.markdown(
            "**Tags:** " + (", ".join(md_escape(t) for t in tag_list) if tag_list else "none")
        )
    with right:
        st.markdown(f"**Created:** {md_escape(str(details.get('created_at') or '—')[:10])}")
        st.markdown(f"**Last updated:** {md_escape(str(details.get('updated_at') or '—')[:10])}")
        st.markdown("**Analytics tracking:** " + ("on" if tracked.get(segment_id) else "off"))
        st.code(segment_id, language=None)

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
        st.plotly_chart(size_figure(sizes), config=PLOTLY_CONFIG, key="seg_size_chart")
        size_table = size_summary(sizes)
        if not size_table.empty:
            st.dataframe(
                size_table.drop(columns="segment_id"),
                hide_index=True,
                width="stretch",
                column_config={
                    "segment": "Segment",
                    "first_size": st.column_config.NumberColumn("First day", format="localized"),
                    "latest_size": st.column_config.NumberColumn("Latest", format="localized"),
                    "change": st.column_config.NumberColumn("Change", format="localized"),
                    "change_pct": st.column_config.NumberColumn("Change %", format="percent"),
                    "average_size": st.column_config.NumberColumn("Average", format="localized"),
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
fields = st.multiselect(
    "Fields to export",
    exports.EXPORT_FIELDS,
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
    and cancel_col.button("Cancel", icon=":material/close:", key="seg_export_cancel")
):
    job["status"] = "cancelled"
    waiting = False
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
        waiting = True

if job is not None:
    meta: exports.ExportJob = job["job"]
    if meta.url is None:
        st.info(
            "Braze is writing this export to your own S3 bucket (the workspace has S3 "
            f"credentials), so there is nothing to download here. Look for the files under "
            f"{md_escape(meta.s3_location)} in that bucket; Braze makes one file per 5,000 users.",
            icon=":material/cloud_upload:",
        )
        job["status"] = "s3"
    elif waiting:
        with st.status(
            f"Exporting {md_escape(meta.segment_name)} ({exports.describe_fields(meta.fields)})…",
            expanded=True,
        ) as status:
            line = st.empty()

            def on_wait(elapsed: float, attempt: int) -> None:
                line.write(
                    f"Braze is preparing the file: waited {elapsed:,.0f} s, checked "
                    f"{attempt} time(s). You can keep using the page; **Cancel** stops waiting."
                )

            def on_bytes(total: int) -> None:
                line.write(f"Downloading: {total / 1024**2:,.1f} MB received…")

            def on_users(count: int) -> None:
                line.write(f"Reading: {count:,} users so far…")

            try:
                result = exports.download_and_parse(
                    meta,
                    ws,
                    time_limit=float(limit_minutes) * 60,
                    started=job["clock"],
                    on_wait=on_wait,
                    on_bytes=on_bytes,
                    on_users=on_users,
                )
                summary = summarise_export(result)
            except exports.ExportTimeout as err:
                job.update(status="timeout", message=str(err))
                status.update(label="Export not ready in time", state="error")
            except exports.ExportError as err:
                job.update(status="failed", message=str(err))
                status.update(label="Export failed", state="error")
            except Exception:  # fail the job once; never retry on every rerun
                job.update(status="failed", message=EXPORT_BROKEN)
                status.update(label="Export failed", state="error")
            else:
                job["status"] = "done"
                st.session_state[RESULT_KEY] = {
                    "job": meta,
                    "result": result,
                    "summary": summary,
                }
                status.update(
                    label=f"Export ready: {result.user_count:,} users",
                    state="complete",
                    expanded=False,
                )
    if job["status"] in ("timeout", "failed"):
        st.error(md_escape(job["message"]), icon=":material/error:")
    elif job["status"] == "cancelled":
        st.info(
            "Stopped waiting for this export. Braze may still finish it; start a new export "
            "when you need the data.",
            icon=":material/cancel:",
        )

saved = st.session_state.get(RESULT_KEY)
if saved is not None:
    result, summary, meta = saved["result"], saved["summary"], saved["job"]
    st.markdown(
        f"#### Export of {md_escape(meta.segment_name)} · started "
        f"{meta.started_at:%d %b %Y %H:%M} UTC"
    )
    cols = st.columns(4)
    with cols[0]:
        metric_card("Users exported", summary.users, help="One row per user profile in the zip.")
    with cols[1]:
        metric_card("With an email address", summary.with_email)
    with cols[2]:
        metric_card(
            "Lifetime revenue (sum)",
            summary.revenue,
            help="Sum of the users' total_revenue, in the workspace currency.",
        )
    with cols[3]:
        metric_card(
            "Lines skipped",
            result.bad_lines,
            help="Lines that were not valid user JSON; see the list below.",
        )
    if result.issues:
        st.warning(
            f"{len(result.issues):,} problem(s) in the export; every readable user was kept. "
            "Problem lines are listed by file and line number.",
            icon=":material/warning:",
        )
        st.dataframe(issues_frame(result), hide_index=True, width="stretch", key="seg_issues")
    st.caption(f"Read {len(result.files)} file(s) from the zip.")

    with guarded("the export breakdowns"):
        charts = [
            (
                f"seg_bd_{name}",
                breakdown_figure(summary.breakdowns.get(name), f"Users by {label.lower()}"),
            )
            for name, label in BREAKDOWNS.items()
        ]
        charts += [
            ("seg_bd_apps", breakdown_figure(summary.apps, "Users by app (app · platform)")),
            (
                "seg_bd_devices",
                breakdown_figure(summary.devices, "Devices by model", unit="devices"),
            ),
            ("seg_coverage", coverage_figure(summary.attribute_coverage)),
        ]
        for k in range(0, len(charts), 2):
            for col, (key, fig) in zip(st.columns(2), charts[k : k + 2], strict=False):
                with col:
                    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=key)
        row = st.columns(2)
        for col, (title, frame) in zip(
            row,
            [("Top custom events", summary.top_events), ("Top purchases", summary.top_purchases)],
            strict=True,
        ):
            with col:
                st.markdown(f"**{title}** (users who did it at least once)")
                if frame is None or frame.empty:
                    st.caption("None in this export.")
                else:
                    st.dataframe(
                        frame,
                        hide_index=True,
                        width="stretch",
                        column_config={
                            "name": "Name",
                            "users": st.column_config.NumberColumn("Users", format="localized"),
                            "share": st.column_config.NumberColumn(
                                "Share of users", format="percent"
                            ),
                            "total_count": st.column_config.NumberColumn(
                                "Total count", format="localized"
                            ),
                        },
                    )

    st.markdown("**Download the export**")
    tables = export_tables(result)
    choice = st.selectbox(
        "Table",
        list(tables),
        key="seg_download_table",
        format_func=lambda t: f"{t} ({len(tables[t]):,} rows)",
        help="Users has one row per user; the others have one row per item, keyed by user_id.",
    )
    chosen = tables[choice]
    stem = f"braze-segment-export-{meta.segment_id[:8]}-{choice}"
    d1, d2, _ = st.columns([1, 1, 3])
    d1.download_button(
        "Export as CSV",
        data=lambda: to_csv_bytes(chosen),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="seg_dl_csv",
    )
    d2.download_button(
        "Export as Parquet",
        data=lambda: to_parquet_bytes(chosen),
        file_name=f"{stem}.parquet",
        mime="application/vnd.apache.parquet",
        icon=":material/download:",
        on_click="ignore",
        key="seg_dl_parquet",
    )
    st.dataframe(chosen.head(500), hide_index=True, width="stretch", key="seg_preview")
    st.caption("Preview of the first 500 rows.")
