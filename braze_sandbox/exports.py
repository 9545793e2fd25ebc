"""Asynchronous user exports (segment, Global Control Group): a job per request, a zip that
appears after a delay. ``cancel(segment_id)`` (``/export/segment/cancel``) stops a segment's
ongoing exports: their zip is never served and no callback is made.

The zip holds newline-delimited JSON files of at most 5,000 users each. With
`corrupt=True` the first file gets one truncated line and one non-JSON line,
so a consumer can prove it reports bad lines and keeps the rest.
"""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .users import shape

USERS_PER_FILE = 5000
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass
class ExportJob:
    prefix: str
    segment_id: str
    ready_at: float
    users: list[dict]
    fields: list[str] | None
    callback: str | None
    cancelled: bool = False
    _zip: bytes | None = field(default=None, repr=False)

    def ready(self) -> bool:
        return not self.cancelled and time.monotonic() >= self.ready_at

    def ongoing(self) -> bool:
        return not self.cancelled and time.monotonic() < self.ready_at


def build_zip(job: ExportJob, corrupt: bool) -> bytes:
    """The export archive: `<prefix>/<n>.txt` files of one JSON object per line."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        chunks = [
            job.users[i : i + USERS_PER_FILE] for i in range(0, len(job.users), USERS_PER_FILE)
        ]
        for n, chunk in enumerate(chunks or [[]]):
            lines = [json.dumps(shape(u, job.fields), ensure_ascii=False) for u in chunk]
            if corrupt and n == 0 and lines:
                lines[len(lines) // 2] = lines[len(lines) // 2][
                    : max(1, len(lines[len(lines) // 2]) // 2)
                ]
                lines.insert(1, "this line is not JSON")
            archive.writestr(f"{job.prefix}/{n}.txt", "\n".join(lines) + ("\n" if lines else ""))
    return buf.getvalue()


def check_callback(url: str) -> bool:
    """Only loopback http(s) URLs may be called back (the sandbox never leaves the host)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "") in LOOPBACK_HOSTS


class Exports:
    """Tracks export jobs; thread-safe; callbacks run on daemon threads."""

    def __init__(self, delay: float, corrupt: bool) -> None:
        self.delay = delay
        self.corrupt = corrupt
        # Tests may set crafted bytes (a zip bomb, a 100 MB line) to serve in place of every
        # generated archive, the way a hostile or broken storage host would.
        self.served_archive: bytes | None = None
        self._jobs: dict[str, ExportJob] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def busy(self, segment_id: str) -> bool:
        with self._lock:
            return any(j.segment_id == segment_id and j.ongoing() for j in self._jobs.values())

    def cancel(self, segment_id: str) -> int:
        """Cancel every ongoing export of ``segment_id``; how many there were."""
        with self._lock:
            ongoing = [j for j in self._jobs.values() if j.segment_id == segment_id and j.ongoing()]
            for job in ongoing:
                job.cancelled = True
                job.users = []
        return len(ongoing)

    def start(
        self,
        segment_id: str,
        users: list[dict],
        fields: list[str] | None,
        callback: str | None,
        url_for: Callable[[str], str],
    ) -> ExportJob:
        prefix = f"{uuid.uuid4()}-{int(time.time())}"
        job = ExportJob(prefix, segment_id, time.monotonic() + self.delay, users, fields, callback)
        with self._lock:
            self._jobs[prefix] = job
        if callback:
            threading.Thread(
                target=self._notify, args=(job, callback, url_for(prefix)), daemon=True
            ).start()
        return job

    def archive(self, prefix: str) -> bytes | None:
        """The zip when the job exists and is ready, else None (served as 404)."""
        with self._lock:
            job = self._jobs.get(prefix)
        if job is None or not job.ready():
            return None
        if self.served_archive is not None:
            return self.served_archive
        with self._lock:
            if job._zip is None:
                job._zip = build_zip(job, self.corrupt)
            return job._zip

    def stop(self) -> None:
        self._stopped.set()

    def _notify(self, job: ExportJob, callback: str, url: str) -> None:
        if self._stopped.wait(max(0.0, job.ready_at - time.monotonic())) or job.cancelled:
            return
        body = json.dumps({"success": True, "url": url}).encode()
        request = urllib.request.Request(
            callback, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5):  # loopback only, checked
                pass
        except OSError:
            pass  # the receiver went away; Braze does not retry either
