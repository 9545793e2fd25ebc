"""The overview against the sandbox over real HTTP: planted truths found, movers equal to a
ranking computed by hand from the sandbox's own series, and the requests it (re)uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from braze_sandbox import SANDBOX_API_KEY, CampaignPlant, KpiPlant, Plants, Sandbox
from braze_sandbox.messaging import canvas_day
from braze_sandbox.series import Metrics
from dashboard.cache import CACHE
from dashboard.data.kpi_anomalies import load_kpi_anomalies
from dashboard.data.overview import findings_table, load_overview
from dashboard.filters import Filters, default_filters, utc_today
from dashboard.insights.movers import MIN_SHARE, TOP
from dashboard.safe_csv import to_csv_bytes
from dashboard.settings import Workspace
from tests.conftest import ROOT

TODAY = utc_today()
DROP = TODAY - timedelta(days=9)
SPIKE = TODAY - timedelta(days=16)
LAUNCH = TODAY - timedelta(days=10)
STOP = TODAY - timedelta(days=12)
PLANTS = Plants(
    kpis=(
        KpiPlant("dau", DROP, 0.6),
        KpiPlant("sessions", DROP, 0.6),
        KpiPlant("uninstalls", SPIKE, 2.0),
    ),
    campaigns=(
        CampaignPlant(5, first_sent=LAUNCH, volume=30_000),
        CampaignPlant(6, first_sent=TODAY - timedelta(days=80), last_sent=STOP, volume=30_000),
    ),
)


def _workspace(box: Sandbox) -> Workspace:
    return Workspace(base_url=box.url, api_key=SANDBOX_API_KEY, label=f"t{id(box)}")


@pytest.fixture(scope="module")
def boxes() -> Iterator[dict[str, Sandbox]]:
    planted, plain = Sandbox(users=300, plants=PLANTS), Sandbox(users=300)
    planted.start()
    plain.start()
    yield {"planted": planted, "plain": plain}
    planted.stop()
    plain.stop()


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    CACHE.clear()
    yield
    CACHE.clear()


def test_planted_kpi_changes_are_flagged_and_explained(boxes: dict[str, Sandbox]) -> None:
    found = load_kpi_anomalies(_workspace(boxes["planted"]), default_filters())
    dau = {a.day: a for a in found.flags["dau"]}
    sessions = {a.day: a for a in found.flags["sessions"]}
    uninstalls = {a.day: a for a in found.flags["uninstalls"]}
    assert DROP in dau and DROP in sessions and SPIKE in uninstalls
    assert -0.5 < dau[DROP].change < -0.3  # a 40% cut of a day that was itself noisy
    assert uninstalls[SPIKE].direction == "spike"
    assert f"DAU on {DROP:%a %d %b} was" in dau[DROP].sentence()
    # the truth: without the plants those days are not flagged
    plain = load_kpi_anomalies(_workspace(boxes["plain"]), default_filters())
    assert DROP not in {a.day for a in plain.flags["dau"]}
    assert SPIKE not in {a.day for a in plain.flags["uninstalls"]}


def test_a_short_range_loads_the_missing_weeks_once(boxes: dict[str, Sandbox]) -> None:
    box = boxes["planted"]
    end = TODAY - timedelta(days=1)
    filters = Filters(end - timedelta(days=9), end)  # DROP is in it
    box.clear_requests()
    found = load_kpi_anomalies(_workspace(box), filters)
    assert DROP in {a.day for a in found.flags["dau"]}
    assert len(box.requests) == 15  # 5 metrics x (range, previous period, older weeks)
    load_kpi_anomalies(_workspace(box), filters)
    assert len(box.requests) == 15


def test_planted_launch_and_stop_are_found(boxes: dict[str, Sandbox]) -> None:
    box = boxes["planted"]
    page = load_overview(_workspace(box), default_filters())
    launched, stopped = box.workspace.campaigns[5], box.workspace.campaigns[6]
    events = {(x.item_id, x.event): x.day for x in page.launches if x.kind == "campaign"}
    assert events[(launched.id, "started")] == LAUNCH
    assert events[(stopped.id, "stopped")] == STOP
    new = {m.item_id for m in page.movers["campaign"].new}
    assert launched.id in new
    table = findings_table(page, {"range": "last_30"})
    row = table[(table["finding"] == "started sending") & (table["name"] == launched.name)]
    assert row["link"].tolist() == [f"/campaigns?campaign_id={launched.id}&range=last_30"]
    assert to_csv_bytes(table).startswith(b"\xef\xbb\xbffinding,kind,name,day")


def _days(f: Filters) -> list[date]:
    return [f.start + timedelta(days=i) for i in range(f.days)]


def _hand_ranking(volumes: dict[str, tuple[float, float]]) -> dict[str, list[str]]:
    """The movers rule applied by hand: 1% floor; new/stopped apart; rest by change."""
    floor = max(
        1.0,
        MIN_SHARE * max(sum(c for c, _ in volumes.values()), sum(p for _, p in volumes.values())),
    )
    big = {k: v for k, v in volumes.items() if max(v) >= floor}
    both = {k: (c, p) for k, (c, p) in big.items() if c > 0 and p > 0}
    return {
        "up": sorted(
            (k for k, (c, p) in both.items() if c > p),
            key=lambda k: (-(both[k][0] - both[k][1]), k.casefold(), k),
        )[:TOP],
        "down": sorted(
            (k for k, (c, p) in both.items() if c < p),
            key=lambda k: (both[k][0] - both[k][1], k.casefold(), k),
        )[:TOP],
        "new": sorted((k for k, (c, p) in big.items() if p == 0 < c), key=lambda k: -big[k][0])[
            :TOP
        ],
        "stopped": sorted((k for k, (c, p) in big.items() if c == 0 < p), key=lambda k: -big[k][1])[
            :TOP
        ],
    }


def test_movers_match_a_ranking_computed_from_the_sandbox_series(boxes: dict[str, Sandbox]) -> None:
    box = boxes["plain"]
    filters = default_filters()
    periods = (filters, filters.previous_period())
    page = load_overview(_workspace(box), filters)
    metrics, ws = Metrics(box.workspace), box.workspace

    events = {
        e: tuple(
            float(sum(metrics.event(e, None, None).daily(d) for d in _days(f))) for f in periods
        )
        for e in ws.events
    }
    products = {
        p.name: tuple(
            sum(metrics.revenue_cents(p.name, None).daily(d) for d in _days(f)) / 100
            for f in periods
        )
        for p in ws.products
    }
    canvases = {
        c.name: tuple(
            float(
                sum(
                    canvas_day(ws.seed, c, d, ws.today, False)["total_stats"]["entries"]
                    for d in _days(f)
                )
            )
            for f in periods
        )
        for c in ws.canvases
        if not c.archived
    }
    for kind, volumes, key in (
        ("event", events, "item_id"),
        ("product", products, "item_id"),
        ("canvas", canvases, "name"),
    ):
        expected = _hand_ranking(volumes)
        movers = page.movers[kind]
        shown = {status: [getattr(m, key) for m in getattr(movers, status)] for status in expected}
        assert shown == expected, kind
        assert any(expected.values()), f"{kind}: the sandbox should have movers to compare"
        for m in movers.all():
            assert (m.current, m.previous) == pytest.approx(volumes[getattr(m, key)])


def _by_page(box: Any) -> set[tuple[str, tuple]]:
    return {(r.path, tuple(sorted(r.query.items()))) for r in box.requests}


def test_after_the_other_pages_the_overview_sends_nothing(app_test, demo) -> None:
    """KPIs, campaigns, Canvases, events and revenue first (their defaults, over real HTTP,
    every request counted by the sandbox); then the overview sends no request at all: their
    cached loaders hold both periods of everything it compares."""
    for page in ("kpis", "campaigns", "canvases", "events", "revenue"):
        at = app_test(page)
        assert not at.exception, page
    assert len(demo.requests) > 400  # they did load: the test is not vacuous
    before = len(demo.requests)
    at = app_test("overview")
    assert not at.exception
    assert demo.requests[before:] == []
    assert "Top movers" in {s.value for s in at.subheader}

    # opened again, and the other pages after it: nothing new either
    for page in ("overview", "kpis", "campaigns", "events", "revenue"):
        assert not app_test(page).exception
    assert len(demo.requests) == before


def test_cold_cost_is_what_the_readme_states(demo) -> None:
    """The default 30 days, nothing cached, as README "What changed" states it: the KPIs 10
    (5 series x 2 periods); 1 per campaign (the 250 most recently edited), 5 per Canvas (the
    60-day span in 14-day windows), 1 per custom event and 1 per product (the span in one
    100-day window); and the four lists (one request per page of each)."""
    from dashboard.settings import demo_workspace

    load_overview(demo_workspace(), default_filters())
    counts: dict[str, int] = {}
    for r in demo.requests:
        counts[r.path] = counts.get(r.path, 0) + 1
    ws = demo.workspace
    campaigns = min(250, sum(not c.archived for c in ws.campaigns))
    canvases = sum(not c.archived for c in ws.canvases)
    assert counts.pop("/campaigns/data_series") == campaigns
    assert counts.pop("/canvas/data_series") == 5 * canvases
    assert counts.pop("/events/data_series") == len(ws.events)
    assert counts.pop("/purchases/revenue_series") == len(ws.products)
    kpis = {k: counts.pop(k) for k in list(counts) if k.startswith(("/kpi/", "/sessions/"))}
    assert sum(kpis.values()) == 10
    lists = {"/campaigns/list", "/canvas/list", "/events", "/purchases/product_list"}
    assert set(counts) == lists, counts  # nothing else: no details, no summaries
    total = campaigns + 5 * canvases + len(ws.events) + len(ws.products) + 10
    total += sum(counts.values())
    assert len(demo.requests) == total
    print(f"cold cost {total} requests; lists {counts}")
    # the figure README states for the demo workspace
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"**{total:,} requests**" in readme
