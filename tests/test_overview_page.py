"""The overview page and the KPI page's rings, rendered by AppTest against the demo sandbox."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest

from dashboard.charts.kpis import METRIC_STYLES
from dashboard.display import CHANGE_FORMAT
from dashboard.filters import utc_today
from tests.conftest import chart_titles, rendered_text, sent_charts
from tests.vega_specs import data_of, layers, mark_type

DEMO_DROP = utc_today() - timedelta(days=3)  # braze_sandbox.plants.demo_plants


def _marks(spec: dict) -> list[tuple[str, str]]:
    """(mark type, dataset name) per layer: the series, the rings ("flags"), the launches."""
    return [
        (mark_type(layer), (layer.get("data") or {}).get("name", "main")) for layer in layers(spec)
    ]


def _layer_data(spec: dict, name: str) -> pd.DataFrame | None:
    """The frame of the layer drawing dataset ``name`` (None when no layer draws it)."""
    for layer in layers(spec):
        if (layer.get("data") or {}).get("name", "main") == name:
            return data_of(spec, layer)
    return None


def test_the_root_opens_the_overview_with_the_demo_findings(app_test) -> None:
    at = app_test()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["What changed"]
    text = "\n".join(m.value for m in at.markdown)
    assert f"DAU on {DEMO_DROP:%a %d %b} was" in text and "below what the previous" in text
    assert "started sending on" in text  # the demo's planted launch
    assert "[Open KPIs](/kpis?range=last_30)" in text
    assert "/campaigns?campaign_id=" in text
    assert {s.value for s in at.subheader} >= {"Unusual days", "Launches and stops", "Top movers"}
    assert not at.get("plotly_chart")  # no plotly chunk on the home page
    titles = chart_titles(at)
    assert len(titles) == 5
    dau = sent_charts(at)["Daily active users"]
    assert _marks(dau) == [
        ("line", "main"),
        ("point", "main"),  # the nearest day's tooltip
        ("point", "flags"),
        ("rule", "launches"),
    ]
    assert len(at.tabs) == 4
    assert "Download every finding (CSV)" in rendered_text(at)
    assert "Traceback" not in rendered_text(at)
    assert len(at.dataframe) >= 4  # one movers table per kind
    for table in at.dataframe:  # an item new in the range has no relative change: "—", never None
        relative = table.value["relative"].astype("Float64")  # percents, one decimal (display)
        known = relative.dropna()
        assert ((known * 10).round() == known * 10).all()
        config = json.loads(table.proto.columns)["relative"]["type_config"]
        assert config["format"] == CHANGE_FORMAT
        assert table.proto.placeholder == "—"


def test_links_keep_the_view(app_test, demo) -> None:
    app_id = demo.workspace.apps[0].id
    at = app_test("overview", query={"range": "last_7", "app": app_id})
    assert not at.exception
    assert at.session_state["filters"].days == 7
    links = [
        link
        for frame in (d.value for d in at.dataframe)
        if "link" in frame
        for link in frame["link"].dropna()
    ]
    assert links and all(link.endswith(f"&range=last_7&app={app_id}") for link in links)
    assert any(link.startswith("/events?event=") for link in links)
    assert any(link.startswith("/campaigns?campaign_id=") for link in links)


def test_a_failing_part_says_so_and_the_rest_renders(app_test, demo) -> None:
    demo.inject("/canvas/data_series", 500)
    at = app_test("overview")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("the canvases" in e and "(500)" in e for e in errors), errors
    assert "Unusual days" in {s.value for s in at.subheader}
    assert len(chart_titles(at)) == 5
    # "nothing unusual" is said only when it is known: not with a part missing
    assert not any(s.value.startswith("Nothing unusual") for s in at.success)


def test_the_kpi_page_rings_the_same_unusual_days_and_marks_the_launches(app_test, demo) -> None:
    at = app_test("kpis")
    assert not at.exception
    charts = sent_charts(at)
    rings = _layer_data(charts[METRIC_STYLES["dau"].title], "flags")
    assert rings is not None and DEMO_DROP.isoformat() in rings["day"].tolist()
    assert "below what the previous" in rings["why"].iloc[0] or len(rings) > 1
    # the demo's planted launch (braze_sandbox.plants.demo_plants), on every daily chart
    launched = demo.workspace.campaigns[1]
    day = utc_today() - timedelta(days=6)
    for title in [METRIC_STYLES[m].title for m in ("mau", "dau", "new_users", "uninstalls")]:
        marks = _layer_data(charts[title], "launches")
        assert marks is not None and not marks.empty, title
        hover = dict(zip(marks["day"], marks["what"], strict=True))
        assert f"“{launched.name}” started sending" in hover[day.isoformat()], title
    assert "dotted lines" in "\n".join(c.value for c in at.caption)

    # the same marks as the overview's charts, and after the overview nothing new is sent
    overview = app_test("overview")
    before = len(demo.requests)
    again = app_test("kpis")
    assert demo.requests[before:] == []
    for title in (METRIC_STYLES["dau"].title, METRIC_STYLES["sessions"].title):
        mine = _layer_data(sent_charts(again)[title], "launches")
        theirs = _layer_data(sent_charts(overview)[title], "launches")
        assert mine is not None and theirs is not None, title
        assert mine["day"].tolist() == theirs["day"].tolist(), title

    at.toggle(key="kpi_launches").set_value(False).run()
    dau = sent_charts(at)[METRIC_STYLES["dau"].title]
    assert _layer_data(dau, "launches") is None


@pytest.fixture
def flat_workspace(demo, monkeypatch):
    """A workspace where nothing changes: flat series, no campaigns, no Canvases."""
    from braze_sandbox import SANDBOX_API_KEY, Sandbox, routes
    from dashboard.settings import Workspace

    def flat(source, days, hours, name, as_float_cents=False):
        if hours is not None:
            return [{"time": h.strftime("%Y-%m-%dT%H:00:00Z"), name: 10} for h in hours]
        return [{"time": d.isoformat(), name: 240} for d in days or []]

    monkeypatch.setattr(routes, "points", flat)
    box = Sandbox(users=50, campaigns=0)
    box.workspace.canvases.clear()
    box.start()
    yield Workspace(base_url=box.url, api_key=SANDBOX_API_KEY, label="flat")
    box.stop()


def test_when_nothing_is_unusual_the_page_says_so(app_test, flat_workspace) -> None:
    from dashboard.settings import OVERRIDE_KEY

    at = app_test("overview")
    at.session_state[OVERRIDE_KEY] = flat_workspace
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert any(s.value.startswith("Nothing unusual in this range") for s in at.success)
    infos = " ".join(i.value for i in at.info)
    assert "No unusual KPI day" in infos and "No campaign or Canvas started" in infos


def test_each_finding_link_opens_its_page_on_that_item_with_the_same_view(app_test, demo) -> None:
    """Follow one link of each kind from the overview (last 7 days, one app): the page opens on
    the same range and app, with the linked campaign, Canvas, event or product chosen."""
    from urllib.parse import parse_qsl, urlsplit

    from dashboard.widgets import md_escape

    ws = demo.workspace
    app_id = ws.apps[0].id
    at = app_test("overview", query={"range": "last_7", "app": app_id})
    assert not at.exception
    view_filters = at.session_state["filters"]
    links: dict[str, str] = {}
    for frame in (d.value for d in at.dataframe):
        for link in frame.get("link", pd.Series([], dtype="string")).dropna():
            links.setdefault(urlsplit(link).path, link)
    text = "\n".join(m.value for m in at.markdown)
    assert f"[Open KPIs](/kpis?range=last_7&app={app_id})" in text
    assert set(links) == {"/campaigns", "/canvases", "/events", "/revenue"}, links

    def follow(link: str):
        parts = urlsplit(link)
        query = dict(parse_qsl(parts.query))
        assert query["range"] == "last_7" and query["app"] == app_id
        page = app_test(parts.path.strip("/"), query=query)
        assert not page.exception, [e.value for e in page.exception]
        assert page.session_state["filters"] == view_filters  # same range, same app
        return page, query

    page, query = follow(links["/campaigns"])
    campaign = ws.campaign_by_id[query["campaign_id"]]
    assert [t.value for t in page.title] == [md_escape(campaign.name)]

    page, query = follow(links["/canvases"])
    assert page.session_state["cv_pick"] == query["canvas_id"]

    page, query = follow(links["/events"])
    assert page.multiselect(key="ev_events").value == [query["event"]]

    page, query = follow(links["/revenue"])
    assert page.multiselect(key="rev_products").value == [query["product"]]
