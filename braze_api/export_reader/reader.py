"""Walk a segment export (zip of NDJSON files, or one gzip/plain stream) block by block.

Each member is read in ``BLOCK_BYTES`` pieces cut at a line end, so only one block of text is
held at a time. A block goes to pyarrow (``fast``); if it holds a bad line it is halved until
the failing pieces are small, and those are read line by line (``lines``), so every good row is
kept and every bad line is reported with its file and line number.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .assemble import Assembler
from .fast import FALLBACK, parse_block
from .lines import LineBuilder, type_name
from .model import ExportIssue, ExportResult

BLOCK_BYTES = 16 << 20
LINE_BY_LINE_BELOW = 64  # lines: a failing piece this small is read with the stdlib
MAX_ISSUES = 200  # per export; further bad lines are counted, not listed
NOT_JSON_AFTER = 20  # this many bad lines and no good one: the file is not NDJSON
PROGRESS_EVERY = 5000  # users


class _Reader:
    def __init__(self, on_progress: Callable[[int], None] | None) -> None:
        self.parts = Assembler()
        self.issues: list[ExportIssue] = []
        self.files: list[str] = []
        self.bad_lines = 0
        self.on_progress = on_progress
        self.reported = 0
        self.good = self.bad = 0  # in the current member

    def issue(self, file: str, line: int | None, problem: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ExportIssue(file, line, problem))

    def read_member(self, name: str, stream: IO[bytes]) -> None:
        """Parse one NDJSON stream; bad lines are reported and skipped."""
        self.files.append(name)
        self.good = self.bad = 0
        first_issue = len(self.issues)
        lines = 0  # complete lines handed to the parser so far
        rest = b""
        try:
            while True:
                chunk = stream.read(BLOCK_BYTES)
                if not chunk:
                    break
                data = rest + chunk if rest else chunk
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
                rest = data[cut:]
                newlines = data.count(b"\n", 0, cut)
                self._block(name, data[:cut], lines + 1, newlines)
                lines += newlines
                self._progress()
            if rest.strip():
                self._block(name, rest, lines + 1, rest.count(b"\n"))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            self.issue(
                name,
                lines + 1 if lines else None,
                f"file is damaged ({err}); kept the lines before",
            )
        if self.good == 0 and self.bad >= NOT_JSON_AFTER:  # one issue for the file
            del self.issues[first_issue:]
            self.issue(name, None, f"not newline-delimited JSON ({self.bad:,} unreadable lines)")

    def _block(self, name: str, data: bytes, first_line: int, newlines: int) -> None:
        """Fast path for the whole block; on failure halve it, down to line by line."""
        try:
            parts, rows = parse_block(data, newlines)
        except FALLBACK:
            if newlines < LINE_BY_LINE_BELOW:
                self._line_by_line(name, data, first_line)
                return
            middle = data.find(b"\n", len(data) // 2) + 1
            if middle <= 0 or middle >= len(data):
                middle = data.rfind(b"\n", 0, len(data) // 2) + 1
            head = data.count(b"\n", 0, middle)
            self._block(name, data[:middle], first_line, head)
            self._block(name, data[middle:], first_line + head, newlines - head)
            return
        for part in parts:
            self.parts.add(part)
        self.good += rows

    def _line_by_line(self, name: str, raw: bytes, first_line: int) -> None:
        builder = LineBuilder()
        decode = json.JSONDecoder().decode
        for number, line in enumerate(raw.split(b"\n"), start=first_line):
            line = line.strip()
            if not line:
                continue
            try:
                user = decode(line.decode("utf-8"))
            except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
                problem = _problem(err, line)
            else:
                if isinstance(user, dict):
                    builder.add(user)
                    self.good += 1
                    continue
                problem = f"not a user object (a JSON {type_name(user)})"
            self.bad_lines += 1
            self.bad += 1
            self.issue(name, number, problem)
        self.parts.add(builder.part())

    def _progress(self) -> None:
        users = self.parts.users
        if self.on_progress is not None and users // PROGRESS_EVERY > self.reported:
            self.reported = users // PROGRESS_EVERY
            self.on_progress(users)

    def result(self) -> ExportResult:
        users, tables = self.parts.frames()
        return ExportResult(users, tables, self.issues, self.files, self.bad_lines)


def _problem(err: ValueError, line: bytes) -> str:
    if isinstance(err, UnicodeDecodeError):
        return "not UTF-8 text"
    if line.startswith(b"{") and not line.endswith(b"}"):
        return "truncated JSON (the line ends early)"
    return f"not valid JSON ({err.msg if isinstance(err, json.JSONDecodeError) else err})"


def _is_data_file(name: str) -> bool:
    lower = name.lower()
    return not lower.endswith("/") and not lower.rsplit("/", 1)[-1].startswith(".")


def read_export(
    source: str | Path | bytes | IO[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Parse a segment export zip (or one gzip/plain NDJSON stream) into frames.

    ``source`` is a path, the bytes, or a seekable binary file. ``on_progress(users)`` is
    called every few thousand users. Never raises for bad data: problems are in ``issues``.
    """
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    label = Path(source).name if isinstance(source, str | Path) else "export.zip"
    reader = _Reader(on_progress)
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            _read_any(reader, handle, label)
    else:
        _read_any(reader, source, label)
    return reader.result()


def _read_any(reader: _Reader, handle: IO[bytes], label: str) -> None:
    start = handle.tell()
    magic = handle.read(4)
    handle.seek(start)
    if magic[:2] == b"\x1f\x8b":
        reader.read_member(label, gzip.GzipFile(fileobj=handle))
        return
    if magic[:2] != b"PK":
        if magic[:1] in (b"{", b"\n", b" "):
            reader.read_member(label, handle)
        else:
            reader.issue(label, None, "not a zip archive; nothing could be read")
        return
    try:
        archive = zipfile.ZipFile(handle)
        members = [m for m in archive.infolist() if _is_data_file(m.filename)]
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        reader.issue(label, None, f"the zip archive is damaged ({err}); nothing could be read")
        return
    with archive:
        for member in members:
            try:
                stream = archive.open(member)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as err:
                reader.issue(member.filename, None, f"cannot be opened ({err})")
                continue
            with stream:
                inner: IO[bytes] = stream
                if member.filename.lower().endswith(".gz"):
                    inner = gzip.GzipFile(fileobj=stream)  # type: ignore[assignment]
                reader.read_member(member.filename, inner)
