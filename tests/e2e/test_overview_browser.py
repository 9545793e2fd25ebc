"""The overview (the root URL) in Chromium at two laptop sizes, and its links and CSV."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


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
