"""The budget guard (issue 16): a cold view that would not fit the dashboard's remaining share
of Braze's budget loads its most important part first, says so, and asks before the rest.

Against the demo sandbox over real HTTP; the workspace's budget is the real one
(``dashboard.traffic``), with most of its window already spent.
"""

from __future__ import annotations

import pytest
from cachetools import LRUCache

from braze_api.budget import EndpointLimit, LocalRateBudget
from dashboard import settings, traffic
from dashboard.budget_guard import plan_fetch
from dashboard.data import campaigns as data

SERIES = "/campaigns/data_series"


def spend(fingerprint: str, path: str, leave: int) -> None:
    """Use up ``path``'s bucket in the workspace's budget, leaving ``leave`` requests."""
    budget = traffic.budget_for(fingerprint)
    room, _ = budget.room(path)
    first = budget.admit(path)
    budget.done(first, paused_until=None)  # the probe answered: the bucket is open
    for _ in range(room - 1 - leave):
        assert budget.admit(path).wait == 0
    assert budget.room(path)[0] == leave


@pytest.fixture
def fresh_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(traffic, "_budgets", {})
    monkeypatch.setattr(traffic, "_slots", {})
    monkeypatch.setattr(settings, "_clients", LRUCache(maxsize=16))


def test_the_plan_keeps_priority_order_and_cached_items_are_free(monkeypatch) -> None:
    limits = (EndpointLimit("default", 10, 3600.0),)
    monkeypatch.setattr(traffic, "_budgets", {"fpP": LocalRateBudget(limits)})
    plan = plan_fetch("fpP", "/canvas/data_summary", [3, 0, 3, 3, 0, 1])
    assert plan.room == 10 and plan.cost == 10 and plan.held == ()
    plan = plan_fetch("fpP", "/canvas/data_summary", [3, 0, 3, 3, 3, 0, 1])
    # the first three costly items fit (9 of 10); the fourth does not, and so nothing after it
    # that costs anything jumps the queue (the 1-request item waits too); cached ones are free
    assert plan.now == (0, 1, 2, 3, 5) and plan.held == (4, 6)
    assert (plan.cost, plan.now_cost, plan.held_cost) == (13, 9, 4)


def test_a_cold_leaderboard_over_budget_loads_the_most_recent_first_and_asks(
    app_test, demo, fresh_budgets
) -> None:
    ws = settings.demo_workspace()
    spend(ws.fingerprint, SERIES, leave=40)
    at = app_test("campaigns")
    assert not at.exception
    series = [r for r in demo.requests if r.path == SERIES]
    assert len(series) == 40  # exactly what the budget had left: nothing waited, nothing failed
    notice = " ".join(i.value for i in at.info)
    assert "Loaded the 40 most recently edited first" in notice and "not loaded yet" in notice
    held = len(data.load_campaigns(ws)) - 40  # the page ranks every listed campaign
    button = next(b for b in at.button if b.label.startswith("Load the other"))
    assert button.label == f"Load the other {held:,} ({held:,} requests)"
    loaded = {r.query.get("campaign_id") for r in series}
    newest = data.load_campaigns(ws)["id"].head(40)
    assert loaded == set(newest)  # the most recently edited ones
    assert not at.warning or "could not be loaded" not in at.warning[0].value

    demo.clear_requests()
    button.click().run()  # asked: the rest is tried, within the budget (none left: they wait)
    assert not at.exception
    assert [r for r in demo.requests if r.path == SERIES] == []  # the share is never exceeded
    assert "could not be loaded" in " ".join(w.value for w in at.warning)
    assert not [b for b in at.button if b.label.startswith("Load the other")]


def test_a_view_that_fits_is_not_held(app_test, demo, fresh_budgets) -> None:
    at = app_test("campaigns")
    assert not at.exception
    assert not [i for i in at.info if "not loaded yet" in i.value]
    assert not [b for b in at.button if b.label.startswith("Load the other")]


def test_the_canvas_leaderboard_keeps_to_a_small_share(
    app_test, demo, fresh_budgets, monkeypatch
) -> None:
    """/canvas/data_summary shares Braze's default bucket with production sending: with the
    dashboard's share cut to a handful of requests, a cold Canvas leaderboard loads the most
    recently edited Canvases it can afford and asks before the others."""
    from dashboard.data import canvases as canvas_data
    from dashboard.filters import default_filters

    monkeypatch.setenv("DASHBOARD_BUDGET_SHARE", "0.0002")  # 50 of Braze's 250,000 an hour
    ws = settings.demo_workspace()
    room, limit = traffic.budget_for(ws.fingerprint).room("/canvas/data_series")
    assert room == 50 and "share" in limit.name
    at = app_test("canvases")
    assert not at.exception
    summaries = [r for r in demo.requests if r.path == "/canvas/data_series"]
    listed = canvas_data.load_canvas_list(ws)
    per_canvas = len(canvas_data.compared_windows(*_range(default_filters())))
    fits = (50 - sum(r.path != "/canvas/data_series" for r in demo.requests)) // per_canvas
    assert len(summaries) <= 50 and len({r.query.get("canvas_id") for r in summaries}) <= fits + 1
    notice = " ".join(i.value for i in at.info)
    assert "not loaded yet" in notice, notice
    assert any(b.label.startswith("Load the other") for b in at.button)
    newest = {str(listed["id"].iloc[i]) for i in canvas_data.recent_first(listed)[:1]}
    assert newest <= {r.query.get("canvas_id") for r in summaries}  # the most recent came first


def _range(filters):
    return filters.start, filters.end
