"""Secrets and isolation: the key stays in the Authorization header, hostile names stay text.

The key is a distinctive string so any leak is found by plain substring search: in the URLs and
bodies the sandbox saw, captured logs, errors (str, repr and formatted traceback), cache keys
and everything a page sends to the browser.
"""

from __future__ import annotations

import csv
import io
import logging
import traceback
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import ROOT, open_page, page_file, rendered_text

SECRET = "sk-RELIABILITY-SECRET-123"


@pytest.fixture(scope="module")
def strict() -> Iterator[Any]:
    """A sandbox that accepts only the secret."""
    from braze_sandbox import Sandbox

    sandbox = Sandbox(api_key=SECRET, users=200)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def leaks(*texts: object) -> list[str]:
    return [str(t)[:200] for t in texts if SECRET in str(t)]


def assert_not_in_requests(sandbox: Any) -> None:
    for request in sandbox.requests:
        assert SECRET not in f"{request.path} {request.query} {request.body}", request.path


def test_key_never_in_errors_logs_or_urls(strict, caplog) -> None:
    from braze_api import BrazeClient
    from braze_api.errors import BrazeError
    from braze_sandbox import Sandbox

    caplog.set_level(logging.DEBUG)
    other = Sandbox(api_key="a-different-key", users=10)
    other.start()
    try:
        cases = [
            (BrazeClient(SECRET, other.url, max_retries=0), "refused key"),
            (BrazeClient(SECRET, "http://127.0.0.1:9", max_retries=0, timeout=2), "no server"),
        ]
        strict.inject("/kpi/dau", 503)
        cases.append((BrazeClient(SECRET, strict.url, max_retries=1, backoff_base=0.01), "5xx"))
        errors = []
        for client, what in cases:
            with pytest.raises(BrazeError) as info:
                client.kpi.dau(length=7)
            errors.append((what, info.value))
            assert not leaks(repr(client)), what
        strict.clear_injections()
        for what, err in errors:
            formatted = "".join(traceback.format_exception(err))
            assert not leaks(str(err), repr(err), formatted, err.args), what
        assert not leaks(caplog.text)
        assert_not_in_requests(strict)
        assert_not_in_requests(other)
    finally:
        other.stop()


def test_key_never_in_cache_keys_workspace_or_page(strict, monkeypatch, caplog) -> None:
    from streamlit.testing.v1 import AppTest

    from dashboard.cache import CACHE
    from dashboard.settings import Workspace

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("BRAZE_REST_ENDPOINT", strict.url)
    monkeypatch.setenv("BRAZE_API_KEY", SECRET)
    CACHE.clear()
    at = open_page(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), "kpis")
    assert not at.exception
    assert at.metric, "the KPI page drew no cards with the strict key"
    for page in ("campaigns", "canvases", "segments"):
        at.switch_page(page_file(page)).run()
        assert not at.exception, page
        assert not leaks(rendered_text(at)), page
    assert not leaks(repr(Workspace(base_url=strict.url, api_key=SECRET)))
    assert not leaks(repr(list(CACHE._store.keys())))
    assert not leaks(caplog.text)
    assert_not_in_requests(strict)


@pytest.mark.parametrize(
    ("page", "hostile"),
    [("campaigns", "<script>alert(1)</script>"), ("segments", "=HYPERLINK(")],
)
def test_hostile_names_are_text_and_csv_safe(app_test, page: str, hostile: str) -> None:
    """The sandbox names a campaign and a segment like this; both pages show them as text."""
    from dashboard.safe_csv import to_csv_bytes

    at = app_test(page)
    if page == "campaigns":
        at.toggle(key="cmp_active").set_value(False).run()  # every campaign, active or not
    assert not at.exception

    def holds(frame: Any) -> bool:
        text = frame.select_dtypes(exclude="number").astype(str)
        return bool(text.apply(lambda col: col.str.startswith(hostile)).any().any())

    table = next((d.value for d in at.dataframe if holds(d.value)), None)
    assert table is not None, f"{hostile} is not shown in any table on {page}"
    for element in (*at.markdown, *at.caption):
        if element.proto.allow_html:
            assert "<script" not in element.value and "=HYPERLINK" not in element.value
    rows = list(csv.reader(io.StringIO(to_csv_bytes(table).decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert any(hostile in c for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_two_workspaces_never_share_cached_data() -> None:
    from braze_sandbox import Sandbox
    from dashboard.cache import CACHE
    from dashboard.data.campaigns import load_campaigns
    from dashboard.data.kpis import load_kpi_page
    from dashboard.filters import Filters, utc_today
    from dashboard.settings import Workspace

    a, b = Sandbox(seed=7, users=10), Sandbox(seed=8, users=10)
    a.start()
    b.start()
    try:
        end = utc_today() - timedelta(days=1)
        filters = Filters(start=end - timedelta(days=6), end=end)
        ws_a = Workspace(base_url=a.url, api_key="key-a")
        ws_b = Workspace(base_url=b.url, api_key="key-b")
        ws_a2 = Workspace(base_url=a.url, api_key="key-a-other")  # same host, other key
        CACHE.clear()
        dau_a = load_kpi_page(ws_a, filters).frame("dau")
        names_a = set(load_campaigns(ws_a)["name"])
        b.clear_requests()
        dau_b = load_kpi_page(ws_b, filters).frame("dau")
        names_b = set(load_campaigns(ws_b)["name"])
        assert b.requests, "workspace B was served from A's cache"
        assert not dau_a["dau"].equals(dau_b["dau"]) and names_a != names_b
        a.clear_requests()
        load_campaigns(ws_a2)
        assert {r.path for r in a.requests} == {"/campaigns/list"}, "other key shared a cache"
        dropped = CACHE.clear(ws_a.fingerprint)
        assert dropped > 0
        b.clear_requests()
        assert load_kpi_page(ws_b, filters).frame("dau").equals(dau_b)
        assert not b.requests, "clearing A dropped B's entries"
    finally:
        a.stop()
        b.stop()
