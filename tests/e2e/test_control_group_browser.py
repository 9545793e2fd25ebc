"""The Global Control Group export in a real browser: start, wait, summary, CSV download."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_control_group_export_end_to_end(app_url: str, page, sandbox) -> None:
    # the app's demo sandbox and this one share seed and size, so their data are identical
    members = [u for u in sandbox.sandbox.workspace.users if u["random_bucket"] <= 499]
    assert len(members) > 50
    page.goto(f"{app_url}/control-group")
    wait_for_app(page)
    assert page.get_by_role("heading", name="Global Control Group").is_visible()
    page.get_by_role("button", name="Start export").click()
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Users exported")
    metric.wait_for(timeout=90_000)
    wait_for_app(page)
    value = metric.locator("[data-testid='stMetricValue']").inner_text()
    assert value == f"{len(members):,}"
    assert page.get_by_role("button", name="Stop waiting").count() == 0  # finished: no stop
    assert "control" not in page.url.split("?", 1)[-1], "nothing about the export in the link"
    with page.expect_download() as info:
        page.get_by_role("button", name="Export as CSV", exact=True).click()
    with open(info.value.path(), "rb") as f:
        lines = f.read().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == len(members) + 1  # header + one row per user
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "control-group-export")
