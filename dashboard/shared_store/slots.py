"""The per-workspace in-flight gate across replicas: a Redis sorted set of expiring leases.

Each HTTP attempt adds a lease (member: a random token, score: when it expires) if fewer than
``limit`` unexpired leases are held, atomically (one Lua script); it removes it afterwards. A
replica that dies mid-request frees its slot when the lease expires. If Redis fails, the
attempt goes through the replica's own ``LocalSlots`` instead.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from braze_api.slots import LocalSlots
from dashboard.shared_store import connection

__all__ = ["LEASE", "SharedSlots"]

LEASE = 90.0  # longer than one attempt's deadline
POLL = 0.01

_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
"""


class SharedSlots:
    """``RequestSlots`` whose bound holds across every replica using the same Redis."""

    def __init__(self, fingerprint: str, limit: int, local: LocalSlots) -> None:
        self.limit = limit
        self._key = f"bd:{fingerprint}:slots"
        self._local = local

    def _take(self, client: redis.Redis, token: str) -> bool:
        now = time.time()
        return bool(
            client.eval(_TAKE, 1, self._key, now, now + LEASE, self.limit, token, int(LEASE * 1000))
        )

    @contextmanager
    def hold(self) -> Iterator[None]:
        client = connection.client()
        token = uuid.uuid4().hex
        try:
            while client is not None and not self._take(client, token):
                time.sleep(POLL)
        except redis.RedisError as error:
            connection.mark_down(error)
            client = None
        if client is None:
            with self._local.hold():
                yield
            return
        with self._local.hold():  # also counts this replica's attempts (peak, sidebar)
            try:
                yield
            finally:
                try:
                    client.zrem(self._key, token)
                except redis.RedisError as error:
                    connection.mark_down(error)
