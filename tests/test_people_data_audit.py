"""Segment exports at the data layer: refused without the role, audited start and finish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from braze_api.errors import ServerError
from dashboard import auth
from dashboard.access import LOCAL, Identity
from dashboard.audit import identifier_hash
from dashboard.data import segment_export as exports
from dashboard.settings import workspace_from_config

SECRET = "people-data-audit-secret-123"


@pytest.fixture(scope="module")
def braze() -> Iterator[Any]:
    from braze_sandbox import SANDBOX_API_KEY, start_sandbox

    url = start_sandbox(api_key=SANDBOX_API_KEY, users=120, export_delay=0.0)
    yield url
    url.stop()


@pytest.fixture
def trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("DASHBOARD_AUDIT_PATH", str(path))
    monkeypatch.setenv("DASHBOARD_AUDIT_SECRET", SECRET)
    return path


def _workspace(braze: Any) -> Any:
    from braze_sandbox import SANDBOX_API_KEY

    return workspace_from_config(str(braze), SANDBOX_API_KEY)


def test_an_export_is_audited_when_it_starts_and_when_it_finishes(braze: Any, trail: Path) -> None:
    segment = braze.sandbox.workspace.segments[0]
    ws = _workspace(braze)
    with auth.acting_as(LOCAL):
        job = exports.start_export(ws, segment.id, segment.name, ["external_id"])
        result = exports.download_and_parse(job, ws, time_limit=30)
    lines = [json.loads(x) for x in trail.read_text().splitlines()]
    assert [(x["action"], x["outcome"], x["count"]) for x in lines] == [
        ("segment_export_start", "ok", 0),
        ("segment_export_finish", "ok", result.user_count),
    ]
    assert result.user_count > 0
    hashed = identifier_hash(SECRET.encode(), segment.id)
    assert all(x["identifiers"] == [hashed] and x["who"] == "local" for x in lines)
    assert segment.id not in trail.read_text()


def test_a_viewer_cannot_start_an_export_and_the_attempt_is_audited(
    braze: Any, trail: Path
) -> None:
    segment = braze.sandbox.workspace.segments[0]
    braze.sandbox.clear_requests()
    viewer = Identity("viewer@example.com", "viewer")
    with auth.acting_as(viewer), pytest.raises(auth.PeopleDataRefused):
        exports.start_export(_workspace(braze), segment.id, segment.name, None)
    assert [r for r in braze.sandbox.requests if r.path.startswith("/users/export")] == []
    (line,) = [json.loads(x) for x in trail.read_text().splitlines()]
    assert line["who"] == "viewer@example.com" and line["outcome"] == "refused"


def test_a_failed_export_start_is_audited_as_an_error(braze: Any, trail: Path) -> None:
    segment = braze.sandbox.workspace.segments[0]
    braze.sandbox.inject("/users/export/segment", 500, times=1)
    try:
        with auth.acting_as(LOCAL), pytest.raises(ServerError):
            exports.start_export(_workspace(braze), segment.id, segment.name, None)
    finally:
        braze.sandbox.clear_injections()
    (line,) = [json.loads(x) for x in trail.read_text().splitlines()]
    assert (line["action"], line["outcome"]) == ("segment_export_start", "error")
