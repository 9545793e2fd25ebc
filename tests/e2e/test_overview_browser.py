"""The overview (the root URL) in Chromium at two laptop sizes, and its links and CSV."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

# Each chart's date labels that Vega left visible (it hides overlapping ones with opacity 0).
DATE_LABELS_JS = """() => [...document.querySelectorAll('.vega-embed svg')].map(svg => {
    const axis = svg.querySelector('g[aria-label^="X-axis"]');
    if (!axis) return null;
    return [...axis.querySelectorAll('.role-axis-label text')]
        .filter(t => getComputedStyle(t).opacity !== '0' && t.getAttribute('opacity') !== '0')
        .map(t => t.textContent);
})"""


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 800)])
def test_the_root_opens_what_changed(app_url: str, browser: Any, width: int, height: int) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(app_url)
        wait_for_app(page)
        page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")
        assert page.url.split("?")[0].rstrip("/").endswith("/overview")
        assert page.locator("[data-testid='stException']").count() == 0
        assert "What changed" in page.locator("h1").first.inner_text()
        main = page.locator("[data-testid='stMain']")
        for heading in ("Unusual days", "Launches and stops", "Top movers"):
            assert main.get_by_text(heading, exact=True).count() >= 1
        assert page.locator("[data-testid='stVegaLiteChart']").count() == 5
        assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # no plotly chunk
        assert main.get_by_text("below what the previous").count() >= 1  # the demo's DAU drop
        # 30 days in a third of the page: a label a week on every card, none dropped (count
        # ticks "40k", not "40,000", leave the dates room; was 2 of 4 on one card at 1280).
        page.wait_for_function("document.querySelectorAll('g[aria-label^=\"X-axis\"]').length == 5")
        labels = page.evaluate(DATE_LABELS_JS)
        assert len(labels) == 5 and all(len(shown) >= 4 for shown in labels), labels
        screenshot(page, f"overview-{width}x{height}")
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(
            path=str(screenshot(page, f"overview-{width}x{height}-fold")), full_page=False
        )

        if width == 1440:
            with page.expect_download() as info:
                page.get_by_role("button", name="Download every finding (CSV)").click()
            with open(info.value.path(), "rb") as f:
                table = pd.read_csv(io.BytesIO(f.read()), encoding="utf-8-sig")
            assert {"unusual drop", "started sending", "top riser"} <= set(table["finding"])
            assert table["link"].str.startswith("/").all()

            link = main.get_by_role("link", name="Open KPIs").first
            href = link.get_attribute("href")
            assert href is not None and href.startswith("/kpis?range=last_30")
    finally:
        context.close()
