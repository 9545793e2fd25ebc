"""The revenue page against the demo sandbox over real HTTP; numbers checked with plain requests."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import requests

from dashboard.filters import preset_range, utc_today
from dashboard.safe_csv import to_csv_bytes
from tests.conftest import chart_titles, rendered_text, sent_charts
from tests.vega_specs import data_of, layers, texts

REVENUE, QUANTITY = "/purchases/revenue_series", "/purchases/quantity_series"


def sandbox_get(sandbox, path: str, **params) -> dict:
    """One plain GET against the sandbox, independent of our client."""
    from braze_sandbox import SANDBOX_API_KEY

    response = requests.get(
        sandbox.url + path,
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def sandbox_total(sandbox, path: str, key: str, start: date, end: date, **params) -> float:
    """Sum of a daily series over [start, end] (≤ 100 days) as the sandbox reports it."""
    body = sandbox_get(
        sandbox,
        path,
        length=(end - start).days + 1,
        ending_at=f"{end.isoformat()}T23:59:59Z",
        **params,
    )
    return sum(
        p[key] for p in body["data"] if start.isoformat() <= p["time"][:10] <= end.isoformat()
    )


def all_products(sandbox) -> list[str]:
    names, page = [], 0
    while True:
        chunk = sandbox_get(sandbox, "/purchases/product_list", page=page)["products"]
        names += chunk
        if len(chunk) < 250:
            return names
        page += 1


def test_cards_and_table_equal_the_sandbox(app_test, demo) -> None:
    at = app_test("revenue")
    assert not at.exception
    start, end = preset_range("Last 30 days", utc_today())
    revenue = sandbox_total(demo, REVENUE, "revenue", start, end)
    purchases = sandbox_total(demo, QUANTITY, "purchase_quantity", start, end)
    cards = {m.label: m.value for m in at.metric}
    assert cards == {
        "Purchase revenue · total": f"${revenue:,.2f}",
        "Purchases · total": f"{purchases:,.0f}",
        "Average revenue per purchase": f"${revenue / purchases:,.2f}",
    }

    table = at.dataframe[0].value
    products = all_products(demo)
    assert sorted(table["product"]) == sorted(products)
    for product in products:
        row = table[table["product"] == product].iloc[0]
        assert row["revenue"] == pytest.approx(
            sandbox_total(demo, REVENUE, "revenue", start, end, product=product), abs=0.005
        )
        assert row["purchases"] == sandbox_total(
            demo, QUANTITY, "purchase_quantity", start, end, product=product
        )
    assert table["revenue"].sum() == pytest.approx(revenue, abs=0.01 * len(products))
    # shares as drawn: one decimal of a percent each (display.PERCENT_DECIMALS)
    assert table["share_of_revenue"].sum() == pytest.approx(1.0, abs=1e-3 + 5e-4 * len(table))
    assert list(table["revenue"]) == sorted(table["revenue"], reverse=True)


def _series_names(spec: dict) -> list[str]:
    """The products a sent series chart draws, in legend order (each one with points)."""
    names = layers(spec)[0]["encoding"]["color"]["scale"]["domain"]
    assert set(data_of(spec)["series"]) == set(names)
    return list(names)


def test_two_products_draw_two_traces_overlay_and_stacked(app_test, demo) -> None:
    at = app_test("revenue")
    picked = ["Premium Monthly", "Café crème"]
    at.multiselect(key="rev_products").set_value(picked).run()
    assert not at.exception
    drawn = sent_charts(at)
    assert not at.get("plotly_chart")
    selected = drawn["Purchase revenue per day · selected products"]
    assert _series_names(selected) == picked
    assert layers(selected)[0]["encoding"]["y"]["stack"] is None
    assert _series_names(drawn["Purchases per day · selected products"]) == picked
    assert _series_names(drawn["Purchase revenue per day · all products"]) == ["All products"]
    assert at.query_params["product"] == picked

    start, end = preset_range("Last 30 days", utc_today())
    expected = sandbox_total(demo, REVENUE, "revenue", start, end, product="Café crème")
    points = data_of(selected)
    drawn_total = points.loc[points["series"] == "Café crème", "value"].sum()
    assert drawn_total == pytest.approx(expected, abs=0.01)

    at.radio(key="rev_view").set_value("Stacked").run()
    stacked = sent_charts(at)["Purchase revenue per day · selected products (stacked)"]
    assert layers(stacked)[0]["encoding"]["y"]["stack"] == "zero"
    assert _series_names(stacked) == picked
    assert at.query_params["view"] == "stacked"


def test_a_link_selects_products(app_test) -> None:
    # AppTest's first run is the KPI page, which keeps one value per key; the browser test
    # covers a link with several products.
    at = app_test("revenue", query={"product": "Remove Ads", "view": "stacked"})
    assert not at.exception
    assert at.multiselect(key="rev_products").value == ["Remove Ads"]
    assert at.radio(key="rev_view").value == "Stacked"
    assert "Purchase revenue per day · selected products (stacked)" in chart_titles(at)


def test_a_150_day_range_and_the_period_before_are_three_back_to_back_windows(
    app_test, demo
) -> None:
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=149)
    demo.clear_requests()
    at = app_test(
        "revenue", query={"range": "custom", "start": start.isoformat(), "end": end.isoformat()}
    )
    assert not at.exception
    calls = [r for r in demo.requests if r.path == REVENUE and not r.query.get("product")]
    windows = sorted(
        (datetime.fromisoformat(r.query["ending_at"]).date(), int(r.query["length"])) for r in calls
    )
    # 300 days (the range and the 150 before) as 100-day windows laid back from the end
    assert windows == [
        (end - timedelta(days=200), 100),
        (end - timedelta(days=100), 100),
        (end, 100),
    ]

    older = sandbox_total(demo, REVENUE, "revenue", start, start + timedelta(days=49))
    newer = sandbox_total(demo, REVENUE, "revenue", start + timedelta(days=50), end)
    assert {m.label: m.value for m in at.metric}[
        "Purchase revenue · total"
    ] == f"${older + newer:,.2f}"
    before = sandbox_total(
        demo, REVENUE, "revenue", start - timedelta(days=150), start - timedelta(days=76)
    ) + sandbox_total(
        demo, REVENUE, "revenue", start - timedelta(days=75), start - timedelta(days=1)
    )
    table = next(d.value for d in at.dataframe if "revenue_previous" in d.value)
    assert table["revenue_previous"].sum() == pytest.approx(before, abs=0.01 * len(table))


def test_hourly_view_states_the_timezone(app_test, demo) -> None:
    at = app_test("revenue", query={"range": "last_7", "tz": "Asia/Tokyo"})
    demo.clear_requests()
    at.toggle(key="rev_hourly").set_value(True).run()
    assert not at.exception
    titles = chart_titles(at)
    assert "Purchase revenue per hour (Asia/Tokyo) · all products" in titles
    hourly = [r for r in demo.requests if r.path == REVENUE and r.query.get("unit") == "hour"]
    assert hourly and all(int(r.query["length"]) <= 100 for r in hourly)
    hours = data_of(sent_charts(at)["Purchase revenue per hour (Asia/Tokyo) · all products"])
    start, _ = preset_range("Last 7 days", utc_today())
    assert hours["time"].iloc[0] == f"{start.isoformat()}T00:00:00Z"  # Tokyo midnight
    assert len(hours) == 7 * 24
    assert at.query_params["unit"] == "hour"


def test_hourly_is_disabled_for_long_ranges(app_test) -> None:
    at = app_test("revenue")
    assert at.toggle(key="rev_hourly").disabled
    assert any("up to 7 days" in c.value for c in at.caption)


def test_a_failing_series_shows_a_message_and_the_rest_renders(app_test, demo) -> None:
    demo.inject(QUANTITY, 500)
    at = app_test("revenue")
    assert not at.exception
    assert any("(500)" in e.value and QUANTITY in e.value for e in at.error)
    assert "Purchase revenue per day · all products" in chart_titles(at)
    assert "Traceback" not in rendered_text(at)


def test_product_list_failure_keeps_the_all_products_view(app_test, demo) -> None:
    demo.inject("/purchases/product_list", 401)
    at = app_test("revenue")
    assert not at.exception
    assert any("refused the key" in e.value for e in at.error)
    assert "Purchase revenue per day · all products" in chart_titles(at)


def test_untrusted_product_names_are_escaped_and_neutralised(app_test) -> None:
    evil = '=HYPERLINK("http://evil.example","click")'
    at = app_test("revenue")
    at.multiselect(key="rev_products").set_value([evil]).run()
    assert not at.exception
    charts = sent_charts(at)
    assert _series_names(charts["Purchase revenue per day · selected products"]) == [evil]
    assert evil in set(data_of(charts["Purchase revenue by product"])["product"])  # as data
    assert not any("&lt;" in t or "&quot;" in t for spec in charts.values() for t in texts(spec))
    table = at.dataframe[0].value
    parsed = pd.read_csv(io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig")
    assert "'" + evil in set(parsed["product"])
    assert not any(str(p).startswith("=") for p in parsed["product"])


def test_the_empty_state_shows_the_app_name_literally(app_test, demo, monkeypatch) -> None:
    from dashboard.widgets import md_escape
    from tests.test_kpis_page import HOSTILE_APP, empty_app_page

    at = empty_app_page(app_test, demo, monkeypatch, "revenue")
    assert not at.exception
    notes = [i.value for i in at.info if "no purchase data" in i.value]
    assert notes and f"for {md_escape(HOSTILE_APP)}." in notes[0], notes
