"""Braze's rate budget across replicas, in Redis: the same rules as ``LocalRateBudget``.

Per bucket (``BRAZE_LIMITS``): a sorted set of admission times (the sliding window), the
pause Braze asked for after a 429, and the probe state (cold or just after a pause: one request
at a time). ``admit`` and ``done`` are one Lua script each, so replicas never race. Verdicts
from Redis carry a ``shared:`` bucket name; if Redis fails, ``admit`` asks the replica's own
``LocalRateBudget`` instead and ``done`` goes back to whichever admitted.

``shared_rate_limit`` keeps the last ``X-RateLimit-*`` reading any replica saw (for the sidebar).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import redis

from braze_api import RateLimit
from braze_api.budget import (
    BRAZE_LIMITS,
    PROBE_LEASE,
    PROBE_POLL,
    WINDOW_MARGIN,
    EndpointLimit,
    LocalRateBudget,
    Verdict,
)
from dashboard.shared_store import connection

__all__ = ["SharedRateBudget", "shared_rate_limit"]

SHARED = "shared:"
OPEN_FOR = 3600  # a bucket that answered stays open this long, then probes again

_ADMIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < paused then return {'pause', tostring(paused - now)} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {'full', tostring(tonumber(first[2]) + window - now)}
end
local probe = '0'
local state = redis.call('GET', KEYS[3])
if state ~= 'open' then
  if state and (now - tonumber(state)) <= tonumber(ARGV[5]) then return {'probe', ''} end
  redis.call('SET', KEYS[3], ARGV[1])
  probe = '1'
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return {'ok', probe}
"""

_DONE = """
if ARGV[1] ~= '' then
  local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tonumber(ARGV[1]) > paused then
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
  end
  redis.call('DEL', KEYS[3])
elseif ARGV[2] == '1' and redis.call('GET', KEYS[3]) == ARGV[3] then
  redis.call('SET', KEYS[3], 'open', 'EX', ARGV[5])
end
return 0
"""

_ROOM = """
local now = tonumber(ARGV[1])
if now < tonumber(redis.call('GET', KEYS[2]) or '0') then return -1 end
return redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[2])), '+inf')
"""


class SharedRateBudget:
    """``RateBudget`` kept in Redis for one workspace, with an in-process fallback."""

    def __init__(
        self,
        fingerprint: str,
        local: LocalRateBudget,
        limits: Sequence[EndpointLimit] = BRAZE_LIMITS,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._prefix = f"bd:{fingerprint}:budget:"
        self._local = local
        self._clock = clock
        self._limits = {lim.name: lim for lim in limits}
        self._default = next(lim.name for lim in limits if not lim.paths)
        self._by_path = {path: lim.name for lim in limits for path in lim.paths}

    def _keys(self, name: str) -> list[str]:
        base = self._prefix + name
        return [base + ":sent", base + ":paused", base + ":probe"]

    def admit(self, path: str) -> Verdict:
        client = connection.client()
        if client is None:
            return self._local.admit(path)
        name = self._by_path.get(path, self._default)
        limit = self._limits[name]
        now = self._clock()
        at = repr(now)
        try:
            outcome, detail = client.eval(
                _ADMIT,
                3,
                *self._keys(name),
                at,
                limit.per_seconds + WINDOW_MARGIN,
                limit.requests,
                f"{at}:{uuid.uuid4().hex}",
                PROBE_LEASE,
            )
        except redis.RedisError as error:
            connection.mark_down(error)
            return self._local.admit(path)
        outcome = outcome.decode() if isinstance(outcome, bytes) else str(outcome)
        detail = detail.decode() if isinstance(detail, bytes) else str(detail)
        bucket = SHARED + name
        if outcome == "pause":
            return Verdict(float(detail), f"Braze asked to pause {limit.name}", bucket=bucket)
        if outcome == "full":
            return Verdict(
                max(float(detail), 0.0), f"Braze allows {limit.describe()}", bucket=bucket
            )
        if outcome == "probe":
            return Verdict(
                PROBE_POLL,
                f"waiting for Braze's answer on {limit.name}",
                bucket=bucket,
                behind_probe=True,
            )
        return Verdict(0.0, probe=detail == "1", bucket=bucket, at=now)

    def room(self, path: str) -> tuple[int, EndpointLimit]:
        client = connection.client()
        if client is None:
            return self._local.room(path)
        name = self._by_path.get(path, self._default)
        limit = self._limits[name]
        sent, paused, _ = self._keys(name)
        now = self._clock()
        try:
            reply = client.eval(
                _ROOM, 2, sent, paused, repr(now), limit.per_seconds + WINDOW_MARGIN
            )
        except redis.RedisError as error:
            connection.mark_down(error)
            return self._local.room(path)
        if reply is None or int(reply) < 0:  # paused after a 429
            return 0, limit
        return max(0, limit.requests - int(reply)), limit

    def done(self, verdict: Verdict, *, paused_until: float | None) -> None:
        if not verdict.bucket.startswith(SHARED):
            self._local.done(verdict, paused_until=paused_until)
            return
        client = connection.client()
        if client is None:
            return
        name = verdict.bucket[len(SHARED) :]
        pause_ms = 1
        if paused_until is not None:
            pause_ms = max(1, math.ceil((paused_until - self._clock()) * 1000) + 1000)
        try:
            client.eval(
                _DONE,
                3,
                *self._keys(name),
                "" if paused_until is None else repr(paused_until),
                "1" if verdict.probe else "0",
                repr(verdict.at),
                pause_ms,
                OPEN_FOR,
            )
        except redis.RedisError as error:
            connection.mark_down(error)


# The last X-RateLimit-* values any replica saw, so every sidebar shows the same figure. Of two
# readings the later window (reset) wins, and within one window the lower remaining count
# (Braze's count only falls until the reset).
_SEEN = """
local reset = tonumber(ARGV[3])
local remaining = tonumber(ARGV[2])
local old = redis.call('HMGET', KEYS[1], 'reset', 'remaining')
local newer = old[1] == false
if not newer then
  local old_reset, old_remaining = tonumber(old[1]), tonumber(old[2])
  newer = reset > old_reset or (reset == old_reset and remaining < old_remaining)
end
if newer then
  redis.call('HSET', KEYS[1], 'limit', ARGV[1], 'remaining', ARGV[2], 'reset', ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset')
"""
SEEN_FOR = 2 * 3600  # a reading older than Braze's hourly window is no longer news
_NONE = -1


def _number(value: int | None) -> int:
    return _NONE if value is None else int(value)


def _back(raw: bytes | str | None) -> int | None:
    value = int(raw) if raw is not None else _NONE
    return None if value == _NONE else value


def shared_rate_limit(fingerprint: str, seen: RateLimit | None) -> RateLimit | None:
    """The latest ``X-RateLimit-*`` reading across replicas, after adding this replica's
    ``seen``; ``seen`` itself when Redis is not configured or unreachable."""
    client = connection.client()
    if client is None:
        return seen
    key = f"bd:{fingerprint}:ratelimit"
    try:
        if seen is None:
            reply = client.hmget(key, "limit", "remaining", "reset")
        else:
            reset = _NONE if seen.reset is None else math.floor(seen.reset.timestamp())
            reply = client.eval(
                _SEEN, 1, key, _number(seen.limit), _number(seen.remaining), reset, SEEN_FOR
            )
    except redis.RedisError as error:
        connection.mark_down(error)
        return seen
    limit, remaining, reset_at = (_back(v) for v in reply)
    if remaining is None and limit is None:
        return seen
    reset_time = None if reset_at is None else datetime.fromtimestamp(reset_at, tz=UTC)
    return RateLimit(limit=limit, remaining=remaining, reset=reset_time)
