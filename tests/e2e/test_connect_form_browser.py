"""The sidebar's connect form in a real browser: Braze's instances by name, no URL field."""

from __future__ import annotations

import pytest

from braze_api.instances import INSTANCES
from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_the_connect_form_offers_instances_only(app_url: str, page) -> None:
    page.goto(f"{app_url}/kpis")
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stExpander").get_by_text("Connect a workspace").click()
    picker = sidebar.get_by_test_id("stSelectbox").filter(has_text="Braze instance")
    picker.wait_for()
    assert sidebar.get_by_text("configured by the server admin").count() == 1
    labels = [t.get_attribute("aria-label") or "" for t in sidebar.locator("input").all()]
    assert not any("URL" in label for label in labels), labels  # nothing to type a URL into
    picker.scroll_into_view_if_needed()
    picker.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    shown = [o.inner_text() for o in options.all()]
    assert shown[0] == "US-01 · iad-01"
    assert all(name in " ".join(INSTANCES) for name in (s.split(" · ")[0] for s in shown))
    screenshot(page, "connect-form")
    page.keyboard.press("Escape")
    assert page.locator("[data-testid='stException']").count() == 0
