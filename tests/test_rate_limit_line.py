"""The sidebar's rate-limit line names the limit it shows, and shows the same one on every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from braze_api import BrazeClient
from braze_api.budget import BRAZE_LIMITS, DEFAULT_LIMIT, braze_bucket_of
from braze_api.client import RateLimit
from dashboard.sidebar import rate_limit_text

LINE = re.compile(r"Braze requests left this hour: ([\d,]+) of ([\d,]+) \(the workspace-wide")


def test_the_line_names_the_bucket_and_its_window() -> None:
    reset = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    text = rate_limit_text(RateLimit(limit=250_000, remaining=249_866, reset=reset))
    assert text == (
        "Braze requests left this hour: 249,866 of 250,000 (the workspace-wide limit most "
        "endpoints share; resets 23:00 UTC)."
    )
    assert rate_limit_text(RateLimit(limit=None, remaining=None, reset=None)) is None


def test_paths_map_to_their_braze_bucket() -> None:
    assert braze_bucket_of("/kpi/dau/data_series") is DEFAULT_LIMIT
    assert braze_bucket_of("/campaigns/data_series").per_seconds == 60.0
    assert {braze_bucket_of(p).name for lim in BRAZE_LIMITS for p in lim.paths} == {
        lim.name for lim in BRAZE_LIMITS if lim.paths
    }


def test_the_client_keeps_each_buckets_headers_apart(sandbox) -> None:
    from braze_sandbox import SANDBOX_API_KEY

    client = BrazeClient(SANDBOX_API_KEY, str(sandbox))
    try:
        cid = client.campaigns.list(page=0)["campaigns"][0]["id"]
        client.kpi.dau(length=3)
        client.campaigns.data_series(cid, length=3)  # last: its own per-minute bucket
        shared = client.rate_limit_of(DEFAULT_LIMIT.name)
        campaigns = client.rate_limit_of(braze_bucket_of("/campaigns/data_series").name)
        assert shared is not None and campaigns is not None
        assert shared.limit == 250_000 and campaigns.limit == 50_000
        assert client.rate_limit == campaigns  # "the last one seen" changes meaning per call
    finally:
        client.close()


def _line(at) -> tuple[int, int]:
    texts = [c.value for c in at.sidebar.caption if "Braze requests left" in c.value]
    assert len(texts) == 1, [c.value for c in at.sidebar.caption]
    match = LINE.search(texts[0])
    assert match, texts[0]
    left, of = (int(g.replace(",", "")) for g in match.groups())
    return left, of


def test_every_page_shows_the_same_limit(app_test) -> None:
    """KPIs call only the shared bucket, Campaigns end on /campaigns/data_series (50,000 a
    minute): both show the shared hourly limit."""
    seen = [_line(app_test(page)) for page in ("kpis", "campaigns", "revenue")]
    assert {of for _, of in seen} == {250_000}, seen
    assert all(0 < left <= of for left, of in seen)
