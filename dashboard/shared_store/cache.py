"""The response cache and single flight shared by every replica, in Redis.

Keys are ``bd:<workspace fingerprint>:c:<sha256 of endpoint and params>``; values are
``codec`` bytes with the kind's TTL. Single flight across processes: the first replica to miss
takes a Redis lock (expiring after ``LOCK_EXPIRY``, released only by its token) and fetches;
while the fetch runs, the holder's process renews the lock every third of its expiry (a long
fetch, e.g. a list of thousands of campaigns, keeps it; a holder that dies stops renewing and
its lock expires). The others poll until the value appears or the lock is gone (its holder
finished without a shareable value, failed, or died), then look again or fetch themselves.

Personal data never comes here: endpoints under ``NEVER_SHARED`` are refused, and the user
lookup and export loaders do not use the cache at all. Any Redis error marks Redis down and the
caller fetches itself (the in-process cache in ``dashboard.cache`` still applies).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import redis

from dashboard.shared_store import codec, connection

__all__ = ["LOCK_EXPIRY", "NEVER_SHARED", "SharedCache", "shares"]

T = TypeVar("T")

LOCK_EXPIRY = 30.0  # longer than one request's deadline with its retries
POLL = 0.02
BATCH = 500  # keys per pipelined round trip in ``get_many``
NEVER_SHARED = ("users", "/users", "segment_export", "control_group")  # people data

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


_GET_MANY = """
local out = {}
for i, key in ipairs(KEYS) do
  out[2 * i - 1] = redis.call('GET', key)
  out[2 * i] = redis.call('PTTL', key)
end
return out
"""  # one command for a batch (GET and PTTL per key): far cheaper to send and parse than 2 each
_GET_MANY_SHA = hashlib.sha1(_GET_MANY.encode()).hexdigest()


def _pack(*args: str | int) -> bytes:
    """One command in Redis's wire format (RESP): an array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class _Readers:
    """Connections kept for the shared cache's reads, made as the client's pool makes them
    (same address, credentials, TLS and timeouts), used one thread at a time.

    A read is one write and its replies on one of them, without redis-py's per-command
    machinery (a pool checkout that polls the socket, a pipeline or command object, metrics):
    in a view that machinery cost more CPU than the round trip itself. Any error closes the
    connection (no reply is left unread on it); an idle connection found closed by the server
    is replaced once (reads are idempotent), any other error is the caller's (Redis down).
    """

    IDLE = 16  # connections kept idle at most (more readers at once close theirs after use)

    def __init__(self, client: redis.Redis) -> None:
        pool = client.connection_pool
        self._make: Callable[[], Any] = lambda: pool.connection_class(**pool.connection_kwargs)
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    def exchange(self, packed: bytes, replies: int) -> list[Any]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None:
            try:
                return self._done(conn, self._send(conn, packed, replies))
            except redis.ConnectionError:  # closed while idle (server timeout, restart)
                pass
        conn = self._make()
        return self._done(conn, self._send(conn, packed, replies))

    @staticmethod
    def _send(conn: Any, packed: bytes, replies: int) -> list[Any]:
        try:
            conn.send_packed_command([packed], check_health=False)
            return [conn.read_response() for _ in range(replies)]
        except BaseException:
            conn.disconnect()
            raise

    def _done(self, conn: Any, result: list[Any]) -> list[Any]:
        with self._lock:
            if len(self._idle) < self.IDLE:
                self._idle.append(conn)
                return result
        conn.disconnect()
        return result


_readers: weakref.WeakKeyDictionary[redis.Redis, _Readers] = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()


def _exchange(client: redis.Redis, commands: Sequence[tuple[str | int, ...]]) -> list[Any]:
    """Send ``commands`` in one write and read their replies in order (``_Readers``)."""
    with _readers_lock:
        readers = _readers.get(client)
        if readers is None:
            readers = _readers[client] = _Readers(client)
    return readers.exchange(b"".join(_pack(*command) for command in commands), len(commands))


def _get_many_replies(client: redis.Redis, vkeys: list[str]) -> list[Any]:
    """``_GET_MANY`` for ``vkeys`` by its digest (loaded into Redis once when Redis lacks it)."""
    try:
        (replies,) = _exchange(client, [("EVALSHA", _GET_MANY_SHA, len(vkeys), *vkeys)])
    except redis.exceptions.NoScriptError:
        (replies,) = _exchange(client, [("EVAL", _GET_MANY, len(vkeys), *vkeys)])
    return list(replies)


class _LockRenewer:
    """One daemon thread per process that keeps alive the locks this process holds while their
    fetches run: each lock is renewed (only if it still carries its token) every third of its
    expiry. It dies with the process, so a dead holder's lock still expires."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], tuple[redis.Redis, int, float]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, client: redis.Redis, lkey: str, token: str, px: int) -> None:
        with self._lock:
            self._held[(lkey, token)] = (client, px, time.monotonic() + px / 3000)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="shared-lock-renewer", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def release(self, lkey: str, token: str) -> None:
        with self._lock:
            self._held.pop((lkey, token), None)

    def _run(self) -> None:
        while True:
            with self._lock:
                due = min((d for _, _, d in self._held.values()), default=None)
            self._wake.wait(None if due is None else max(0.0, due - time.monotonic()))
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                ripe = [(k, v) for k, v in self._held.items() if v[2] <= now]
                for (lkey, token), (client, px, _) in ripe:
                    self._held[(lkey, token)] = (client, px, now + px / 3000)
            for (lkey, token), (client, px, _) in ripe:
                try:
                    client.eval(_RENEW, 1, lkey, token, px)
                except redis.RedisError as error:
                    connection.mark_down(error)


_RENEWER = _LockRenewer()

_unshareable: set[str] = set()  # endpoints whose values the codec refused (in this process)
_unshareable_lock = threading.Lock()


def shares(endpoint: str) -> bool:
    if endpoint.startswith(NEVER_SHARED):
        return False
    with _unshareable_lock:
        return endpoint not in _unshareable


def value_key(key: tuple) -> str:
    digest = hashlib.sha256(repr(key[1:]).encode()).hexdigest()
    return f"bd:{key[0]}:c:{digest}"


class SharedCache:
    def __init__(self, client: redis.Redis, *, lock_expiry: float = LOCK_EXPIRY) -> None:
        self._r = client
        self._lock_expiry = lock_expiry
        self.stored_bytes: int | None = None  # of the last value read or written (a size hint)
        self.seconds_left: float | None = None  # of the last value read from Redis
        self.generation_after_clear: int | None = None

    def _read(self, vkey: str) -> Any:
        """The stored value (decoded) or None; notes its size and the time it has left. A value
        that cannot be decoded (damaged, or written by another version) counts as absent."""
        data, left = _exchange(self._r, [("GET", vkey), ("PTTL", vkey)])
        if data is None:
            return None
        try:
            value = codec.decode(data)
        except (ValueError, TypeError):  # fetched as a miss (and overwritten with a good copy)
            return None
        self.seconds_left = left / 1000 if isinstance(left, int) and left > 0 else None
        self.stored_bytes = len(data)
        return value

    def get_or_fetch(self, key: tuple, fetch: Callable[[], T], ttl: float) -> T:
        """The shared value for ``key``, else fetch it once across every replica."""
        endpoint = str(key[1])
        vkey = value_key(key)
        lkey = vkey + ":lock"
        token = ""
        try:
            while True:
                value = self._read(vkey)
                if value is not None:
                    return value
                token = token or uuid.uuid4().hex
                if self._r.set(lkey, token, nx=True, px=int(self._lock_expiry * 1000)):
                    break
                while self._r.exists(lkey):  # someone else is fetching: wait for them
                    value = self._read(vkey)
                    if value is not None:
                        return value
                    time.sleep(POLL)
                if not shares(endpoint):  # the holder found it cannot be shared
                    return fetch()
        except redis.RedisError as error:
            connection.mark_down(error)
            return fetch()
        try:
            value = self._read(vkey)  # filled between our miss and our lock
            if value is not None:
                return value
        except redis.RedisError as error:
            connection.mark_down(error)
        _RENEWER.hold(self._r, lkey, token, int(self._lock_expiry * 1000))
        try:
            value = fetch()
            encoded = codec.encode(value)
            if encoded is None:
                with _unshareable_lock:
                    _unshareable.add(endpoint)
            else:
                self.stored_bytes = len(encoded)
                try:
                    self._r.set(vkey, encoded, px=max(1, int(ttl * 1000)))
                except redis.RedisError as error:
                    connection.mark_down(error)
            return value
        finally:
            _RENEWER.release(lkey, token)
            try:
                self._r.eval(_RELEASE, 1, lkey, token)
            except redis.RedisError as error:
                connection.mark_down(error)

    def get_many(self, keys: Sequence[tuple]) -> dict[tuple, tuple[Any, float, int]]:
        """The shared values among ``keys`` as (value, seconds left, stored bytes), in one
        round trip per ``BATCH`` keys: one script reads each key's value and time left (a
        fan-out's warm lookups, not one GET each). Keys missing, expiring or unreadable are
        left out; a Redis error gives what was read."""
        found: dict[tuple, tuple[Any, float, int]] = {}
        wanted = [k for k in keys if shares(str(k[1]))]
        try:
            for at in range(0, len(wanted), BATCH):
                chunk = wanted[at : at + BATCH]
                replies = _get_many_replies(self._r, [value_key(key) for key in chunk])
                for key, data, left in zip(chunk, replies[::2], replies[1::2], strict=True):
                    if data is None or not isinstance(left, int) or left <= 0:
                        continue
                    try:
                        found[key] = (codec.decode(data), left / 1000, len(data))
                    except (ValueError, TypeError):  # damaged or foreign: fetched as a miss
                        continue
        except redis.RedisError as error:
            connection.mark_down(error)
        return found

    def generation(self, fingerprint: str) -> int | None:
        """How many times the workspace's entries were cleared ("Refresh data" on any replica);
        None if Redis could not say."""
        try:
            raw = self._r.get(f"bd:{fingerprint}:generation")
        except redis.RedisError as error:
            connection.mark_down(error)
            return None
        return int(raw) if raw is not None else 0

    def clear(self, fingerprint: str | None) -> int:
        pattern = "bd:*:c:*" if fingerprint is None else f"bd:{fingerprint}:c:*"
        dropped = 0
        try:
            if fingerprint is not None:  # tells the other replicas to drop their copies too
                self.generation_after_clear = int(self._r.incr(f"bd:{fingerprint}:generation"))
            batch: list[Any] = []
            for name in self._r.scan_iter(match=pattern, count=500):
                batch.append(name)
                if len(batch) >= 500:
                    dropped += int(self._r.delete(*batch))
                    batch = []
            if batch:
                dropped += int(self._r.delete(*batch))
        except redis.RedisError as error:
            connection.mark_down(error)
        return dropped


def shared_cache() -> SharedCache | None:
    client = connection.client()
    return SharedCache(client) if client is not None else None
