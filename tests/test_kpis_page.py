"""The KPI page against the demo sandbox over real HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
import requests

from dashboard.data.common import LoadResult
from dashboard.data.kpis import KpiPage, export_table, summarise
from dashboard.filters import Filters, preset_range, utc_today
from dashboard.widgets import compact_number
from tests.conftest import chart_titles, rendered_text

PATHS = {
    "mau": "/kpi/mau/data_series",
    "dau": "/kpi/dau/data_series",
    "new_users": "/kpi/new_users/data_series",
    "uninstalls": "/kpi/uninstalls/data_series",
    "sessions": "/sessions/data_series",
}


def sandbox_series(sandbox, metric: str, start: date, end: date, **params) -> list[float]:
    """The sandbox's values for [start, end], fetched with plain requests (≤ 100 days)."""
    from braze_sandbox import SANDBOX_API_KEY

    query = {
        "length": (end - start).days + 1,
        "ending_at": f"{end.isoformat()}T23:59:59Z",
        **params,
    }
    response = requests.get(
        sandbox.url + PATHS[metric],
        params=query,
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    data = sorted(response.json()["data"], key=lambda p: p["time"])
    return [p[metric] for p in data if start.isoformat() <= p["time"][:10] <= end.isoformat()]


def card_values(at) -> dict[str, str]:
    return {m.label.split(" · ")[0]: m.value for m in at.metric}


def test_cards_show_the_sandboxs_numbers(app_test, demo) -> None:
    at = app_test("kpis")
    assert not at.exception
    start, end = preset_range("Last 30 days", utc_today())
    expected = {
        "MAU": f"{sandbox_series(demo, 'mau', start, end)[-1]:,.0f}",
        "DAU": f"{pd.Series(sandbox_series(demo, 'dau', start, end)).mean():,.0f}",
        "New users": f"{sum(sandbox_series(demo, 'new_users', start, end)):,.0f}",
        "Uninstalls": f"{sum(sandbox_series(demo, 'uninstalls', start, end)):,.0f}",
        "Sessions": f"{sum(sandbox_series(demo, 'sessions', start, end)):,.0f}",
    }
    # From a million on, a card reads compact ("1.1M", issue 17: it fits at 1280 px) and its
    # help gives the exact number.
    shown = card_values(at)
    helps = {m.label.split(" · ")[0]: m.proto.help for m in at.metric}
    for name, exact in expected.items():
        value = float(exact.replace(",", ""))
        if value >= 1_000_000:
            assert shown[name] == compact_number(value) and f"Exactly {exact}." in helps[name]
        else:
            assert shown[name] == exact
    assert all(m.delta for m in at.metric), "each card compares with the previous period"
    assert len(at.dataframe) == 1
    assert len(at.dataframe[0].value) == 30
    assert len(chart_titles(at)) == 6  # five series and stickiness


def test_filters_change_the_requests(app_test, demo) -> None:
    at = app_test("kpis")
    demo.clear_requests()
    at.sidebar.selectbox(key="sb_preset").set_value("Last 7 days")
    at.run()
    mau = [r for r in demo.requests if r.path == PATHS["mau"]]
    # the range and the period before (7 days each), and the older weeks the unusual-day
    # rings need for a range under four weeks (dashboard/data/kpi_anomalies.py)
    assert sorted(r.query.get("length") for r in mau) == ["42", "7", "7"]
    _, end = preset_range("Last 7 days", utc_today())
    assert any(r.query.get("ending_at", "").startswith(end.isoformat()) for r in mau)

    app_id = at.session_state["workspace"].apps[-1].app_id
    demo.clear_requests()
    at.sidebar.selectbox(key="sb_app").set_value(app_id)
    at.run()
    assert not at.exception
    paths = {r.path for r in demo.requests if r.query.get("app_id") == app_id}
    assert paths == set(PATHS.values())
    assert at.query_params["app"] == app_id


def test_hourly_sessions_for_short_ranges(app_test, demo) -> None:
    at = app_test("kpis", query={"range": "last_7", "tz": "America/New_York"})
    demo.clear_requests()
    at.toggle(key="kpi_hourly").set_value(True)
    at.run()
    assert not at.exception
    hourly = [
        r for r in demo.requests if r.path == PATHS["sessions"] and r.query.get("unit") == "hour"
    ]
    assert hourly, "hourly sessions were not requested"
    assert "Sessions per hour (America/New_York)" in chart_titles(at)


def test_hourly_toggle_is_disabled_for_long_ranges(app_test) -> None:
    at = app_test("kpis")
    assert at.toggle(key="kpi_hourly").disabled


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "refused the key"), (429, "rate limit"), (500, "server error")],
)
def test_a_failing_endpoint_shows_a_message_and_the_rest_renders(
    app_test, demo, status, words
) -> None:
    demo.inject(PATHS["mau"], status)
    at = app_test("kpis")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(
        f"({status})" in e and PATHS["mau"] in e and words in e and "MAU" in e for e in errors
    ), errors
    labels = {m.label.split(" · ")[0] for m in at.metric}
    assert labels == {"DAU", "New users", "Uninstalls", "Sessions"}
    assert "Traceback" not in rendered_text(at)


def test_no_key_in_rendered_text(app_test) -> None:
    at = app_test("kpis")
    key = at.session_state["workspace"].api_key
    assert len(key) >= 8 and key not in rendered_text(at)


def _page(frames: dict[str, pd.DataFrame | Exception]) -> KpiPage:
    def result(metric: str) -> LoadResult:
        value = frames[metric]
        if isinstance(value, Exception):
            return LoadResult(item=("current", metric), error=value)
        return LoadResult(item=("current", metric), value=value)

    today = date(2024, 3, 10)
    filters = Filters(today - timedelta(days=2), today)
    current = {m: result(m) for m in PATHS}
    return KpiPage(filters=filters, current=current, previous=current)


def _frame(metric: str, values: list[float | None]) -> pd.DataFrame:
    dates = pd.date_range("2024-03-08", periods=len(values), freq="D")
    return pd.DataFrame({"date": dates, metric: pd.Series(values, dtype="float64")})


def test_summaries_latest_mean_total() -> None:
    assert summarise(_frame("mau", [10, 30, None]), "mau") == 30
    assert summarise(_frame("dau", [10, 20, None]), "dau") == 15
    assert summarise(_frame("sessions", [1, 2, 3]), "sessions") == 6
    assert summarise(_frame("sessions", [None]), "sessions") is None


def test_an_all_empty_range_is_empty_but_an_error_is_not() -> None:
    empty = {m: _frame(m, []) for m in PATHS}
    assert _page(empty).is_empty
    assert not _page({**empty, "mau": RuntimeError("boom")}).is_empty
    assert not _page({**empty, "dau": _frame("dau", [5])}).is_empty


def test_joined_table_and_stickiness() -> None:
    page = _page(
        {
            "mau": _frame("mau", [100, 200, 0]),
            "dau": _frame("dau", [10, 50, 5]),
            "new_users": _frame("new_users", [1, 2, 3]),
            "uninstalls": RuntimeError("failed"),
            "sessions": _frame("sessions", [7, None, 9]),
        }
    )
    table = export_table(page.daily())
    assert list(table.columns) == ["date", "mau", "dau", "new_users", "sessions", "dau_mau_ratio"]
    assert table["dau_mau_ratio"].tolist()[:2] == [0.1, 0.25]
    assert pd.isna(table["dau_mau_ratio"].iloc[2])  # MAU 0: no ratio rather than infinity
    assert table["sessions"].isna().tolist() == [False, True, False]


HOSTILE_APP = "**Acme** `iOS` [app](http://evil.example)"


def empty_app_page(app_test, demo, monkeypatch, page: str):
    """The page for an app named with markdown, on a Braze that reports no data points."""
    from braze_sandbox import SANDBOX_API_KEY, routes
    from dashboard.settings import OVERRIDE_KEY, App, Workspace

    monkeypatch.setattr(routes, "points", lambda *args, **kwargs: [])
    app_id = demo.workspace.apps[0].id
    at = app_test(page, query={"app": app_id})
    at.session_state[OVERRIDE_KEY] = Workspace(
        base_url=demo.url, api_key=SANDBOX_API_KEY, apps=(App(app_id, HOSTILE_APP),)
    )
    at.run()
    return at


def test_the_empty_state_shows_the_app_name_literally(app_test, demo, monkeypatch) -> None:
    from dashboard.widgets import md_escape

    at = empty_app_page(app_test, demo, monkeypatch, "kpis")
    assert not at.exception
    notes = [i.value for i in at.info if "no KPI data" in i.value]
    assert notes and f"for {md_escape(HOSTILE_APP)}." in notes[0], notes


def test_a_warm_page_is_one_lookup_and_a_partial_page_is_not_cached(demo) -> None:
    from dashboard.cache import CACHE
    from dashboard.data.kpis import load_kpi_page
    from dashboard.settings import Workspace

    CACHE.clear()
    ws = Workspace(base_url=demo.url, api_key="kpi-cache-test", label="kpi cache")
    end = utc_today() - timedelta(days=1)
    filters = Filters(start=end - timedelta(days=9), end=end)
    demo.inject("/kpi/dau/data_series", 403)
    try:
        partial = load_kpi_page(ws, filters)
    finally:
        demo.clear_injections()
    assert partial.error("dau") is not None and partial.error("mau") is None
    demo.clear_requests()
    full = load_kpi_page(ws, filters)
    assert full.error("dau") is None  # the failure was not cached
    assert {r.path for r in demo.requests} == {PATHS["dau"]}  # the rest came from the cache
    demo.clear_requests()
    hits = CACHE.hits
    warm = load_kpi_page(ws, filters)
    assert demo.requests == [] and CACHE.hits - hits == 1
    assert warm.value("dau") == full.value("dau")
    # a caller changing its frame does not change what the next session gets
    warm.frame("mau")["mau"] = -1.0
    assert load_kpi_page(ws, filters).value("mau") == full.value("mau")
    with pytest.raises(TypeError):
        warm.current["mau"] = None  # the mappings are read-only views
    # filters that differ only in the (unused) timezone share the page but keep their own
    other = Filters(start=filters.start, end=filters.end, timezone="Europe/Paris")
    assert load_kpi_page(ws, other).filters == other
    CACHE.clear()
