"""Page text speaks a marketer's language: no API paths in what a page says.

Every page is rendered on the demo (and the detail views by their deep links); the text a
reader sees (titles, captions, markdown, notes, labels) must not name a Braze endpoint. Help
tooltips (``help=``) may: they are where such details belong.
"""

from __future__ import annotations

import re

import pytest

from dashboard import navigation
from dashboard.settings import demo_sandbox
from tests.conftest import CANVAS_TABS

# A Braze REST path or an endpoint family name, as it would read in page text.
API_PATH = re.compile(
    r"/(campaigns|canvas|kpi|users|events|sends|segments|feed|sessions|purchases|"
    r"custom_attributes|export)(/|\b)|data_series|data_summary"
)
# elements whose text a reader sees; tooltips (help) are not part of their value
VISIBLE = (
    "title",
    "header",
    "subheader",
    "caption",
    "markdown",
    "info",
    "warning",
    "success",
    "text",
    "expander",
    "tab",
)


def _visible_text(at) -> list[str]:
    texts: list[str] = []
    for kind in VISIBLE:
        for element in at.get(kind):
            value = getattr(element, "value", None)
            label = getattr(element, "label", None)
            texts += [str(v) for v in (value, label) if isinstance(v, str)]
    texts += [m.label for m in at.metric]
    for kind in ("selectbox", "multiselect", "toggle", "button", "radio", "text_input"):
        texts += [str(w.label) for w in at.get(kind)]
    return texts


def _detail_links() -> list[tuple[str, dict[str, str]]]:
    ws = demo_sandbox().workspace
    campaign = next(c for c in ws.campaigns if c.first_sent is not None and not c.archived)
    canvas = next(c for c in ws.canvases if c.steps and c.first_entry is not None)
    segment = next(s for s in ws.segments if s.analytics_tracking_enabled)
    return [
        ("campaigns", {"campaign_id": campaign.id}),
        *(("canvases", {"canvas_id": canvas.id, "tab": tab}) for tab in CANVAS_TABS),
        ("segments", {"segment_id": segment.id}),
        ("news-feed", {"card_id": ws.cards[0].id}),
    ]


PAGES = [(spec.url_path, {}) for spec in navigation.PAGES]


# a markdown link's target is one of our own pages (/campaigns?campaign_id=...), not text
_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def _check(at, where: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    offending = [t for t in _visible_text(at) if API_PATH.search(_LINK_TARGET.sub("]", t))]
    assert not offending, f"{where} shows API paths: {offending}"


@pytest.mark.parametrize(("page", "query"), PAGES, ids=[p for p, _ in PAGES])
def test_no_page_shows_an_api_path(app_test, page: str, query: dict[str, str]) -> None:
    _check(app_test(page, query=query or None), page)


def test_no_detail_view_shows_an_api_path(app_test) -> None:
    for page, query in _detail_links():
        _check(app_test(page, query=query), f"{page} {query}")


def test_the_pattern_catches_what_the_issue_saw() -> None:
    assert API_PATH.search("From /canvas/data_summary, called once per 14-day window")
    assert API_PATH.search("the event names come from `/events/list`")
    assert API_PATH.search("/kpi/mau")
    assert not API_PATH.search("Custom events compared with 1–30 Oct 2026")
    assert not API_PATH.search("Users who opened / clicked")
