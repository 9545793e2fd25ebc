"""A deep link on a fresh server runs app.py first: the shared sidebar is there, the page right."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import screenshot, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser


def _open_first(browser: Any, url: str, path: str) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    return context, page


def _assert_on_page_with_sidebar(page: Any, path: str, heading: str) -> None:
    sidebar = page.locator("[data-testid='stSidebar']")
    # A first request may run the script twice (a file stem switches to app.py): wait for the
    # shared sidebar to be drawn, or fail after the page's 60 s timeout if it never is.
    sidebar.get_by_text("Demo workspace").first.wait_for()  # app.py's sidebar ran
    sidebar.get_by_text("Date range").first.wait_for()
    wait_for_app(page)
    assert page.url.split("?")[0].rstrip("/").endswith(f"/{path}")
    assert page.locator("[data-testid='stException']").count() == 0
    assert heading in page.locator("h1").first.inner_text()


@pytest.mark.parametrize(
    ("path", "heading"), [("campaigns", "Campaigns"), ("segments", "Segments")]
)
def test_first_request_to_a_deep_link_on_a_fresh_server(
    chromium_path: str, browser: Any, tmp_path: Any, path: str, heading: str
) -> None:
    """Served as the README says: the page, its sidebar, and no "Page not found" dialog."""
    with streamlit_server(tmp_path) as url:  # nobody has opened any page on this server yet
        context, page = _open_first(browser, url, path)
        try:
            _assert_on_page_with_sidebar(page, path, heading)
            assert page.get_by_text("Page not found").count() == 0
            screenshot(page, f"deep-link-{path}")
        finally:
            context.close()


def test_plain_streamlit_run_still_lands_on_the_right_page(
    chromium_path: str, browser: Any, tmp_path: Any
) -> None:
    """`streamlit run app.py` directly: the legacy runner cannot shadow an address."""
    with streamlit_server(tmp_path, launcher=False) as url:
        context, page = _open_first(browser, url, "canvases")
        try:
            _assert_on_page_with_sidebar(page, "canvases", "Canvases")
        finally:
            context.close()


@pytest.mark.parametrize("stem", ["user_profiles", "kpi_overview", "what_changed"])
def test_a_file_stem_address_never_runs_a_page_without_app_py(
    chromium_path: str, browser: Any, tmp_path: Any, stem: str
) -> None:
    """Plain `streamlit run`, first request names a page file: app.py runs, with its sidebar."""
    with streamlit_server(tmp_path, launcher=False) as url:
        context, page = _open_first(browser, url, stem)
        try:
            # app.py ran and opened the default page, with the shared sidebar
            _assert_on_page_with_sidebar(page, "overview", "What changed")
        finally:
            context.close()
