"""Global Control Group: export the users Braze holds out of every message, and summarise them.

Reads top to bottom: what the group is → fields → Start / Cancel → one call into
``dashboard.data.control_group_export`` → the shared export view (``dashboard.export_view``).
The parsed frames live only in this browser session's state (never the shared cache, never
disk, never the URL).
"""

import time

import streamlit as st

from dashboard import auth, sidebar
from dashboard.data import control_group_export as control
from dashboard.export_view import follow_export, show_export
from dashboard.navigation import require_app
from dashboard.widgets import BrazeError, show_error

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)
auth.require_people_data("Global Control Group export")  # viewers: a note, nothing sent

JOB_KEY, RESULT_KEY = "gcg_export_job", "gcg_export_result"

ws = sidebar.current_workspace()

st.title("Global Control Group")
st.caption(
    "The users Braze keeps out of every campaign and Canvas to measure their overall lift. "
    "Export them to compare their behaviour with everyone else's, or to check the group's "
    "make-up (country, apps, devices, custom attributes)."
)
st.caption(
    ":material/lock: Profiles are personal data: Braze prepares a zip, this page downloads it "
    "into memory and summarises it. The data stays in this browser session only: it is never "
    "saved on the server's disk, put in the page link or shared with other users."
)

# Pills wrap onto as many lines as they need; a multiselect this full clips its chips.
fields = st.pills(
    "Fields to export",
    control.CONTROL_GROUP_FIELDS,
    selection_mode="multi",
    default=list(control.CONTROL_GROUP_FIELDS),
    key="gcg_fields",
    help="Newer Braze workspaces must name the fields. Control-group users receive no "
    "messages, so Braze offers no messaging fields here. Custom events and purchases cover "
    "the last 90 days.",
)
limit_minutes = st.number_input(
    "Give up waiting after (minutes)", min_value=1, max_value=120, value=20, key="gcg_limit"
)
job = st.session_state.get(JOB_KEY)
waiting = job is not None and job.get("status") == "waiting"
start_col, cancel_col = st.columns([1, 4])
start = start_col.button(
    "Start export",
    type="primary",
    icon=":material/download:",
    key="gcg_export_start",
    disabled=waiting or not fields,
)
if (
    waiting
    and job is not None
    and cancel_col.button(
        "Stop waiting",
        icon=":material/close:",
        key="gcg_export_cancel",
        help="Braze has no cancel for control-group exports: this stops the page waiting.",
    )
):
    job["status"] = "cancelled"
    waiting = False
if not fields:
    st.warning("Choose at least one field to export.")

if start:
    try:
        started = control.start_control_group_export(ws, list(fields))
    except (BrazeError, ValueError) as err:
        show_error(err, "the Global Control Group export")
    else:
        st.session_state.pop(RESULT_KEY, None)
        job = {"job": started, "status": "waiting", "clock": time.monotonic(), "message": ""}
        st.session_state[JOB_KEY] = job
        st.rerun()  # draw the page again with the job waiting, so Stop waiting is on screen

if job is not None:
    follow_export(
        job,
        ws,
        waiting=waiting,
        limit_minutes=float(limit_minutes),
        result_key=RESULT_KEY,
        s3_location=control.s3_location(job["job"]),
        cancel_hint="**Stop waiting** stops this page waiting (Braze still finishes it)",
        cancelled_note=(
            "Stopped waiting for this export. Braze has no cancel for control-group exports, "
            "so it may still finish it; start a new export when you need the data."
        ),
    )

saved = st.session_state.get(RESULT_KEY)
if saved is not None:
    show_export(saved, key="gcg", stem="braze-global-control-group")
elif job is None:
    st.info(
        "Choose the fields and press **Start export**. Braze prepares the file first, which "
        "can take minutes for a big workspace.",
        icon=":material/group_off:",
    )
