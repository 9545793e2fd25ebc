"""The page makes no request to anyone but the dashboard's own server, on every page.

Chromium records every request the page makes (``page.on("request")``) while each page of the
demo opens, a profile is looked up and its map stays off. The sandbox the demo reads is
server-side: the browser only ever talks to the dashboard's origin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from dashboard.navigation import PAGES
from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.browser


def _foreign(requests_seen: list[str], origin: str) -> list[str]:
    def own(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == origin

    return [url for url in requests_seen if not own(url)]


def test_every_page_talks_only_to_its_own_origin(app_url: str, page: Any, sandbox: Any) -> None:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("websocket", lambda ws: seen.append(ws.url.replace("ws", "http", 1)))
    for spec in PAGES:
        page.goto(f"{app_url}/{spec.url_path}")
        wait_for_app(page)
        assert page.locator("[data-testid='stException']").count() == 0, spec.url_path
    icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
    assert not urlsplit(icon).netloc or icon.startswith(app_url), icon

    # a profile with a known location: its map is opt-in, so nothing is fetched for it
    person = next(u for u in sandbox.sandbox.workspace.users if u.get("last_coordinates"))
    page.goto(f"{app_url}/user-lookup")
    wait_for_app(page)
    page.get_by_label("External ID", exact=True).fill(person["external_id"])
    page.get_by_role("button", name="Look up").click()
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")
    page.wait_for_timeout(1500)  # let anything lazy (fonts, tiles, icons) ask

    assert len(seen) > 20, "the recorder saw the page load"
    assert any("/_stcore/stream" in url for url in seen), "the websocket was recorded"
    assert _foreign(seen, app_url) == []
