"""Calendar presets compare with the previous month's matching days everywhere the period
before is shown: the campaign and Canvas leaderboards and the overview read that period, not
"as many days before" (a 1–10 Dec range is compared with 1–10 Nov, not 21–30 Nov)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from braze_sandbox import SANDBOX_API_KEY
from dashboard.cache import CACHE
from dashboard.data import campaigns as campaign_data
from dashboard.data import canvases as canvas_data
from dashboard.filters import Filters, previous_range, utc_today
from dashboard.settings import Workspace


@pytest.fixture
def ws(sandbox) -> Iterator[Workspace]:
    CACHE.clear()
    yield Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY, label="month")
    CACHE.clear()


def _month_range() -> tuple[date, date]:
    """Days 1–10 of the last month that has them complete (a range the sandbox has data for)."""
    today = utc_today()
    first = today.replace(day=1) - timedelta(days=1)
    first = first.replace(day=1)
    return first, first + timedelta(days=9)


def test_month_rule_is_not_the_days_rule() -> None:
    start, end = _month_range()
    assert previous_range(start, end, "month") != previous_range(start, end, "days")
    before = Filters(start=start, end=end, comparison="month").previous_period()
    assert before.start.day == 1 and (before.end - before.start).days == 9


def test_campaign_period_before_is_the_previous_months_matching_days(ws) -> None:
    start, end = _month_range()
    prev_start, prev_end = previous_range(start, end, "month")
    campaign_id = str(campaign_data.load_campaigns(ws)["id"].iloc[0])
    now, then = campaign_data.load_compared_rows(ws, campaign_id, start, end, "month")
    alone = campaign_data.load_leaderboard_row(ws, campaign_id, prev_start, prev_end)
    assert dict(then.numbers) == dict(alone.numbers)
    assert dict(now.numbers) == dict(
        campaign_data.load_leaderboard_row(ws, campaign_id, start, end).numbers
    )
    board = campaign_data.load_leaderboard(
        ws, campaign_data.load_campaigns(ws).head(3), start, end, compare="month"
    )
    row = board[board["campaign_id"] == campaign_id].iloc[0]
    assert row["sent_previous"] == dict(alone.numbers).get("sent")


def test_canvas_period_before_is_the_previous_months_matching_days(ws) -> None:
    start, end = _month_range()
    prev_start, prev_end = previous_range(start, end, "month")
    listed = canvas_data.load_canvas_list(ws, include_archived=False).head(3)
    board = canvas_data.load_leaderboard(ws, listed, start, end, compare="month")
    for cid in listed["id"]:
        days = canvas_data.load_compared_days(ws, str(cid), prev_start, prev_end)
        expected = canvas_data.sum_days(days, prev_start, prev_end)["entries"]
        got = board.table.loc[board.table["id"] == cid, "entries_previous"].iloc[0]
        assert got == expected
    assert board.table["entries_previous"].sum() > 0  # the month before had entries
