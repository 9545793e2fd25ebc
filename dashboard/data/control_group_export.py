"""Global Control Group export, without Streamlit: start it; the rest is segment export's.

``POST /users/export/global_control_group`` answers like a segment export (``object_prefix``
and a pre-signed ``url`` that becomes valid when the zip is ready), so the waiting, the
in-memory download and the streamed parse are ``segment_export.download_and_parse``, with the
same rules: never cached, never on disk, never in the URL, results only in the browser
session that asked. Braze has no cancel endpoint for this export (``/export/segment/cancel``
takes a segment id), so **Cancel** only stops our waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime

from braze_api.fields import CONTROL_GROUP_FIELDS as CONTROL_GROUP_FIELDS  # the page offers them
from dashboard.data.segment_export import ExportJob, start_audited
from dashboard.settings import Workspace, client_for

#: How the job is named on the page and in file names (it has no segment id we know).
CONTROL_GROUP_ID = "global-control-group"
CONTROL_GROUP_NAME = "Global Control Group"


def start_control_group_export(ws: Workspace, fields: list[str] | None) -> ExportJob:
    """POST /users/export/global_control_group (never cached: each call starts an export).

    People data: raises ``PeopleDataRefused`` (nothing sent) without the people-data role, and
    the start is one audit line (the finish is written by ``download_and_parse``).
    """
    return start_audited(
        "control_group_export_start",
        lambda: client_for(ws).users.export_global_control_group(fields_to_export=fields),
        identifiers=("export", []),
        job=ExportJob(
            segment_id=CONTROL_GROUP_ID,
            segment_name=CONTROL_GROUP_NAME,
            object_prefix=None,
            url=None,
            started_at=datetime.now(UTC),
            fields=tuple(fields) if fields is not None else None,
            kind="control_group",
        ),
    )


def s3_location(job: ExportJob) -> str:
    """Where Braze writes a control-group export in the workspace's own bucket."""
    day = job.started_at.strftime("%Y-%m-%d")
    return f"segment-export/<control group segment id>/{day}/{job.object_prefix or '<prefix>'}/…"
