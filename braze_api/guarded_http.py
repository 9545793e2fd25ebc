"""A ``requests`` session that connects only where an ``AddressPolicy`` allows.

Each new connection resolves its host once, checks every answer against the policy, connects
to a checked address (TLS still verifies the certificate for the host *name*), then checks the
connected peer once more. No proxy, no ``.netrc``, no CA bundle from the environment
(``trust_env`` is off): the only way to trust another CA is the explicit ``ca_file``.

``GuardedAdapter.abort()`` shuts every socket the adapter opened: a watchdog calls it to end a
request at its deadline even while a read is blocked on a server that drips bytes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util.connection import create_connection

from braze_api.addresses import AddressPolicy, BlockedDestination

__all__ = ["GuardedAdapter", "Watchdog", "guarded_session"]

logger = logging.getLogger("braze_api")


class _GuardedConnectionMixin:
    policy: AddressPolicy
    registry: weakref.WeakSet[Any]
    scheme_name: str

    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            addresses = self.policy.vetted_addresses(self.scheme_name, self.host, self.port)
        except BlockedDestination:
            logger.warning("refused a connection to %s: not an allowed destination", self.host)
            raise NewConnectionError(self, "the destination is not allowed") from None  # type: ignore[arg-type]
        last: OSError | None = None
        for _family, address in addresses:
            try:
                sock = create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as err:
                last = err
                continue
            peer = str(sock.getpeername()[0])
            if not self.policy.allows_peer(self.scheme_name, self.host, self.port, peer):
                sock.close()
                raise NewConnectionError(self, "the destination is not allowed")  # type: ignore[arg-type]
            self.registry.add(self)
            return sock
        raise NewConnectionError(self, f"could not connect ({type(last).__name__})")  # type: ignore[arg-type]


def _pool_classes(
    policy: AddressPolicy, registry: weakref.WeakSet[Any]
) -> dict[str, type[HTTPConnectionPool]]:
    shared = {"policy": policy, "registry": registry}
    http_conn = type(
        "GuardedHTTPConnection",
        (_GuardedConnectionMixin, HTTPConnection),
        {**shared, "scheme_name": "http"},
    )
    https_conn = type(
        "GuardedHTTPSConnection",
        (_GuardedConnectionMixin, HTTPSConnection),
        {**shared, "scheme_name": "https"},
    )
    return {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class GuardedAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections obey ``policy``; never uses a proxy."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.policy = policy
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()
        kwargs.setdefault("max_retries", 0)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.policy, self._connections)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise requests.exceptions.InvalidProxyURL("proxies are not used")

    def abort(self) -> None:
        """Shut down every socket this adapter opened (blocked reads return at once)."""
        for conn in list(self._connections):
            sock = getattr(conn, "sock", None)
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def guarded_session(
    policy: AddressPolicy,
    *,
    ca_file: str | None = None,
    pool_connections: int = 4,
    pool_maxsize: int = 10,
) -> requests.Session:
    """A session whose every connection obeys ``policy``; ``ca_file`` adds no trust globally."""
    session = requests.Session()
    session.trust_env = False  # no proxy variables, no ~/.netrc, no REQUESTS_CA_BUNDLE
    session.proxies = {}
    if ca_file is not None:
        session.verify = ca_file
    adapter = GuardedAdapter(policy, pool_connections=pool_connections, pool_maxsize=pool_maxsize)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Watchdog:
    """``with Watchdog(adapter, seconds):`` aborts the adapter's sockets when time is up."""

    def __init__(self, adapter: GuardedAdapter, seconds: float) -> None:
        self._adapter = adapter
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self.fired = False

    def _fire(self) -> None:
        self.fired = True
        self._adapter.abort()

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


@contextlib.contextmanager
def deadline(session: requests.Session, seconds: float) -> Iterator[Watchdog]:
    """A ``Watchdog`` over the session's guarded adapter (``https://`` mount)."""
    adapter = session.get_adapter("https://")
    if not isinstance(adapter, GuardedAdapter):
        raise TypeError("deadline() needs a guarded_session()")
    with Watchdog(adapter, seconds) as dog:
        yield dog
