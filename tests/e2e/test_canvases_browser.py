"""The Canvases page in a real browser: a 60-day deep link, the journey map and a CSV."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY
from dashboard.filters import utc_today
from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser
CHART = "[data-testid='stVegaLiteChart']"


def test_sixty_day_canvas_link_journey_map_and_csv(app_url: str, page, sandbox) -> None:
    canvas = max(sandbox.sandbox.workspace.canvases, key=lambda c: len(c.steps))
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=59)
    page.set_viewport_size({"width": 1440, "height": 3000})  # the app scrolls inside itself
    page.goto(f"{app_url}/canvases?range=custom&start={start}&end={end}&canvas_id={canvas.id}")
    wait_for_app(page)
    page.wait_for_selector(f"{CHART} svg")  # Vega-Lite, drawn (no plotly on the page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_role("heading", name=canvas.name).is_visible()
    # five result cards, four message cards (sent, opens, influenced opens, clicks), then the
    # Channel health tab's cards
    metrics = page.locator("[data-testid='stMetric']")
    labels = [metrics.nth(i).locator("label").inner_text() for i in range(9)]
    assert [label.strip() for label in labels] == [
        "Entries",
        "Conversions",
        "By entry time",
        "Conversion rate",
        "Attributed revenue",
        "Messages sent",
        "Opens",
        "Influenced opens",
        "Clicks",
    ]
    assert f"canvas_id={canvas.id}" in page.url
    screenshot(page, "canvases-detail")

    with page.expect_download() as info:
        page.get_by_role("button", name="Daily totals (CSV)").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert len(table) == 60 and table["date"].iloc[0] == start.isoformat()

    expected: dict[str, int] = {}
    for first in (start + timedelta(days=k) for k in range(0, 60, 12)):
        body = requests.get(
            f"{sandbox}/canvas/data_series",
            params={
                "canvas_id": canvas.id,
                "starting_at": first.isoformat(),
                "ending_at": (first + timedelta(days=11)).isoformat(),
            },
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            timeout=10,
        ).json()
        expected |= {d["time"][:10]: d["total_stats"]["entries"] for d in body["data"]["stats"]}
    assert dict(zip(table["date"], table["entries"], strict=True)) == expected

    page.get_by_role("tab", name="Journey map").click()
    graph = page.locator(CHART, has_text="Journey map")
    graph.wait_for()
    assert f"{len(canvas.steps)} steps" in graph.text_content()
    assert "tab=Journey" in page.url, "the open tab is in the link"
    assert graph.bounding_box()["height"] > 64 * 10  # tall enough to read 50+ steps
    assert page.locator(".js-plotly-plot").count() == 0
    # the hover of a step: its full name and results (Vega's tooltip, Braze text as text)
    graph.locator("g.mark-symbol.role-mark path").nth(len(canvas.variants)).hover()
    tip = page.locator("#vg-tooltip-element")
    tip.wait_for(state="visible")
    assert canvas.steps[0].name in tip.inner_text() and "Recipients" in tip.inner_text()
    screenshot(page, "canvases-journey")

    page.get_by_role("tab", name="Steps").click()
    page.wait_for_timeout(500)
    screenshot(page, "canvases-steps")
