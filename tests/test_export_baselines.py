"""The benchmark's baselines (``bench/export_baselines.py``) build exactly the frames
``read_export`` builds, so ``bench/bench_export.py`` times the same job three ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.export_baselines import duckdb_frames, pandas_frames
from braze_api.export_reader import read_export
from braze_sandbox import export_profiles
from tests.export_compare import differences


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "segment.zip"
    export_profiles.write_export(str(path), 11, 1300, per_file=500)
    return path


@pytest.fixture(scope="module")
def ours(export: Path) -> dict:
    result = read_export(export)
    assert not result.issues and result.user_count == 1300
    return {"users": result.users, **result.tables}


def _compare(ours: dict, users, tables) -> list[str]:
    theirs = {"users": users, **tables}
    assert set(theirs) == set(ours)
    problems = []
    for name, frame in ours.items():
        problems += differences(frame, theirs[name], name)
    return problems


def test_duckdb_builds_the_same_frames(export: Path, ours: dict, tmp_path: Path) -> None:
    users, tables = duckdb_frames(export, tmp_path)
    assert not _compare(ours, users, tables)
    assert len(tables["canvas_steps_received"]) > 500


def test_pandas_pyarrow_builds_the_same_frames(export: Path, ours: dict) -> None:
    users, tables = pandas_frames(export)
    assert not _compare(ours, users, tables)
    assert len(tables["custom_attributes"]) > 5000


def test_a_baseline_that_drops_a_row_is_caught(export: Path, ours: dict) -> None:
    users, tables = pandas_frames(export)
    tables["push_tokens"] = tables["push_tokens"].iloc[:-1]
    assert _compare(ours, users, tables)
