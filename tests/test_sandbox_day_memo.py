"""The sandbox remembers each campaign day it encoded (issue 19: its CPU per answer bounded the
fan-out bench), and answers byte for byte what it answered before: ``json.dumps`` of the
freshly generated body, over HTTP, on a first request and on a repeat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from braze_sandbox import Sandbox, messaging


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox(api_key="memo-key", users=20)
    box.start()
    yield box
    box.stop()


def _raw(box: Sandbox, campaign_id: str, length: int, end: date) -> bytes:
    response = requests.get(
        f"{box.url}/campaigns/data_series",
        params={"campaign_id": campaign_id, "length": length, "ending_at": f"{end}T23:59:59Z"},
        headers={"Authorization": "Bearer memo-key"},
        timeout=10,
    )
    response.raise_for_status()
    return response.content


def _fresh(box: Sandbox, campaign_id: str, length: int, end: date) -> bytes:
    """What the handler answered before the memo: the days generated now, encoded whole."""
    campaign = box.workspace.campaign_by_id[campaign_id]
    today = datetime.now(UTC).date()
    days = [end - timedelta(days=length - 1 - i) for i in range(length)]
    data = [
        {"time": d.isoformat(), **messaging.campaign_day(box.workspace.seed, campaign, d, today)}
        for d in days
    ]
    return json.dumps({"message": "success", "data": data}, ensure_ascii=False).encode()


def test_answers_are_the_bytes_of_the_freshly_generated_body(sandbox) -> None:
    messaging.CAMPAIGN_DAYS.clear()
    end = datetime.now(UTC).date()
    for campaign in sandbox.workspace.campaigns[:25]:
        for length, last in ((60, end - timedelta(days=1)), (14, end), (100, end - timedelta(40))):
            first = _raw(sandbox, campaign.id, length, last)
            assert first == _fresh(sandbox, campaign.id, length, last)
            assert _raw(sandbox, campaign.id, length, last) == first  # from the memo now


def test_a_rewritten_campaign_is_generated_again(sandbox) -> None:
    """Campaigns are mutable (plants rewrite send dates and volume): the memo keys on what
    the campaign says, so a changed campaign never gets its old days back."""
    end = datetime.now(UTC).date() - timedelta(days=1)
    campaign = next(
        c
        for c in sandbox.workspace.campaigns
        if c.first_sent is not None and c.last_sent is None and c.first_sent.date() < end
    )  # sending through the window
    before = _raw(sandbox, campaign.id, 30, end)
    campaign.volume *= 3
    try:
        after = _raw(sandbox, campaign.id, 30, end)
        assert after != before and after == _fresh(sandbox, campaign.id, 30, end)
    finally:
        campaign.volume //= 3
    assert _raw(sandbox, campaign.id, 30, end) == before


def test_the_memo_is_bounded() -> None:
    memo = messaging._DayMemo(3)
    for i in range(5):
        memo.put(i, str(i))
    assert [memo.get(i) for i in range(5)] == [None, None, "2", "3", "4"]
