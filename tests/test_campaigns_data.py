"""Campaign loaders over real HTTP against a sandbox, and the pure summaries they feed."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from braze_api import frames
from braze_api.frames import (
    ENGAGEMENT_INPUTS,
    campaign_window_sums,
    engagement_values,
)
from braze_sandbox import SANDBOX_API_KEY
from dashboard import cache
from dashboard import metrics as metric_defs
from dashboard.cache import CACHE
from dashboard.data import campaigns as data
from dashboard.data.tags import tag_options
from dashboard.filters import preset_range, utc_today
from dashboard.settings import Workspace


@pytest.fixture
def ws(sandbox) -> Workspace:
    CACHE.clear()
    sandbox.sandbox.clear_requests()
    sandbox.sandbox.clear_injections()
    yield Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY, label="test")
    sandbox.sandbox.clear_injections()
    CACHE.clear()


def raw_series(url: str, campaign_id: str, length: int, end) -> list[dict]:
    """The sandbox's own answer, fetched with plain requests (no client, no frames)."""
    response = requests.get(
        f"{url}/campaigns/data_series",
        params={"campaign_id": campaign_id, "length": length, "ending_at": f"{end}T23:59:59Z"},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["data"]


def expected_row(points: list[dict]) -> dict:
    """Totals computed directly from the JSON, the way a marketer would add them up."""
    entries = [e for p in points for items in p["messages"].values() for e in items]
    has_sent = [e["sent"] for e in entries if "sent" in e]
    return {
        "sent": float(sum(has_sent)) if has_sent else None,
        "unique_recipients": float(sum(p.get("unique_recipients", 0) for p in points)),
        "conversions": float(sum(p.get("conversions", 0) for p in points)),
        "conversions1": float(sum(p.get("conversions1", 0) for p in points)),
        "revenue": sum(p.get("revenue", 0) for p in points),
        "email_unique_opens": float(
            sum(e.get("unique_opens", 0) for p in points for e in p["messages"].get("email", []))
        ),
    }


def test_leaderboard_totals_equal_the_sandbox_series(ws, sandbox) -> None:
    start, end = preset_range("Last 30 days", utc_today())
    campaigns = data.load_campaigns(ws)
    listed = sandbox.sandbox.workspace.campaigns
    assert set(campaigns["id"]) == {c.id for c in listed if not c.archived}
    assert len(data.load_campaigns(ws, include_archived=True)) == len(listed)

    picked = campaigns.head(25)
    progress: list[tuple[int, int]] = []
    board = data.load_leaderboard(ws, picked, start, end, lambda d, t: progress.append((d, t)))
    assert progress[-1] == (25, 25)
    assert list(board.columns) == list(data.LEADERBOARD_COLUMNS)
    checked_email = 0
    for row in board.to_dict("records"):
        points = raw_series(str(sandbox), row["campaign_id"], 30, end)
        want = expected_row(points)
        if want["sent"] is None:
            assert pd.isna(row["sent"])
        else:
            assert row["sent"] == want["sent"]
        for name in ("unique_recipients", "conversions", "conversions1"):
            assert row[name] == want[name], (row["name"], name)
        assert row["revenue"] == pytest.approx(want["revenue"])
        if row["channels"] == "email":
            checked_email += 1
            assert row["opens"] == want["email_unique_opens"]
        assert row["status"] == ""
    assert checked_email, "the sample should include an email campaign"


def test_repeat_loads_make_no_requests_and_windows_are_100_days(ws, sandbox) -> None:
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=149)  # 150 days: two windows
    campaign_id = data.load_campaigns(ws)["id"].iloc[0]
    first = data.load_campaign_series(ws, campaign_id, start, end)
    series = [r for r in sandbox.sandbox.requests if r.path == "/campaigns/data_series"]
    assert sorted(int(r.query["length"]) for r in series) == [50, 100]
    assert first.totals["time"].dt.date.min() >= start
    assert first.totals["time"].dt.date.nunique() == len(first.totals)
    sandbox.sandbox.clear_requests()
    again = data.load_campaign_series(ws, campaign_id, start, end)
    assert sandbox.sandbox.requests == []
    pd.testing.assert_frame_equal(first.long, again.long)


def test_one_failing_campaign_keeps_its_row_with_a_status(ws, sandbox) -> None:
    start, end = preset_range("Last 7 days", utc_today())
    campaigns = data.load_campaigns(ws).head(6)
    data.load_leaderboard(ws, campaigns.head(5), start, end)  # five cached, the sixth not
    sandbox.sandbox.inject("/campaigns/data_series", 503)
    board = data.load_leaderboard(ws, campaigns, start, end)
    assert board["status"].tolist() == [""] * 5 + ["⚠ could not load (503)"]
    assert board["unique_recipients"].iloc[:5].notna().all()
    assert pd.isna(board["unique_recipients"].iloc[5])


def test_send_series_and_send_id_validation(ws, sandbox) -> None:
    campaign = next(c for c in sandbox.sandbox.workspace.campaigns if c.send_ids)
    send = campaign.send_ids[-1]
    series = data.load_send_series(ws, campaign.id, f"  {send.id} ")
    [request] = [r for r in sandbox.sandbox.requests if r.path == "/sends/data_series"]
    assert request.query["send_id"] == send.id and request.query["length"] == "14"
    active_days = set(series.long["time"].dt.date)
    assert send.day in active_days
    sandbox.sandbox.clear_requests()
    for bad in ("", "   ", "abc def", "x" * 129, "<script>", "id'--"):
        with pytest.raises(ValueError):
            data.load_send_series(ws, campaign.id, bad)
    assert sandbox.sandbox.requests == []


def test_details_helpers(ws, sandbox) -> None:
    campaign = next(
        c for c in sandbox.sandbox.workspace.campaigns if c.multivariate and len(c.variations) > 2
    )
    details = data.load_campaign_details(ws, campaign.id)
    summary = data.details_summary(details)
    assert summary["name"] == campaign.name and summary["channels"] == campaign.channels
    messages = data.messages_table(details)
    assert len(messages) == len(campaign.variations)
    assert messages["is_control"].sum() == 1
    behaviors = data.behavior_table(details)
    assert behaviors["event"].tolist() == list("ABCD"[: len(campaign.conversion_behaviors)])
    assert all(isinstance(w, str) and w for w in behaviors["window"])


def test_filters_and_channels() -> None:
    campaigns = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "name": ["Spring SALE", "Win-back (v2)", None],
            "is_api_campaign": pd.array([True, False, None], dtype="boolean"),
            "tags": [["promo"], ["retention", "promo"], None],
        }
    )
    assert data.filter_campaigns(campaigns, "sale")["id"].tolist() == ["a"]
    assert data.filter_campaigns(campaigns, "(v2")["id"].tolist() == ["b"]  # literal, no regex
    assert data.filter_campaigns(campaigns, tags=["retention"])["id"].tolist() == ["b"]
    assert data.filter_campaigns(campaigns, api_choice=data.API_CHOICES[1])["id"].tolist() == ["a"]
    assert data.filter_campaigns(campaigns, api_choice=data.API_CHOICES[2])["id"].tolist() == [
        "b",
        "c",
    ]
    assert tag_options(campaigns) == ["promo", "retention"]

    board = data.leaderboard_frame(
        [
            {"campaign_id": "a", "channels": "email, ios_push", "sent": 10, "status": ""},
            {"campaign_id": "b", "channels": "webhook", "sent": 0, "status": ""},
            {"campaign_id": "c", "channels": "", "status": "⚠ could not load (503)"},
        ]
    )
    assert data.channel_options(board) == ["email", "ios_push", "webhook"]
    assert data.with_channels(board, ["ios_push"])["campaign_id"].tolist() == ["a"]
    assert data.active_only(board)["campaign_id"].tolist() == ["a", "c"]


def test_rates_and_funnel_follow_the_channel() -> None:
    body = {
        "data": [
            {
                "time": "2024-03-01",
                "messages": {
                    "email": [
                        {"sent": 100, "delivered": 90, "unique_opens": 30, "unique_clicks": 6}
                    ],
                    "trigger_in_app_message": [{"impressions": 200, "clicks": 10}],
                    "carrier_pigeon": [{"sent": 5}],
                },
                "conversions": 4,
                "unique_recipients": 95,
            }
        ]
    }
    series = data.series_from_body(body)
    assert series.channels == ("email", "trigger_in_app_message", "carrier_pigeon")
    assert "carrier_pigeon" in set(data.flat_series(series.long)["channel"])  # unknown kept
    row = data.summarise(series)
    # each rate over the channels that define it: email opens over email deliveries (in-app
    # impressions are opens but no delivery), clicks over deliveries + impressions
    assert row["open_rate"] == pytest.approx(30 / 90)
    assert row["click_rate"] == pytest.approx((6 + 10) / (90 + 200))
    assert row["delivery_rate"] == pytest.approx(90 / 100)  # the unknown channel left out
    assert (row["sent"], row["delivered"], row["delivery_rate_denominator"]) == (105, 90, 100)
    assert row["conversion_rate"] == pytest.approx(4 / 95)
    stages = data.funnel(row)
    assert stages["stage"].tolist() == [
        "Sent",
        "Delivered",
        "Opened / viewed",
        "Clicked",
        "Converted (A)",
    ]
    assert stages["count"].tolist() == [105, 90, 230, 16, 4]
    rates = stages["rate"].tolist()
    assert rates[0] is pd.NA
    assert rates[1:] == [row[k] for k in metric_defs.RATE_KEYS]
    daily = data.daily_channel_frame(series.long)
    assert set(daily["channel"]) == {"email", "trigger_in_app_message", "carrier_pigeon"}


def test_warm_leaderboard_reads_cached_rows_and_failures_are_not_cached(ws, sandbox) -> None:
    start, end = preset_range("Last 7 days", utc_today())
    campaigns = data.load_campaigns(ws).head(4)
    sandbox.sandbox.inject("/campaigns/data_series", 503)
    failed = data.load_leaderboard(ws, campaigns, start, end)
    assert (failed["status"] != "").all()
    sandbox.sandbox.clear_injections()
    sandbox.sandbox.clear_requests()
    cold = data.load_leaderboard(ws, campaigns, start, end)
    assert (cold["status"] == "").all()  # the failures were not cached
    assert len(sandbox.sandbox.requests) == 4  # one 14-day window: the range and the week before
    sandbox.sandbox.clear_requests()
    hits = CACHE.hits
    warm = data.load_leaderboard(ws, campaigns, start, end)
    assert sandbox.sandbox.requests == []
    assert CACHE.hits - hits == 1  # the assembled board, kept after the cold view: one lookup
    pd.testing.assert_frame_equal(cold, warm)
    hits = CACHE.hits
    from_rows = data.load_leaderboard(ws, campaigns, start, end, hold=(len(campaigns),))
    assert CACHE.hits - hits == 8  # board not read: two lookups per row, no window consulted
    pd.testing.assert_frame_equal(cold, from_rows)
    row = data.load_leaderboard_row(ws, str(campaigns["id"].iloc[0]), start, end)
    with pytest.raises(AttributeError):
        row.channels = ()  # shared by every session: frozen
    assert isinstance(row.numbers, tuple)


def test_the_assembled_board_follows_the_list_and_never_outlives_its_rows(ws, sandbox) -> None:
    start, end = preset_range("Last 7 days", utc_today())
    campaigns = data.load_campaigns(ws).head(3)
    cold = data.load_leaderboard(ws, campaigns, start, end)
    renamed = campaigns.assign(name=["Renamed one", *campaigns["name"].iloc[1:]])
    sandbox.sandbox.clear_requests()
    board = data.load_leaderboard(ws, renamed, start, end)  # another list: another board
    assert board["name"].iloc[0] == "Renamed one" and board["name"].iloc[1] == cold["name"].iloc[1]
    assert sandbox.sandbox.requests == []  # built from the cached rows
    params = data._compared_row_params(list(campaigns["id"]), start, end, "days")
    rows_left = cache.seconds_left(ws.fingerprint, data._ROW_ENDPOINT, params)
    key = cache.make_key(
        ws.fingerprint, data._BOARD_ENDPOINT, data._board_params(campaigns, start, end, "days")
    )
    board_left = CACHE.seconds_left([key])
    assert rows_left is not None and board_left is not None and board_left <= rows_left + 0.01


def test_leaderboard_rows_equal_a_fresh_summary(ws) -> None:
    """The cached row holds exactly what ``summarise`` computes from the series."""
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=129)  # two windows
    campaign_id = str(data.load_campaigns(ws)["id"].iloc[0])
    row = data.load_leaderboard_row(ws, campaign_id, start, end)
    series = data.load_campaign_series(ws, campaign_id, start, end)
    assert dict(row.numbers) == data.summarise(series)
    assert row.channels == series.channels


# ---- the leaderboard's fast path: per-channel sums, never per-day frames ---------------------

CHANNELS = (
    "email",
    "ios_push",
    "webhook",
    "trigger_in_app_message",
    "content_cards",
    "sms",
    "whats_app",
    "carrier_pigeon",
    "",
)
INPUTS = sorted(ENGAGEMENT_INPUTS)
BASE = pd.Timestamp("2024-03-01").date()


def stats_items() -> st.SearchStrategy:
    counts = st.dictionaries(st.sampled_from(INPUTS), st.integers(0, 50), max_size=5)
    named = st.fixed_dictionaries(
        {}, optional={"variation_name": st.sampled_from(["A", "Control"])}
    )
    return st.lists(st.tuples(named, counts).map(lambda p: {**p[0], **p[1]}), max_size=3)


@st.composite
def window_bodies(draw: st.DrawFn) -> tuple[list[dict], list, date, date]:
    """Back-to-back windows of clean bodies (some with a day outside their window or twice)."""
    lengths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    windows, bodies, first = [], [], BASE
    for length in lengths:
        last = first + timedelta(days=length - 1)
        days = [first + timedelta(days=i) for i in range(length)]
        days += draw(
            st.lists(
                st.integers(-2, length + 1).map(lambda d, f=first: f + timedelta(days=d)),
                max_size=2,
            )
        )
        entries = []
        for day in days:
            messages = draw(st.dictionaries(st.sampled_from(CHANNELS), stats_items(), max_size=3))
            totals = draw(
                st.dictionaries(
                    st.sampled_from(frames.CAMPAIGN_TOTAL_FIELDS),
                    st.integers(0, 99) | st.floats(0, 1e4, allow_nan=False),
                    max_size=4,
                )
            )
            entries.append({"time": day.isoformat(), "messages": messages, **totals})
        bodies.append({"message": "success", "data": entries})
        windows.append((first, last))
        first = last + timedelta(days=1)
    return bodies, windows, BASE, first - timedelta(days=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(window_bodies())
def test_window_sums_give_exactly_the_frame_summary(case) -> None:
    """Any clean windows: the row from sums equals ``summarise`` of the stitched frames,
    including floored deltas (bounces > sent), columns one window lacks and trimmed days."""
    bodies, windows, start, end = case
    parts = [
        data.WindowSums(data._channels(b), campaign_window_sums(b, first, last))
        for b, (first, last) in zip(bodies, windows, strict=True)
    ]
    assert all(p.sums is not None for p in parts)
    want = data.summarise(data.combine([data.series_from_body(b) for b in bodies], start, end))
    assert data.summarise_windows(parts, start, end) == want


def test_engagement_values_follow_engagement_frame() -> None:
    rows = [
        ("ios_push", {"sent": 5, "bounces": 9, "direct_opens": 2}),  # floored at 0
        ("webhook", {"sent": 7, "errors": 2}),
        ("trigger_in_app_message", {"impressions": 40, "clicks": 3}),
        ("carrier_pigeon", {"sent": 5}),
        ("email", {"sent": 9, "opens": 4, "unique_opens": 3}),
    ]
    long = pd.DataFrame([{"channel": c, **m} for c, m in rows]).fillna(0).convert_dtypes()
    engagement = frames.engagement_frame(long)
    for i, (channel, metrics) in enumerate(rows):
        got = engagement_values(channel, metrics, set(long.columns))
        want = tuple(None if pd.isna(v) else v for v in engagement.loc[i, list(data.ENGAGEMENT)])
        assert got == want, channel


@pytest.mark.parametrize(
    "damage",
    [
        {"sent": "12"},
        {"sent": None},
        {"sent": 1.5},
        {"sent": True},
        {"sent": -3},
        {"sent": 2**60},
    ],
)
def test_bodies_outside_the_fast_path_take_the_frame_path(damage) -> None:
    body = {"data": [{"time": "2024-03-01", "messages": {"email": [{"delivered": 1, **damage}]}}]}
    assert campaign_window_sums(body, BASE, BASE) is None
    for totals in ({"revenue": "9.5"}, {"conversions": None}, {"unique_recipients": False}):
        assert (
            campaign_window_sums({"data": [{"time": "2024-03-01", **totals}]}, BASE, BASE) is None
        )


def test_leaderboard_and_detail_view_share_one_request_per_window(ws, sandbox) -> None:
    """One request per window, shared: opening a ranked campaign sends nothing new, and each
    cache name holds one kind of value (raw body, sums, frames)."""
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=129)  # two windows
    campaign_id = str(data.load_campaigns(ws)["id"].iloc[0])
    sandbox.sandbox.clear_requests()
    data.load_leaderboard_row(ws, campaign_id, start, end)
    assert len([r for r in sandbox.sandbox.requests if r.path == "/campaigns/data_series"]) == 2
    series = data.load_campaign_series(ws, campaign_id, start, end)
    assert isinstance(series, data.CampaignSeries)
    assert [r for r in sandbox.sandbox.requests if r.path == "/campaigns/data_series"][2:] == []
    kinds = {k[1]: type(e.value) for k, e in CACHE._store.items() if k[1].startswith("campaigns.")}
    assert kinds == {
        "campaigns.list": pd.DataFrame,
        "campaigns.data_series": dict,
        "campaigns.data_series:leaderboard_sums": data.WindowPeriodSums,
        "campaigns.data_series:campaign_series": data.CampaignSeries,
        "campaigns.leaderboard_row": data.LeaderboardRow,
    }
    sandbox.sandbox.clear_requests()
    data.load_leaderboard_row(ws, campaign_id, start, end)
    data.load_campaign_series(ws, campaign_id, start, end)
    assert sandbox.sandbox.requests == []
