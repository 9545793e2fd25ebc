"""Each series' compared totals are a derived entry beside its windows (issue 19).

Against the sandbox over real HTTP: the every-event table's numbers are the sandbox's own
sums, a warm table is one cache lookup per event (no series frame read, no request, no
thread), and the totals are never served once a window they were summed from is gone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY, Sandbox
from dashboard.cache import CACHE, cached, forget, seconds_left, series_kind
from dashboard.data import comparison
from dashboard.data.common import EVENTS, window_requests
from dashboard.data.events import load_event_names, load_event_table
from dashboard.filters import Filters, utc_today
from dashboard.settings import Workspace

TABLE_EVENTS = 12  # enough for a pool on the cold run, few enough to keep the test short


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox()
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def ws(box: Sandbox) -> Workspace:
    CACHE.clear()
    box.clear_requests()
    return Workspace(base_url=box.url, api_key=SANDBOX_API_KEY, label="totals")


@pytest.fixture
def filters() -> Filters:
    end = utc_today() - timedelta(days=1)
    return Filters(start=end - timedelta(days=29), end=end)


def sandbox_sum(box: Sandbox, event: str, start, end) -> float:
    """The event's count over [start, end] as the sandbox answers a plain GET (≤ 100 days)."""
    response = requests.get(
        box.url + "/events/data_series",
        params={
            "event": event,
            "length": (end - start).days + 1,
            "ending_at": f"{end.isoformat()}T23:59:59Z",
        },
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return float(sum(point["count"] for point in response.json()["data"]))


def started_threads(fn) -> tuple[object, set[int]]:
    started: set[int] = set()
    threading.setprofile(lambda *_: started.add(threading.get_ident()))
    try:
        return fn(), started
    finally:
        threading.setprofile(None)


def totals_key(event: str, filters: Filters) -> dict:
    return {
        "series": EVENTS.name,
        "column": "count",
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "compare": filters.comparison,
        "event": event,
    }


def windows_of(event: str, filters: Filters) -> list[dict]:
    whole = comparison.span(filters)
    return [r for _, r in window_requests(whole.start, whole.end, event=event)]


def test_the_table_shows_the_sandboxs_sums_and_a_warm_table_is_one_lookup_each(
    ws, box, filters
) -> None:
    events = load_event_names(ws)[:TABLE_EVENTS]
    cold = load_event_table(ws, filters, events).totals()
    before = filters.previous_period()
    for row in cold.head(4).itertuples():
        assert row.total == sandbox_sum(box, row.event, filters.start, filters.end)
        assert row.previous_period == sandbox_sum(box, row.event, before.start, before.end)

    box.clear_requests()
    hits = CACHE.hits
    progress: list[tuple[int, int]] = []
    warm, threads = started_threads(
        lambda: load_event_table(ws, filters, events, on_progress=lambda *p: progress.append(p))
    )
    assert CACHE.hits - hits == len(events)  # the totals alone: no window frame was read
    assert threads == set() and progress == [] and box.requests == []
    assert warm.totals().equals(cold)  # type: ignore[attr-defined]


def test_totals_are_not_served_once_a_window_they_came_from_is_gone(ws, box, filters) -> None:
    event = load_event_names(ws)[0]
    truth = comparison.compared_totals(ws, EVENTS, "count", filters, event=event)
    assert truth[0] is not None and truth[1] is not None
    # replace the derived entry by a marker: while its windows live, a lookup serves it
    forget(ws.fingerprint, comparison.TOTALS_ENDPOINT, totals_key(event, filters))
    kind = series_kind(filters.end, utc_today())
    marker = (-1.0, -2.0)
    cached(
        ws.fingerprint, comparison.TOTALS_ENDPOINT, totals_key(event, filters), lambda: marker, kind
    )
    assert comparison.compared_totals(ws, EVENTS, "count", filters, event=event) == marker

    # a window evicted: the marker is dropped and the sums are taken again from the refetch
    box.clear_requests()
    assert forget(ws.fingerprint, EVENTS.name, windows_of(event, filters)[-1])
    assert comparison.compared_totals(ws, EVENTS, "count", filters, event=event) == truth
    assert len([r for r in box.requests if r.path == "/events/data_series"]) == 1
    assert comparison.compared_totals(ws, EVENTS, "count", filters, event=event) == truth


def test_totals_live_no_longer_than_their_windows_and_are_keyed_by_rule_and_range(
    ws, filters
) -> None:
    event = load_event_names(ws)[0]
    comparison.compared_totals(ws, EVENTS, "count", filters, event=event)
    kept = seconds_left(ws.fingerprint, comparison.TOTALS_ENDPOINT, [totals_key(event, filters)])
    windows = seconds_left(ws.fingerprint, EVENTS.name, windows_of(event, filters))
    assert kept is not None and windows is not None and kept <= windows

    # another range, or another rule over the same range, is another entry with its own sums
    shorter = Filters(start=filters.start + timedelta(days=10), end=filters.end)
    month = Filters(start=filters.end.replace(day=1), end=filters.end, comparison="month")
    days = Filters(start=month.start, end=month.end)
    for other in (shorter, month, days):
        got = comparison.compared_totals(ws, EVENTS, "count", other, event=event)
        now, then = comparison.compared_series(ws, EVENTS, "count", other, event=event)
        assert got == (float(now["value"].sum()), float(then["value"].sum()))
