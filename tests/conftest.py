"""Shared fixtures: a sandbox over real HTTP, the app pointed at the demo sandbox, AppTest."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.redis_server import redis_server  # noqa: F401  (a fixture, for every test here)

ROOT = Path(__file__).resolve().parents[1]
APP_TIMEOUT = 60.0  # seconds per AppTest run: generous for a shared 2-core machine

# The tests' demo (in process and in the servers the browser tests start, which inherit the
# environment) carries the hostile names every escaping test relies on; a real demo never does.
os.environ["DASHBOARD_DEMO_HOSTILE_NAMES"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, every browser test runs on one worker: one `streamlit run` server and
    one Chromium for the whole browser suite, while the other workers take the rest."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    """A sandbox of our own (not the app's demo one), for tests that need a second workspace.

    It holds the demo's data (same seed and planted changes), so browser tests can check the
    dashboard's numbers against it."""
    from braze_sandbox import SANDBOX_API_KEY, demo_plants, start_sandbox
    from dashboard.filters import utc_today

    # enforce the key, so a wrong one gets 401
    url = start_sandbox(
        api_key=SANDBOX_API_KEY, plants=demo_plants(utc_today()), hostile_names=True
    )
    yield url
    url.stop()


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The app in demo mode on the process's demo sandbox, with a clean cache and request log."""
    from dashboard.cache import CACHE
    from dashboard.settings import demo_sandbox

    for name in ("BRAZE_API_KEY", "BRAZE_REST_ENDPOINT", "BRAZE_APPS"):
        monkeypatch.delenv(name, raising=False)
    sandbox = demo_sandbox()
    sandbox.clear_injections()
    sandbox.clear_requests()
    CACHE.clear()
    yield sandbox
    sandbox.clear_injections()
    CACHE.clear()


@pytest.fixture
def app_test(demo: Any) -> Callable[..., Any]:
    """``app_test("kpis")`` -> an AppTest that has run the app on that page.

    The page is chosen before the first run, so a test of one page does not also load the
    default page (the overview, which reads every other page's data). ``app_test()`` runs
    the root URL as a browser opens it.
    """
    from streamlit.testing.v1 import AppTest

    def make(page: str | None = None, query: dict[str, str] | None = None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
        if query:
            at.query_params.update(query)
        return open_page(at, page)

    return make


def open_page(at: Any, page: str | None) -> Any:
    """Run a fresh AppTest on ``page``'s address, as a deep link opens it (None: the root).

    st.navigation keys a page by the hash of its url_path; AppTest's ``switch_page`` only
    works after a first run, which would load the default page (the overview, which reads
    every other page's data) first.
    """
    from streamlit.util import calc_hash

    from dashboard.navigation import page_for

    if page is None:
        return at.run()
    wanted = calc_hash(page_for(page.replace("_", "-")).url_path)
    at._page_hash = wanted
    at.run()
    if at._finished_page_script_hash != wanted:  # a Streamlit change: go the long way
        at.switch_page(page_file(page)).run()
    return at


#: The Canvases page draws only its open tab (the label is the ``tab`` query parameter): a test
#: of something outside the first tab opens that tab, and one of every chart or table on the
#: page opens each in turn.
CANVAS_TABS = ("Performance", "Variants", "Steps", "Channel health", "Journey map")


class PageLink(NamedTuple):
    """One address a cross-page test opens: a page, or its detail view (``detail`` set: the
    test's own query for it), on the Canvases page one link per tab."""

    page: str
    detail: bool = False
    tab: str = ""

    @property
    def id(self) -> str:
        return self.page + ("-detail" if self.detail else "") + (f"-{self.tab}" if self.tab else "")

    def query(self, detail: Callable[[str], dict[str, str]]) -> dict[str, str] | None:
        if not self.detail:
            return None
        return {**detail(self.page), **({"tab": self.tab} if self.tab else {})}


def page_links(pages: Sequence[str], details: Sequence[str]) -> list[PageLink]:
    """Every page, then every detail view; the Canvases detail once per tab (only the open
    tab is drawn)."""
    links = [PageLink(page) for page in pages]
    for page in details:
        tabs = CANVAS_TABS if page == "canvases" else ("",)
        links += [PageLink(page, True, tab) for tab in tabs]
    return links


def open_tab(at: Any, label: str) -> Any:
    """Open the tab ``label`` (``?tab=``) of the page ``at`` shows and rerun it."""
    at.query_params["tab"] = label
    return at.run()


def page_file(name: str) -> str:
    """``page_file("user_lookup")`` -> "pages/user_profiles.py" (by url_path, ``_`` or ``-``)."""
    from dashboard.navigation import page_for

    return page_for(name.replace("_", "-")).file


def rendered_text(at: Any) -> str:
    """Every element's protobuf as text: what the browser would be sent for this run."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(getattr(at, "_tree", at))
    return "\n".join(parts)


def chart_titles(at: Any) -> list[str]:
    """The titles of the charts on the page, as sent."""
    import json

    titles = [json.loads(e.proto.spec)["title"]["text"] for e in at.get("vega_lite_chart")]
    return titles


def sent_charts(at: Any) -> dict[str, dict]:
    """Chart title -> its Vega-Lite spec as sent to the browser, with every dataset put back
    (``datasets``: name -> DataFrame; the main data, sent apart, under "main")."""
    from tests.vega_specs import sent_spec

    return {spec["title"]["text"]: spec for spec in map(sent_spec, at.get("vega_lite_chart"))}


@pytest.fixture
def redis_ws(
    sandbox: Any,
    redis_server: Any,  # noqa: F811  (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    """A workspace on ``sandbox`` with ``REDIS_URL`` pointing at a fresh redis-server: fresh
    clients (slots, budget), the in-process cache empty and the request log clear."""
    from cachetools import LRUCache

    from braze_sandbox import SANDBOX_API_KEY
    from dashboard import settings
    from dashboard.cache import CACHE
    from dashboard.settings import Workspace

    monkeypatch.setattr(settings, "_clients", LRUCache(maxsize=16))
    CACHE.clear()
    sandbox.sandbox.clear_requests()
    sandbox.sandbox.clear_injections()
    yield Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY, label="test")
    CACHE.clear()
