"""The overview against the sandbox over real HTTP: planted truths found, movers equal to a
ranking computed by hand from the sandbox's own series, and the requests it (re)uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY, CampaignPlant, KpiPlant, Plants, Sandbox
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


# ---- movers against a ranking computed by hand from raw sandbox responses ------------------

FLOOR_SHARE, SHOWN = 0.01, 5  # the movers rules, restated: 1% of the larger period, top 5


def _get(box: Sandbox, path: str, **params: Any) -> Any:
    """One plain GET of the sandbox over HTTP, independent of our client."""
    response = requests.get(
        f"{box.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def _all_pages(box: Sandbox, path: str, key: str) -> list[Any]:
    out, page = [], 0
    while items := _get(box, path, page=page)[key]:
        out += items
        page += 1
    return out


def _end_of(day: date) -> str:
    return f"{day.isoformat()}T23:59:59Z"


def _campaign_sent(box: Sandbox, campaign_id: str, f: Filters) -> float:
    """Messages sent over ``f``'s days: every channel's "sent"; a campaign with only in-app
    messages (which have no "sent") counts their impressions."""
    body = _get(
        box,
        "/campaigns/data_series",
        campaign_id=campaign_id,
        length=f.days,
        ending_at=_end_of(f.end),
    )
    sent, impressions, sends = 0, 0, False
    for entry in body["data"]:
        for channel, variations in entry["messages"].items():
            for stats in variations:
                if "in_app" in channel:
                    impressions += stats.get("impressions", 0)
                else:
                    sends = True
                    sent += stats.get("sent", 0)
    return float(sent if sends else impressions)


def _canvas_entries(box: Sandbox, canvas_id: str, f: Filters) -> float:
    entries, day = 0, f.start
    while day <= f.end:  # Braze serves at most 14 days a call: 7 at a time, by starting_at
        last = min(day + timedelta(days=6), f.end)
        body = _get(
            box,
            "/canvas/data_series",
            canvas_id=canvas_id,
            starting_at=f"{day.isoformat()}T00:00:00Z",
            ending_at=_end_of(last),
        )
        entries += sum(d["total_stats"]["entries"] for d in body["data"]["stats"])
        day = last + timedelta(days=1)
    return float(entries)


def _series_sum(box: Sandbox, path: str, key: str, f: Filters, **params: str) -> float:
    body = _get(box, path, length=f.days, ending_at=_end_of(f.end), **params)
    return float(sum(p[key] or 0 for p in body["data"]))


def _hand_ranking(
    volumes: dict[str, tuple[float, float]], names: dict[str, str]
) -> dict[str, list[str]]:
    """Plain arithmetic: the floor is 1% of the larger period's total (at least 1); new and
    stopped apart, largest first; the rest by absolute change; ties by name, then id."""
    floor = max(
        1.0,
        FLOOR_SHARE * max(sum(c for c, _ in volumes.values()), sum(p for _, p in volumes.values())),
    )
    big = {k: v for k, v in volumes.items() if max(v) >= floor}
    both = {k: (c, p) for k, (c, p) in big.items() if c > 0 and p > 0}

    def tie(k: str) -> tuple[str, str]:
        return (names[k].casefold(), k)

    return {
        "up": sorted(
            (k for k, (c, p) in both.items() if c > p),
            key=lambda k: (-(both[k][0] - both[k][1]), *tie(k)),
        )[:SHOWN],
        "down": sorted(
            (k for k, (c, p) in both.items() if c < p),
            key=lambda k: (both[k][0] - both[k][1], *tie(k)),
        )[:SHOWN],
        "new": sorted(
            (k for k, (c, p) in big.items() if p == 0 < c), key=lambda k: (-big[k][0], *tie(k))
        )[:SHOWN],
        "stopped": sorted(
            (k for k, (c, p) in big.items() if c == 0 < p), key=lambda k: (-big[k][1], *tie(k))
        )[:SHOWN],
    }


def test_movers_match_a_ranking_computed_by_hand_from_raw_responses(
    boxes: dict[str, Sandbox],
) -> None:
    """Campaigns, Canvases, custom events and products: volumes summed from the sandbox's raw
    JSON (plain GETs, one per period), ranked by plain arithmetic, equal to the page's."""
    assert (FLOOR_SHARE, SHOWN) == (MIN_SHARE, TOP)
    box = boxes["planted"]  # planted: a launch (a new campaign) among the movers
    filters = default_filters()
    periods = (filters, filters.previous_period())
    page = load_overview(_workspace(box), filters)

    campaigns = sorted(
        _all_pages(box, "/campaigns/list", "campaigns"),
        key=lambda c: c["last_edited"],
        reverse=True,
    )[:250]
    canvases = _all_pages(box, "/canvas/list", "canvases")
    events = sorted(_all_pages(box, "/events/list", "events"), key=str.casefold)[:300]
    products = _all_pages(box, "/purchases/product_list", "products")
    kinds: dict[str, tuple[dict[str, str], Any]] = {
        "campaign": (
            {c["id"]: c["name"] for c in campaigns},
            lambda i, f: _campaign_sent(box, i, f),
        ),
        "canvas": ({c["id"]: c["name"] for c in canvases}, lambda i, f: _canvas_entries(box, i, f)),
        "event": (
            {e: e for e in events},
            lambda i, f: _series_sum(box, "/events/data_series", "count", f, event=i),
        ),
        "product": (
            {p: p for p in products},
            lambda i, f: _series_sum(box, "/purchases/revenue_series", "revenue", f, product=i),
        ),
    }
    for kind, (names, volume) in kinds.items():
        volumes = {i: (volume(i, periods[0]), volume(i, periods[1])) for i in names}
        expected = _hand_ranking(volumes, names)
        movers = page.movers[kind]
        shown = {status: [m.item_id for m in getattr(movers, status)] for status in expected}
        assert shown == expected, kind
        assert expected["up"] and expected["down"], f"{kind}: nothing to compare"
        for m in movers.all():
            assert (m.current, m.previous) == pytest.approx(volumes[m.item_id]), (kind, m)
    assert page.movers["campaign"].new  # the planted launch, among the ranked


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


def test_the_demo_flags_only_its_planted_days(demo) -> None:
    """The demo's KPI series carry noise but no unplanned bursts: every preset flags exactly
    the planted days, and a whole year of sandbox noise stays under one flag per 90 days."""
    from braze_sandbox import demo_plants
    from dashboard.filters import preset_range
    from dashboard.settings import demo_workspace

    planted = {(p.metric, p.day) for p in demo_plants(TODAY).kpis}
    ws = demo_workspace()
    for preset in ("Last 7 days", "Last 30 days", "Last 90 days"):
        start, end = preset_range(preset, TODAY)
        found = load_kpi_anomalies(ws, Filters(start, end))
        assert {(a.metric, a.day) for a in found.all()} == planted, preset
    end = TODAY - timedelta(days=1)
    year = load_kpi_anomalies(ws, Filters(end - timedelta(days=359), end))
    unplanned = [a for a in year.all() if (a.metric, a.day) not in planted]
    print(f"a year of the demo: {len(unplanned)} unplanned flags over 5 series")
    assert len(unplanned) <= 4, [a.sentence() for a in unplanned]


def test_the_findings_csv_holds_every_finding_once_and_is_formula_safe(
    boxes: dict[str, Sandbox],
) -> None:
    import dataclasses
    import io

    import pandas as pd

    from dashboard.data.overview import findings_csv
    from dashboard.insights.launches import Launch

    ws = _workspace(boxes["planted"])
    page = load_overview(ws, default_filters())
    view = {"range": "last_30"}
    table = pd.read_csv(io.BytesIO(findings_csv(ws, page, view)), encoding="utf-8-sig")
    movers = sum(len(m.all()) for m in page.movers.values())
    assert len(table) == len(page.anomalies.all()) + len(page.launches) + movers
    assert table["finding"].value_counts().to_dict() == {
        **{f"unusual {d}": n for d, n in _count(a.direction for a in page.anomalies.all()).items()},
        **{f"{e} sending": n for e, n in _count(x.event for x in page.launches).items()},
        **{
            label: n
            for label, n in _count(
                {"up": "top riser", "down": "top faller", "new": "new", "stopped": "stopped"}[
                    m.status
                ]
                for ms in page.movers.values()
                for m in ms.all()
            ).items()
        },
    }
    assert table["link"].str.endswith("range=last_30").all()
    assert table["explanation"].notna().all()

    evil = Launch("campaign", "c1", '=HYPERLINK("http://evil.example","x")', "started", TODAY)
    bad = dataclasses.replace(page, launches=(evil,))
    text = findings_csv(ws, bad, view).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out
