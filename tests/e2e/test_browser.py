"""Every page in a real browser against the demo sandbox; KPI charts and the CSV download."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import requests

from dashboard import navigation
from dashboard.filters import preset_range, utc_today
from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = [spec.url_path for spec in navigation.PAGES]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders(app_url: str, page, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    exceptions = page.locator("[data-testid='stException']")
    if exceptions.count():
        screenshot(page, f"{path}-failed")
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    assert page.locator("h1").count() >= 1
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_text("Demo workspace").count() >= 1
    if path == "kpis":
        page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")
        # the six charts may still be mounting on a loaded machine: wait for them, then count
        page.wait_for_function(
            "document.querySelectorAll(\"[data-testid='stVegaLiteChart'] svg\").length >= 6"
        )
        assert page.locator("[data-testid='stVegaLiteChart']").count() == 6
        assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # no plotly chunk
        assert page.locator("[data-testid='stMetric']").count() == 5
    screenshot(page, path)


def test_link_with_filters_and_csv_download(app_url: str, page, sandbox) -> None:
    """A 7-day link reproduces the view, and the CSV holds the sandbox's numbers."""
    page.goto(f"{app_url}/kpis?range=last_7")
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")
    assert "range=last_7" in page.url
    with page.expect_download() as info:
        page.get_by_role("button", name="Download daily data (CSV)").click()
    download = info.value
    with open(download.path(), "rb") as f:
        raw = f.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")

    start, end = preset_range("Last 7 days", utc_today())
    from braze_sandbox import SANDBOX_API_KEY

    body = requests.get(
        f"{sandbox}/kpi/dau/data_series",
        params={"length": 7, "ending_at": f"{end.isoformat()}T23:59:59Z"},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    ).json()
    expected = {p["time"][:10]: p["dau"] for p in body["data"]}
    assert table["date"].tolist() == sorted(expected)
    assert table["dau"].tolist() == [expected[d] for d in sorted(expected)]
    assert table["date"].iloc[0] == start.isoformat()
    assert list(table.columns) == [
        "date",
        "mau",
        "dau",
        "new_users",
        "uninstalls",
        "sessions",
        "dau_mau_ratio_pct",
    ]
