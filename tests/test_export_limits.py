"""Crafted archives against the export reader's limits: bombs, endless lines, huge directories.

Each test checks the problem is reported as an issue (what the Segments page lists), the good
rows are kept, and time and peak memory stay bounded.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import random
import struct
import zipfile
from pathlib import Path

import pytest

from braze_api.export_reader import Limits, read_export
from tests.hostile import bounded

MB = 1 << 20


def _user(n: int) -> bytes:
    return json.dumps({"external_id": f"u{n}", "first_name": "A"}).encode() + b"\n"


def _zip(path: Path, members: dict[str, bytes], level: int = 9) -> Path:
    method = zipfile.ZIP_DEFLATED if level else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method, compresslevel=level or None) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _problems(result) -> str:
    return " | ".join(str(i) for i in result.issues)


def test_a_zip_bomb_member_stops_early_and_the_other_files_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with archive.open("a/0.txt", "w") as member:  # 512 MB of zeros, ~0.5 MB deflated
            member.write(_user(1))
            zeros = b"\0" * (4 * MB)
            for _ in range(128):
                member.write(zeros)
        archive.writestr("a/1.txt", _user(2))
    assert path.stat().st_size < 2 * MB
    with bounded() as m:
        result = read_export(path)
    problems = _problems(result)
    assert "a/0.txt, line 2: stopped: expands more than 200× its compressed size" in problems
    assert sorted(result.users["external_id"]) == ["u1", "u2"]
    assert m.seconds < 30 and m.peak_bytes < 120 * MB


def test_a_member_over_the_size_limit_and_the_total_limit(tmp_path: Path) -> None:
    rows = b"".join(_user(n) for n in range(20_000))  # ~0.9 MB, compresses ~10x
    path = _zip(tmp_path / "big.zip", {f"a/{i}.txt": rows for i in range(4)})
    limits = Limits(member_bytes=2 * MB, total_bytes=2 * MB)
    result = read_export(path, limits=limits)
    problems = _problems(result)
    assert "expands past 2 MB" in problems  # the total budget runs out in the third file
    assert "not read" in problems  # the fourth is not opened
    assert 40_000 <= len(result.users) < 60_000  # the files before are kept
    limits = Limits(member_bytes=MB // 2)
    result = read_export(path, limits=limits)
    assert "larger than 0 MB" in _problems(result) or "larger than" in _problems(result)


def test_a_single_100_mb_line_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    text = base64.b64encode(random.Random(1).randbytes(75 * MB))  # 100 MB, hardly compressible
    long_line = b'{"external_id": "x", "bio": "' + text + b'"}\n'
    del text
    data = _user(1) + long_line + _user(2)
    path = _zip(tmp_path / "line.zip", {"a/0.txt": data}, level=0)  # stored
    gz = tmp_path / "line.gz"
    gz.write_bytes(gzip.compress(data, compresslevel=0))
    del long_line, data
    for source in (path, gz):
        with bounded() as m:
            result = read_export(source)
        problems = _problems(result)
        assert "line 2: line longer than 16 MB; skipped" in problems, problems
        assert sorted(result.users["external_id"]) == ["u1", "u2"]  # line 3 is still read
        assert result.issues[0].line == 2
        assert m.seconds < 30 and m.peak_bytes < 90 * MB  # less than the line's 100 MB


def test_thousands_of_members_over_the_limit_are_refused_before_the_directory_is_read(
    tmp_path: Path,
) -> None:
    path = _zip(tmp_path / "many.zip", {f"a/{i}.txt": _user(i) for i in range(12_000)}, level=1)
    with bounded() as m:
        result = read_export(path)
    assert "lists 12,000 files, more than the 10,000" in _problems(result)
    assert len(result.users) == 0
    assert m.seconds < 5 and m.peak_bytes < 20 * MB


def test_an_end_record_that_understates_the_directory_is_still_caught(tmp_path: Path) -> None:
    path = _zip(tmp_path / "liar.zip", {f"a/{i}.txt": _user(i) for i in range(300)}, level=1)
    raw = bytearray(path.read_bytes())
    at = raw.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", raw, at + 8, 2, 2)  # claim two entries
    with bounded() as m:
        result = read_export(io.BytesIO(bytes(raw)), limits=Limits(members=100))
    assert "nothing was read" in _problems(result)  # directory size or parsed count refuses it
    assert m.seconds < 5


@pytest.mark.parametrize("members", [1, 3])
def test_ordinary_exports_are_untouched_by_the_limits(tmp_path: Path, members: int) -> None:
    files = {
        f"a/{i}.txt": b"".join(_user(n) for n in range(i * 100, i * 100 + 100))
        for i in range(members)
    }
    result = read_export(_zip(tmp_path / "ok.zip", files))
    assert not result.issues and len(result.users) == 100 * members


def test_the_segments_page_lists_a_zip_bomb_as_a_problem(app_test, demo) -> None:
    """End to end: the demo sandbox serves a crafted archive; the page says what was stopped."""
    members = {"a/0.txt": _user(1) + b"\0" * (64 * MB), "a/1.txt": _user(2)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    demo.exports.delay = 0.2
    demo.exports.served_archive = buffer.getvalue()
    try:
        segment = next(s for s in demo.workspace.segments if s.rule[0] == "all")
        at = app_test("segments", query={"segment_id": segment.id})
        at.button(key="seg_export_start").click().run()
        assert not at.exception
        values = {m.label: m.value for m in at.metric}
        assert values["Users exported"] == "2"
        assert any("problem(s) in the export" in w.value for w in at.warning)
        issues = next(d.value for d in at.dataframe if "problem" in d.value.columns)
        assert any("its compressed size" in p for p in issues["problem"])
    finally:
        demo.exports.served_archive = None
        demo.exports.delay = 1.0
