"""What is in the export, as a flat stream of events: members, their bytes, their damage.

Keeps the zip/gzip handling apart from parsing, so it can run ahead in a thread (``prefetch``).
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Protocol

READ_BYTES = 16 << 20  # decompressed bytes per read
# The most a member may inflate to: a zip (or gzip) bomb stops here, with an issue saying so.
# A Braze export file holds well under a million users (~1 KB each); 2 GiB leaves ample room.
MAX_MEMBER_BYTES = 2 << 30


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


@dataclass(frozen=True)
class Oversized:
    """The current member inflated past ``limit`` bytes; the rest of it was not read."""

    limit: int


Event = Member | bytes | Damaged | Unreadable | Oversized


class _Readable(Protocol):
    """A binary stream as ``_member`` reads it (a file, a GzipFile, a zip member)."""

    def read(self, size: int = -1, /) -> bytes: ...


def events(handle: IO[bytes], label: str) -> Iterator[Event]:
    """A zip of NDJSON files, one gzip stream, or one plain NDJSON stream."""
    start = handle.tell()
    magic = handle.read(4)
    handle.seek(start)
    if magic[:2] == b"\x1f\x8b":
        yield from _member(label, gzip.GzipFile(fileobj=handle))
        return
    if magic[:2] != b"PK":
        if magic[:1] in (b"{", b"\n", b" "):
            yield from _member(label, handle)
        else:
            yield Unreadable(label, "not a zip archive; nothing could be read")
        return
    try:
        archive = zipfile.ZipFile(handle)
        members = [m for m in archive.infolist() if _is_data_file(m.filename)]
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        yield Unreadable(label, f"the zip archive is damaged ({err}); nothing could be read")
        return
    with archive:
        for member in members:
            try:
                stream = archive.open(member)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as err:
                yield Unreadable(member.filename, f"cannot be opened ({err})")
                continue
            with stream:
                inner: _Readable = stream
                if member.filename.lower().endswith(".gz"):
                    inner = gzip.GzipFile(fileobj=stream)
                yield from _member(member.filename, inner)


def _member(name: str, stream: _Readable) -> Iterator[Event]:
    yield Member(name)
    total = 0
    limit = MAX_MEMBER_BYTES
    try:
        while chunk := stream.read(min(READ_BYTES, limit - total + 1)):
            total += len(chunk)
            if total > limit:
                yield chunk[: len(chunk) - (total - limit)]
                yield Oversized(limit)
                return
            yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
        yield Damaged(err)


def _is_data_file(name: str) -> bool:
    lower = name.lower()
    return not lower.endswith("/") and not lower.rsplit("/", 1)[-1].startswith(".")
