"""Stream a Braze segment export (a zip of newline-delimited JSON files) into tidy frames.

Exports reach ~5 GB, so nothing here holds the JSON text of a whole file: each member is read
in 1 MB chunks, split into lines and decoded one line at a time. Scalars go into per-field
lists that become a DataFrame every ``FLUSH_ROWS`` users (arrow-backed strings, far smaller
than the Python objects), so memory is bounded by the frames being built.

Nested lists (custom events, purchases, devices, apps, ...) become their own long frames keyed
by ``user_id`` (the external id, else the Braze id, else the first alias) instead of one wide
explosion. A bad archive, a truncated line or a file that is not JSON becomes an
``ExportIssue`` naming the file and line; every good row is kept.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

CHUNK_BYTES = 1 << 20
FLUSH_ROWS = 50_000
MAX_ISSUES = 200  # per export; further bad lines are counted, not listed
NOT_JSON_AFTER = 20  # this many bad lines and no good one: the file is not NDJSON

# Long tables: name -> columns after user_id. Values outside these are ignored.
LONG_TABLES: dict[str, tuple[str, ...]] = {
    "custom_events": ("name", "first", "last", "count"),
    "purchases": ("name", "first", "last", "count"),
    "devices": (
        "device_id",
        "model",
        "os",
        "carrier",
        "idfv",
        "idfa",
        "ad_tracking_enabled",
    ),
    "apps": ("name", "platform", "version", "sessions", "first_used", "last_used"),
    "push_tokens": ("app", "platform", "token"),
    "campaigns_received": (
        "name",
        "api_campaign_id",
        "last_received",
        "converted",
        "multiple_converted",
        "opened_email",
        "opened_push",
        "clicked_email",
        "clicked_in_app_message",
        "variation_name",
        "variation_api_id",
        "in_control",
    ),
    "canvases_received": (
        "name",
        "api_canvas_id",
        "last_entered",
        "last_exited",
        "last_received_message",
        "variation_name",
        "in_control",
        "steps_received",
    ),
    "cards_clicked": ("name",),
    "user_aliases": ("alias_name", "alias_label"),
    "custom_attributes": ("attribute", "value", "type"),
}
TIME_COLUMNS = frozenset(
    {"created_at", "first", "last", "first_used", "last_used", "last_received", "last_entered"}
    | {"last_exited", "last_received_message"}
)
NUMBER_COLUMNS = frozenset({"total_revenue", "random_bucket", "count", "sessions"})


@dataclass(frozen=True)
class ExportIssue:
    """One problem in the archive: ``line`` is 1-based, None for file-level problems."""

    file: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line is not None else self.file
        return f"{where}: {self.problem}"


@dataclass
class ExportResult:
    """The parsed export: one row per user plus long tables, and what went wrong."""

    users: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    issues: list[ExportIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bad_lines: int = 0

    @property
    def user_count(self) -> int:
        return len(self.users)


class _Builder:
    """Accumulates columns as lists of scalars; flushes them into frames every N rows."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {}
        self.n = 0
        self.long: dict[str, dict[str, list[Any]]] = {
            name: {c: [] for c in ("user_id", *cols)} for name, cols in LONG_TABLES.items()
        }
        self.user_parts: list[pd.DataFrame] = []
        self.long_parts: dict[str, list[pd.DataFrame]] = {name: [] for name in LONG_TABLES}
        self.rows = 0

    def add(self, user: dict) -> None:
        uid = _user_id(user)
        cols, n = self.cols, self.n
        self._put("user_id", uid)
        for key, value in user.items():
            spec = LONG_TABLES.get(key)
            if spec is not None:
                if key == "custom_attributes":
                    self._attributes(uid, value)
                elif isinstance(value, list):
                    self._long(key, spec, uid, value)
                continue
            if key == "last_coordinates":
                lon, lat = _coordinates(value)
                self._put("longitude", lon)
                self._put("latitude", lat)
                continue
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            col = cols.get(key)
            if col is None:
                col = cols[key] = [None] * n
            elif len(col) < n:
                col.extend([None] * (n - len(col)))
            col.append(value)
        self.n = n + 1
        if self.n >= FLUSH_ROWS:
            self.flush()

    def _put(self, key: str, value: Any) -> None:
        col = self.cols.get(key)
        if col is None:
            col = self.cols[key] = [None] * self.n
        elif len(col) < self.n:
            col.extend([None] * (self.n - len(col)))
        col.append(value)

    def _long(self, table: str, spec: tuple[str, ...], uid: Any, items: list) -> None:
        out = self.long[table]
        ids = out["user_id"]
        lists = [out[c] for c in spec]
        for item in items:
            if not isinstance(item, dict):
                continue
            if table == "campaigns_received":
                engaged = item.get("engaged")
                if isinstance(engaged, dict):
                    item = {**engaged, **item}
            elif table == "canvases_received":
                steps = item.get("steps_received")
                item = {**item, "steps_received": len(steps) if isinstance(steps, list) else None}
            ids.append(uid)
            for column, name in zip(lists, spec, strict=True):
                value = item.get(name)
                column.append(
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(value, dict | list)
                    else value
                )

    def _attributes(self, uid: Any, attributes: Any) -> None:
        if not isinstance(attributes, dict):
            return
        out = self.long["custom_attributes"]
        ids, names, values, types = out["user_id"], out["attribute"], out["value"], out["type"]
        for name, value in attributes.items():
            ids.append(uid)
            names.append(name)
            types.append(_type_name(value))
            if value is None or isinstance(value, str):
                values.append(value)
            elif isinstance(value, dict | list):
                values.append(json.dumps(value, ensure_ascii=False))
            else:
                values.append(str(value).lower() if isinstance(value, bool) else str(value))

    def flush(self) -> None:
        """Turn the pending lists into frames (arrow strings) and start new lists."""
        if self.n:
            for col in self.cols.values():
                if len(col) < self.n:
                    col.extend([None] * (self.n - len(col)))
            self.user_parts.append(_frame(self.cols))
            self.rows += self.n
        self.cols, self.n = {}, 0
        for name, cols in self.long.items():
            if cols["user_id"]:
                self.long_parts[name].append(_frame(cols))
                self.long[name] = {c: [] for c in cols}

    def result(self) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        self.flush()
        users = _concat(self.user_parts, ("user_id",))
        tables = {
            name: _concat(parts, ("user_id", *LONG_TABLES[name]))
            for name, parts in self.long_parts.items()
        }
        return users, tables


def _frame(cols: dict[str, list[Any]]) -> pd.DataFrame:
    """Columns of one flush; a column mixing numbers and text is kept as text."""
    out: dict[str, Any] = {}
    for name, values in cols.items():
        try:
            series = pd.Series(values)
        except (TypeError, ValueError):
            series = pd.Series([None if v is None else str(v) for v in values], dtype="str")
        if series.dtype == object:
            present = [v for v in values if v is not None]
            if present and all(isinstance(v, bool) for v in present):
                series = pd.Series(values, dtype="boolean")
            else:
                series = pd.Series([None if v is None else str(v) for v in values], dtype="str")
        out[name] = series
    return pd.DataFrame(out)


def _concat(parts: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True, copy=False)
    for name in frame.columns:
        if frame[name].dtype == object:  # parts disagreed on the type (number vs text)
            frame[name] = frame[name].map(lambda v: None if v is None else str(v)).astype("str")
        if name in TIME_COLUMNS:
            frame[name] = pd.to_datetime(frame[name], errors="coerce", utc=True, format="ISO8601")
        elif name in NUMBER_COLUMNS:
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def _user_id(user: dict) -> Any:
    uid = user.get("external_id") or user.get("braze_id")
    if uid:
        return str(uid)
    aliases = user.get("user_aliases")
    if isinstance(aliases, list) and aliases and isinstance(aliases[0], dict):
        name = aliases[0].get("alias_name")
        if name:
            return f"alias:{name}"
    return None


def _coordinates(value: Any) -> tuple[float | None, float | None]:
    if isinstance(value, list) and len(value) == 2:
        lon, lat = value
        if isinstance(lon, int | float) and isinstance(lat, int | float):
            return float(lon), float(lat)
    return None, None


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without newline), reading fixed-size chunks."""
    number = 0
    rest = b""
    while True:
        chunk = stream.read(CHUNK_BYTES)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        for line in parts:
            number += 1
            yield number, line
    if rest:
        yield number + 1, rest


class _Reader:
    def __init__(self, on_progress: Callable[[int], None] | None) -> None:
        self.builder = _Builder()
        self.issues: list[ExportIssue] = []
        self.files: list[str] = []
        self.bad_lines = 0
        self.on_progress = on_progress

    def issue(self, file: str, line: int | None, problem: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ExportIssue(file, line, problem))

    def read_member(self, name: str, stream: IO[bytes]) -> None:
        """Decode one NDJSON stream line by line; bad lines are reported and skipped."""
        self.files.append(name)
        decode = json.JSONDecoder().decode
        add = self.builder.add
        good = bad = number = 0
        first_issue = len(self.issues)
        try:
            for number, raw in _lines(stream):
                line = raw.strip()
                if not line:
                    continue
                try:
                    user = decode(line.decode("utf-8"))
                except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
                    problem = _problem(err, line)
                else:
                    if isinstance(user, dict):
                        add(user)
                        good += 1
                        if self.on_progress is not None and good % 5000 == 0:
                            self.on_progress(self.builder.rows + self.builder.n)
                        continue
                    problem = f"not a user object (a JSON {_type_name(user)})"
                self.bad_lines += 1
                bad += 1
                self.issue(name, number, problem)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            self.issue(
                name,
                number + 1 if number else None,
                f"file is damaged ({err}); kept the lines before",
            )
        if good == 0 and bad >= NOT_JSON_AFTER:  # one issue for the file, not one per line
            del self.issues[first_issue:]
            self.issue(name, None, f"not newline-delimited JSON ({bad:,} unreadable lines)")

    def result(self) -> ExportResult:
        users, tables = self.builder.result()
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
