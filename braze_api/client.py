"""``BrazeClient``: one ``requests.Session``, the Bearer header, retries and rate limits.

Everything that touches HTTP lives here; the resource modules only build paths and
parameters. The key is held in a private auth object and only ever written into the
``Authorization`` header: never into a URL, log record, exception or repr.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from braze_api.errors import (
    BadResponseError,
    BrazeConnectionError,
    BrazeError,
    error_for_status,
)
from braze_api.instances import resolve_base_url
from braze_api.resources import (
    Campaigns,
    Canvas,
    CustomAttributes,
    Events,
    Feed,
    Kpi,
    Purchases,
    Segments,
    Sends,
    Sessions,
    Users,
)
from braze_api.validation import check_api_key

__all__ = ["BrazeClient", "RateLimit", "workspace_fingerprint"]

logger = logging.getLogger("braze_api")

_POOL_SIZE = 16  # enough connections for the dashboard's bounded concurrent fetches
_MAX_BACKOFF = 30.0
_MAX_MESSAGE_CHARS = 500
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def workspace_fingerprint(base_url: str, api_key: str) -> str:
    """sha256 (hex) of endpoint + key: names a workspace, e.g. in cache keys, without the key."""
    return hashlib.sha256(f"{base_url}\n{api_key}".encode()).hexdigest()


@dataclass(frozen=True)
class RateLimit:
    """The last ``X-RateLimit-*`` values Braze sent (any may be missing)."""

    limit: int | None
    remaining: int | None
    reset: datetime | None


class _BearerAuth(requests.auth.AuthBase):
    """Adds the key as a Bearer header; passing ``auth=`` also keeps ``.netrc`` out."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._api_key}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(<hidden>)"


class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, error: BrazeError, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _epoch(seconds: float | None) -> datetime | None:
    """UTC datetime for epoch seconds; ``None`` for missing or absurd values."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _hinted_wait(headers: CaseInsensitiveDict, now: float) -> float | None:
    """Seconds Braze asks us to wait, from Retry-After / X-RateLimit-Retry-After / Reset."""
    for name in ("Retry-After", "X-RateLimit-Retry-After"):
        raw = headers.get(name)
        seconds = _number(raw)
        if seconds is None and raw and name == "Retry-After":
            try:  # Retry-After may also be an HTTP date
                seconds = parsedate_to_datetime(raw).timestamp() - now
            except (TypeError, ValueError):
                seconds = None
        if seconds is not None:
            return max(0.0, seconds)
    reset = _number(headers.get("X-RateLimit-Reset"))
    return max(0.0, reset - now) if reset is not None else None


class BrazeClient:
    """A thread-safe client for Braze's Export API, grouped like Braze's paths."""

    def __init__(
        self,
        api_key: str,
        rest_endpoint: str,
        *,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        max_retries: int = 3,
        max_rate_limit_wait: float = 10.0,
        backoff_base: float = 0.5,
    ) -> None:
        api_key = check_api_key(api_key)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError("max_retries must be an integer ≥ 0")
        for name, value in (
            ("timeout", timeout),
            ("max_rate_limit_wait", max_rate_limit_wait),
            ("backoff_base", backoff_base),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number ≥ 0")
        if timeout == 0:
            raise ValueError("timeout must be greater than 0")
        self.base_url = resolve_base_url(rest_endpoint)
        self.fingerprint = workspace_fingerprint(self.base_url, api_key)
        self._auth = _BearerAuth(api_key)
        self._timeout = float(timeout)
        self._max_retries = max_retries
        self._max_rate_limit_wait = float(max_rate_limit_wait)
        self._backoff_base = float(backoff_base)
        self._owns_session = session is None
        self._session = session if session is not None else self._new_session()
        self._lock = threading.Lock()
        self._rate_limit: RateLimit | None = None
        # The last response headers seen on this thread, for ``request_with_headers``.
        self._seen = threading.local()
        self._session.hooks.setdefault("response", []).append(self._remember_headers)
        self.users = Users(self)
        self.segments = Segments(self)
        self.campaigns = Campaigns(self)
        self.sends = Sends(self)
        self.canvas = Canvas(self)
        self.feed = Feed(self)
        self.kpi = Kpi(self)
        self.sessions = Sessions(self)
        self.events = Events(self)
        self.purchases = Purchases(self)
        self.custom_attributes = CustomAttributes(self)

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=_POOL_SIZE, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def __repr__(self) -> str:
        return f"BrazeClient(base_url={self.base_url!r})"

    def __enter__(self) -> BrazeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self._session.close()

    @property
    def rate_limit(self) -> RateLimit | None:
        """The last ``X-RateLimit-*`` headers seen on any response, or ``None``."""
        with self._lock:
            return self._rate_limit

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Send one request and return the decoded JSON object.

        Idempotent requests (GETs, unless told otherwise) are retried on server errors,
        connection failures, unreadable bodies and short 429 waits. Others (POSTs, unless the
        caller declares one safe to repeat) are sent once: a repeated POST may act twice, e.g.
        start a second segment export, so their failures are raised as they come.
        """
        if not path.startswith("/") or "?" in path:
            raise ValueError("path must start with '/' and carry no query string")
        if idempotent is None:
            idempotent = method.upper() in _IDEMPOTENT_METHODS
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            try:
                return self._attempt(method, path, query, json_body)
            except _Retry as retry:
                error, wait = retry.error, retry.wait
            if not idempotent or attempt >= self._max_retries:
                raise error
            if wait is None:
                wait = random.uniform(0.0, min(_MAX_BACKOFF, self._backoff_base * 2**attempt))
            attempt += 1
            logger.debug(
                "%s %s: %s; retry %d/%d in %.2f s",
                method,
                path,
                type(error).__name__,
                attempt,
                self._max_retries,
                wait,
            )
            time.sleep(wait)

    def request_with_headers(
        self, method: str, path: str, *, params: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], CaseInsensitiveDict]:
        """``request`` plus the headers of the response it returned (e.g. ``Link`` for
        cursor paging). Same retries, errors and deadlines as ``request``."""
        self._seen.headers = None
        body = self.request(method, path, params=params)
        headers = getattr(self._seen, "headers", None)
        return body, CaseInsensitiveDict(headers or {})

    def _remember_headers(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Session response hook: keep this thread's last headers (never the request's)."""
        self._seen.headers = dict(response.headers)

    def _attempt(
        self, method: str, path: str, query: dict[str, Any], json_body: dict[str, Any] | None
    ) -> dict[str, Any]:
        started = time.monotonic()
        failure: str | None = None
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=query,
                json=json_body,
                auth=self._auth,
                timeout=self._timeout,
                allow_redirects=False,
                headers={"Accept": "application/json"},
            )
        except requests.Timeout:
            failure = f"timed out after {self._timeout:g} s"
        except requests.ConnectionError:
            failure = "the connection failed"
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            failure = "truncated"
        except requests.RequestException:
            failure = "unsendable"
        elapsed_ms = (time.monotonic() - started) * 1000
        if failure is not None:
            # Raised outside the ``except`` so no requests exception (whose text holds the
            # URL) is chained as __context__.
            logger.debug("%s %s -> %s (%.0f ms)", method, path, failure, elapsed_ms)
            if failure == "unsendable":
                raise BrazeConnectionError(f"Could not send the request for {path}", endpoint=path)
            if failure == "truncated":
                raise _Retry(
                    BadResponseError(
                        f"Braze sent a truncated response for {path}; try again shortly",
                        endpoint=path,
                    )
                )
            raise _Retry(
                BrazeConnectionError(f"Could not reach Braze for {path}: {failure}", endpoint=path)
            )
        with response:
            logger.debug("%s %s -> %d (%.0f ms)", method, path, response.status_code, elapsed_ms)
            self._record_rate_limit(response.headers)
            return self._decode(response, path)

    def _decode(self, response: requests.Response, path: str) -> dict[str, Any]:
        status = response.status_code
        body: Any = None
        readable = True
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError:
            readable = False
        if 200 <= status < 300:
            if readable and isinstance(body, dict):
                return body
            raise _Retry(
                BadResponseError(
                    f"Braze sent an unreadable response ({status}) for {path}; try again shortly",
                    status=status,
                    endpoint=path,
                )
            )
        braze_message = self._braze_message(body)
        if status == 429:
            self._rate_limited(response.headers, path, braze_message)
        error = error_for_status(status, path, braze_message)
        if status >= 500:
            raise _Retry(error)
        raise error

    def _rate_limited(self, headers: CaseInsensitiveDict, path: str, message: str | None) -> None:
        """Retry after Braze's hinted wait when it is short; otherwise raise with reset time."""
        now = time.time()
        wait = _hinted_wait(headers, now)
        reset_at = _epoch(_number(headers.get("X-RateLimit-Reset")))
        if reset_at is None and wait is not None:
            reset_at = _epoch(now + wait)
        error = error_for_status(429, path, message, reset_at=reset_at)
        if wait is not None and wait > self._max_rate_limit_wait:
            raise error
        raise _Retry(error, wait)

    def _braze_message(self, body: Any) -> str | None:
        """Braze's own ``message`` (shortened, and scrubbed of the key just in case)."""
        if not isinstance(body, dict):
            return None
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return None
        message = message.strip().replace(self._auth._api_key, "[redacted]")
        return message[:_MAX_MESSAGE_CHARS]

    def _record_rate_limit(self, headers: CaseInsensitiveDict) -> None:
        values = [_number(headers.get(f"X-RateLimit-{n}")) for n in ("Limit", "Remaining", "Reset")]
        if all(v is None for v in values):
            return
        limit, remaining, reset = values
        info = RateLimit(
            limit=int(limit) if limit is not None else None,
            remaining=int(remaining) if remaining is not None else None,
            reset=_epoch(reset),
        )
        with self._lock:
            self._rate_limit = info
