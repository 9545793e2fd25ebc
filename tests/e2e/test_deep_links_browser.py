"""A deep link on a fresh server runs app.py first: the shared sidebar is there, the page right."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "heading"), [("campaigns", "Campaigns"), ("segments", "Segments")]
)
def test_first_request_to_a_deep_link_on_a_fresh_server(
    chromium_path: str, browser, tmp_path, path: str, heading: str
) -> None:
    with streamlit_server(tmp_path) as url:  # nobody has opened any page on this server yet
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{url}/{path}")
            wait_for_app(page)
            assert page.url.split("?")[0].rstrip("/").endswith(f"/{path}")
            assert page.locator("[data-testid='stException']").count() == 0
            sidebar = page.locator("[data-testid='stSidebar']")
            assert sidebar.get_by_text("Demo workspace").count() >= 1  # app.py's sidebar ran
            assert sidebar.get_by_text("Date range").count() >= 1
            assert heading in page.locator("h1").first.inner_text()
            screenshot(page, f"deep-link-{path}")
        finally:
            context.close()
