"""The segment export reader's bounds: per member (a zip bomb stops) and per line.

Archives are built in the test, streamed into a zip so a bomb never sits in memory whole;
each test checks the reader's peak memory (tracemalloc) and what it reports.
"""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

import pytest

from braze_api.export_reader import archive, read_export, reader

MiB = 1 << 20


def user(n: int) -> bytes:
    return json.dumps({"external_id": f"u{n}", "first_name": "Ada"}).encode() + b"\n"


def zip_of(members: dict[str, list[bytes]], repeat: dict[str, int] | None = None) -> bytes:
    """A zip whose members are the pieces written in order (``repeat`` times over)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, pieces in members.items():
            with z.open(name, "w", force_zip64=True) as member:
                for _ in range((repeat or {}).get(name, 1)):
                    for piece in pieces:
                        member.write(piece)
    return out.getvalue()


def read_measured(data: bytes) -> tuple[object, float, int]:
    tracemalloc.start()
    started = time.monotonic()
    result = read_export(data)
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, elapsed, peak


def test_the_documented_limits() -> None:
    assert archive.MAX_MEMBER_BYTES == 2 << 30
    assert 16 * MiB == reader.MAX_LINE_BYTES


def test_a_zip_bomb_member_stops_at_the_member_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """128 MiB of newlines in a small zip; with the cap at 32 MiB reading stops there."""
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 32 * MiB)
    blank = b"\n" * (16 * MiB)
    data = zip_of(
        {"seg/a.txt": [user(1)], "seg/bomb.txt": [blank], "seg/c.txt": [user(3)]},
        repeat={"seg/bomb.txt": 8},
    )
    assert len(data) < 2 * MiB
    result, elapsed, peak = read_measured(data)
    assert result.users["external_id"].tolist() == ["u1", "u3"]  # the files around it are read
    (issue,) = result.issues
    assert issue.file == "seg/bomb.txt" and "inflates past 0.03125 GiB" in issue.problem
    assert peak < 120 * MiB
    assert elapsed < 60


def test_a_line_without_end_is_skipped_with_bounded_memory() -> None:
    """A 64 MiB "line" (no newline) between good users: reported, skipped, memory bounded."""
    endless = b"x" * (16 * MiB)
    data = zip_of({"seg/a.txt": [user(1), *[endless] * 4, b"\n", user(2)]})
    result, elapsed, peak = read_measured(data)
    assert result.users["external_id"].tolist() == ["u1", "u2"]
    assert [(i.line, i.problem) for i in result.issues] == [(2, "line longer than 16 MiB; skipped")]
    assert result.bad_lines == 1
    assert peak < 120 * MiB and elapsed < 60


def test_lines_after_a_skipped_one_keep_their_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 64 * 1024)
    monkeypatch.setattr(archive, "READ_BYTES", 16 * 1024)
    long_line = b'{"external_id": "long", "x": "' + b"y" * 200_000 + b'"}\n'
    data = zip_of({"seg/a.txt": [user(1), long_line, user(3), b"{broken\n", user(5)]})
    result = read_export(data)
    assert result.users["external_id"].tolist() == ["u1", "u3", "u5"]
    assert [i.line for i in result.issues] == [2, 4]
