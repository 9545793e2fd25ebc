"""Which pages the dashboard has: their files, titles, icons, sections and stable addresses.

The page files live in ``pages/``. Streamlit 1.67 treats a ``pages/`` folder beside the entry
script as a legacy multipage app until ``st.navigation`` has run once in the process; after
that, a URL whose path equals a file's stem would run that file without ``app.py`` (no
sidebar, no workspace). So **no file stem equals any url_path** (``pages/kpi_overview.py`` is
served at ``/kpis``); ``tests/test_navigation.py`` guards the rule and a browser test the
behaviour on a fresh server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    file: str  # relative to the app's root, e.g. "pages/kpi_overview.py"
    title: str
    icon: str
    url_path: str  # the stable address: /kpis, /campaigns, ...
    section: str
    # Shows personal data: hidden from viewers, whose deep link gets a refusal (dashboard.auth).
    people_data: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/what_changed.py", "What changed", ":material/insights:", "overview", "Overview"
    ),
    PageSpec("pages/kpi_overview.py", "KPIs", ":material/monitoring:", "kpis", "Overview"),
    PageSpec(
        "pages/campaign_performance.py",
        "Campaigns",
        ":material/campaign:",
        "campaigns",
        "Messaging",
    ),
    PageSpec(
        "pages/canvas_journeys.py", "Canvases", ":material/account_tree:", "canvases", "Messaging"
    ),
    PageSpec(
        "pages/news_feed_cards.py",
        "News Feed (legacy)",
        ":material/feed:",
        "news-feed",
        "Messaging",
    ),
    PageSpec("pages/revenue_trends.py", "Revenue", ":material/payments:", "revenue", "Analytics"),
    PageSpec(
        "pages/custom_event_trends.py", "Custom events", ":material/bolt:", "events", "Analytics"
    ),
    PageSpec(
        "pages/segment_explorer.py", "Segments", ":material/group_work:", "segments", "Analytics"
    ),
    PageSpec(
        "pages/custom_attribute_catalog.py",
        "Custom attributes",
        ":material/data_object:",
        "custom-attributes",
        "Analytics",
    ),
    PageSpec(
        "pages/user_profiles.py",
        "User lookup",
        ":material/person_search:",
        "user-lookup",
        "People",
        people_data=True,
    ),
    PageSpec(
        "pages/global_control_group.py",
        "Global Control Group",
        ":material/group_off:",
        "control-group",
        "People",
        people_data=True,
    ),
)

DEFAULT_URL_PATH = "overview"
# The root URL is a hidden page that redirects to the default page's stable address.
HOME_URL_PATH = "home"


def page_for(url_path: str) -> PageSpec:
    """The page served at ``/<url_path>``; KeyError for an unknown address."""
    for spec in PAGES:
        if spec.url_path == url_path:
            return spec
    raise KeyError(url_path)


_app = threading.local()


@contextmanager
def inside_app() -> Iterator[None]:
    """``app.py`` runs the chosen page inside this: the page knows the shared shell ran."""
    _app.active = True
    try:
        yield
    finally:
        _app.active = False


def require_app() -> None:
    """The first line of every page: a page only ever runs inside ``app.py``.

    Served with plain ``streamlit run app.py``, the first request of a fresh process goes
    through Streamlit's legacy runner, which would run ``pages/<stem>.py`` on its own for a URL
    naming a file stem: no sidebar, no workspace choice (and, with sign-in, no gate). Such a
    request is sent to ``app.py`` instead, which opens the default page with everything around it.
    """
    if getattr(_app, "active", False):
        return
    import streamlit as st

    st.switch_page("app.py")
