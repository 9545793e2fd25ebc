"""Where the server may connect: the one address policy for the API client and export downloads.

A host is reachable only if every address it resolves to is public: not private, loopback,
link-local (cloud metadata lives there), CGNAT, multicast, reserved, unspecified, unique-local
IPv6, nor an IPv6 form that embeds such an IPv4 address (mapped, 6to4, Teredo, NAT64).
The one exception is a *loopback origin* (scheme, host, port) that server configuration named,
such as the demo sandbox: it may be reached, and only on loopback addresses.

The check runs when a connection is opened (``braze_api.guarded_http`` resolves, checks, then
connects to the checked address), so a DNS answer that changes after a first look (rebinding)
cannot send the connection elsewhere. ``check_url`` is the early, DNS-free look at a URL.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = [
    "LOOPBACK_NAMES",
    "AddressPolicy",
    "BlockedDestination",
    "Origin",
    "is_loopback_host",
    "is_public_address",
    "origin_of",
]

LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "127.0.0.1", "::1"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # (scheme, lower-case host without brackets, port)
Resolver = Callable[[str, int], list[tuple[socket.AddressFamily, str]]]


class BlockedDestination(Exception):
    """The policy refuses this destination. The message is fixed: it never says why."""

    def __init__(self) -> None:
        super().__init__("this destination is not allowed")


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for a globally routable unicast address (and nothing that embeds a private one)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_v4(ip)
        if embedded is not None:
            return False  # public IPv4 is reached over IPv4; an IPv6 wrapper is only a disguise
    blocked = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    return ip.is_global and not blocked


def _is_loopback_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def is_loopback_host(host: str | None) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1, written as a name or a literal (no DNS)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    return host in LOOPBACK_NAMES or _is_loopback_address(host)


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, default ports filled in; None if unreadable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or _DEFAULT_PORTS[scheme]


def resolve_host(host: str, port: int) -> list[tuple[socket.AddressFamily, str]]:
    """Every address ``host`` resolves to, as (family, address)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[tuple[socket.AddressFamily, str]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        entry = (family, str(sockaddr[0]))
        if entry not in seen:
            seen.append(entry)
    return seen


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses everywhere, plus the server-configured ``loopback_origins``.

    ``resolve`` is the DNS lookup (``socket.getaddrinfo`` by default); tests hand in their own
    to play a rebinding DNS server.
    """

    loopback_origins: frozenset[Origin] = frozenset()
    resolve: Resolver = field(default=resolve_host, compare=False, repr=False)

    @classmethod
    def for_endpoints(cls, urls: Iterable[str], resolve: Resolver | None = None) -> AddressPolicy:
        """The policy for a server-configured endpoint list: their loopback origins allowed."""
        origins = frozenset(
            o for o in (origin_of(u) for u in urls) if o is not None and is_loopback_host(o[1])
        )
        return cls(origins, resolve or resolve_host)

    def allows_origin_scheme(self, scheme: str, host: str, port: int) -> bool:
        """https anywhere; plain http only to a configured loopback origin."""
        host = host.strip("[]").lower()
        if (scheme, host, port) in self.loopback_origins:
            return True
        return scheme == "https" and not is_loopback_host(host)

    def check_url(self, url: str) -> None:
        """The DNS-free look: scheme, no credentials, no literal non-public address."""
        try:
            parts = urlsplit(url)
        except ValueError:
            raise BlockedDestination() from None
        origin = origin_of(url)
        if origin is None or parts.username is not None or parts.password is not None:
            raise BlockedDestination()
        if not self.allows_origin_scheme(*origin):
            raise BlockedDestination()
        host = origin[1]
        if origin in self.loopback_origins:
            return
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return  # a name: checked when the connection is opened
        if not is_public_address(host):
            raise BlockedDestination()

    def vetted_addresses(
        self, scheme: str, host: str, port: int
    ) -> list[tuple[socket.AddressFamily, str]]:
        """Resolve ``host`` and return its addresses if all of them are allowed, else raise.

        One non-public answer refuses the host: a mixed answer is how rebinding attacks hide.
        """
        host = host.strip("[]").lower()
        if not self.allows_origin_scheme(scheme, host, port):
            raise BlockedDestination()
        loopback = (scheme, host, port) in self.loopback_origins
        try:
            addresses = self.resolve(host, port)
        except OSError:
            raise BlockedDestination() from None
        if not addresses:
            raise BlockedDestination()
        for _family, address in addresses:
            allowed = _is_loopback_address(address) if loopback else is_public_address(address)
            if not allowed:
                raise BlockedDestination()
        return addresses

    def allows_peer(self, scheme: str, host: str, port: int, peer: str) -> bool:
        """The connected socket's peer address, checked once more after connecting."""
        host = host.strip("[]").lower()
        if (scheme, host, port) in self.loopback_origins:
            return _is_loopback_address(peer)
        return is_public_address(peer)
