"""The process's Redis client (from ``REDIS_URL``), with short timeouts and a health flag.

Any Redis error marks Redis down for ``RETRY_AFTER`` seconds: meanwhile ``client()`` returns
None and every caller uses its in-process fallback (the sidebar says so). After that the next
caller tries again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["RETRY_AFTER", "check", "client", "configured_url", "mark_down", "reset", "status"]

# Short, but not so short that a busy replica (CPU-starved for a moment) gives up on a healthy
# Redis and fetches on its own: that costs duplicate Braze requests.
CONNECT_TIMEOUT = 0.5
SOCKET_TIMEOUT = 2.0
RETRY_AFTER = 5.0
RECHECK = 2.0  # how long a read of the configuration stands (it is asked on every cache miss)

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_client: redis.Redis | None = None
_url: str | None = None
_down_until = 0.0
_checked_at = -RECHECK
_checked_url: str | None = None


def _secrets() -> Mapping[str, Any]:
    try:
        import streamlit as st

        return dict(st.secrets)
    except Exception:  # no secrets.toml is the normal case
        return {}


def _read_url(env: Mapping[str, str]) -> str | None:
    url = env.get("REDIS_URL") or _secrets().get("REDIS_URL")
    return str(url).strip() or None if url else None


def configured_url(env: Mapping[str, str] | None = None) -> str | None:
    """``REDIS_URL`` from the environment, else secrets (re-read every ``RECHECK`` seconds)."""
    global _checked_at, _checked_url
    if env is not None:
        return _read_url(env)
    with _lock:
        if time.monotonic() - _checked_at < RECHECK:
            return _checked_url
    url = _read_url(os.environ)
    with _lock:
        _checked_at, _checked_url = time.monotonic(), url
    return url


def client() -> redis.Redis | None:
    """The shared Redis client, or None when Redis is not configured or recently failed."""
    global _client, _url
    url = configured_url()
    if url is None:
        return None
    with _lock:
        if time.monotonic() < _down_until:
            return None
        if _client is None or url != _url:
            _client = redis.Redis.from_url(
                url,
                socket_connect_timeout=CONNECT_TIMEOUT,
                socket_timeout=SOCKET_TIMEOUT,
                retry=Retry(NoBackoff(), 0),
                health_check_interval=0,
            )
            _url = url
        return _client


def mark_down(error: BaseException | None = None) -> None:
    """A Redis call failed: use the in-process fallbacks for ``RETRY_AFTER`` seconds."""
    global _down_until
    _log.warning(
        "Redis unreachable (%s): using this process's cache for %.0f s",
        type(error).__name__ if error is not None else "error",
        RETRY_AFTER,
    )
    with _lock:
        _down_until = time.monotonic() + RETRY_AFTER


def status() -> str:
    """'off' (not configured), 'down' (configured, failing: fallbacks in use) or 'up'."""
    if configured_url() is None:
        return "off"
    with _lock:
        return "down" if time.monotonic() < _down_until else "up"


def check() -> str:
    """``status()`` after a ping when Redis is thought up (so a stopped Redis shows at once)."""
    redis_client = client()
    if redis_client is None:
        return status()
    try:
        redis_client.ping()
    except redis.RedisError as error:
        mark_down(error)
    return status()


def reset() -> None:
    """Forget the client and the health flag (tests; a changed REDIS_URL)."""
    global _client, _url, _down_until, _checked_at
    with _lock:
        _client, _url, _down_until, _checked_at = None, None, 0.0, -RECHECK
