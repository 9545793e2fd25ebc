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
import plotly.graph_objects as go
import pytest

from dashboard import navigation
from dashboard.charts.common import axis_title
from dashboard.settings import demo_sandbox

AXIS_KEY = re.compile(r"[xy]axis\d*")
WITH_UNIT = re.compile(r"(.*\S) \(([^()]*)\)")


def _stems(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower())}


def axis_problems(layout: dict) -> list[str]:
    """What is wrong with a figure's axis titles (plotly layout as JSON)."""
    problems = []
    for key, axis in layout.items():
        if not AXIS_KEY.fullmatch(key) or not isinstance(axis, dict):
            continue
        if axis.get("visible") is False:
            continue
        title = axis.get("title")
        text = (title.get("text") if isinstance(title, dict) else title) or ""
        if not str(text).strip():
            problems.append(f"{key} has no title")
            continue
        match = WITH_UNIT.fullmatch(str(text))
        unit = _stems(match[2]) if match else set()
        if match and (match[2].lower() == "count" or (unit and unit <= _stems(match[1]))):
            problems.append(f"{key} repeats its unit: {text!r}")
    return problems


def _layout(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())["layout"]


def spec_axis_problems(spec: dict) -> list[str]:
    """What is wrong with a Vega-Lite chart's axis titles: each drawn x / y axis is titled
    (the first layer that titles it names it) and the title does not repeat its unit."""
    from tests.vega_specs import layers

    drawn: dict[str, str] = {}
    for layer in layers(spec):
        for channel in ("x", "y"):
            encoding = layer.get("encoding", {}).get(channel)
            if not encoding or encoding.get("axis", {}) is None:
                continue
            if not drawn.get(channel):
                drawn[channel] = str(encoding.get("title") or "")
    return [
        problem
        for channel, title in drawn.items()
        for problem in axis_problems({f"{channel}axis": {"title": {"text": title}}})
    ]


def figure_axis_problems(fig: go.Figure | dict) -> list[str]:
    """Axis problems of a builder's result: a Vega-Lite spec or (until the merge) a plotly figure."""
    return spec_axis_problems(fig) if isinstance(fig, dict) else axis_problems(_layout(fig))


def test_axis_title_adds_a_unit_only_when_it_says_something() -> None:
    assert axis_title("Sessions", "sessions") == "Sessions"
    assert axis_title("New users", "users") == "New users"
    assert axis_title("Uninstalls", "uninstalls") == "Uninstalls"
    assert axis_title("Purchases", "count") == "Purchases"
    assert axis_title("DAU", "users") == "DAU (users)"
    assert axis_title("Revenue", "USD") == "Revenue (USD)"
    assert axis_title("DAU / MAU", "%") == "DAU / MAU (%)"
    assert axis_problems({"yaxis": {"title": {"text": "Sessions (sessions)"}}})
    assert axis_problems({"xaxis": {"title": {"text": ""}}})
    assert not axis_problems({"xaxis": {"visible": False}})
    assert spec_axis_problems({"layer": [{"encoding": {"y": {"field": "value"}}}]})
    assert spec_axis_problems({"encoding": {"x": {"field": "v", "title": "Sessions (sessions)"}}})
    assert not spec_axis_problems({"encoding": {"x": {"field": "v", "axis": None}}})


def _days(n: int = 5) -> pd.Series:
    return pd.Series(pd.date_range(date(2026, 11, 1), periods=n, freq="D"))


def _builder_figures() -> dict[str, go.Figure | dict]:
    from dashboard.charts import kpis, news_feed, revenue, segments

    days = _days()
    out: dict[str, go.Figure | dict] = {}
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
    cards = pd.DataFrame(
        {
            "card": ["A", "B"],
            "impressions": [100.0, 50],
            "clicks": [10.0, 4],
        }
    )
    out["news_feed.totals"] = news_feed.totals_figure(cards)
    counts = pd.DataFrame({"value": ["FR", "DE"], "users": [3, 2], "share": [0.6, 0.4]})
    out["segments.breakdown"] = segments.breakdown_figure(counts, "Users by country")
    coverage = pd.DataFrame({"attribute": ["plan", "tier"], "coverage": [0.5, 0.25]})
    out["segments.coverage"] = segments.coverage_figure(coverage)
    return out


@pytest.mark.parametrize("name", list(_builder_figures()))
def test_builders_title_every_axis_without_doubled_units(name: str) -> None:
    fig = _builder_figures()[name]
    assert not figure_axis_problems(fig), (name, figure_axis_problems(fig))


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


LINKS = [(spec.url_path, False) for spec in navigation.PAGES] + [
    (p, True) for p in ("campaigns", "canvases", "news-feed")
]


@pytest.mark.parametrize(
    ("page", "detail"), LINKS, ids=[f"{p}{'-detail' if d else ''}" for p, d in LINKS]
)
def test_every_chart_on_every_page_titles_its_axes(app_test, page: str, detail: bool) -> None:
    at = app_test(page, query=_detail(page) if detail else None)
    assert not at.exception, [e.value for e in at.exception]
    problems = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        found = spec_axis_problems(spec)
        if found:
            problems[spec["title"]["text"]] = found
    for element in at.get("plotly_chart"):
        layout = json.loads(element.proto.spec)["layout"]
        found = axis_problems(layout)
        if found:
            problems[(layout.get("title") or {}).get("text")] = found
    assert not problems, problems
