"""Every page with a date range states it in one form (``filters.period_text``), issue 17.

Pages whose figures are compared with the period before say which period that is; the
others state the range alone. Each page is rendered on the demo over real HTTP (AppTest),
for a rolling preset and for a calendar one (compared with the previous month's days).
"""

from __future__ import annotations

import re

import pytest

from dashboard.filters import Filters, period_text, preset_filters, utc_today

# url_path -> whether the page's figures are compared with the period before
DATED_PAGES = {
    "overview": True,
    "kpis": True,
    "campaigns": True,
    "canvases": True,
    "revenue": True,
    "events": True,
    "news-feed": False,
    "segments": False,
}
UNDATED_PAGES = ("custom-attributes", "user-lookup", "control-group")
# the old header form ("02 Nov 2026 – 01 Dec 2026 (30 days, UTC)") and any other hand-made one
OLD_FORM = re.compile(r"\d{2} [A-Z][a-z]{2} \d{4} – \d{2} [A-Z][a-z]{2} \d{4}")
PERIOD = re.compile(r"^\d{1,2}[ –].*\((complete UTC days|UTC days, today partial)\)")


def _header(at) -> str:
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.main.caption]
    assert captions, "the page has no caption under its title"
    return captions[0]


@pytest.mark.parametrize(("page", "compared"), DATED_PAGES.items(), ids=list(DATED_PAGES))
def test_every_dated_page_states_its_period_the_same_way(
    app_test, page: str, compared: bool
) -> None:
    at = app_test(page)
    filters = preset_filters("Last 30 days", utc_today())
    header = _header(at)
    assert header.startswith(period_text(filters, compared=compared)), header
    if not compared:
        assert "compared with" not in header
    shown = [c.value for c in at.main.caption] + [m.value for m in at.main.markdown]
    assert not [t for t in shown if OLD_FORM.search(t)], "a hand-made period line is left"
    # the sidebar's line under the date picker is the same sentence
    assert period_text(filters, compared=True) in " ".join(c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("page", ["campaigns", "revenue", "kpis", "segments"])
def test_a_calendar_range_reads_the_same_on_every_page(app_test, page: str) -> None:
    at = app_test(page, query={"range": "last_month"})
    filters = preset_filters("Last month", utc_today())
    assert filters.comparison == "month"
    assert _header(at).startswith(period_text(filters, compared=DATED_PAGES[page]))


@pytest.mark.parametrize("page", UNDATED_PAGES)
def test_pages_without_a_range_show_no_period_line(app_test, page: str) -> None:
    at = app_test(page)
    assert not at.exception
    assert not [c.value for c in at.main.caption if PERIOD.search(c.value)]


def test_period_text_forms() -> None:
    from datetime import date

    today = date(2026, 12, 2)
    rolling = Filters(date(2026, 11, 2), date(2026, 12, 1))
    assert period_text(rolling, compared=False, today=today) == (
        "2 Nov – 1 Dec 2026 (complete UTC days)"
    )
    assert period_text(rolling, compared=True, today=today) == (
        "2 Nov – 1 Dec 2026 (complete UTC days) compared with 3 Oct – 1 Nov 2026"
    )
    month = Filters(date(2026, 11, 1), date(2026, 11, 30), comparison="month")
    assert period_text(month, compared=True, today=today).endswith("compared with 1–30 Oct 2026")
