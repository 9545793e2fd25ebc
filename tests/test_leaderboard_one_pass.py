"""The compared leaderboard reads each window body once for both periods (issue 19).

The range and the period before come from the same span windows; each window is reduced by one
pass (``frames.campaign_window_period_sums``) into both periods' sums. These tests hold it to
the numbers of the two-pass reading it replaced (one ``campaign_window_sums`` per period) and to
the frame path, on the sandbox's bodies over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from braze_api import frames
from braze_api.frames import (
    campaign_range_kind_sums,
    campaign_range_sums,
    campaign_window_period_sums,
    campaign_window_sums,
)
from braze_sandbox import SANDBOX_API_KEY
from dashboard.cache import CACHE
from dashboard.data import campaigns as data
from dashboard.filters import Filters, utc_today
from dashboard.settings import Workspace
from tests.test_campaigns_data import raw_series


@pytest.fixture
def ws(sandbox) -> Iterator[Workspace]:
    CACHE.clear()
    sandbox.sandbox.clear_requests()
    yield Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY, label="one pass")
    CACHE.clear()


def _body(url: str, campaign_id: str, length: int, end: date) -> dict:
    """The sandbox's answer, fetched with plain requests (no client, no cache)."""
    return {"message": "success", "data": raw_series(url, campaign_id, length, end)}


def _periods(days: int, end: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(the period before, the range) of a ``days``-day range ending at ``end``."""
    start = end - timedelta(days=days - 1)
    before = Filters(start=start, end=end).previous_period()
    return (before.start, before.end), (start, end)


def test_both_periods_equal_the_two_pass_sums_on_sandbox_bodies(sandbox, ws) -> None:
    """Every campaign's 60-day body over HTTP: each period's sums from the one pass give the
    same range and per-kind sums as a pass of its own (the old reading), exactly."""
    end = utc_today() - timedelta(days=1)
    before, now = _periods(30, end)
    checked = 0
    for campaign_id in data.load_campaigns(ws, include_archived=True)["id"]:
        body = _body(str(sandbox), str(campaign_id), 60, end)
        split = campaign_window_period_sums(body, (before, now))
        assert split is not None
        for period, sums in zip((before, now), split, strict=True):
            alone = campaign_window_sums(body, *period)
            assert alone is not None
            assert campaign_range_sums([sums], *period) == campaign_range_sums([alone], *period)
            assert campaign_range_kind_sums([sums], *period) == campaign_range_kind_sums(
                [alone], *period
            )
            assert (sums.columns, sums.totals) == (alone.columns, alone.totals)
            checked += 1
    assert checked >= 40


@pytest.mark.parametrize(
    ("days", "compare"), [(7, "days"), (30, "days"), (75, "days"), (10, "month")]
)
def test_compared_rows_equal_the_old_rows_and_the_frame_path(ws, days, compare) -> None:
    """The compared rows (one reduction per window for both periods) equal rows made the old
    way (each period reducing the windows on its own) and the frame path's ``summarise``;
    the cache holds one reduction per window, not one per period."""
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    if compare == "month":  # days 1-10 of last month, against the month before's
        start = (utc_today().replace(day=1) - timedelta(days=1)).replace(day=1)
        end = start + timedelta(days=days - 1)
    before = Filters(start=start, end=end, comparison=compare).previous_period()
    span = data.compared_span(start, end, compare)
    windows = data._windows(*span, None)
    for campaign_id in [str(c) for c in data.load_campaigns(ws)["id"].head(6)]:
        CACHE.clear()
        now, then = data.load_compared_rows(ws, campaign_id, start, end, compare)
        reductions = [k for k in CACHE._store if k[1] == data._SUMS_ENDPOINT]
        assert len(reductions) == len(windows)  # one per window, both periods inside
        CACHE.clear()
        old_now = data._leaderboard_row(ws, campaign_id, start, end, span)
        old_then = data._leaderboard_row(ws, campaign_id, before.start, before.end, span)
        assert len([k for k in CACHE._store if k[1] == data._SUMS_ENDPOINT]) > len(windows)
        assert (now, then) == (old_now, old_then)
        for row, (first, last) in ((now, (start, end)), (then, (before.start, before.end))):
            series = data.load_campaign_series(ws, campaign_id, first, last, windows_of=span)
            assert dict(row.numbers) == data.summarise(series)
            assert row.channels == series.channels


BASE = date(2024, 3, 1)
COUNT_NAMES = ("sent", "delivered", "bounces", "opens", "unique_opens", "clicks", "impressions")


@st.composite
def split_cases(draw: st.DrawFn) -> tuple[dict, tuple[tuple[date, date], ...]]:
    """A clean body over 12 days (a day may repeat or lie outside), cut into 1-3 disjoint
    periods with gaps, and a ``bounces > sent`` row now and then (a floored group)."""
    days = [BASE + timedelta(days=d) for d in range(12)]
    days += draw(st.lists(st.integers(-2, 14).map(lambda d: BASE + timedelta(days=d)), max_size=3))
    entries = []
    for day in days:
        channels = draw(
            st.dictionaries(
                st.sampled_from(["email", "android_push", "sms", "webhook", "carrier_pigeon"]),
                st.lists(
                    st.dictionaries(st.sampled_from(COUNT_NAMES), st.integers(0, 40), max_size=4),
                    max_size=3,
                ),
                max_size=3,
            )
        )
        revenue = draw(st.floats(0, 1e3, allow_nan=False))
        entries.append({"time": day.isoformat(), "messages": channels, "revenue": revenue})
    cuts = sorted(draw(st.sets(st.integers(0, 12), min_size=2, max_size=6)))
    periods = tuple(
        (BASE + timedelta(days=a), BASE + timedelta(days=b - 1))
        for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        if b > a
    )
    return {"message": "success", "data": entries}, periods


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_cases())
def test_any_split_gives_each_periods_own_sums(case) -> None:
    body, periods = case
    split = campaign_window_period_sums(body, periods)
    assert split is not None and len(split) == len(periods)
    for period, sums in zip(periods, split, strict=True):
        alone = campaign_window_sums(body, *period)
        assert alone is not None
        assert campaign_range_sums([sums], *period) == campaign_range_sums([alone], *period)
        assert campaign_range_kind_sums([sums], *period) == campaign_range_kind_sums(
            [alone], *period
        )


def test_a_refused_body_is_refused_for_every_period_and_overlaps_are_an_error() -> None:
    body = {"data": [{"time": "2024-03-02", "messages": {"email": [{"sent": "12"}]}}]}
    assert (
        campaign_window_period_sums(body, ((BASE, BASE), (BASE + timedelta(days=1),) * 2)) is None
    )
    with pytest.raises(ValueError, match="overlap"):
        campaign_window_period_sums({"data": []}, ((BASE, BASE + timedelta(days=1)),) * 2)
    assert frames.campaign_window_sums({"data": []}, BASE, BASE) is not None
