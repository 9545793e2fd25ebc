"""The Campaigns page in a real browser: leaderboard CSV vs the sandbox, deep link, safe HTML."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY
from dashboard.filters import preset_range, utc_today
from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser
CHART = "[data-testid='stVegaLiteChart']"


def test_leaderboard_csv_equals_the_sandbox_series(app_url: str, page, sandbox) -> None:
    page.goto(f"{app_url}/campaigns")
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stDataFrame']")
    assert page.locator("[data-testid='stException']").count() == 0
    page.locator(f"{CHART} svg").nth(1).wait_for()  # both top-campaigns charts drawn
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0
    screenshot(page, "campaigns")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download leaderboard (CSV)").click()
    with open(info.value.path(), "rb") as handle:
        table = pd.read_csv(io.BytesIO(handle.read()), encoding="utf-8-sig")
    assert len(table) > 10
    _, end = preset_range("Last 30 days", utc_today())
    for row in table.head(8).to_dict("records"):
        points = requests.get(
            f"{sandbox}/campaigns/data_series",
            params={"campaign_id": row["campaign_id"], "length": 30, "ending_at": end.isoformat()},
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            timeout=10,
        ).json()["data"]
        assert row["conversions"] == sum(p.get("conversions", 0) for p in points)
        assert row["unique_recipients"] == sum(p.get("unique_recipients", 0) for p in points)
        # money in the CSV: to the cent, named with the workspace currency (issue 17)
        revenue = sum(p.get("revenue", 0) for p in points)
        assert row["campaign_attributed_revenue_usd"] == pytest.approx(revenue, abs=0.005)


def test_deep_link_shows_an_email_body_as_source(app_url: str, page, sandbox) -> None:
    _, end = preset_range("Last 30 days", utc_today())
    campaign = next(  # a multivariate email whose body carries <script> and <img onerror>
        c
        for c in sandbox.sandbox.workspace.campaigns
        if any("<script>" in str(v.message.get("body", "")) for v in c.variations)
        and c.active_on(end, utc_today())
        and c.multivariate
    )
    page.goto(f"{app_url}/campaigns?campaign_id={campaign.id}")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == campaign.name
    page.get_by_role("tab", name="Messages").click()
    expanders = page.locator("[data-testid='stExpander']", has_text="body (source")
    assert expanders.count() == sum(1 for v in campaign.variations if "body" in v.message)
    sources = []
    for i in range(expanders.count()):
        expanders.nth(i).locator("summary").click()
        code = expanders.nth(i).locator("[data-testid='stCode']")
        code.wait_for()
        sources.append(code.inner_text())
    assert any('<img src=x onerror="alert(1)">' in s and "<script>" in s for s in sources)
    hostile = page.evaluate(
        """() => ({
            scripts: [...document.querySelectorAll('script')]
                .filter(s => s.textContent.includes('alert')).length,
            onerror: document.querySelectorAll('img[onerror]').length,
        })"""
    )
    assert hostile == {"scripts": 0, "onerror": 0}
    screenshot(page, "campaigns-messages")
    page.get_by_role("tab", name="Performance").click()
    page.locator(f"{CHART} svg:visible").first.wait_for()  # Streamlit has Vega draw SVG
    assert page.locator(f"{CHART}:visible").count() == 6
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # plotly never loads
    screenshot(page, "campaigns-detail")
    page.get_by_role("tab", name="Variations").click()
    page.locator(f"{CHART} svg:visible").first.wait_for()
    screenshot(page, "campaigns-variations")


def test_hostile_name_is_plain_text_and_back_returns(app_url: str, page, sandbox) -> None:
    hostile = next(c for c in sandbox.sandbox.workspace.campaigns if "<script>" in c.name)
    page.goto(f"{app_url}/campaigns?campaign_id={hostile.id}")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == hostile.name
    assert (
        page.evaluate(
            "() => [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(1)')).length"
        )
        == 0
    )
    page.get_by_role("button", name="All campaigns").click()
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stDataFrame']")
    assert "campaign_id" not in page.url
