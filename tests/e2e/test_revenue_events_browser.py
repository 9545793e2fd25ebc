"""Revenue and custom events in a real browser: links with several products/events, the numbers
the page shows against the sandbox's, hourly charts on the chosen zone, the CSV download."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlencode

import pandas as pd
import pytest
import requests

from dashboard.filters import preset_range, utc_today
from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

EVIL = '=HYPERLINK("http://evil.example","click")'


def sandbox_total(sandbox, path: str, key: str, start: date, end: date, **params) -> float:
    from braze_sandbox import SANDBOX_API_KEY

    body = requests.get(
        f"{sandbox}{path}",
        params={"length": (end - start).days + 1, "ending_at": f"{end}T23:59:59Z", **params},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    ).json()
    return sum(p[key] for p in body["data"] if str(start) <= p["time"][:10] <= str(end))


#: Vega-Lite charts as drawn (SVG): each chart's title, legend labels, tick labels, the data
#: of its point marks (every series point: the hover layer's points are drawn, only
#: transparent), and each mark's accessible description (Vega-Lite writes one per point from
#: its tooltip fields).
VEGA_CHARTS = """() => Array.from(document.querySelectorAll("[data-testid='stVegaLiteChart']"))
  .map(c => ({
    title: Array.from(c.querySelectorAll('.role-title-text text')).map(t => t.textContent).join(''),
    legend: Array.from(c.querySelectorAll('.role-legend-label text')).map(t => t.textContent),
    ticks: Array.from(c.querySelectorAll('.role-axis-label text')).map(t => t.textContent),
    points: Array.from(c.querySelectorAll('.mark-symbol.role-mark path'))
      .map(p => p.__data__ && p.__data__.datum).filter(Boolean)
      .map(d => ({series: d.series, value: d.value})),
    marks: Array.from(c.querySelectorAll('[aria-label]')).map(x => x.getAttribute('aria-label')),
  }))"""


def vega_charts(page, wanted: str) -> dict[str, dict]:
    """Every drawn Vega-Lite chart by title, once the chart titled ``wanted`` has points."""
    page.wait_for_function(
        f"t => ({VEGA_CHARTS})().some(c => c.title === t && c.points.length > 0)", arg=wanted
    )
    wait_for_app(page)
    return {c["title"]: c for c in page.evaluate(VEGA_CHARTS)}


def test_revenue_link_compares_two_products(app_url: str, page, sandbox) -> None:
    picked = ["Premium Monthly", EVIL]
    query = urlencode([("range", "last_7"), *(("product", p) for p in picked)])
    page.goto(f"{app_url}/revenue?{query}")
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0

    assert page.locator(".js-plotly-plot").count() == 0  # the page no longer loads plotly
    drawn = vega_charts(page, "Purchase revenue per day · selected products")
    selected = drawn["Purchase revenue per day · selected products"]
    assert selected["legend"] == ["Premium Monthly", EVIL]  # shown literally, not as markup
    assert {p["series"] for p in selected["points"]} == {"Premium Monthly", EVIL}

    start, end = preset_range("Last 7 days", utc_today())
    revenue = sandbox_total(sandbox, "/purchases/revenue_series", "revenue", start, end)
    card = page.locator("[data-testid='stMetric']").filter(has_text="Purchase revenue · total")
    assert f"${revenue:,.2f}" in card.inner_text()
    evil = sandbox_total(sandbox, "/purchases/revenue_series", "revenue", start, end, product=EVIL)
    drawn_evil = sum(p["value"] for p in selected["points"] if p["series"] == EVIL)
    assert drawn_evil == pytest.approx(evil)
    # money ticks carry the cards' sign ("$1,000"), never "1e+3"
    for title in ("Purchase revenue per day · selected products", "Purchase revenue by product"):
        money = [t for t in drawn[title]["ticks"] if t.startswith("$")]
        assert len(money) >= 3 and not any("e+" in t for t in money), drawn[title]["ticks"]

    with page.expect_download() as info:
        page.get_by_role("button", name="Download totals (CSV)").click()
    with open(info.value.path(), "rb") as handle:
        table = pd.read_csv(io.BytesIO(handle.read()), encoding="utf-8-sig")
    assert "'" + EVIL in set(table["product"])
    assert table["purchase_revenue_usd"].sum() == pytest.approx(revenue, abs=0.05)
    screenshot(page, "revenue")


def test_events_link_hourly_in_the_chosen_zone(app_url: str, page, sandbox) -> None:
    picked = ["added_cart", "café_visité"]
    query = urlencode(
        [
            ("range", "last_7"),
            ("tz", "Asia/Tokyo"),
            ("unit", "hour"),
            *(("event", e) for e in picked),
        ]
    )
    page.goto(f"{app_url}/events?{query}")
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0

    drawn = vega_charts(page, "Event occurrences per hour (Asia/Tokyo)")
    hourly = drawn["Event occurrences per hour (Asia/Tokyo)"]
    assert hourly["legend"] == picked
    for event in picked:  # one hover point per hour, each described with its event
        assert sum(m.endswith(f"Event: {event}") for m in hourly["marks"]) == 7 * 24, event
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # no plotly chunk
    assert "Sessions per hour (Asia/Tokyo) · All users" in drawn
    assert page.get_by_text("Hour (Asia/Tokyo)").count() >= 1  # the axis states the zone

    start, end = preset_range("Last 7 days", utc_today())
    expected = sandbox_total(
        sandbox, "/events/data_series", "count", start, end, event="added_cart"
    )
    cell = page.locator("[data-testid='stMetric']").filter(has_text="added_cart")
    assert f"{expected:,.0f}" in cell.inner_text()
    assert page.get_by_text("segments are not offered").count() == 1
    screenshot(page, "events")
