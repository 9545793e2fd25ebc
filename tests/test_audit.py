"""The audit trail: one JSON line per action, identifiers hashed, 0600, append-only, rotatable."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from dashboard import audit

SECRET = "a-server-secret-of-some-length"


@pytest.fixture
def trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("DASHBOARD_AUDIT_PATH", str(path))
    monkeypatch.setenv("DASHBOARD_AUDIT_SECRET", SECRET)
    audit.take_notices()
    return path


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_one_line_per_action_with_hashed_identifiers(trail: Path) -> None:
    assert audit.record("user_lookup", "email", ["ann@example.com"], 1, "ok", who="dpo@example.com")
    assert audit.record("segment_export_finish", "segment_id", ["seg-1"], 250, "ok", who="local")
    first, second = _lines(trail)
    assert set(first) == {
        "when", "who", "action", "identifier_kind", "identifiers", "count", "outcome"
    }  # fmt: skip
    assert first["who"] == "dpo@example.com" and first["action"] == "user_lookup"
    assert first["when"].endswith("+00:00")
    expected = hmac.new(SECRET.encode(), b"ann@example.com", hashlib.sha256).hexdigest()
    assert first["identifiers"] == [f"hmac-sha256:{expected}"]
    assert first["identifiers"] == [audit.identifier_hash(SECRET.encode(), "ann@example.com")]
    assert "ann@example.com" not in trail.read_text()
    assert second["count"] == 250 and second["identifier_kind"] == "segment_id"


def test_the_file_is_private_and_appended_to(trail: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trail.write_text('{"earlier": "line"}\n')
    os.chmod(trail, 0o600)
    audit.record("user_lookup", "external_id", ["u-1"], 1, "ok", who="local")
    assert trail.read_text().startswith('{"earlier": "line"}\n')
    assert len(trail.read_text().splitlines()) == 2
    fresh = trail.with_name("fresh.jsonl")
    monkeypatch.setenv("DASHBOARD_AUDIT_PATH", str(fresh))
    old = os.umask(0)  # even with a permissive umask the file is created 0600
    try:
        audit.record("user_lookup", "external_id", ["u-1"], 1, "ok", who="local")
    finally:
        os.umask(old)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_moving_the_file_away_rotates_it(trail: Path) -> None:
    audit.record("user_lookup", "external_id", ["u-1"], 1, "ok", who="local")
    trail.rename(trail.with_suffix(".1"))
    audit.record("user_lookup", "external_id", ["u-2"], 1, "ok", who="local")
    assert len(_lines(trail)) == 1 and len(_lines(trail.with_suffix(".1"))) == 1


def test_a_symlink_in_place_of_the_file_is_not_followed(trail: Path) -> None:
    target = trail.with_name("elsewhere.txt")
    target.write_text("")
    trail.symlink_to(target)
    assert not audit.record("user_lookup", "external_id", ["u-1"], 1, "ok", who="local")
    assert target.read_text() == ""
    (notice,) = audit.take_notices()
    assert "(OSError)" in notice  # ELOOP from O_NOFOLLOW


def test_a_failed_write_is_a_short_notice_without_the_identifier_or_path(
    trail: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = trail.parent / "no-such-dir" / "audit.jsonl"
    monkeypatch.setenv("DASHBOARD_AUDIT_PATH", str(missing))
    assert not audit.record("user_lookup", "email", ["ann@example.com"], 1, "ok", who="x")
    (notice,) = audit.take_notices()
    assert "FileNotFoundError" in notice
    assert "ann@example.com" not in notice and "no-such-dir" not in notice
    assert audit.take_notices() == []  # shown once


def test_a_path_without_a_usable_secret_is_a_configuration_error(
    trail: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_AUDIT_SECRET", "short")
    with pytest.raises(audit.AuditConfigError, match="at least 16 characters"):
        audit.load_config()
    assert not audit.record("user_lookup", "email", ["ann@example.com"], 1, "ok", who="x")
    assert not trail.exists()
    assert audit.config_from({}, {}) is None
    secrets = {"audit": {"path": "~/trail.jsonl", "secret": SECRET}}
    assert audit.config_from(secrets, {}).path == Path.home() / "trail.jsonl"  # type: ignore[union-attr]


def test_concurrent_writers_never_interleave_lines(trail: Path) -> None:
    ids = [f"user-{i:05d}" for i in range(400)]  # one long line per writer

    def write(n: int) -> None:
        for _ in range(10):
            audit.record("user_lookup", "external_id", ids, n, "ok", who=f"w{n}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = _lines(trail)
    assert len(lines) == 40 and all(len(line["identifiers"]) == 400 for line in lines)
