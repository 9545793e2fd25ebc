"""Nothing a marketer reads is cut off at 1280×800: metric cards and widget labels show whole.

A card's label, value or change, or a widget's label, is clipped when its text is wider than
the box that shows it (``scrollWidth > clientWidth`` on an element that hides its overflow:
Streamlit ends such text with "…"). The check runs in Chromium on the pages with cards and
toggles, after each page has finished running.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

# Every element inside a card or a widget label whose text overflows a box that hides the rest.
CLIPPED_JS = """() => {
    const roots = document.querySelectorAll(
        "[data-testid='stMetric'], [data-testid='stWidgetLabel'], "
        + "[data-testid='stCheckbox'] label, [data-testid='stTab']");
    const clipped = [];
    for (const root of roots) {
        for (const el of [root, ...root.querySelectorAll('*')]) {
            if (!el.textContent.trim() || el.clientWidth === 0) continue;
            const style = getComputedStyle(el);
            const hides = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
            if (hides && el.scrollWidth > el.clientWidth + 1) {
                clipped.push(`${el.textContent.trim().slice(0, 60)} `
                    + `(${el.scrollWidth}px in ${el.clientWidth}px)`);
            }
        }
    }
    return [...new Set(clipped)];
}"""

# the pages with metric cards and toggles (the detail views open their selection's cards)
PAGES = [
    "overview",
    "kpis",
    "campaigns",
    "canvases",
    "revenue",
    "events",
    "news-feed",
    "segments",
    "user-lookup",
]

OPEN_WITHOUT_CARDS = {"overview", "news-feed", "segments", "user-lookup"}


@pytest.fixture
def small_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(120_000)
    yield page
    context.close()


def clipped_text(page: Any) -> list[str]:
    return list(page.evaluate(CLIPPED_JS))


@pytest.mark.parametrize("path", PAGES)
def test_cards_and_labels_are_whole_at_1280(app_url: str, small_page: Any, path: str) -> None:
    small_page.goto(f"{app_url}/{path}")
    wait_for_app(small_page)
    assert small_page.locator("[data-testid='stException']").count() == 0
    if path not in OPEN_WITHOUT_CARDS:
        small_page.locator("[data-testid='stMetric']").first.wait_for()
    clipped = clipped_text(small_page)
    if clipped:
        screenshot(small_page, f"clipped-{path}-1280")
    assert clipped == [], f"clipped on /{path} at 1280×800: {clipped}"


def test_campaign_and_canvas_cards_are_whole_at_1280(
    app_url: str, small_page: Any, sandbox: Any
) -> None:
    ws = sandbox.sandbox.workspace
    today = ws.today
    campaign = next(c for c in ws.campaigns if c.multivariate and c.active_on(today, today))
    canvas = max(ws.canvases, key=lambda c: len(c.steps))
    for path in (f"campaigns?campaign_id={campaign.id}", f"canvases?canvas_id={canvas.id}"):
        small_page.goto(f"{app_url}/{path}")
        wait_for_app(small_page)
        small_page.locator("[data-testid='stMetric']").first.wait_for()
        assert small_page.locator("[data-testid='stException']").count() == 0
        clipped = clipped_text(small_page)
        assert clipped == [], f"clipped on /{path} at 1280×800: {clipped}"


def test_a_profile_is_whole_at_1280(app_url: str, small_page: Any, sandbox: Any) -> None:
    users = sandbox.sandbox.workspace.users
    person = next(u for u in users if "external_id" in u and u.get("campaigns_received"))
    small_page.goto(f"{app_url}/user-lookup")
    wait_for_app(small_page)
    assert clipped_text(small_page) == [], "the lookup form is cut off"
    small_page.get_by_label("External ID", exact=True).fill(person["external_id"])
    small_page.get_by_role("button", name="Look up").click()
    wait_for_app(small_page)
    small_page.locator("[data-testid='stMetric']").first.wait_for()
    clipped = clipped_text(small_page)
    assert clipped == [], f"clipped on a profile at 1280×800: {clipped}"
