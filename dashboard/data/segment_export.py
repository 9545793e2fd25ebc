"""Segment export end to end, without Streamlit: start, wait for the file, download, parse.

Braze answers ``/users/export/segment`` at once with a download URL that only becomes valid
when the export is ready (404/403 until then). We poll that URL with GET (a pre-signed S3 URL
is signed for GET, so HEAD would be refused) with growing pauses, and the first 200 *is* the
download. The URL is pre-signed: it gets no Authorization header, so the key never travels
to the storage host.

Personal data is never written to disk: the zip is held in a ``SpooledTemporaryFile`` whose
in-memory threshold (``MEMORY_LIMIT``) is larger than the largest export Braze serves without
S3 (~5 GB is refused above ``MAX_DOWNLOAD_BYTES``), so in practice it stays in memory, and the
parsed frames live only in the browser session that asked. Nothing goes into the shared cache.

Starting an export and finishing its download are people-data actions: ``check_people_data``
refuses them without the people-data role (nothing is sent), and each is one line in the
audit trail (``dashboard.audit``: the segment id hashed, the number of users exported).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

import requests

from braze_api.export_reader import ExportResult, read_export
from braze_api.fields import EXPORT_FIELDS as EXPORT_FIELDS  # the fields the Segments page offers
from dashboard import audit
from dashboard.auth import check_people_data
from dashboard.settings import Workspace, client_for

POLL_FIRST_DELAY = 1.0
POLL_MAX_DELAY = 30.0
DEFAULT_TIME_LIMIT = 20 * 60.0
MEMORY_LIMIT = 6 * 1024**3
MAX_DOWNLOAD_BYTES = 6 * 1024**3
NOT_READY = frozenset({403, 404})
CHUNK = 1 << 20


class ExportError(Exception):
    """The export could not be fetched; ``str()`` is a message fit for the page."""


class ExportTimeout(ExportError):
    pass


class ExportCancelled(ExportError):
    pass


@dataclass(frozen=True)
class ExportJob:
    """What Braze answered when the export started."""

    segment_id: str
    segment_name: str
    object_prefix: str | None
    url: str | None = field(repr=False)  # pre-signed: a credential for a few hours
    started_at: datetime
    fields: tuple[str, ...] | None

    @property
    def s3_location(self) -> str:
        """Where Braze puts the files in the workspace's own S3 bucket (no URL case)."""
        day = self.started_at.strftime("%Y-%m-%d")
        return f"segment-export/{self.segment_id}/{day}/{self.object_prefix or '<prefix>'}/…"


def start_export(
    ws: Workspace, segment_id: str, segment_name: str, fields: list[str] | None
) -> ExportJob:
    """POST /users/export/segment (never cached: each call starts a new export).

    Raises ``PeopleDataRefused`` (nothing sent) without the people-data role.
    """
    action: audit.Action = "segment_export_start"
    identity = check_people_data(action, "segment_id", [segment_id], 0)
    try:
        body = client_for(ws).users.export_segment(segment_id, fields_to_export=fields)
    except Exception:
        audit.record(action, "segment_id", [segment_id], 0, "error", who=identity.email)
        raise
    audit.record(action, "segment_id", [segment_id], 0, "ok", who=identity.email)
    url = body.get("url")
    return ExportJob(
        segment_id=segment_id,
        segment_name=segment_name,
        object_prefix=body.get("object_prefix"),
        url=url if isinstance(url, str) and url else None,
        started_at=datetime.now(UTC),
        fields=tuple(fields) if fields is not None else None,
    )


def check_download_url(url: str, ws: Workspace) -> None:
    """HTTPS only, except plain HTTP back to the workspace's own (sandbox/loopback) host."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    own = urlsplit(ws.base_url)
    if parts.scheme == "http" and parts.netloc == own.netloc and own.scheme == "http":
        return
    raise ExportError("Braze returned a download link that is not HTTPS; it was not followed.")


def next_delay(previous: float | None, retry_after: float | None = None) -> float:
    """Doubling pauses from 1 s up to 30 s, with a little jitter; a Retry-After hint wins."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, POLL_MAX_DELAY)
    base = POLL_FIRST_DELAY if previous is None else min(previous * 2, POLL_MAX_DELAY)
    return base * random.uniform(0.9, 1.1)  # jitter, not security


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def wait_and_download(
    url: str,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    started: float | None = None,
    on_wait: Callable[[float, int], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] = lambda: False,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> IO[bytes]:
    """Poll until the file exists, then stream it into memory; returns the rewound file.

    ``on_wait(elapsed_seconds, attempt)`` is called about once a second while waiting (a page
    uses it to redraw progress, which is also where Streamlit stops a run the user left).
    Raises ExportTimeout after ``time_limit`` seconds, ExportCancelled when asked,
    ExportError for any other failure.
    """
    http = session or requests.Session()
    began = started if started is not None else time.monotonic()
    delay: float | None = None
    attempt = 0
    try:
        while True:
            if should_cancel():
                raise ExportCancelled("The export was cancelled.")
            attempt += 1
            try:
                response = http.get(url, stream=True, timeout=(10, 120), allow_redirects=True)
            except requests.RequestException as err:
                raise ExportError(
                    f"Could not reach the export's download host ({type(err).__name__})."
                ) from None
            if response.status_code == 200:
                return _spool(response, on_bytes)
            status, retry_after = response.status_code, _retry_after(response)
            response.close()
            if status not in NOT_READY and status not in (429, 500, 502, 503, 504):
                raise ExportError(f"The export download failed with HTTP {status}.")
            delay = next_delay(delay, retry_after)
            waited_until = time.monotonic() + delay
            while time.monotonic() < waited_until:
                elapsed = time.monotonic() - began
                if elapsed >= time_limit:
                    raise ExportTimeout(
                        f"The export was not ready after {time_limit / 60:.0f} minutes. Braze "
                        "may still be preparing it (large segments can take an hour): try again "
                        "later, or add S3 credentials in Braze for big exports."
                    )
                if should_cancel():
                    raise ExportCancelled("The export was cancelled.")
                if on_wait is not None:
                    on_wait(elapsed, attempt)
                sleep(min(1.0, max(0.0, waited_until - time.monotonic())))
    finally:
        if session is None:
            http.close()


def _spool(response: requests.Response, on_bytes: Callable[[int], None] | None) -> IO[bytes]:
    buffer: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=MEMORY_LIMIT)  # noqa: SIM115
    total = 0
    try:
        with response:
            for chunk in response.iter_content(CHUNK):
                total += len(chunk)
                if total > MAX_DOWNLOAD_BYTES:
                    raise ExportError(
                        "The export is larger than this dashboard downloads "
                        f"({MAX_DOWNLOAD_BYTES / 1024**3:.0f} GB); use S3 export instead."
                    )
                buffer.write(chunk)
                if on_bytes is not None:
                    on_bytes(total)
    except requests.RequestException as err:
        buffer.close()
        raise ExportError(
            f"The download broke off after {total:,} bytes ({type(err).__name__})."
        ) from None
    except BaseException:
        buffer.close()
        raise
    buffer.seek(0)
    return buffer


def download_and_parse(
    job: ExportJob,
    ws: Workspace,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    started: float | None = None,
    on_wait: Callable[[float, int], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    on_users: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] = lambda: False,
) -> ExportResult:
    """Wait for ``job``'s file, download it into memory and parse it; the buffer is freed.

    The finish (or failure) is one audit line, with the number of users read.
    """
    action: audit.Action = "segment_export_finish"
    identity = check_people_data(action, "segment_id", [job.segment_id], 0)
    try:
        if job.url is None:
            raise ExportError(f"Braze wrote this export to your S3 bucket: {job.s3_location}")
        check_download_url(job.url, ws)
        buffer = wait_and_download(
            job.url,
            time_limit=time_limit,
            started=started,
            on_wait=on_wait,
            on_bytes=on_bytes,
            should_cancel=should_cancel,
        )
        with buffer:
            result = read_export(buffer, on_progress=on_users)
    except BaseException as err:  # a failure, or the person left the page: no users disclosed
        stopped = isinstance(err, ExportCancelled) or not isinstance(err, Exception)
        outcome: audit.Outcome = "cancelled" if stopped else "error"
        audit.record(action, "segment_id", [job.segment_id], 0, outcome, who=identity.email)
        raise
    audit.record(
        action, "segment_id", [job.segment_id], result.user_count, "ok", who=identity.email
    )
    return result


def describe_fields(fields: Any) -> str:
    """A short human list of the requested fields for the page's status line."""
    if not fields:
        return "all fields"
    fields = list(fields)
    return ", ".join(fields[:6]) + (f" and {len(fields) - 6} more" if len(fields) > 6 else "")
