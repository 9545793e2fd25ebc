"""``BrazeClient``: one ``requests.Session``, the Bearer header, retries and rate limits.

Everything that touches HTTP lives here; the resource modules only build paths and
parameters. The key is held in a private auth object and only ever written into the
``Authorization`` header: never into a URL, log record, exception or repr.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from braze_api import deadline as deadline_pools
from braze_api.addresses import AddressPolicy
from braze_api.body import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BodyTooDeep,
    BodyTooLarge,
    UndecodableBody,
    decode_json,
    read_capped,
)
from braze_api.budget import LocalRateBudget, RateBudget, Verdict, braze_bucket_of
from braze_api.deadline import Guard
from braze_api.errors import (
    BadResponseError,
    BrazeConnectionError,
    BrazeError,
    RateLimitError,
    error_for_status,
)
from braze_api.guarded_http import guarded_session
from braze_api.instances import resolve_base_url
from braze_api.offline import RequestsRefused, refusing
from braze_api.redaction import Redactor
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
from braze_api.slots import LocalSlots, RequestSlots
from braze_api.validation import MAX_API_KEY_CHARS, check_api_key

__all__ = ["BrazeClient", "RateLimit", "workspace_fingerprint"]

logger = logging.getLogger("braze_api")
T = TypeVar("T")

_POOL_SIZE = 16  # enough connections for the dashboard's bounded concurrent fetches
_MAX_BACKOFF = 30.0
_MAX_MESSAGE_CHARS = 500
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_DEADLINE = 60.0  # seconds for one attempt: connect, headers and the whole body
_READ_CHUNK = 64 * 1024  # raw (compressed) bytes per read; the deadline is checked between
_ENCODINGS = "gzip, deflate"  # what we can inflate within the cap (body.read_capped)
_MAX_PAUSE = 24 * 3600.0  # Braze's longest window is a day; a larger reset is nonsense


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
    """Internal: this attempt failed in a way worth another try (after ``wait`` seconds)."""

    def __init__(self, error: BrazeError, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait


class _DeadlinePassed(Exception):
    """Internal: the attempt's overall deadline passed between two body chunks."""


@dataclass
class _AttemptState:
    """What one attempt learnt for the rate budget."""

    attempt: int
    paused_until: float | None = None  # epoch seconds: Braze said to stop until then


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
        deadline: float = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        slots: RequestSlots | None = None,
        budget: RateBudget | None = None,
        session: requests.Session | None = None,
        max_retries: int = 3,
        max_rate_limit_wait: float = 10.0,
        backoff_base: float = 0.5,
    ) -> None:
        api_key = check_api_key(api_key)
        for name, count in (
            ("max_retries", max_retries),
            ("max_response_bytes", max_response_bytes),
        ):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"{name} must be an integer ≥ 0")
        for name, value in (
            ("timeout", timeout),
            ("deadline", deadline),
            ("max_rate_limit_wait", max_rate_limit_wait),
            ("backoff_base", backoff_base),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number ≥ 0")
        if timeout == 0 or deadline == 0:
            raise ValueError("timeout and deadline must be greater than 0")
        self.base_url = resolve_base_url(rest_endpoint)
        self.fingerprint = workspace_fingerprint(self.base_url, api_key)
        self._auth = _BearerAuth(api_key)
        self._redactor = Redactor(api_key)
        self._timeout = float(timeout)
        self._deadline = float(deadline)
        self._max_response_bytes = max_response_bytes
        self._max_retries = max_retries
        self._max_rate_limit_wait = float(max_rate_limit_wait)
        self._backoff_base = float(backoff_base)
        self.slots: RequestSlots = slots if slots is not None else LocalSlots()
        self.budget: RateBudget = budget if budget is not None else LocalRateBudget()
        self._owns_session = session is None
        self._session = session if session is not None else self._new_session(self.base_url)
        deadline_pools.install(self._session)
        self._lock = threading.Lock()
        self._rate_limit: RateLimit | None = None
        self._rate_limits: dict[str, RateLimit] = {}  # by Braze bucket name (BRAZE_LIMITS)
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
    def _new_session(base_url: str) -> requests.Session:
        # Connects only to public addresses, or to base_url itself when it is on loopback (a
        # server-configured sandbox); no proxy or .netrc from the environment.
        policy = AddressPolicy.for_endpoints([base_url])
        return guarded_session(policy, pool_connections=4, pool_maxsize=_POOL_SIZE)

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
        """The last ``X-RateLimit-*`` headers seen on any response, or ``None``.

        Braze counts some endpoints in buckets of their own (``/campaigns/data_series``: per
        minute), so this means a different limit from one call to the next; name the bucket
        with ``rate_limit_of``.
        """
        with self._lock:
            return self._rate_limit

    def rate_limit_of(self, bucket: str) -> RateLimit | None:
        """The last ``X-RateLimit-*`` headers of a response counted in Braze's ``bucket``
        (an ``EndpointLimit.name`` of ``BRAZE_LIMITS``, e.g. ``DEFAULT_LIMIT.name``)."""
        with self._lock:
            return self._rate_limits.get(bucket)

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

        Each attempt first waits for the workspace's rate budget (at most
        ``max_rate_limit_wait`` seconds in all, else ``RateLimitError`` and nothing is sent),
        then holds one request slot only while the HTTP exchange runs, within ``deadline``.
        """
        return self._send(method, path, params, json_body, idempotent, None)

    def request_parsed(
        self,
        method: str,
        path: str,
        parse: Callable[[bytes], T],
        *,
        params: dict[str, Any] | None = None,
    ) -> T:
        """``request``, with a success's body bytes handed to ``parse`` instead of decoded.

        For callers that read the bytes straight into frames (``frames.campaign_series_from_
        bytes``). Same size cap, deadline, retries and errors as ``request``; ``parse`` runs
        after the request slot is released. A ``ValueError`` from ``parse`` means the body is
        unreadable (retried, as a body that is not a JSON object is today), ``BodyTooDeep``
        that it nests too deeply; anything else ``parse`` raises (a ``SeriesTypeError``)
        reaches the caller as raised.
        """
        result: T = self._send(method, path, params, None, None, parse)
        return result

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json_body: dict[str, Any] | None,
        idempotent: bool | None,
        parse: Callable[[bytes], Any] | None,
    ) -> Any:
        if not path.startswith("/") or "?" in path:
            raise ValueError("path must start with '/' and carry no query string")
        if refusing():  # the dashboard's cache-only pass (braze_api.offline): send nothing
            raise RequestsRefused(path)
        if idempotent is None:
            idempotent = method.upper() in _IDEMPOTENT_METHODS
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        rate_waited = 0.0
        while True:
            verdict, rate_waited = self._admitted(path, rate_waited)
            state = _AttemptState(attempt)
            try:
                with self.slots.hold():
                    status, headers, raw = self._attempt(method, path, query, json_body, state)
                if parse is not None and 200 <= status < 300:
                    return self._parsed(status, raw, path, parse)
                return self._decode(status, headers, raw, path, state)
            except _Retry as retry:
                error, wait = retry.error, retry.wait
            finally:
                self.budget.done(verdict, paused_until=state.paused_until)
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
            time.sleep(wait)  # no slot is held here

    def _admitted(self, path: str, waited: float) -> tuple[Verdict, float]:
        """Wait (holding no slot) until the budget admits ``path``; raise if it takes too long.

        Only waits on Braze's limits count against ``max_rate_limit_wait``; waiting behind a
        bucket's probe is bounded by the probe's own deadline.
        """
        while True:
            verdict = self.budget.admit(path)
            if verdict.wait <= 0:
                return verdict, waited
            if verdict.behind_probe:
                time.sleep(verdict.wait)
                continue
            if waited + verdict.wait > self._max_rate_limit_wait:
                reset_at = _epoch(time.time() + verdict.wait)
                when = f"{reset_at:%H:%M:%S} UTC" if reset_at is not None else "later"
                raise RateLimitError(
                    f"Not sent, to stay within Braze's rate limit for {path} ({verdict.reason}); "
                    f"it can go at {when}",
                    status=None,
                    endpoint=path,
                    reset_at=reset_at,
                )
            step = min(verdict.wait, 0.25)
            time.sleep(step)
            waited += step

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
        self,
        method: str,
        path: str,
        query: dict[str, Any],
        json_body: dict[str, Any] | None,
        state: _AttemptState,
    ) -> tuple[int, CaseInsensitiveDict, bytes]:
        """One HTTP exchange: the status, headers and capped body (decoded by the caller)."""
        started = time.monotonic()
        failure: str | None = None
        raw = b""
        status = 0
        headers: CaseInsensitiveDict = CaseInsensitiveDict()
        with deadline_pools.WATCHDOG.guard(self._deadline) as guard:
            per_read = min(self._timeout, self._deadline)
            try:
                response = self._session.request(
                    method,
                    self.base_url + path,
                    params=query,
                    json=json_body,
                    auth=self._auth,
                    timeout=(per_read, per_read),
                    allow_redirects=False,
                    stream=True,
                    headers={"Accept": "application/json", "Accept-Encoding": _ENCODINGS},
                )
            except requests.Timeout:
                failure = "timeout"
            except requests.ConnectionError:
                failure = "connection"
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ):
                failure = "truncated"
            except requests.RequestException:
                failure = "unsendable"
            if failure is None:
                with response:
                    status, headers = response.status_code, response.headers
                    raw, failure = self._read_body(response, guard)
            if guard.expired and failure in ("timeout", "connection", "truncated"):
                failure = "deadline"
        elapsed_ms = (time.monotonic() - started) * 1000
        if failure is not None:
            # Raised outside any ``except`` so no requests exception (whose text holds the
            # URL) is chained as __context__.
            logger.debug("%s %s -> %s (%.0f ms)", method, path, failure, elapsed_ms)
            raise self._failure(failure, path, status)
        logger.debug("%s %s -> %d (%.0f ms)", method, path, status, elapsed_ms)
        self._record_rate_limit(headers, state, path)
        return status, headers, raw

    def _read_body(self, response: requests.Response, guard: Guard) -> tuple[bytes, str | None]:
        """The decompressed body within the size cap and the deadline, or why not."""

        def chunks() -> Iterator[bytes]:
            while True:
                if guard.remaining() <= 0:
                    raise _DeadlinePassed
                data = response.raw.read(_READ_CHUNK, decode_content=False)
                if not data:
                    return
                yield data

        try:
            encoding = response.headers.get("Content-Encoding")
            return read_capped(chunks(), encoding, self._max_response_bytes), None
        except BodyTooLarge:
            return b"", "too-large"
        except UndecodableBody:
            return b"", "undecodable"
        except _DeadlinePassed:
            return b"", "deadline"
        except urllib3.exceptions.ReadTimeoutError:
            return b"", "timeout"
        except (urllib3.exceptions.HTTPError, OSError):
            return b"", "truncated"

    def _failure(self, failure: str, path: str, status: int) -> Exception:
        """The error for a failed exchange; ``_Retry`` wraps the ones worth another try."""
        if failure == "unsendable":
            return BrazeConnectionError(f"Could not send the request for {path}", endpoint=path)
        if failure == "too-large":
            cap = self._max_response_bytes / 1024**2
            return BadResponseError(
                f"Braze sent a response larger than this dashboard reads ({cap:g} MiB "
                f"decompressed) for {path}; it was discarded",
                status=status or None,
                endpoint=path,
            )
        if failure == "undecodable":
            return _Retry(
                BadResponseError(
                    f"Braze sent a response that could not be decompressed for {path}; "
                    "try again shortly",
                    status=status or None,
                    endpoint=path,
                )
            )
        if failure == "truncated":
            return _Retry(
                BadResponseError(
                    f"Braze sent a truncated response for {path}; try again shortly",
                    endpoint=path,
                )
            )
        if failure == "deadline":
            return _Retry(
                BrazeConnectionError(
                    f"Could not reach Braze for {path}: no complete answer within the "
                    f"{self._deadline:g} s deadline",
                    endpoint=path,
                )
            )
        reason = f"timed out after {self._timeout:g} s" if failure == "timeout" else None
        return _Retry(
            BrazeConnectionError(
                f"Could not reach Braze for {path}: {reason or 'the connection failed'}",
                endpoint=path,
            )
        )

    def _parsed(self, status: int, raw: bytes, path: str, parse: Callable[[bytes], Any]) -> Any:
        """A success's bytes through ``parse``, failing as ``_decode`` fails for them."""
        try:
            if raw:
                return parse(raw)
        except BodyTooDeep:
            raise self._too_deep(status, path) from None
        except ValueError:
            pass
        raise self._unreadable(status, path)

    def _too_deep(self, status: int, path: str) -> BadResponseError:
        return BadResponseError(
            f"Braze sent a response nested too deeply to read ({status}) for {path}",
            status=status,
            endpoint=path,
        )

    def _unreadable(self, status: int, path: str) -> _Retry:
        return _Retry(
            BadResponseError(
                f"Braze sent an unreadable response ({status}) for {path}; try again shortly",
                status=status,
                endpoint=path,
            )
        )

    def _decode(
        self,
        status: int,
        headers: CaseInsensitiveDict,
        raw: bytes,
        path: str,
        state: _AttemptState,
    ) -> dict[str, Any]:
        body: Any = None
        readable = True
        too_deep = False
        try:
            body = decode_json(raw) if raw else None
        except BodyTooDeep:
            readable, too_deep = False, True
        except ValueError:
            readable = False
        if 200 <= status < 300:
            if readable and isinstance(body, dict):
                return body
            if too_deep:
                raise self._too_deep(status, path)
            raise self._unreadable(status, path)
        braze_message = self._braze_message(body)
        if status == 429:
            self._rate_limited(headers, path, braze_message, state)
        error = error_for_status(status, path, braze_message)
        if status >= 500:
            raise _Retry(error)
        raise error

    def _rate_limited(
        self, headers: CaseInsensitiveDict, path: str, message: str | None, state: _AttemptState
    ) -> None:
        """Pause the bucket until Braze's reset; retry (through the budget) if that is short."""
        now = time.time()
        wait = _hinted_wait(headers, now)
        reset_at = _epoch(_number(headers.get("X-RateLimit-Reset")))
        if reset_at is None and wait is not None:
            reset_at = _epoch(now + wait)
        error = error_for_status(429, path, message, reset_at=reset_at)
        if wait is None:  # no hint: back off as for any failure, but for every request
            wait = random.uniform(0.0, min(_MAX_BACKOFF, self._backoff_base * 2**state.attempt))
        state.paused_until = now + min(wait, _MAX_PAUSE)
        if wait > self._max_rate_limit_wait:
            raise error
        raise _Retry(error, 0.0)  # the budget holds the retry (and everyone else) until then

    def _braze_message(self, body: Any) -> str | None:
        """Braze's own ``message``, shortened and scrubbed of the key in any form it took."""
        if not isinstance(body, dict):
            return None
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return None
        longest_key = MAX_API_KEY_CHARS * 2  # room for the key's base64 form across the cut
        message = self._redactor.scrub(message.strip()[: _MAX_MESSAGE_CHARS + longest_key])
        return message[:_MAX_MESSAGE_CHARS]

    def _record_rate_limit(
        self, headers: CaseInsensitiveDict, state: _AttemptState, path: str
    ) -> None:
        values = [_number(headers.get(f"X-RateLimit-{n}")) for n in ("Limit", "Remaining", "Reset")]
        if all(v is None for v in values):
            return
        limit, remaining, reset = values
        info = RateLimit(
            limit=_whole(limit),
            remaining=_whole(remaining),
            reset=_epoch(reset),
        )
        with self._lock:
            self._rate_limit = info
            self._rate_limits[braze_bucket_of(path).name] = info
        if remaining is not None and remaining <= 0 and reset is not None:
            now = time.time()
            if reset > now:  # the bucket is spent: nobody sends until it resets
                state.paused_until = now + min(reset - now, _MAX_PAUSE)


def _whole(value: float | None) -> int | None:
    return int(value) if value is not None and math.isfinite(value) else None
