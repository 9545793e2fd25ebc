"""The shell: every page renders, the sidebar mirrors filters in the URL, workspaces switch."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard import navigation
from dashboard.filters import Filters, preset_range, utc_today
from dashboard.settings import demo_workspace
from dashboard.sidebar import filters_from_params, params_for, preset_of
from dashboard.widgets import md_escape
from tests.conftest import rendered_text

PAGES = [spec.url_path for spec in navigation.PAGES]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(app_test, page: str) -> None:
    at = app_test(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{page} has no title"
    assert at.sidebar.selectbox(key="sb_preset").label == "Date range"  # the shared sidebar


def test_default_view_is_the_demo_workspace_and_last_30_days(app_test) -> None:
    at = app_test()
    sidebar = rendered_text(at.sidebar)
    assert "Demo workspace" in sidebar
    filters = at.session_state["filters"]
    assert (filters.start, filters.end) == preset_range("Last 30 days", utc_today())
    assert filters.app_id is None and filters.timezone == "UTC"
    assert at.query_params["range"] == "last_30"


def test_a_link_reproduces_the_view(app_test, demo) -> None:
    app_id = demo_workspace().apps[0].app_id
    start, end = utc_today() - timedelta(days=20), utc_today() - timedelta(days=10)
    at = app_test(
        "kpis",
        query={
            "range": "custom",
            "start": start.isoformat(),
            "end": end.isoformat(),
            "app": app_id,
            "tz": "Asia/Tokyo",
        },
    )
    assert at.session_state["filters"] == Filters(start, end, app_id, "Asia/Tokyo")
    assert at.sidebar.selectbox(key="sb_preset").value == "Custom"
    assert at.query_params["start"] == start.isoformat()


def test_broken_links_fall_back_to_defaults_silently(app_test) -> None:
    at = app_test(
        "kpis",
        query={"range": "custom", "start": "yesterday", "end": "2024-13-40", "tz": "Mars/Base"},
    )
    assert not at.exception and not at.error
    filters = at.session_state["filters"]
    assert (filters.start, filters.end) == preset_range("Last 30 days", utc_today())
    assert filters.timezone == "UTC"
    assert at.query_params["range"] == "last_30"


def test_changing_the_range_updates_the_url(app_test) -> None:
    at = app_test("kpis")
    at.sidebar.selectbox(key="sb_preset").set_value("Last 7 days")
    at.run()
    assert at.query_params["range"] == "last_7"
    assert at.session_state["filters"].days == 7


def test_param_helpers_round_trip() -> None:
    today = date(2024, 5, 20)
    filters = Filters(date(2024, 4, 1), date(2024, 4, 30), "app-1", "Europe/Berlin")
    params = params_for("Custom", filters)
    assert params == {
        "range": "custom",
        "start": "2024-04-01",
        "end": "2024-04-30",
        "app": "app-1",
        "tz": "Europe/Berlin",
    }
    assert filters_from_params(params, today) == filters
    assert preset_of(params) == "Custom"
    # a custom range reaching into the future is not trusted
    future = {"range": "custom", "start": "2024-05-01", "end": "2024-06-01"}
    assert filters_from_params(future, today).days == 30


SANDBOX_CHOICE = "Test sandbox"


@pytest.fixture
def offered_sandbox(monkeypatch, sandbox) -> str:
    """The test sandbox as a server-configured extra endpoint (the form offers names only)."""
    monkeypatch.setenv("BRAZE_EXTRA_ENDPOINTS", f"{SANDBOX_CHOICE}={sandbox}")
    return SANDBOX_CHOICE


def _connect(at, choice: str, key: str):
    if choice:
        at.sidebar.selectbox(key="conn_instance").set_value(choice)
    at.sidebar.text_input(key="conn_key").input(key)
    next(b for b in at.sidebar.button if b.label == "Connect").click()
    return at.run()


def test_connecting_a_workspace_shows_its_host_never_its_key(
    app_test, sandbox, offered_sandbox
) -> None:
    from braze_sandbox import SANDBOX_API_KEY

    at = _connect(app_test("kpis"), offered_sandbox, SANDBOX_API_KEY)
    assert not at.exception
    text = rendered_text(at)
    assert "Demo workspace" not in rendered_text(at.sidebar)
    host = md_escape(str(sandbox).split("//")[1])
    assert any(host in m.value for m in at.sidebar.markdown)  # the badge names the host
    assert SANDBOX_API_KEY not in text
    assert at.sidebar.text_input(key="conn_key").value == ""
    assert len(at.metric) == 5
    assert sandbox.sandbox.requests, "the KPI page should now read the connected sandbox"

    next(b for b in at.sidebar.button if b.label == "Disconnect").click()
    at.run()
    assert "Demo workspace" in rendered_text(at.sidebar)


def test_a_wrong_key_is_refused_with_a_message_not_a_traceback(
    app_test, sandbox, offered_sandbox
) -> None:
    wrong = "not-the-key-0123456789"
    at = _connect(app_test("kpis"), offered_sandbox, wrong)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "401" in errors and "/kpi/mau/data_series" in errors
    assert wrong not in rendered_text(at)


def test_connect_without_a_key_explains(app_test) -> None:
    at = _connect(app_test("kpis"), "", "")
    assert any("REST API key" in e.value for e in at.sidebar.error)
    assert "Demo workspace" in rendered_text(at.sidebar)


def test_an_old_custom_link_falls_back_instead_of_breaking_every_page(app_test) -> None:
    at = app_test("kpis", query={"range": "custom", "start": "2000-01-01", "end": "2000-01-05"})
    assert not at.exception
    assert len(at.metric) == 5
    assert at.query_params["range"] in ("last_30", ["last_30"])


def test_a_key_with_spaces_gets_a_message_and_nothing_is_sent(
    app_test, sandbox, offered_sandbox
) -> None:
    sandbox.sandbox.clear_requests()
    at = _connect(app_test("kpis"), offered_sandbox, "pasted key with spaces")
    assert not at.exception
    assert any("spaces" in e.value for e in at.sidebar.error)
    assert "Demo workspace" in rendered_text(at.sidebar)  # still on the demo
    assert not sandbox.sandbox.requests
    assert "pasted key with spaces" not in rendered_text(at)


def test_an_unusable_configured_endpoint_says_so_and_serves_the_demo(app_test, monkeypatch) -> None:
    monkeypatch.setenv("BRAZE_API_KEY", "a-real-looking-key-123")
    monkeypatch.setenv("BRAZE_REST_ENDPOINT", "http://rest.example.com")  # http, not loopback
    at = app_test("kpis")
    assert not at.exception
    assert any("set but unusable" in e.value for e in at.sidebar.error)
    assert len(at.metric) == 5
    assert "a-real-looking-key-123" not in rendered_text(at)


def test_app_label_names_the_app_or_all_apps() -> None:
    from dashboard.settings import App, Workspace
    from dashboard.sidebar import ALL_APPS, app_label

    ws = Workspace("https://rest.iad-01.braze.com", "key", apps=(App("id-1", "iOS"),))
    assert app_label(ws, None) == ALL_APPS
    assert app_label(ws, "id-1") == "iOS"
    assert app_label(ws, "linked-id") == "linked-id"  # an id from a link this workspace lacks
