"""Segment export end to end, without Streamlit: start, wait for the file, download, parse.

Braze answers ``/users/export/segment`` at once with a download URL that only becomes valid
when the export is ready (404/403 until then). We poll that URL with GET (a pre-signed S3 URL
is signed for GET, so HEAD would be refused) with growing pauses, and the first 200 *is* the
download. The URL is pre-signed: it gets no Authorization header, so the key never travels
to the storage host.

The link comes from a response, so it is treated as hostile: https to public addresses only
(plain http only back to a loopback workspace, the server-configured sandbox), redirects
followed here with each hop re-checked, no ``.netrc`` or proxy, and caps on size and time.
Messages say only the HTTP status or a fixed sentence, never what the host sent.

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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import IO, Any, Literal
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from braze_api.addresses import AddressPolicy, BlockedDestination
from braze_api.export_reader import ExportResult, read_export
from braze_api.fields import EXPORT_FIELDS as EXPORT_FIELDS  # the fields the Segments page offers
from braze_api.guarded_http import GuardedAdapter, Watchdog, guarded_session
from dashboard import audit
from dashboard.auth import check_people_data
from dashboard.settings import Workspace, client_for

POLL_FIRST_DELAY = 1.0
POLL_MAX_DELAY = 30.0
DEFAULT_TIME_LIMIT = 20 * 60.0
MEMORY_LIMIT = 6 * 1024**3
MAX_DOWNLOAD_BYTES = 6 * 1024**3
DOWNLOAD_TIME_LIMIT = 30 * 60.0  # the file's bytes, once Braze says it is ready
REQUEST_TIME_LIMIT = 60.0  # one poll: connect, TLS and the response headers
CONNECT_TIMEOUT, READ_TIMEOUT = 10.0, 60.0
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
NOT_READY = frozenset({403, 404})
CHUNK = 1 << 20
LINK_REFUSED = (
    "Braze returned a download link that is not a public HTTPS address; it was not followed."
)
REDIRECT_REFUSED = "The export's download link redirected somewhere this dashboard does not follow."
UNREACHABLE = "Could not reach the export's download host."
SLOW_HOST = "The export's download host did not answer in time."


class ExportError(Exception):
    """The export could not be fetched; ``str()`` is a message fit for the page."""


class ExportTimeout(ExportError):
    pass


class ExportCancelled(ExportError):
    pass


#: Which user export a job is: a segment's, or the Global Control Group's.
ExportKind = Literal["segment", "control_group"]


@dataclass(frozen=True)
class ExportJob:
    """What Braze answered when the export started."""

    segment_id: str
    segment_name: str
    object_prefix: str | None
    url: str | None = field(repr=False)  # pre-signed: a credential for a few hours
    started_at: datetime
    fields: tuple[str, ...] | None
    kind: ExportKind = "segment"

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
    return start_audited(
        "segment_export_start",
        lambda: client_for(ws).users.export_segment(segment_id, fields_to_export=fields),
        identifiers=("segment_id", [segment_id]),
        job=ExportJob(segment_id, segment_name, None, None, datetime.now(UTC), _fields(fields)),
    )


def _fields(fields: list[str] | None) -> tuple[str, ...] | None:
    return tuple(fields) if fields is not None else None


def start_audited(
    action: audit.Action,
    send: Callable[[], dict[str, Any]],
    *,
    identifiers: tuple[str, list[str]],
    job: ExportJob,
) -> ExportJob:
    """Start a user export: the people-data check (nothing sent if refused), the request, one
    audit line for its outcome, and ``job`` completed with Braze's ``object_prefix`` and URL."""
    kind, ids = identifiers
    identity = check_people_data(action, kind, ids, 0)
    try:
        body = send()
    except Exception:
        audit.record(action, kind, ids, 0, "error", who=identity.email)
        raise
    audit.record(action, kind, ids, 0, "ok", who=identity.email)
    url = body.get("url")
    return replace(
        job,
        object_prefix=body.get("object_prefix"),
        url=url if isinstance(url, str) and url else None,
    )


def _finish_audit(job: ExportJob) -> tuple[audit.Action, str, list[str]]:
    """The audit line a finished download writes: which export, and what it names."""
    if job.kind == "control_group":
        return "control_group_export_finish", "export", []
    return "segment_export_finish", "segment_id", [job.segment_id]


def download_policy(ws: Workspace | None) -> AddressPolicy:
    """Public https hosts; plain http only back to the workspace itself when it is on loopback
    (the server-configured sandbox). A browser user cannot make a workspace loopback: the form
    offers Braze's instances and the server's own extras only."""
    return AddressPolicy.for_endpoints([ws.base_url] if ws is not None else [])


def check_download_url(
    url: str, ws: Workspace | None = None, *, policy: AddressPolicy | None = None
) -> None:
    """HTTPS to a public host only, except plain HTTP back to the workspace's own loopback host.

    The DNS-free look; every connection (and every redirect hop) is checked again when opened.
    """
    try:
        (policy or download_policy(ws)).check_url(url)
    except BlockedDestination:
        raise ExportError(LINK_REFUSED) from None


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
    sleep: Callable[[float], None] = time.sleep,
    ws: Workspace | None = None,
    policy: AddressPolicy | None = None,
    ca_file: str | None = None,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    download_time_limit: float = DOWNLOAD_TIME_LIMIT,
    request_time_limit: float = REQUEST_TIME_LIMIT,
) -> IO[bytes]:
    """Poll until the file exists, then stream it into memory; returns the rewound file.

    ``on_wait(elapsed_seconds, attempt)`` is called about once a second while waiting (a page
    uses it to redraw progress, which is also where Streamlit stops a run the user left).
    Every request goes through ``guarded_session`` (``policy``, by default ``download_policy(ws)``):
    redirects are followed here, at most ``MAX_REDIRECTS``, each hop checked and never from https
    down to http; no Authorization header, ``.netrc`` or proxy. Each poll ends within
    ``request_time_limit`` seconds, the file's bytes within ``download_time_limit`` and
    ``max_bytes``. ``ca_file`` trusts one more CA for this download only (tests).
    Raises ExportTimeout after ``time_limit`` seconds of waiting, ExportCancelled when asked,
    ExportError for any other failure; no message carries anything the host sent.
    """
    policy = policy or download_policy(ws)
    check_download_url(url, policy=policy)
    http = guarded_session(policy, ca_file=ca_file, pool_connections=1, pool_maxsize=2)
    began = started if started is not None else time.monotonic()
    delay: float | None = None
    attempt = 0
    try:
        while True:
            if should_cancel():
                raise ExportCancelled("The export was cancelled.")
            attempt += 1
            response = _get(http, url, policy, request_time_limit)
            if response.status_code == 200:
                return _spool(http, response, on_bytes, max_bytes, download_time_limit)
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
        http.close()


def _get(
    http: requests.Session, url: str, policy: AddressPolicy, seconds: float
) -> requests.Response:
    """GET ``url``, following redirects by hand; each exchange ends within ``seconds``."""
    adapter = _adapter(http)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        with Watchdog(adapter, seconds) as dog:
            try:
                response = http.get(
                    current,
                    stream=True,
                    allow_redirects=False,
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                    headers={"Accept-Encoding": "identity"},
                )
            except requests.RequestException:
                if dog.fired:
                    raise ExportError(SLOW_HOST) from None
                raise ExportError(UNREACHABLE) from None
        if dog.fired:  # the headers were cut off at the deadline: whatever parsed is not real
            response.close()
            raise ExportError(SLOW_HOST)
        location = response.headers.get("Location")
        if response.status_code not in REDIRECTS or not location:
            return response
        response.close()
        following = urljoin(current, location)
        downgrade = urlsplit(current).scheme == "https" and urlsplit(following).scheme != "https"
        try:
            if downgrade:
                raise BlockedDestination()
            policy.check_url(following)
        except BlockedDestination:
            raise ExportError(REDIRECT_REFUSED) from None
        current = following
    raise ExportError(REDIRECT_REFUSED)


def _adapter(http: requests.Session) -> GuardedAdapter:
    adapter = http.get_adapter("https://")
    assert isinstance(adapter, GuardedAdapter)
    return adapter


def _spool(
    http: requests.Session,
    response: requests.Response,
    on_bytes: Callable[[int], None] | None,
    max_bytes: int,
    seconds: float,
) -> IO[bytes]:
    too_large = ExportError(
        "The export is larger than this dashboard downloads "
        f"({max_bytes / 1024**3:,.2f} GB); use S3 export instead."
    )
    try:
        declared = int(response.headers.get("Content-Length", "0"))
    except ValueError:
        declared = 0
    if declared > max_bytes:
        response.close()
        raise too_large
    buffer: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=MEMORY_LIMIT)  # noqa: SIM115
    total = 0
    try:
        with response, Watchdog(_adapter(http), seconds) as dog:
            try:
                for chunk in response.raw.stream(CHUNK, decode_content=False):
                    total += len(chunk)
                    if total > max_bytes:
                        raise too_large
                    buffer.write(chunk)
                    if on_bytes is not None:
                        on_bytes(total)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
                if dog.fired:
                    raise ExportTimeout(
                        f"The download did not finish within {seconds / 60:,.0f} minute(s) "
                        "and was stopped."
                    ) from None
                raise ExportError(f"The download broke off after {total:,} bytes.") from None
            if dog.fired:
                raise ExportTimeout(
                    f"The download did not finish within {seconds / 60:,.0f} minute(s) "
                    "and was stopped."
                )
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
    ca_file: str | None = None,
) -> ExportResult:
    """Wait for ``job``'s file, download it into memory and parse it; the buffer is freed.

    The finish (or failure) is one audit line, with the number of users read.
    """
    action, kind, ids = _finish_audit(job)
    identity = check_people_data(action, kind, ids, 0)
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
            ws=ws,
            ca_file=ca_file,
        )
        with buffer:
            result = read_export(buffer, on_progress=on_users)
    except BaseException as err:  # a failure, or the person left the page: no users disclosed
        stopped = isinstance(err, ExportCancelled) or not isinstance(err, Exception)
        outcome: audit.Outcome = "cancelled" if stopped else "error"
        audit.record(action, kind, ids, 0, outcome, who=identity.email)
        raise
    audit.record(action, kind, ids, result.user_count, "ok", who=identity.email)
    return result


def describe_fields(fields: Any) -> str:
    """A short human list of the requested fields for the page's status line."""
    if not fields:
        return "all fields"
    fields = list(fields)
    return ", ".join(fields[:6]) + (f" and {len(fields) - 6} more" if len(fields) > 6 else "")
