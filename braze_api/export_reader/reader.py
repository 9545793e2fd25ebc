"""Parse a segment export block by block and keep every good row.

The archive's bytes (``archive.events``, read one step ahead in a thread) are cut at line
ends into blocks. A block goes to pyarrow (``fast``); if it holds a bad line it is halved until
the failing pieces are small, and those are read line by line (``lines``), so every good row is
kept and every bad line is reported with its file and line number.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from braze_api.body import MAX_JSON_DEPTH, BodyTooDeep, json_depth
from braze_api.fields import value_kind

from .archive import Damaged, Event, LimitExceeded, Limits, Member, Unreadable, events
from .assemble import Assembler
from .fast import FALLBACK, BlockParser, scan_lines
from .lines import LineBuilder
from .model import ExportIssue, ExportResult
from .prefetch import prefetched

LINE_BY_LINE_BELOW = 64  # lines: a failing piece this small is read with the stdlib
MAX_ISSUES = 200  # per export; further bad lines are counted, not listed
NOT_JSON_AFTER = 20  # this many bad lines and no good one: the file is not NDJSON
PROGRESS_EVERY = 5000  # users


class _TooDeep(Exception):
    """Internal: a block nests too deeply for the fast parser; read it the careful way."""


class _Reader:
    def __init__(self, on_progress: Callable[[int], None] | None, limits: Limits) -> None:
        self.limits = limits
        self.skipping = False  # inside a line that passed ``limits.line_bytes``: drop to its end
        self.parts = Assembler()
        self.parser = BlockParser()
        self.issues: list[ExportIssue] = []
        self.files: list[str] = []
        self.bad_lines = 0
        self.on_progress = on_progress
        self.reported = 0
        # the member being read
        self.name: str | None = None
        self.rest = b""  # text after the last line end
        self.lines = 0  # complete lines parsed so far
        self.good = self.bad = 0
        self.first_issue = 0

    def issue(self, file: str, line: int | None, problem: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ExportIssue(file, line, problem))

    def read(self, stream: Iterable[Event]) -> None:
        for event in stream:
            if isinstance(event, bytes):
                if self.name is not None:
                    self._data(event)
            elif isinstance(event, Member):
                self._end_member()
                self._start_member(event.name)
            elif isinstance(event, Damaged):
                if self.name is not None:
                    problem = (
                        f"{event.error}; kept the lines before"
                        if isinstance(event.error, LimitExceeded)
                        else f"file is damaged ({event.error}); kept the lines before"
                    )
                    self.issue(self.name, self.lines + 1 if self.lines else None, problem)
                    self.rest = b""
                    self.skipping = False
            elif isinstance(event, Unreadable):
                self._end_member()
                self.issue(event.name, None, event.problem)
        self._end_member()

    def _start_member(self, name: str) -> None:
        self.files.append(name)
        self.name, self.rest, self.lines = name, b"", 0
        self.skipping = False
        self.good = self.bad = 0
        self.first_issue = len(self.issues)

    def _data(self, chunk: bytes) -> None:
        if self.skipping:  # the rest of an over-long line
            end = chunk.find(b"\n")
            if end < 0:
                return
            self.skipping = False
            self.lines += 1
            chunk = chunk[end + 1 :]
            if not chunk:
                return
        if b"\n" not in chunk:  # still inside one line: grow it, or give up on it
            if len(self.rest) + len(chunk) > self.limits.line_bytes:
                self._skip_long_line()
            else:
                self.rest += chunk
            return
        data = self.rest + chunk if self.rest else chunk
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        self.lines += self._block(data[:cut] if cut < len(data) else data, self.lines + 1)
        self._progress()

    def _skip_long_line(self) -> None:
        limit = self.limits.line_bytes / (1 << 20)
        self.bad_lines += 1
        self.bad += 1
        self.issue(
            self.name or "",
            self.lines + 1,
            f"line longer than {limit:,.0f} MB; skipped (no user profile is that large)",
        )
        self.rest = b""
        self.skipping = True

    def _end_member(self) -> None:
        if self.name is None:
            return
        name = self.name
        if self.rest.strip():
            self._block(self.rest, self.lines + 1)
        if self.good == 0 and self.bad >= NOT_JSON_AFTER:  # one issue for the file
            del self.issues[self.first_issue :]
            self.issue(name, None, f"not newline-delimited JSON ({self.bad:,} unreadable lines)")
        self.name, self.rest = None, b""

    def _block(self, data: bytes, first_line: int) -> int:
        """Fast path for the whole block; on failure halve it, down to line by line.

        Returns the number of newlines in ``data``.
        """
        newlines, braces = scan_lines(data)
        try:
            if json_depth(data) > MAX_JSON_DEPTH:
                # pyarrow's parser recurses per level: a deep enough line crashes the process
                raise _TooDeep
            part, rows = self.parser.parse(data, newlines, braces)
        except (*FALLBACK, _TooDeep):
            if newlines < LINE_BY_LINE_BELOW:
                self._line_by_line(data, first_line)
                return newlines
            middle = data.find(b"\n", len(data) // 2) + 1
            if middle <= 0 or middle >= len(data):
                middle = data.rfind(b"\n", 0, len(data) // 2) + 1
            head = self._block(data[:middle], first_line)
            self._block(data[middle:], first_line + head)
            return newlines
        self.parts.add(part)
        self.good += rows
        return newlines

    def _line_by_line(self, raw: bytes, first_line: int) -> None:
        name = self.name or ""
        builder = LineBuilder()
        decode = json.JSONDecoder().decode
        for number, line in enumerate(raw.split(b"\n"), start=first_line):
            line = line.strip()
            if not line:
                continue
            try:
                if json_depth(line) > MAX_JSON_DEPTH:
                    raise BodyTooDeep
                user = decode(line.decode("utf-8"))
            except (BodyTooDeep, RecursionError):
                problem = f"nested more than {MAX_JSON_DEPTH} levels deep"
            except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
                problem = _problem(err, line)
            else:
                if isinstance(user, dict):
                    builder.add(user)
                    self.good += 1
                    continue
                problem = f"not a user object (a JSON {value_kind(user)})"
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


def read_export(
    source: str | Path | bytes | IO[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
    limits: Limits | None = None,
) -> ExportResult:
    """Parse a segment export zip (or one gzip/plain NDJSON stream) into frames.

    ``source`` is a path, the bytes, or a seekable binary file. ``on_progress(users)`` is
    called every few thousand users. Never raises for bad data: problems are in ``issues``.
    ``limits`` (``archive.Limits``) bounds members, decompressed bytes and line length.
    """
    limits = limits or Limits()
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    label = Path(source).name if isinstance(source, str | Path) else "export.zip"
    reader = _Reader(on_progress, limits)
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            reader.read(prefetched(events(handle, label, limits)))
    else:
        reader.read(prefetched(events(source, label, limits)))
    return reader.result()
