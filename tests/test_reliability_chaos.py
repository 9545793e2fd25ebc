"""Chaos: every page against a sandbox with 20% 5xx, 10% 429 and 5% truncated bodies.

Each page is rendered twice with AppTest: against a fault-free sandbox and against a faulty one
with the same seed (so the same data). Under faults no traceback may reach the page, anything
that failed must say so, and every number shown must equal the fault-free number or be left
out. The workspace key is a distinctive secret, checked for in everything the page sends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from tests.conftest import ROOT, open_page, rendered_text

SECRET = "sk-RELIABILITY-SECRET-123"
PAGES = (
    "overview",
    "kpis",
    "campaigns",
    "canvases",
    "news_feed",
    "revenue",
    "events",
    "segments",
    "custom_attributes",
    "user_lookup",
)
KEY_COLUMNS = ("campaign_id", "canvas_id", "segment_id", "card_id", "id", "date", "time", "name")
TIMEOUT = 180.0


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, Any]]:
    """A fault-free and a faulty sandbox over the same seed; both accept only the secret."""
    from braze_sandbox import Sandbox

    clean = Sandbox(api_key=SECRET, seed=7, users=300)
    faulty = Sandbox(api_key=SECRET, seed=7, users=300, p_5xx=0.2, p_429=0.1, p_truncated=0.05)
    clean.start()
    faulty.start()
    yield {"clean": clean, "faulty": faulty}
    for sandbox in (clean, faulty):
        for request in sandbox.requests:
            assert SECRET not in f"{request.path} {request.query} {request.body}"
        sandbox.stop()


def render(page: str, url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the app on ``page`` against the workspace at ``url`` with a cold cache."""
    from streamlit.testing.v1 import AppTest

    from dashboard.cache import CACHE

    monkeypatch.setenv("BRAZE_REST_ENDPOINT", url)
    monkeypatch.setenv("BRAZE_API_KEY", SECRET)
    monkeypatch.delenv("BRAZE_APPS", raising=False)
    CACHE.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    return open_page(at, page)


def context(at: Any) -> tuple:
    """What the page is showing: headings, selections and deep-link parameters.

    A page whose default selection depends on what loaded (e.g. "the Canvas with most
    entries") may open a different item under faults; its numbers are then not comparable.
    """
    headings = tuple(h.value for h in (*at.title, *at.header, *at.subheader))
    selections = tuple(repr(s.value) for s in at.selectbox)
    return headings, selections, tuple(sorted(at.query_params.items()))


def metrics(at: Any) -> dict[str, list[tuple[str, str]]]:
    """Every card shown, by label: a label can appear twice on a page (e.g. a Canvas's
    "Influenced opens" from its summary and again under Channel health)."""
    shown: dict[str, list[tuple[str, str]]] = {}
    for m in at.metric:
        shown.setdefault(m.label, []).append((m.value, m.delta))
    return shown


def keyed(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The frame indexed by its first unique identifying column, if it has one."""
    for column in KEY_COLUMNS:
        if column in frame.columns and frame[column].notna().all() and frame[column].is_unique:
            return frame.set_index(column)
    return None


def wrong_cells(chaos: pd.DataFrame, clean: pd.DataFrame) -> list[str]:
    """Cells present under chaos that differ from the fault-free table (NA means left out)."""
    a, b = keyed(chaos), keyed(clean)
    if a is None or b is None:
        if chaos.shape != clean.shape:
            return []  # not comparable cell by cell; the message check covers it
        a, b = chaos.reset_index(drop=True), clean.reset_index(drop=True)
    wrong = []
    for column in a.columns.intersection(b.columns):
        if column in ("status",):
            continue
        for key in a.index.intersection(b.index):
            mine, theirs = a.at[key, column], b.at[key, column]
            if isinstance(mine, list | dict) or isinstance(theirs, list | dict):
                continue
            if pd.isna(mine):
                continue
            if pd.isna(theirs) or mine != theirs:
                wrong.append(f"{column}[{key}]: {mine!r} != {theirs!r}")
    return wrong


def failure_messages(at: Any) -> list[str]:
    return [e.value for e in (*at.error, *at.warning)]


def assert_right_numbers_or_said_what_failed(page: str, chaos: Any, clean: Any) -> None:
    """Every card and cell shown under faults equals the fault-free one, or is left out
    with a message saying what failed."""
    messages = failure_messages(chaos)
    differences = []
    clean_metrics = metrics(clean) if context(chaos) == context(clean) else {}
    chaos_metrics = metrics(chaos)
    for label, cards in chaos_metrics.items():
        if label not in clean_metrics:
            continue
        for shown in cards:
            if shown not in clean_metrics[label]:
                differences.append(f"metric {label!r}: {shown} not in {clean_metrics[label]}")
    assert not differences, f"{page} shows wrong numbers under faults: {differences}"

    chaos_tables = [d.value for d in chaos.dataframe]
    clean_tables = [d.value for d in clean.dataframe]
    card_count = sum(len(cards) for cards in chaos_metrics.values())
    clean_count = sum(len(cards) for cards in clean_metrics.values())
    left_out = card_count < clean_count or len(chaos_tables) < len(clean_tables)
    for mine, theirs in zip(chaos_tables, clean_tables, strict=False):
        if not isinstance(mine, pd.DataFrame) or not isinstance(theirs, pd.DataFrame):
            continue
        wrong = wrong_cells(mine, theirs)
        assert not wrong, f"{page} table shows wrong numbers under faults: {wrong[:5]}"
        if mine.isna().sum().sum() > theirs.isna().sum().sum():
            left_out = True
        if "status" in mine.columns and mine["status"].fillna("").ne("").any():
            messages.append("row status")
    if left_out:
        assert messages, f"{page} left something out under faults without saying why"


@pytest.mark.parametrize("page", PAGES)
def test_page_under_faults_shows_right_numbers_or_says_what_failed(
    page: str, sandboxes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    clean = render(page, sandboxes["clean"].url, monkeypatch)
    assert not clean.exception, f"{page} fails even without faults: {clean.exception[0].value}"
    chaos = render(page, sandboxes["faulty"].url, monkeypatch)

    assert not chaos.exception, f"{page}: {[e.value for e in chaos.exception]}"
    text = rendered_text(chaos)
    assert "Traceback" not in text
    assert SECRET not in text and SECRET not in rendered_text(clean)
    assert SECRET not in caplog.text

    assert_right_numbers_or_said_what_failed(page, chaos, clean)


def test_a_canvas_whose_daily_stats_fail_keeps_its_summary_cards_and_says_so(
    sandboxes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fault the random run once hit: /canvas/data_series fails, the summary loads.

    The summary card "Influenced opens" keeps its value, and the page says the daily stats
    failed."""
    sandbox = sandboxes["clean"]
    clean = render("canvases", sandbox.url, monkeypatch)
    sandbox.inject("/canvas/data_series", 500)
    try:
        chaos = render("canvases", sandbox.url, monkeypatch)
    finally:
        sandbox.clear_injections()
    assert not chaos.exception
    assert metrics(chaos)["Influenced opens"] == metrics(clean)["Influenced opens"]  # summary
    assert any("daily stats" in e.value for e in chaos.error)
    assert_right_numbers_or_said_what_failed("canvases", chaos, clean)
