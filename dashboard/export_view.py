"""The shared UI of an asynchronous user export (segment, Global Control Group).

A page starts the export its own way, keeps ``{"job", "status", "clock", "message"}`` in its
session state and calls ``follow_export`` (the S3 note, or ``run_export``: wait, download into memory, parse, summarise) and then
``show_export`` (cards, breakdowns, CSV/Parquet downloads). Parsed frames live only in that
browser session's state: never the shared cache, never disk, never the URL.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from dashboard.charts.segments import breakdown_figure, coverage_figure
from dashboard.data import segment_export as exports
from dashboard.data.segments import (
    BREAKDOWNS,
    export_tables,
    issues_frame,
    summarise_export,
    to_parquet_bytes,
)
from dashboard.display import configured_currency, moment_text, money_text, money_title, show_table
from dashboard.safe_csv import to_csv_bytes
from dashboard.widgets import card_columns, guarded, md_escape, metric_card, show_chart

EXPORT_BROKEN = (
    "The export could not be read or summarised (an unexpected file format or content). "
    "Start a new export to try again."
)


def run_export(
    job: MutableMapping[str, Any],
    ws: Any,
    *,
    limit_minutes: float,
    result_key: str,
    cancel_hint: str = "**Cancel** stops waiting",
) -> None:
    """Wait for the job's file, download and parse it; the result goes to ``result_key``."""
    meta: exports.ExportJob = job["job"]
    with st.status(
        f"Exporting {md_escape(meta.segment_name)} ({exports.describe_fields(meta.fields)})…",
        expanded=True,
    ) as status:
        line = st.empty()

        def on_wait(elapsed: float, attempt: int) -> None:
            line.write(
                f"Braze is preparing the file: waited {elapsed:,.0f} s, checked "
                f"{attempt} time(s). You can keep using the page; {cancel_hint}."
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
            st.session_state[result_key] = {"job": meta, "result": result, "summary": summary}
            status.update(
                label=f"Export ready: {result.user_count:,} users",
                state="complete",
                expanded=False,
            )


def follow_export(
    job: MutableMapping[str, Any],
    ws: Any,
    *,
    waiting: bool,
    limit_minutes: float,
    result_key: str,
    s3_location: str,
    cancel_hint: str,
    cancelled_note: str,
) -> None:
    """A started job on its page: the S3 note, or the wait and download, then its outcome."""
    if job["job"].url is None:
        st.info(
            "Braze is writing this export to your own S3 bucket (the workspace has S3 "
            "credentials), so there is nothing to download here. Look for the files under "
            f"{md_escape(s3_location)} in that bucket; Braze makes one file per 5,000 users.",
            icon=":material/cloud_upload:",
        )
        job["status"] = "s3"
    elif waiting:
        run_export(
            job, ws, limit_minutes=limit_minutes, result_key=result_key, cancel_hint=cancel_hint
        )
        if job["status"] == "done":
            st.rerun()  # draw the page again without the Cancel button of a finished export
    if job["status"] in ("timeout", "failed"):
        st.error(md_escape(job["message"]), icon=":material/error:")
    elif job["status"] == "cancelled":
        st.info(cancelled_note, icon=":material/cancel:")


def show_export(saved: MutableMapping[str, Any], *, key: str, stem: str) -> None:
    """Cards, breakdown charts, top events/purchases and the table downloads of one export."""
    result, summary, meta = saved["result"], saved["summary"], saved["job"]
    st.markdown(
        f"#### Export of {md_escape(meta.segment_name)} · started {moment_text(meta.started_at)}"
    )
    cols = card_columns(4, per_row=3)  # two by two: four across cut the revenue card at 1280 px
    with cols[0]:
        metric_card("Users exported", summary.users, help="One row per user profile in the zip.")
    with cols[1]:
        metric_card("With an email address", summary.with_email)
    with cols[2]:
        currency = configured_currency()
        st.metric(
            money_title("Lifetime revenue (sum)", currency),
            money_text(summary.revenue, currency, short=True),
            border=True,
            help=f"Sum of the users' total_revenue: {money_text(summary.revenue, currency)}.",
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
        show_table(issues_frame(result), hide_index=True, width="stretch", key=f"{key}_issues")
    st.caption(f"Read {len(result.files)} file(s) from the zip.")

    with guarded("the export breakdowns"):
        charts = [
            (
                f"{key}_bd_{name}",
                breakdown_figure(summary.breakdowns.get(name), f"Users by {label.lower()}"),
            )
            for name, label in BREAKDOWNS.items()
            if name in summary.breakdowns
        ]
        charts += [
            (f"{key}_bd_apps", breakdown_figure(summary.apps, "Users by app (app · platform)")),
            (
                f"{key}_bd_devices",
                breakdown_figure(summary.devices, "Devices by model", unit="devices"),
            ),
            (f"{key}_coverage", coverage_figure(summary.attribute_coverage)),
        ]
        for k in range(0, len(charts), 2):
            for col, (chart_key, fig) in zip(st.columns(2), charts[k : k + 2], strict=False):
                with col:
                    show_chart(fig, key=chart_key)
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
                    show_table(
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
        key=f"{key}_download_table",
        format_func=lambda t: f"{t} ({len(tables[t]):,} rows)",
        help="Users has one row per user; the others have one row per item, keyed by user_id.",
    )
    chosen = tables[choice]
    name = f"{stem}-{choice}"
    d1, d2, _ = st.columns([1, 1, 3])
    d1.download_button(
        "Export as CSV",
        data=lambda: to_csv_bytes(chosen),
        file_name=f"{name}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"{key}_dl_csv",
    )
    d2.download_button(
        "Export as Parquet",
        data=lambda: to_parquet_bytes(chosen),
        file_name=f"{name}.parquet",
        mime="application/vnd.apache.parquet",
        icon=":material/download:",
        on_click="ignore",
        key=f"{key}_dl_parquet",
    )
    show_table(chosen.head(500), hide_index=True, width="stretch", key=f"{key}_preview")
    st.caption("Preview of the first 500 rows.")
