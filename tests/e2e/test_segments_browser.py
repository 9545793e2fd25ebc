"""Segments and News Feed in a real browser: a full segment export and a card's series."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_segment_export_end_to_end(app_url: str, page, sandbox) -> None:
    # the app's demo sandbox and this one share seed and size, so their data are identical
    ws = sandbox.sandbox.workspace
    segment = next(s for s in ws.segments if s.rule[0] == "all")
    members = ws.segment_members(segment.id)
    assert len(members) >= 2000
    page.goto(f"{app_url}/segments?segment_id={segment.id}")
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "segments")
    page.get_by_role("button", name="Start export").click()
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Users exported")
    metric.wait_for(timeout=90_000)
    wait_for_app(page)
    value = metric.locator("[data-testid='stMetricValue']").inner_text()
    assert value == f"{len(members):,}"
    assert page.get_by_text("Users by country").count() >= 1  # a chart's title, drawn as SVG text
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # no plotly chunk
    with page.expect_download() as info:
        page.get_by_role("button", name="Export as CSV", exact=True).click()
    with open(info.value.path(), "rb") as f:
        lines = f.read().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == len(members) + 1  # header + one row per user
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "segments-export")


def test_news_feed_renders_series_for_a_card(app_url: str, page, sandbox) -> None:
    card = sandbox.sandbox.workspace.cards[-1]
    page.goto(f"{app_url}/news-feed?card_id={card.id}")
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")
    assert page.get_by_text("deprecated News Feed").count() >= 1
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 2
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # no plotly chunk
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "news-feed")
