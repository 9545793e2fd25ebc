"""Every chart axis has a title, and no title repeats its unit (issue 17).

"Sessions (sessions)" and "Purchases (count)" say nothing twice: a count's name says what it
counts, and "(unit)" appears only when it adds information ("DAU (users)", "Revenue (USD)").
The chart builders are pure, so their figures are checked directly; then every page and
detail view is rendered on the demo (AppTest over real HTTP) and every chart it sends is
checked the same way.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest

from dashboard import navigation
from dashboard.charts.common import axis_title
from dashboard.settings import demo_sandbox
from tests.conftest import PageLink, page_links

WITH_UNIT = re.compile(r"(.*\S) \(([^()]*)\)")


def _stems(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower())}


def _title_problem(name: str, text: str) -> list[str]:
    match = WITH_UNIT.fullmatch(text)
    unit = _stems(match[2]) if match else set()
    if match and (match[2].lower() == "count" or (unit and unit <= _stems(match[1]))):
        return [f"{name} repeats its unit: {text!r}"]
    return []


def vega_axis_problems(spec: dict) -> list[str]:
    """What is wrong with a Vega-Lite spec's axis titles (each view of a concat on its own).

    A channel whose every layer hides its axis (``"axis": None``) is a diagram's position, not
    a quantity (the journey map), and needs no title. Layers share a view's axes, so one
    layer's title names the axis for all (Vega-Lite prefers an explicit title to field names).
    """
    problems = []
    views = spec.get("vconcat") or spec.get("hconcat") or spec.get("concat") or [spec]
    for n, view in enumerate(views):
        drawn = view.get("layer", [view])
        for channel in ("x", "y"):
            encodings = [
                la["encoding"][channel] for la in drawn if channel in la.get("encoding", {})
            ]
            shown = [e for e in encodings if not ("axis" in e and e["axis"] is None)]
            if not shown:
                continue
            titles = [str(e["title"]) for e in encodings if str(e.get("title") or "").strip()]
            name = f"view {n} {channel}"
            if not titles:
                problems.append(f"{name} has no title")
            for text in titles:
                problems += _title_problem(name, text)
    return problems


def _problems(spec: dict) -> list[str]:
    return vega_axis_problems(spec)


def test_axis_title_adds_a_unit_only_when_it_says_something() -> None:
    assert axis_title("Sessions", "sessions") == "Sessions"
    assert axis_title("New users", "users") == "New users"
    assert axis_title("Uninstalls", "uninstalls") == "Uninstalls"
    assert axis_title("Purchases", "count") == "Purchases"
    assert axis_title("DAU", "users") == "DAU (users)"
    assert axis_title("Revenue", "USD") == "Revenue (USD)"
    assert axis_title("DAU / MAU", "%") == "DAU / MAU (%)"
    no_title = {"layer": [{"encoding": {"x": {"field": "day"}, "y": {"field": "v"}}}]}
    assert vega_axis_problems(no_title) == ["view 0 x has no title", "view 0 y has no title"]
    doubled = {"encoding": {"y": {"field": "v", "title": "Sessions (sessions)"}}}
    assert vega_axis_problems(doubled) == ["view 0 y repeats its unit: 'Sessions (sessions)'"]
    diagram = {"layer": [{"encoding": {"x": {"field": "x", "axis": None}}}]}
    assert not vega_axis_problems(diagram)  # axis-less positions (the journey map)


def _days(n: int = 5) -> pd.Series:
    return pd.Series(pd.date_range(date(2026, 11, 1), periods=n, freq="D"))


def _builder_figures() -> dict[str, dict]:
    from dashboard.charts import kpis, news_feed, revenue, segments

    days = _days()
    out: dict[str, dict] = {}
    for metric in kpis.METRIC_STYLES:
        frame = pd.DataFrame({"date": days, metric: [10.0, 12, 9, 11, 13]})
        out[f"kpis.daily_figure[{metric}]"] = kpis.daily_figure(frame, metric)
    out["kpis.stickiness"] = kpis.stickiness_figure(
        pd.DataFrame({"date": days, "stickiness": [0.02, 0.021, 0.019, 0.02, 0.022]})
    )
    hours = pd.DataFrame(
        {"time": pd.date_range("2026-11-01", periods=4, freq="h"), "sessions": [1.0, 2, 3, 4]}
    )
    out["kpis.hourly_sessions"] = kpis.hourly_sessions_figure(hours, "UTC")
    series = pd.DataFrame({"time": days, "product": "All products", "value": [1.0, 2, 3, 4, 5]})
    for metric in ("revenue", "purchases"):
        out[f"revenue.revenue_figure[{metric}]"] = revenue.revenue_figure(
            series, metric, unit="day", timezone="UTC"
        )
        out[f"revenue.revenue_figure[{metric}, hourly stacked]"] = revenue.revenue_figure(
            series.assign(product=["A", "B", "A", "B", "A"]),
            metric,
            unit="hour",
            timezone="Asia/Tokyo",
            view="Stacked",
        )
    out["revenue.product_revenue"] = revenue.product_revenue_figure(
        pd.DataFrame({"product": ["A", "B"], "revenue": [5.0, 9.0], "share_of_revenue": [0.4, 0.6]})
    )
    cards = pd.DataFrame(
        {
            "card": ["A", "B"],
            "impressions": [100.0, 50],
            "clicks": [10.0, 4],
        }
    )
    out["news_feed.totals"] = news_feed.totals_figure(cards)
    card_days = pd.DataFrame(
        {"time": days, "card": "A", "impressions": [10.0, 12, 9, 11, 13], "ctr": 0.1}
    )
    for metric in ("impressions", "ctr"):
        out[f"news_feed.metric_figure[{metric}]"] = news_feed.metric_figure(
            card_days, metric, "day", "Date (UTC)"
        )
    counts = pd.DataFrame({"value": ["FR", "DE"], "users": [3, 2], "share": [0.6, 0.4]})
    out["segments.breakdown"] = segments.breakdown_figure(counts, "Users by country")
    coverage = pd.DataFrame({"attribute": ["plan", "tier"], "coverage": [0.5, 0.25]})
    out["segments.coverage"] = segments.coverage_figure(coverage)
    out.update(_canvas_figures())
    return out


def _canvas_figures() -> dict[str, dict]:
    from braze_api import frames
    from dashboard.charts import canvases

    totals = pd.DataFrame(
        {
            "time": _days().dt.tz_localize("UTC"),
            "entries": [10, 12, 9, 11, 13],
            "conversions": [1, 2, 1, 2, 3],
            "conversions_by_entry_time": [1, 1, 2, 2, 3],
            "revenue": [10.0, 0, 5, 7, 9],
        }
    )
    variants = pd.DataFrame(
        {
            "time": totals["time"],
            "variant_id": ["a", "b", "a", "b", "a"],
            "variant_name": ["A", "B", "A", "B", "A"],
            "entries": [1, 2, 3, 4, 5],
            "conversions": [0, 1, 0, 1, 0],
            "revenue": [1.0, 2, 3, 4, 5],
        }
    )
    per_variant = variants.groupby(["variant_id", "variant_name"], as_index=False)[
        ["entries", "conversions", "revenue"]
    ].sum()
    channels = pd.DataFrame(
        {
            "step_id": ["s1"],
            "step_name": ["Mail"],
            "kind": ["email"],
            "sent": [10],
            "delivered": [9],
            "opens": [4],
            "clicks": [1],
        }
    )
    details = {
        "variants": [{"id": "v", "name": "A", "first_step_ids": ["s1"]}],
        "steps": [{"id": "s1", "name": "Mail", "channels": ["email"], "next_step_ids": []}],
    }
    return {
        "canvases.entries": canvases.entries_figure(totals),
        "canvases.conversions": canvases.conversions_figure(totals),
        "canvases.revenue": canvases.revenue_figure(totals),
        "canvases.variant_comparison": canvases.variant_comparison_figure(per_variant),
        "canvases.variant_trend": canvases.variant_trend_figure(variants),
        "canvases.step_channel": canvases.step_channel_figure(channels),
        "canvases.journey_map": canvases.step_graph_figure(
            frames.canvas_steps_frame(details), frames.canvas_variants_frame(details)
        ),
    }


def test_the_journey_map_is_an_axis_less_diagram() -> None:
    journey = _canvas_figures()["canvases.journey_map"]
    assert isinstance(journey, dict)
    for layer in journey["layer"]:
        assert layer["encoding"]["x"]["axis"] is None and layer["encoding"]["y"]["axis"] is None
    assert not vega_axis_problems(journey)


@pytest.mark.parametrize("name", list(_builder_figures()))
def test_builders_title_every_axis_without_doubled_units(name: str) -> None:
    fig = _builder_figures()[name]
    assert not _problems(fig), (name, _problems(fig))


def _campaign_specs() -> dict[str, dict]:
    from dashboard.charts import campaigns
    from dashboard.display import parse_currency

    days = _days(2)
    daily = pd.DataFrame(
        {
            "date": list(days) * 2,
            "channel": ["email", "email", "ios_push", "ios_push"],
            "sent": [10.0, 12, 5, 6],
            "opens": [4.0, 5, 1, 2],
            "clicks": [1.0, 2, 0, 1],
            "conversions": [1.0, 1, 0, 2],
        }
    )
    variations = pd.DataFrame(
        {
            "variation_name": ["A", "Control"],
            "channel": ["email", "email"],
            "is_control": [False, True],
            "conversion_rate": [0.03, 0.02],
            "unique_recipients": [100.0, 90.0],
            "conversions": [3.0, 2.0],
        }
    )
    stages = pd.DataFrame(
        {
            "stage": ["Sent", "Delivered"],
            "count": [10.0, 9.0],
            "rate": pd.array([None, 0.9], dtype="Float64"),
            "rate_name": pd.Series([None, "delivery rate"], dtype="string"),
        }
    )
    timing = pd.DataFrame(
        {
            "date": days,
            "conversions": [1.0, 2],
            "conversions_by_send_time": [2.0, 1],
            "revenue": [5.0, 0],
        }
    )
    board = pd.DataFrame({"campaign_id": ["1", "2"], "name": ["A", "B"], "sent": [5.0, 9.0]})
    return {
        "campaigns.channel_lines": campaigns.channel_lines_figure(
            daily, "sent", "Sent", "messages"
        ),
        "campaigns.opens_clicks": campaigns.opens_clicks_figure(daily),
        "campaigns.conversions": campaigns.conversions_figure(daily),
        "campaigns.variation": campaigns.variation_figure(variations),
        "campaigns.variation[counts]": campaigns.variation_figure(
            variations.assign(conversion_rate=None)
        ),
        "campaigns.funnel": campaigns.funnel_figure(stages),
        "campaigns.conversion_timing": campaigns.conversion_timing_figure(timing),
        "campaigns.revenue": campaigns.revenue_figure(timing, parse_currency("EUR")),
        "campaigns.top": campaigns.top_campaigns_figure(board, "sent", "Messages sent"),
    }


def test_vega_axis_problems_finds_untitled_and_doubled_axes() -> None:
    untitled = {"layer": [{"encoding": {"x": {"field": "day"}, "y": {"field": "v", "title": "N"}}}]}
    assert vega_axis_problems(untitled) == ["view 0 x has no title"]
    doubled = {"encoding": {"y": {"field": "v", "title": "Sessions (sessions)"}}}
    assert vega_axis_problems(doubled) == ["view 0 y repeats its unit: 'Sessions (sessions)'"]
    hidden = {"encoding": {"y": {"field": "v", "axis": None}}}
    assert not vega_axis_problems(hidden)


@pytest.mark.parametrize("name", list(_campaign_specs()))
def test_campaign_charts_title_every_axis_without_doubled_units(name: str) -> None:
    spec = _campaign_specs()[name]
    assert not vega_axis_problems(spec), (name, vega_axis_problems(spec))
    assert {"x", "y"} <= {c for layer in spec["layer"] for c in layer["encoding"]}


# ---- every chart a page sends -----------------------------------------------------------


def _detail(page: str) -> dict[str, str]:
    ws = demo_sandbox().workspace
    campaign = next(c for c in ws.campaigns if c.first_sent is not None and not c.archived)
    canvas = next(c for c in ws.canvases if c.steps and c.first_entry is not None)
    return {
        "campaigns": {"campaign_id": campaign.id},
        "canvases": {"canvas_id": canvas.id},
        "news-feed": {"card_id": ws.cards[0].id},
    }[page]


LINKS = page_links(
    [spec.url_path for spec in navigation.PAGES], ("campaigns", "canvases", "news-feed")
)


@pytest.mark.parametrize("link", LINKS, ids=[link.id for link in LINKS])
def test_every_chart_on_every_page_titles_its_axes(app_test, link: PageLink) -> None:
    page = link.page
    at = app_test(page, query=link.query(_detail))
    assert not at.exception, [e.value for e in at.exception]
    problems = {}
    assert not at.get("plotly_chart")
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        found = vega_axis_problems(spec)
        if found:
            problems[spec["title"]["text"]] = found
    assert not problems, problems
