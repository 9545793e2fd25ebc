"""What is in the export, as a flat stream of events: members, their bytes, their damage.

Keeps the zip/gzip handling apart from parsing, so it can run ahead in a thread (``prefetch``).

Bounded whatever the archive claims (``Limits``): at most ``members`` entries (counted from the
zip's end record *before* its directory is parsed, and the directory's size is capped too),
at most ``member_bytes`` decompressed per file and ``total_bytes`` in all, and a file may not
expand more than ``ratio`` times its compressed size (a zip bomb stops early). The reader
skips a line once ``line_bytes`` pass without a line end. Each breach is a clean ``Damaged``
or ``Unreadable`` event, which the Segments page lists as a problem.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Protocol

# Decompressed bytes per read, and so per parsed block: small enough that what one block
# holds on its way through (its text, pyarrow's table, the flattened columns) stays a few MB;
# larger blocks cost no less CPU (1-32 MB measured within noise) but hold ~8× more at once.
READ_BYTES = 2 << 20
LINE_BYTES = 16 << 20  # the longest line (one user) the reader waits for
_GB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """What one export may hold (defaults sized well above Braze's ~5 GB exports)."""

    members: int = 10_000
    member_bytes: int = 8 * _GB  # decompressed, per file
    total_bytes: int = 32 * _GB  # decompressed, all files
    ratio: int = 200  # decompressed / compressed, per zip member (real NDJSON: ~5-20)
    line_bytes: int = LINE_BYTES  # text held while waiting for a line end
    directory_bytes_per_member: int = 1024  # the zip directory may not exceed members × this


class LimitExceeded(Exception):
    """An export limit was reached; ``str()`` says which, fit for the page."""


def _size(n: int) -> str:
    return f"{n / _GB:,.0f} GB" if n >= _GB else f"{n / (1 << 20):,.0f} MB"


@dataclass(frozen=True)
class Member:
    """A data file starts."""

    name: str


@dataclass(frozen=True)
class Damaged:
    """Reading the current member failed; what was read before is good."""

    error: Exception


@dataclass(frozen=True)
class Unreadable:
    """A file-level problem: nothing of ``name`` could be read."""

    name: str
    problem: str


Event = Member | bytes | Damaged | Unreadable


class _Readable(Protocol):
    """A binary stream as ``_member`` reads it (a file, a GzipFile, a zip member)."""

    def read(self, size: int = -1, /) -> bytes: ...


class _Budget:
    """Decompressed bytes left for the whole export."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.left = limits.total_bytes


def events(handle: IO[bytes], label: str, limits: Limits | None = None) -> Iterator[Event]:
    """A zip of NDJSON files, one gzip stream, or one plain NDJSON stream."""
    limits = limits or Limits()
    budget = _Budget(limits)
    start = handle.tell()
    magic = handle.read(4)
    handle.seek(start)
    if magic[:2] == b"\x1f\x8b":
        yield from _member(label, gzip.GzipFile(fileobj=handle), budget, None)
        return
    if magic[:2] != b"PK":
        if magic[:1] in (b"{", b"\n", b" "):
            yield from _member(label, handle, budget, None)
        else:
            yield Unreadable(label, "not a zip archive; nothing could be read")
        return
    directory = _directory(handle)
    handle.seek(start)
    if directory is not None:
        count, size = directory
        if count > limits.members or size > limits.members * limits.directory_bytes_per_member:
            yield Unreadable(
                label,
                f"the archive lists {count:,} files, more than the {limits.members:,} this "
                "dashboard reads; nothing was read",
            )
            return
    try:
        archive = zipfile.ZipFile(handle)
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        yield Unreadable(label, f"the zip archive is damaged ({err}); nothing could be read")
        return
    with archive:
        if len(entries) > limits.members:  # a directory bigger than its end record said
            yield Unreadable(
                label,
                f"the archive holds more than the {limits.members:,} files this dashboard "
                "reads; nothing was read",
            )
            return
        for member in (m for m in entries if _is_data_file(m.filename)):
            if budget.left <= 0:
                yield Unreadable(member.filename, _total_message(limits))
                continue
            try:
                stream = archive.open(member)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as err:
                yield Unreadable(member.filename, f"cannot be opened ({err})")
                continue
            with stream:
                inner: _Readable = stream
                if member.filename.lower().endswith(".gz"):
                    inner = gzip.GzipFile(fileobj=stream)
                yield from _member(member.filename, inner, budget, member.compress_size)


def _total_message(limits: Limits) -> str:
    return (
        f"not read: the export expands past the {_size(limits.total_bytes)} this dashboard "
        "reads in all"
    )


def _member(
    name: str, stream: _Readable, budget: _Budget, compressed: int | None
) -> Iterator[Event]:
    yield Member(name)
    limits = budget.limits
    cap = limits.member_bytes
    if compressed is not None:
        cap = min(cap, max(limits.ratio * compressed, 1 << 20))
    read = 0
    try:
        while chunk := stream.read(READ_BYTES):
            allowed = min(len(chunk), cap - read, budget.left)
            read += len(chunk)
            budget.left -= len(chunk)
            if allowed < len(chunk) and allowed > 0:
                yield chunk[:allowed]  # the bytes within the limits are still read
            if budget.left < 0:
                raise LimitExceeded(f"stopped: the export expands past {_size(limits.total_bytes)}")
            if read > cap:
                if cap < limits.member_bytes:
                    raise LimitExceeded(
                        f"stopped: expands more than {limits.ratio}× its compressed size "
                        "(a zip bomb?)"
                    )
                raise LimitExceeded(f"stopped: larger than {_size(cap)} once decompressed")
            yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, LimitExceeded) as err:
        yield Damaged(err)


_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def _directory(handle: IO[bytes]) -> tuple[int, int] | None:
    """(entries, directory bytes) from the zip's end record, without reading the directory."""
    handle.seek(0, 2)
    end = handle.tell()
    tail_start = max(0, end - (_EOCD.size + 65535 + _ZIP64_LOCATOR.size))
    handle.seek(tail_start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None
    fields = _EOCD.unpack_from(tail, at)
    count, size = fields[4], fields[5]
    if (count == 0xFFFF or size == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR.size:
        locator = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
        if locator[0] == b"PK\x06\x07" and locator[2] < end:
            handle.seek(locator[2])
            record = handle.read(_ZIP64_EOCD.size)
            if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
                z64 = _ZIP64_EOCD.unpack(record)
                count, size = z64[7], z64[8]
    return int(count), int(size)


def _is_data_file(name: str) -> bool:
    lower = name.lower()
    return not lower.endswith("/") and not lower.rsplit("/", 1)[-1].startswith(".")
