"""The leaderboard's first page (issue 16): ranking starts as the campaign list's pages arrive,
not after the last one; every request is still made once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
import pytest

from braze_sandbox import SANDBOX_API_KEY, Sandbox
from dashboard.cache import CACHE
from dashboard.data import campaigns as data
from dashboard.filters import utc_today
from dashboard.settings import Workspace, forget_client

SERIES = "/campaigns/data_series"


@pytest.fixture
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(campaigns=450, users=20, api_key=SANDBOX_API_KEY, latency=0.03)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_rows_start_while_the_list_is_still_arriving(box: Sandbox) -> None:
    ws = Workspace(base_url=box.url, api_key=SANDBOX_API_KEY, label="stream")
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=29)
    CACHE.clear()
    sequential = data.load_leaderboard(ws, data.load_campaigns(ws), start, end)
    CACHE.clear()
    forget_client(ws)
    box.clear_requests()

    prefetch = data.RowPrefetch(ws, start, end, keep=lambda page: page.head(60))
    series_when_paged: list[int] = []

    def page(frame: pd.DataFrame) -> None:
        series_when_paged.append(sum(r.path == SERIES for r in box.requests))
        prefetch.page(frame)

    try:
        listed = data.load_campaigns(ws, on_page=page)
    finally:
        prefetch.close()
    assert len(series_when_paged) >= 4  # the unarchived ones of 450: several pages
    assert series_when_paged[-1] > 0  # rows were being fetched before the last page came
    streamed = data.load_leaderboard(ws, listed, start, end)
    pd.testing.assert_frame_equal(streamed, sequential)
    calls = Counter(
        (r.path, json.dumps(r.query, sort_keys=True)) for r in box.requests if r.path == SERIES
    )
    assert len(calls) == len(listed) and set(calls.values()) == {1}  # each row fetched once
    forget_client(ws)
    CACHE.clear()


def test_the_page_streams_when_ranking_all(app_test, demo) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT, open_page

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["cmp_limit"] = "All"
    at = open_page(at, "campaigns")
    assert not at.exception
    assert at.dataframe, "no leaderboard"
    calls = Counter(
        (r.path, json.dumps(r.query, sort_keys=True)) for r in demo.requests if r.path == SERIES
    )
    assert calls and set(calls.values()) == {1}
    listed = sum(r.path == "/campaigns/list" for r in demo.requests)
    assert listed == 2  # 119 campaigns: two pages, once
