"""braze_api.frames: handwritten payloads from the spec plus property tests on junk input."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from braze_api import frames as f

UTC = "datetime64[ns, UTC]"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# ---------------------------------------------------------------- flat series


def test_series_frame_kpi_times_sorted_deduplicated_and_numeric():
    body = {
        "message": "success",
        "data": [
            {"time": "2024-01-02", "dau": "5"},
            {"time": "2024-01-01", "dau": 3},
            {"time": "2024-01-02", "dau": 7},  # overlapping window: last wins
            {"time": "not a date", "dau": 1},
            {"dau": 9},
            None,
        ],
    }
    df = f.series_frame(body, ["dau"])
    assert list(df.columns) == ["time", "dau"]
    assert str(df["time"].dtype) == UTC
    assert df["dau"].dtype == "Int64"
    assert df["time"].tolist() == [ts("2024-01-01"), ts("2024-01-02")]
    assert df["dau"].tolist() == [3, 7]


def test_series_frame_hourly_offsets_become_utc_and_extras_are_kept():
    body = {
        "data": [
            {"time": "2024-03-01T13:00:00", "sessions": 4},
            {"time": "2024-03-01T09:00:00-05:00", "sessions": 2, "new_metric": "1.5"},
            {"time": "2024-03-01T15:00:00Z", "sessions": None},
        ]
    }
    df = f.series_frame(body, ["sessions"])
    assert df["time"].tolist() == [
        ts("2024-03-01T13:00"),
        ts("2024-03-01T14:00"),
        ts("2024-03-01T15:00"),
    ]
    assert df["sessions"].tolist()[:2] == [4, 2]
    assert pd.isna(df["sessions"].iloc[2])
    assert df["new_metric"].dtype == "float64"
    assert df["new_metric"].iloc[1] == 1.5


@pytest.mark.parametrize(
    ("endpoint", "point"),
    [
        ("events", {"count": 12}),
        ("revenue", {"revenue": 12}),
        ("quantity", {"purchase_quantity": 3}),
        ("segment", {"size": 1000}),
        (
            "feed",
            {"clicks": 1, "impressions": 10, "unique_clicks": 1, "unique_impressions": 8},
        ),
    ],
)
def test_series_frame_each_endpoint_value_columns(endpoint, point):
    columns = f.SERIES_VALUE_COLUMNS[endpoint]
    df = f.series_frame({"data": [{"time": "2024-01-01", **point}]}, columns)
    assert list(df.columns) == ["time", *columns]
    assert df.iloc[0][list(columns)].tolist() == list(point.values())
    if endpoint == "revenue":
        assert df["revenue"].dtype == "float64"


def test_series_frame_empty_and_wrong_containers_give_named_empty_frames():
    for body in (None, {}, {"data": None}, {"data": {"time": 1}}, [], "junk"):
        df = f.series_frame(body, ["mau"])
        assert list(df.columns) == ["time", "mau"]
        assert df.empty
        assert str(df["time"].dtype) == UTC


# ---------------------------------------------------------------- campaigns

MULTICHANNEL = {
    "message": "success",
    "data": [
        {
            "time": "2024-05-01",
            "messages": {
                "ios_push": [
                    {
                        "variation_name": "iOS_Push",
                        "sent": 100,
                        "direct_opens": 10,
                        "total_opens": 15,
                        "bounces": 4,
                        "body_clicks": 3,
                        "revenue": 1.5,
                        "unique_recipients": 90,
                        "notif_button_1_Buy_click": 2,
                    }
                ],
                "android_push": [{"sent": 50, "direct_opens": 5, "total_opens": 6, "bounces": 0}],
                "webhook": [{"sent": 20, "errors": 2}],
                "email": [
                    {
                        "sent": 200,
                        "opens": 80,
                        "unique_opens": 60,
                        "clicks": 30,
                        "unique_clicks": 20,
                        "unsubscribes": 1,
                        "bounces": 5,
                        "delivered": 195,
                        "reported_spam": 0,
                        "machine_open": 7,
                    }
                ],
                "sms": [
                    {
                        "sent": 40,
                        "sent_to_carrier": 39,
                        "delivered": 38,
                        "rejected": 1,
                        "delivery_failed": 0,
                        "clicks": 4,
                        "opt_out": 1,
                        "help": 0,
                    }
                ],
                "whats_app": [{"sent": 10, "delivered": 9, "failed": 1, "read": 6}],
                "content_cards": [
                    {
                        "total_clicks": 8,
                        "total_dismissals": 2,
                        "total_impressions": 50,
                        "unique_clicks": 6,
                        "unique_impressions": 40,
                        "unique_dismissals": 2,
                    }
                ],
                "carrier_pigeon": [{"variation_name": "Coo", "feathers_lost": "3"}],
                "kindle_push": [],
            },
            "conversions": 5,
            "conversions_by_send_time": 4,
            "unique_recipients": 300,
            "revenue": 12.5,
        },
        {
            "time": "2024-05-02",
            "messages": {"email": [{"sent": 10, "delivered": 10, "unique_opens": 1}]},
            "unique_recipients": "10",
        },
    ],
}

MULTIVARIATE = {
    "data": [
        {
            "time": "2024-06-01",
            "conversions": 3,
            "revenue": 2.0,
            "messages": {
                "trigger_in_app_message": [
                    {
                        "variation_name": "A",
                        "impressions": 100,
                        "clicks": 10,
                        "unique_recipients": 90,
                    },
                    {"variation_name": "B", "impressions": 80, "clicks": 12, "conversions": 2},
                    {"revenue": 0, "unique_recipients": 30, "conversions": 1, "enrolled": 30},
                ]
            },
        },
        {
            "time": "2024-06-02",
            "messages": {
                "trigger_in_app_message": [
                    {"variation_name": "A", "impressions": 10, "clicks": 1},
                    {"variation_name": "B", "impressions": 20, "clicks": 2},
                    {"variation_name": "Control Group", "enrolled": 5},
                ]
            },
        },
    ]
}


def test_campaign_series_long_frame_one_row_per_channel_variation():
    df = f.campaign_series_frame(MULTICHANNEL)
    assert list(df.columns[:4]) == ["time", "channel", "variation_name", "is_control"]
    day1 = df[df["time"] == ts("2024-05-01")]
    assert sorted(day1["channel"]) == sorted(
        [
            "ios_push",
            "android_push",
            "webhook",
            "email",
            "sms",
            "whats_app",
            "content_cards",
            "carrier_pigeon",
        ]
    )  # the empty kindle_push list adds no row
    assert len(df) == 9
    by = df.set_index(["time", "channel"])
    email = by.loc[(ts("2024-05-01"), "email")]
    assert email["unique_opens"] == 60 and email["machine_open"] == 7
    assert email["direct_opens"] == 0  # metric of another channel → 0
    assert by.loc[(ts("2024-05-01"), "android_push"), "variation_name"] == "android_push"
    assert by.loc[(ts("2024-05-01"), "ios_push"), "variation_name"] == "iOS_Push"
    assert by.loc[(ts("2024-05-01"), "ios_push"), "notif_button_1_Buy_click"] == 2
    pigeon = by.loc[(ts("2024-05-01"), "carrier_pigeon")]
    assert pigeon["variation_name"] == "Coo" and pigeon["feathers_lost"] == 3
    assert df["sent"].dtype == "Int64" and df["revenue"].dtype == "float64"
    assert not df["is_control"].any()


def test_campaign_series_multivariate_keeps_control_rows():
    df = f.campaign_series_frame(MULTIVARIATE)
    day1 = df[df["time"] == ts("2024-06-01")].set_index("variation_name")
    assert list(day1.index) == ["A", "B", "trigger_in_app_message"]
    assert day1["is_control"].tolist() == [False, False, True]
    assert day1.loc["trigger_in_app_message", "enrolled"] == 30
    day2 = df[df["time"] == ts("2024-06-02")].set_index("variation_name")
    assert bool(day2.loc["Control Group", "is_control"])

    totals = f.campaign_variation_totals(df).set_index("variation_name")
    assert totals.loc["A", "impressions"] == 110
    assert totals.loc["B", "clicks"] == 14
    assert bool(totals.loc["Control Group", "is_control"])
    assert not bool(totals.loc["A", "is_control"])


def test_unnamed_variations_in_one_channel_stay_distinct():
    body = {"data": [{"time": "2024-01-01", "messages": {"email": [{"sent": 1}, {"sent": 2}]}}]}
    df = f.campaign_series_frame(body)
    assert df["variation_name"].tolist() == ["email", "email #2"]
    assert df["sent"].sum() == 3


def test_sends_series_has_campaign_shape():
    sends = {
        "data": [
            {
                "time": "2024-07-01",
                "messages": {
                    "android_push": [
                        {
                            "variation_name": "Variation 1",
                            "sent": 5,
                            "direct_opens": 1,
                            "bounces": 1,
                        }
                    ]
                },
                "conversions": 1,
                "unique_recipients": 5,
                "revenue": 0,
            }
        ],
        "message": "success",
    }
    long = f.campaign_series_frame(sends)
    assert long.iloc[0]["sent"] == 5
    totals = f.campaign_totals_frame(sends)
    assert totals.iloc[0]["conversions"] == 1


def test_campaign_totals_frame_missing_fields_are_zero():
    df = f.campaign_totals_frame(MULTICHANNEL)
    assert list(df.columns) == ["time", *f.CAMPAIGN_TOTAL_FIELDS]
    assert df["unique_recipients"].tolist() == [300, 10]
    assert df["conversions"].tolist() == [5, 0]
    assert df["conversions3_by_send_time"].tolist() == [0, 0]
    assert df["revenue"].tolist() == [12.5, 0.0]


@pytest.mark.parametrize(
    ("channel", "kind"),
    [
        ("email", "email"),
        ("ios_push", "push"),
        ("android_push", "push"),
        ("web_push", "push"),
        ("windows_universal_push", "push"),
        ("in_app_message", "in_app"),
        ("trigger_in_app_message", "in_app"),
        ("webhook", "webhook"),
        ("sms", "sms"),
        ("content_cards", "content_cards"),
        ("whats_app", "whats_app"),
        ("carrier_pigeon", "other"),
        (None, "other"),
        (42, "other"),
    ],
)
def test_channel_kind(channel, kind):
    assert f.channel_kind(channel) == kind


def test_engagement_frame_uses_each_channels_definition():
    df = f.engagement_frame(f.campaign_series_frame(MULTICHANNEL))
    day1 = df[df["time"] == ts("2024-05-01")].set_index("channel")
    row = day1.loc["email"]
    assert (row["sent"], row["delivered"], row["opens"], row["clicks"]) == (200, 195, 60, 20)
    row = day1.loc["ios_push"]
    assert (row["sent"], row["delivered"], row["opens"], row["clicks"]) == (100, 96, 10, 3)
    row = day1.loc["webhook"]
    assert (row["sent"], row["delivered"]) == (20, 18)
    assert pd.isna(row["opens"]) and pd.isna(row["clicks"])
    row = day1.loc["sms"]
    assert (row["sent"], row["delivered"], row["clicks"]) == (40, 38, 4)
    assert pd.isna(row["opens"])
    row = day1.loc["whats_app"]
    assert (row["delivered"], row["opens"]) == (9, 6)
    row = day1.loc["content_cards"]
    assert (row["opens"], row["clicks"]) == (40, 6)
    assert day1.loc["carrier_pigeon", "kind"] == "other"
    assert list(df.columns) == [
        "time",
        "channel",
        "kind",
        "variation_name",
        "is_control",
        *f.ENGAGEMENT_COLUMNS,
    ]
    assert all(df[c].dtype == "Int64" for c in f.ENGAGEMENT_COLUMNS)


def test_engagement_in_app_and_variation_totals():
    totals = f.campaign_variation_totals(f.campaign_series_frame(MULTIVARIATE))
    eng = f.engagement_frame(totals).set_index("variation_name")
    assert eng.loc["A", "opens"] == 110 and eng.loc["A", "clicks"] == 11
    assert pd.isna(eng.loc["A", "sent"])
    assert "time" not in eng.columns


# One channel name per channel kind, plus a name only the generic "other" rules read.
KIND_CHANNELS = (
    "email",
    "android_push",
    "trigger_in_app_message",
    "sms",
    "webhook",
    "content_cards",
    "whats_app",
    "carrier_pigeon",
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KIND_CHANNELS),
            st.dictionaries(
                st.sampled_from(sorted(f.ENGAGEMENT_INPUTS)),
                st.none() | st.integers(0, 60),
                max_size=6,
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_engagement_values_read_the_rules_as_engagement_frame_does(rows):
    """Row by row on plain numbers (None = NA, an absent key = 0) and vectorised on a frame,
    every kind's rules give the same sent/delivered/opens/clicks, floors and NAs included."""
    columns = sorted({name for _, metrics in rows for name in metrics})
    long = pd.DataFrame(
        {
            "channel": [channel for channel, _ in rows],
            **{
                name: pd.array([metrics.get(name, 0) for _, metrics in rows], dtype="Int64")
                for name in columns
            },
        }
    )
    eng = f.engagement_frame(long)
    for i, (channel, metrics) in enumerate(rows):
        want = tuple(None if pd.isna(v) else v for v in eng.loc[i, list(f.ENGAGEMENT_COLUMNS)])
        assert f.engagement_values(channel, metrics, set(columns)) == want


def test_engagement_and_totals_on_empty_frames():
    empty = f.campaign_series_frame({})
    assert list(empty.columns) == ["time", "channel", "variation_name", "is_control"]
    assert f.engagement_frame(empty).empty
    assert list(f.campaign_variation_totals(empty).columns) == [
        "channel",
        "variation_name",
        "is_control",
    ]
    assert f.engagement_frame(None).empty


# ---------------------------------------------------------------- canvas

CANVAS_SERIES = {
    "message": "success",
    "data": {
        "name": "Onboarding",
        "stats": [
            {
                "time": "2024-02-02",
                "total_stats": {"revenue": 1, "conversions": 1, "entries": 5},
            },
            {
                "time": "2024-02-01",
                "total_stats": {
                    "revenue": 10.5,
                    "conversions": 4,
                    "conversions_by_entry_time": 3,
                    "entries": 100,
                },
                "variant_stats": {
                    "v-1": {"name": "Variant 1", "revenue": 6, "conversions": 3, "entries": 60},
                    "v-2": {"name": "Variant 2", "revenue": 4.5, "conversions": 1, "entries": 40},
                },
                "step_stats": {
                    "s-1": {
                        "name": "Welcome",
                        "revenue": 7.25,
                        "conversions": 3,
                        "conversions_by_entry_time": 2,
                        "messages": {
                            "email": [{"sent": 90, "opens": 40, "unique_opens": 30, "clicks": 5}],
                            "android_push": [{"sent": 50, "opens": 10, "bounces": 2}],
                            "carrier_pigeon": [{"sent": 1, "coos": 9}],
                        },
                    },
                    "s-deleted": {"revenue": 1.0, "conversions": 1, "messages": {}},
                },
            },
        ],
    },
}


def test_canvas_series_frames_totals_variants_steps_channels():
    fr = f.canvas_series_frames(CANVAS_SERIES)
    assert isinstance(fr, f.CanvasFrames)
    assert list(fr.totals.columns) == ["time", *f.CANVAS_METRICS]
    assert fr.totals["time"].tolist() == [ts("2024-02-01"), ts("2024-02-02")]
    assert fr.totals["entries"].tolist() == [100, 5]
    assert fr.totals["conversions_by_entry_time"].tolist() == [3, 0]
    assert list(fr.variants.columns) == ["time", "variant_id", "variant_name", *f.CANVAS_METRICS]
    assert fr.variants["entries"].sum() == fr.totals["entries"].iloc[0]
    assert fr.variants["variant_name"].tolist() == ["Variant 1", "Variant 2"]
    assert list(fr.steps.columns) == ["time", "step_id", "step_name", *f.STEP_METRICS]
    assert fr.steps["step_id"].tolist() == ["s-1", "s-deleted"]
    assert pd.isna(fr.steps["step_name"].iloc[1])
    # Step revenue is the step's own, not multiplied by its three channels.
    assert fr.steps["revenue"].sum() == pytest.approx(8.25)
    assert "revenue" not in fr.step_channels.columns
    assert len(fr.step_channels) == 3
    channels = fr.step_channels.set_index("channel")
    assert channels.loc["email", "unique_opens"] == 30
    assert channels.loc["carrier_pigeon", "coos"] == 9
    assert set(channels["step_name"]) == {"Welcome"}
    eng = f.engagement_frame(fr.step_channels).set_index("channel")
    assert eng.loc["android_push", "delivered"] == 48
    assert "step_id" in eng.columns


def test_canvas_series_without_breakdowns_has_empty_named_frames():
    body = {"data": {"name": "x", "stats": [{"time": "2024-01-01", "total_stats": {"entries": 3}}]}}
    fr = f.canvas_series_frames(body)
    assert len(fr.totals) == 1
    assert fr.variants.empty and fr.steps.empty and fr.step_channels.empty
    assert list(fr.steps.columns) == ["time", "step_id", "step_name", *f.STEP_METRICS]
    assert list(fr.step_channels.columns) == [
        "time",
        "step_id",
        "step_name",
        "channel",
        "variation_name",
        "is_control",
    ]


def test_canvas_series_accepts_old_list_shape():
    old = {
        "data": [{"name": "x", "stats": [{"time": "2024-01-01", "total_stats": {"entries": 2}}]}]
    }
    assert f.canvas_series_frames(old).totals["entries"].tolist() == [2]


def test_canvas_summary_frames_have_no_time():
    body = {
        "data": {
            "name": "Onboarding",
            "total_stats": {"revenue": 3, "conversions": 2, "entries": 9},
            "variant_stats": {"v": {"name": "V", "revenue": 3.0, "conversions": 2, "entries": 9}},
            "step_stats": {
                "s": {
                    "name": "Only step",
                    "revenue": 3.0,
                    "messages": {"android_push": [{"sent": 9, "opens": 2, "influenced_opens": 1}]},
                }
            },
        },
        "message": "success",
    }
    fr = f.canvas_summary_frames(body)
    for part in fr:
        assert "time" not in part.columns
    assert fr.totals.iloc[0]["entries"] == 9
    assert fr.totals["revenue"].dtype == "float64"
    assert fr.variants.iloc[0]["variant_id"] == "v"
    assert fr.steps.iloc[0]["revenue"] == 3.0
    assert fr.step_channels.iloc[0]["influenced_opens"] == 1
    empty = f.canvas_summary_frames({"message": "success"})
    assert empty.totals.empty and list(empty.totals.columns) == list(f.CANVAS_METRICS)


# ---------------------------------------------------------------- lists and details


def test_items_frame_campaign_list_with_tags():
    body = {
        "message": "success",
        "campaigns": [
            {
                "id": "c1",
                "name": "Welcome",
                "is_api_campaign": False,
                "tags": ["onboarding", "email"],
            },
            {"id": "c2", "name": "Promo", "is_api_campaign": True, "tags": None, "extra": 1},
            {"id": "3", "name": None},
            "junk",
        ],
    }
    df = f.items_frame(body, ["id", "name", "is_api_campaign", "tags"])
    assert list(df.columns) == ["id", "name", "is_api_campaign", "tags", "tags_text"]
    assert df["id"].tolist()[:3] == ["c1", "c2", "3"]
    assert df["tags"].iloc[0] == ["onboarding", "email"]
    assert df["tags"].iloc[1] == []
    assert df["tags_text"].iloc[0] == "onboarding, email"
    assert df["is_api_campaign"].tolist()[:3] == [False, True, False]
    assert f.items_frame(body["campaigns"]).columns.tolist()[:2] == ["id", "name"]


def test_items_frame_plain_string_lists():
    df = f.items_frame({"events": ["Added to cart", "Checkout"]})
    assert df["name"].tolist() == ["Added to cart", "Checkout"]
    assert list(f.items_frame(None, ["id", "name"]).columns) == ["id", "name"]


CAMPAIGN_DETAILS = {
    "name": "Welcome",
    "channels": ["email", "ios_push", "webhook"],
    "messages": {
        "mv-1": {
            "channel": "email",
            "name": "Variation 1",
            "subject": "Hello",
            "body": "<b>hi</b>",
            "from": "Team <t@example.com>",
            "reply_to": "r@example.com",
        },
        "mv-2": {"channel": "ios_push", "name": "Push", "alert": "Come back", "extras": {}},
        "mv-3": {
            "channel": "webhook",
            "url": "https://example.com/h",
            "method": "POST",
            "type": "application/json",
        },
        "mv-4": {"channel": "email", "type": "control"},
        "broken": "not a dict",
    },
    "conversion_behaviors": [
        {"type": "Clicks Email", "window": 86400},
        {"type": "Makes Specific Purchase", "window": 259200, "product": "Feline Body Armor"},
        {"type": "Performs Custom Event", "window": 1800, "custom_event_name": "Used Armor"},
        {"type": "Upgrades App", "window": "3600", "app_ids": ["12345", "67890"]},
        {"type": "Starts Session", "app_ids": None},
    ],
}


def test_campaign_messages_frame():
    df = f.campaign_messages_frame(CAMPAIGN_DETAILS)
    # the documented columns first, then every other field a message carries (kept, not dropped)
    assert list(df.columns)[: len(f.MESSAGE_COLUMNS)] == list(f.MESSAGE_COLUMNS)
    assert "body" in df.columns
    assert df["message_variation_id"].tolist() == ["mv-1", "mv-2", "mv-3", "mv-4"]
    rows = df.set_index("message_variation_id")
    assert rows.loc["mv-1", "subject"] == "Hello" and rows.loc["mv-1", "from"].startswith("Team")
    assert rows.loc["mv-2", "alert"] == "Come back" and pd.isna(rows.loc["mv-2", "subject"])
    assert rows.loc["mv-3", "method"] == "POST"
    assert rows["is_control"].tolist() == [False, False, False, True]
    assert f.campaign_messages_frame({}).empty


def test_conversion_behaviors_frame_letters_and_windows():
    df = f.conversion_behaviors_frame(CAMPAIGN_DETAILS)
    assert list(df.columns) == list(f.BEHAVIOR_COLUMNS)
    assert df["letter"].tolist() == ["A", "B", "C", "D", "E"]
    assert df["window_seconds"].tolist()[:4] == [86400, 259200, 1800, 3600]
    assert df["window_text"].tolist()[:4] == ["24 hours", "3 days", "30 minutes", "1 hour"]
    assert pd.isna(df["window_text"].iloc[4])
    assert df["product"].iloc[1] == "Feline Body Armor"
    assert df["custom_event_name"].iloc[2] == "Used Armor"
    assert df["app_ids"].iloc[3] == ["12345", "67890"]
    assert df["app_ids"].iloc[4] == []


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(60, "1 minute"), (90, "90 seconds"), (172800, "2 days"), (0, "0 seconds"), ("x", None)],
)
def test_window_text(seconds, expected):
    assert f.window_text(seconds) == expected


CANVAS_DETAILS = {
    "name": "Onboarding",
    "variants": [
        {"name": "Variant 1", "first_step_ids": ["s1"]},
        {"name": "Variant 2", "first_step_id": "s2"},
    ],
    "steps": [
        {"name": "Welcome", "id": "s1", "next_step_ids": ["s3"], "channels": ["email"]},
        {"name": "Push", "id": "s2", "next_step_ids": ["s3"], "channels": ["android_push"]},
        {"name": "Follow up", "id": "s3", "next_step_ids": ["s1", "s4", "gone"], "messages": {}},
        {"name": "Last", "id": "s4", "channels": ["sms", "webhook"], "messages": {"m": {}}},
        {"name": "Orphan", "id": "s9"},
    ],
}


def test_canvas_steps_frame_bfs_depth_and_variants():
    df = f.canvas_steps_frame(CANVAS_DETAILS).set_index("step_id")
    assert list(df.reset_index().columns) == list(f.STEP_COLUMNS)
    assert df["depth"].tolist()[:4] == [0, 0, 1, 2]
    assert pd.isna(df.loc["s9", "depth"])
    assert df.loc["s1", "variants"] == ["Variant 1", "Variant 2"]  # s2 → s3 → s1 cycle
    assert df.loc["s2", "variants"] == ["Variant 2"]
    assert df.loc["s4", "channels_text"] == "sms, webhook"
    assert df.loc["s4", "message_count"] == 1
    assert df.loc["s3", "next_step_ids"] == ["s1", "s4", "gone"]


def test_canvas_variants_frame():
    df = f.canvas_variants_frame(CANVAS_DETAILS)
    assert list(df.columns) == list(f.VARIANT_COLUMNS)
    assert df["variant_name"].tolist() == ["Variant 1", "Variant 2"]
    assert df["first_step_ids"].tolist() == [["s1"], ["s2"]]
    assert df["first_step_names"].tolist() == [["Welcome"], ["Push"]]
    assert df["step_count"].tolist() == [3, 4]


# ---------------------------------------------------------------- users

USER = {
    "external_id": "u-1",
    "braze_id": "b-1",
    "user_aliases": [{"alias_name": "ann", "alias_label": "crm"}],
    "first_name": "Ann",
    "email": "ann@example.com",
    "country": "FR",
    "total_revenue": "19.5",
    "created_at": "2023-12-31T23:00:00.000Z",
    "last_coordinates": [2.35, 48.85],
    "custom_attributes": {"tier": "gold", "prefs": {"news": True, "topics": ["a", "b"]}, "n": 3},
    "custom_events": [
        {"name": "Viewed", "first": "2024-01-01T10:00:00Z", "last": "2024-02-01", "count": 7}
    ],
    "purchases": [{"name": "Armor", "first": "2024-01-05", "last": None, "count": "2"}],
    "devices": [
        {"model": "iPhone", "os": "iOS 17", "ad_tracking_enabled": True},
        {"model": "Pixel"},
    ],
    "push_tokens": [{"app": "App", "platform": "iOS", "token": "0123456789abcdefghij"}],
    "apps": [{"name": "App", "platform": "iOS", "sessions": "42", "first_used": "2023-01-01"}],
    "campaigns_received": [
        {
            "name": "Welcome",
            "api_campaign_id": "c1",
            "last_received": "2024-01-02T03:04:05Z",
            "engaged": {"opened_email": True},
            "converted": True,
            "variation_name": "A",
            "in_control": False,
        },
        {"name": "Promo"},
    ],
    "canvases_received": [
        {
            "name": "Onboarding",
            "api_canvas_id": "cv1",
            "in_control": True,
            "steps_received": [
                {"name": "Welcome", "api_canvas_step_id": "s1", "last_received": "2024-01-03"},
                {"name": "Push", "api_canvas_step_id": "s2"},
            ],
        }
    ],
    "cards_clicked": [{"name": "Card"}],
    "brand_new_field": {"x": 1},
}


def test_user_profile_frames_full_user():
    tables = f.user_profile_frames(USER)
    assert list(tables) == list(f.PROFILE_TABLES)
    attrs = tables["attributes"].set_index("field")["value"]
    assert attrs["external_id"] == "u-1"
    assert attrs["user_aliases"] == "crm: ann"
    assert attrs["last_coordinates"] == "2.35, 48.85"
    assert pd.isna(attrs["last_name"])
    assert attrs["brand_new_field"] == '{"x":1}'
    custom = tables["custom_attributes"].set_index("key")["value"]
    assert custom["tier"] == "gold" and custom["n"] == "3"
    assert custom["prefs"] == '{"news":true,"topics":["a","b"]}'
    events = tables["custom_events"]
    assert events["first"].iloc[0] == ts("2024-01-01T10:00") and events["count"].iloc[0] == 7
    purchases = tables["purchases"]
    assert purchases["count"].tolist() == [2] and pd.isna(purchases["last"].iloc[0])
    assert str(purchases["first"].dtype) == UTC
    devices = tables["devices"]
    assert devices["ad_tracking_enabled"].tolist() == [True, False]
    assert tables["push_tokens"]["token"].iloc[0] == "012345…ghij"
    assert tables["apps"]["sessions"].iloc[0] == 42
    received = tables["campaigns_received"]
    assert received["opened_email"].tolist() == [True, False]
    assert received["clicked_email"].tolist() == [False, False]
    assert received["converted"].tolist() == [True, False]
    assert received["in_control"].tolist() == [False, False]
    assert tables["canvases_received"]["steps_received"].tolist() == [2]
    steps = tables["canvas_steps_received"]
    assert steps["canvas_name"].tolist() == ["Onboarding", "Onboarding"]
    assert steps["last_received"].iloc[0] == ts("2024-01-03")
    assert tables["cards_clicked"]["name"].tolist() == ["Card"]


def test_user_profile_frames_empty_user_has_every_table():
    tables = f.user_profile_frames({})
    assert list(tables) == list(f.PROFILE_TABLES)
    assert tables["attributes"]["value"].isna().all()
    assert all(tables[name].empty for name in f.PROFILE_TABLES if name != "attributes")
    assert list(tables["purchases"].columns) == ["name", "first", "last", "count"]


def test_users_summary_frame():
    df = f.users_summary_frame({"users": [USER, {}, None, "junk"]})
    assert list(df.columns) == list(f.SUMMARY_COLUMNS)
    assert len(df) == 2
    first = df.iloc[0]
    assert first["external_id"] == "u-1" and first["total_revenue"] == 19.5
    assert first["created_at"] == ts("2023-12-31T23:00")
    assert (first["custom_events_count"], first["purchases_count"], first["devices_count"]) == (
        1,
        1,
        2,
    )
    assert (first["apps_count"], first["campaigns_received_count"]) == (1, 2)
    assert df["devices_count"].tolist() == [2, 0]
    assert df["total_revenue"].dtype == "float64"


# ---------------------------------------------------------------- property tests

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["2024-01-01", "2024-01-01T13:00:00Z", "1e3", "12", "now", "9999-99-99"]),
)
_keys = st.one_of(
    st.sampled_from(
        [
            "time",
            "data",
            "stats",
            "messages",
            "total_stats",
            "variant_stats",
            "step_stats",
            "name",
            "sent",
            "variation_name",
            "enrolled",
            "revenue",
            "email",
            "ios_push",
            "carrier_pigeon",
            "steps",
            "variants",
            "next_step_ids",
            "first_step_ids",
            "id",
            "tags",
            "window",
            "conversion_behaviors",
            "custom_attributes",
            "purchases",
            "campaigns_received",
            "engaged",
            "canvases_received",
            "steps_received",
            "users",
            "channel",
            "is_control",
        ]
    ),
    st.text(max_size=5),
)
_json = st.recursive(
    _scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=5)
    ),
    max_leaves=25,
)
_PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPS
@given(_json)
def test_series_builders_never_raise(body):
    df = f.series_frame(body, ["dau"])
    assert list(df.columns[:2]) == ["time", "dau"]
    assert str(df["time"].dtype) == UTC
    assert df["time"].is_monotonic_increasing and df["time"].is_unique
    long = f.campaign_series_frame(body)
    assert list(long.columns[:4]) == ["time", "channel", "variation_name", "is_control"]
    totals = f.campaign_totals_frame(body)
    assert list(totals.columns[:11]) == ["time", *f.CAMPAIGN_TOTAL_FIELDS]
    eng = f.engagement_frame(long)
    assert list(eng.columns[-4:]) == list(f.ENGAGEMENT_COLUMNS)
    assert len(eng) == len(long)
    var = f.campaign_variation_totals(long)
    assert list(var.columns[:3]) == ["channel", "variation_name", "is_control"]


@_PROPS
@given(_json)
def test_canvas_builders_never_raise(body):
    for fr in (f.canvas_series_frames(body), f.canvas_summary_frames(body)):
        assert list(fr.totals.columns[-4:]) == list(f.CANVAS_METRICS)
        assert {"step_id", "step_name", *f.STEP_METRICS} <= set(fr.steps.columns)
        assert {"variant_id", "variant_name"} <= set(fr.variants.columns)
        assert {"step_id", "channel", "variation_name"} <= set(fr.step_channels.columns)
        f.engagement_frame(fr.step_channels)


@_PROPS
@given(_json)
def test_detail_and_user_builders_never_raise(body):
    assert list(f.items_frame(body, ["id", "name", "tags"]).columns) == [
        "id",
        "name",
        "tags",
        "tags_text",
    ]
    f.items_frame(body)
    messages_columns = list(f.campaign_messages_frame(body).columns)
    assert messages_columns[: len(f.MESSAGE_COLUMNS)] == list(f.MESSAGE_COLUMNS)
    assert list(f.conversion_behaviors_frame(body).columns) == list(f.BEHAVIOR_COLUMNS)
    assert list(f.canvas_steps_frame(body).columns) == list(f.STEP_COLUMNS)
    assert list(f.canvas_variants_frame(body).columns) == list(f.VARIANT_COLUMNS)
    tables = f.user_profile_frames(body)
    assert list(tables) == list(f.PROFILE_TABLES)
    assert list(f.users_summary_frame(body).columns) == list(f.SUMMARY_COLUMNS)
    assert list(f.users_summary_frame([body]).columns) == list(f.SUMMARY_COLUMNS)


_entry = st.fixed_dictionaries(
    {"time": st.sampled_from(["2024-01-01", "2024-01-02", "2024-01-01T00:00:00Z", None])},
    optional={
        "messages": st.dictionaries(
            st.sampled_from(["email", "ios_push", "sms", "carrier_pigeon", ""]),
            st.lists(st.dictionaries(_keys, _scalar, max_size=4), max_size=3),
            max_size=3,
        ),
        "conversions": _scalar,
    },
)


@_PROPS
@given(st.lists(_entry, max_size=6))
def test_campaign_rows_are_unique_per_time_channel_variation(entries):
    long = f.campaign_series_frame({"data": entries})
    assert not long.duplicated(["time", "channel", "variation_name"]).any()
    assert long["time"].notna().all()
    assert long["is_control"].dtype == "boolean"
    for column in long.columns[4:]:
        if column in {"sent", "revenue", "enrolled"}:
            assert pd.api.types.is_numeric_dtype(long[column])


# ---------------------------------------------------------------- column-wise building


@pytest.mark.parametrize("junk", ["", "n/a", "  ", None])
def test_series_frame_without_value_columns_keeps_known_values_numeric(junk):
    body = {"data": [{"time": "2024-01-01", "dau": junk}, {"time": "2024-01-02", "dau": 5}]}
    df = f.series_frame(body)
    assert df["dau"].dtype == "Int64"
    assert df["dau"].isna().tolist() == [True, False]


def test_series_frame_unknown_columns_numeric_when_mostly_numbers():
    body = {
        "data": [
            {"time": "2024-01-01", "extra": "n/a", "label": "a", "blank": ""},
            {"time": "2024-01-02", "extra": 5, "label": "b", "blank": "3"},
            {"time": "2024-01-03", "extra": "7.5", "label": "1", "blank": ""},
        ]
    }
    df = f.series_frame(body)
    assert df["extra"].dtype == "float64"
    assert df["extra"].isna().tolist() == [True, False, False]
    assert df["extra"].iloc[2] == 7.5
    assert df["label"].tolist() == ["a", "b", "1"]  # mostly text stays text
    assert df["blank"].dtype == "Int64"  # blanks carry no value; "3" is the only one
    assert df["blank"].isna().tolist() == [True, False, True]


def test_campaign_series_mixed_shapes_types_and_first_seen_order():
    body = {
        "data": [
            {
                "time": "2024-01-01",
                "messages": {
                    "email": [
                        {"variation_name": "A", "sent": 10, "opens": "4", "variation_api_id": 7},
                        {"variation_name": "B", "opens": 2, "sent": "junk", "huge": 2**53 + 1},
                    ],
                    "ios_push": [{"sent": 3, "direct_opens": 1.0, "enrolled": 2}],
                },
            },
            {"time": "2024-01-02", "messages": {"email": [{"variation_name": "A", "sent": 1}]}},
        ]
    }
    df = f.campaign_series_frame(body)
    assert list(df.columns) == [
        "time",
        "channel",
        "variation_name",
        "is_control",
        "sent",
        "opens",
        "variation_api_id",
        "huge",
        "direct_opens",
        "enrolled",
        "delivered",  # the push row has none: sent − bounces is filled in (others 0)
    ]
    assert df["delivered"].tolist() == [0, 0, 3, 0]
    assert df["variation_name"].tolist() == ["A", "B", "ios_push", "A"]
    assert df["sent"].dtype == "Int64"
    assert df["sent"].isna().tolist() == [False, True, False, False]  # garbage → NA
    assert df["opens"].tolist() == [4, 2, 0, 0]  # numeric string read, missing → 0
    assert df["variation_api_id"].tolist()[0] == "7" and pd.isna(df["variation_api_id"].iloc[1])
    assert df["huge"].dtype == "float64"  # past 2**53 an Int64 would not round-trip
    assert df["direct_opens"].dtype == "Int64" and df["direct_opens"].tolist() == [0, 0, 1, 0]
    # enrolled with a send metric is not a control group
    assert df["is_control"].tolist() == [False, False, False, False]


def test_engagement_frame_on_a_filtered_frame_keeps_rows_aligned():
    long = f.campaign_series_frame(MULTICHANNEL)
    subset = long[long["channel"].isin(["email", "ios_push", "webhook"])].iloc[::-1]
    eng = f.engagement_frame(subset)
    assert eng.index.tolist() == list(range(len(subset)))
    assert eng["channel"].tolist() == subset["channel"].tolist()
    by = eng.set_index(["time", "channel"])
    assert by.loc[(ts("2024-05-02"), "email"), "opens"] == 1
    assert by.loc[(ts("2024-05-01"), "ios_push"), "delivered"] == 96
    assert by.loc[(ts("2024-05-01"), "webhook"), "delivered"] == 18


def test_engagement_frame_reads_numbers_from_any_column_type():
    frame = pd.DataFrame(
        {
            "channel": ["email", "ios_push", "sms", None],
            "variation_name": ["a", "b", "c", "d"],
            "sent": pd.array([5, 7, None, 2], dtype="Int64"),
            "bounces": [1.0, float("nan"), 0.0, 0.0],
            "delivered": ["4", "x", "3", None],
        }
    )
    eng = f.engagement_frame(frame)
    assert eng["kind"].tolist() == ["email", "push", "sms", "other"]
    assert eng["sent"].isna().tolist() == [False, False, True, False]
    # push reads Braze's own delivered when the frame has it (here garbage → NA), never
    # sent − bounces in its place
    assert eng["delivered"].tolist()[:1] == [4] and pd.isna(eng["delivered"].iloc[1])
    assert pd.isna(eng["delivered"].iloc[3])  # "other" delivered: the cell is null
    assert eng["delivered"].dtype == "Int64"
    # a frame that never had delivered: push falls back to sent − bounces (NA bounces = 0)
    without = f.engagement_frame(frame.drop(columns="delivered"))
    assert without["delivered"].iloc[1] == 7


def test_variation_totals_keep_first_appearance_order():
    long = f.campaign_series_frame(MULTIVARIATE)
    totals = f.campaign_variation_totals(long)
    assert totals["variation_name"].tolist() == [
        "A",
        "B",
        "trigger_in_app_message",
        "Control Group",
    ]
    assert totals["clicks"].dtype == "Int64" and totals["revenue"].dtype == "float64"
    assert totals["is_control"].tolist() == [False, False, True, True]
    assert totals["unique_recipients"].tolist() == [90, 0, 30, 0]


_metric_value = st.one_of(
    st.none(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "n/a", "12", "1.5", " 7 ", "1e3"]),
    st.booleans(),
    st.just([1]),
)


@_PROPS
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["sent", "opens", "zz", "enrolled"]), _metric_value),
        min_size=1,
        max_size=8,
    )
)
def test_campaign_metrics_match_value_by_value_rules(entries):
    from braze_api.frames._coerce import num

    body = {"data": [{"time": "2024-01-01", "messages": {"email": entries}}]}
    df = f.campaign_series_frame(body)
    for name in ("sent", "opens", "enrolled"):  # always numeric metrics
        if name not in df.columns:
            continue
        widened = df[name].dtype == "float64"  # past 2**53 or fractional: documented float64
        for got, entry in zip(df[name].tolist(), entries, strict=True):
            raw = entry.get(name)
            want = 0 if raw is None else num(raw)
            if want is not None and widened:
                want = float(want)
            assert (pd.isna(got) and want is None) or got == want, (name, raw, got)
