"""A hostile HTTP(S) server on loopback for the attack tests, and a time/memory meter.

``HostileServer(script)`` accepts connections on 127.0.0.1, counts them, reads each request's
head (bounded) and hands the socket to ``script(sock, head)``, which may answer anything: a
redirect, a gzip bomb, a body that drips a byte at a time. ``tls=True`` serves https with a
certificate for ``localhost``/127.0.0.1 signed by a CA made for this test run (``ca_file``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

Script = Callable[[socket.socket, bytes], None]


def _make_ca_and_leaf(folder: Path) -> tuple[Path, Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(leaf.public_bytes(pem))
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_file, cert_file, key_file


class HostileServer:
    """Counts connections; answers each request with ``script``."""

    def __init__(self, script: Script, *, tls: bool = False) -> None:
        self.script = script
        self.connections = 0
        self.heads: list[bytes] = []
        self._lock = threading.Lock()
        self._folder = tempfile.TemporaryDirectory()
        self.ca_file: str | None = None
        self._context: ssl.SSLContext | None = None
        if tls:
            ca_file, cert_file, key_file = _make_ca_and_leaf(Path(self._folder.name))
            self.ca_file = str(ca_file)
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(cert_file, key_file)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(32)
        self.port = self._sock.getsockname()[1]
        self.scheme = "https" if tls else "http"
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            if self._context is not None:
                conn = self._context.wrap_socket(conn, server_side=True)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            with self._lock:
                self.heads.append(head)
            self.script(conn, head)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._sock.close()
        self._folder.cleanup()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def reply(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> Script:
    """A fixed answer (Content-Length set unless the headers say otherwise)."""

    def script(sock: socket.socket, _head: bytes) -> None:
        fields = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
        lines = "".join(f"{k}: {v}\r\n" for k, v in fields.items())
        sock.sendall(f"HTTP/1.1 {status} X\r\n{lines}\r\n".encode() + body)

    return script


def redirect(location: str, status: int = 302) -> Script:
    return reply(status, b"", {"Location": location})


def drip(prefix: bytes, every: float = 0.2, byte: bytes = b"x", limit: float = 30.0) -> Script:
    """Send ``prefix``, then one byte every ``every`` seconds for up to ``limit`` seconds."""

    def script(sock: socket.socket, _head: bytes) -> None:
        sock.sendall(prefix)
        end = time.monotonic() + limit
        while time.monotonic() < end:
            sock.sendall(byte)
            time.sleep(every)

    return script


def endless(headers: bytes, chunk: bytes = b"\0" * 65536, limit: float = 30.0) -> Script:
    """Headers, then bytes as fast as the peer reads them, until it hangs up."""

    def script(sock: socket.socket, _head: bytes) -> None:
        sock.sendall(headers)
        end = time.monotonic() + limit
        while time.monotonic() < end:
            sock.sendall(chunk)

    return script


@dataclass
class Meter:
    seconds: float = 0.0
    peak_bytes: int = 0


@contextlib.contextmanager
def bounded() -> Iterator[Meter]:
    """Wall time and peak Python allocation (tracemalloc) of the block."""
    meter = Meter()
    tracemalloc.start()
    began = time.monotonic()
    try:
        yield meter
    finally:
        meter.seconds = time.monotonic() - began
        meter.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
