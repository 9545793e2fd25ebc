"""dashboard.metrics: one definition per rate, tested directly (pure, no I/O)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from braze_api import frames
from braze_api.frames import ENGAGEMENT_INPUTS, channel_kind, engagement_values
from dashboard import metrics

ROOT = Path(__file__).resolve().parents[1]
ONE_CHANNEL_PER_FAMILY = {
    "email": "email",
    "push": "android_push",
    "sms": "sms",
    "whats_app": "whats_app",
    "webhook": "webhook",
    "in_app": "trigger_in_app_message",
    "content_cards": "content_cards",
    "other": "line",
}


def test_the_words_agree_with_the_engagement_rule_table() -> None:
    """COUNTS names a count for a family exactly when frames.engagement reads one for it."""
    assert set(ONE_CHANNEL_PER_FAMILY) == set(metrics.FAMILIES) == set(metrics.COUNTS)
    for family, channel in ONE_CHANNEL_PER_FAMILY.items():
        assert channel_kind(channel) == family
        values = engagement_values(channel, {}, ENGAGEMENT_INPUTS)
        has = {name for name, v in zip(metrics.COUNT_NAMES, values, strict=True) if v is not None}
        assert has == set(metrics.COUNTS[family]), family


def test_every_rate_divides_counts_its_family_has() -> None:
    for rate in metrics.ENGAGEMENT_RATES:
        for family, denominator in rate.denominators.items():
            assert rate.numerator in metrics.COUNTS[family], (rate.key, family)
            assert denominator in metrics.COUNTS[family], (rate.key, family)


def test_definitions_follow_brazes_report_metrics_glossary() -> None:
    """Pinned from Braze's glossary, so a change here is deliberate: unique opens and clicks
    over deliveries for email, direct opens over deliveries for push, reads over sends for
    WhatsApp, clicks over impressions for in-app messages and Content Cards, confirmed
    deliveries over sends for SMS, primary conversions over unique recipients."""
    assert metrics.OPEN_RATE.sentence("email") == "unique opens ÷ deliveries"
    assert metrics.OPEN_RATE.sentence("push") == "direct opens ÷ deliveries"
    assert metrics.OPEN_RATE.sentence("whats_app") == "reads ÷ sends"
    assert metrics.CLICK_RATE.sentence("email") == "unique clicks ÷ deliveries"
    assert metrics.CLICK_RATE.sentence("in_app") == "clicks ÷ impressions"
    assert metrics.CLICK_RATE.sentence("content_cards") == "unique clicks ÷ unique impressions"
    assert metrics.CLICK_RATE.sentence("sms") == "clicks ÷ confirmed deliveries"
    assert metrics.DELIVERY_RATE.sentence("sms") == "confirmed deliveries ÷ sends"
    assert metrics.DELIVERY_RATE.sentence("webhook") == "(sends − errors) ÷ sends"
    assert metrics.CONVERSION_RATE.sentence("email") == (
        "primary conversions (A) ÷ daily unique recipients, summed"
    )
    assert metrics.OPEN_RATE.sentence("sms") is None  # SMS reports no opens
    assert metrics.DELIVERY_RATE.sentence("in_app") is None  # nothing is sent
    for rate in metrics.ENGAGEMENT_RATES:
        assert not rate.defined_for("other")  # unknown fields never enter a rate


def _sums(**families: dict) -> dict:
    return {
        family: {n: counts.get(n) for n in metrics.COUNT_NAMES}
        for family, counts in families.items()
    }


def test_a_rate_sums_numerator_and_denominator_over_the_families_that_define_it() -> None:
    sums = _sums(
        email={"sent": 100, "delivered": 90, "opens": 30, "clicks": 6},
        in_app={"opens": 200, "clicks": 10},
        whats_app={"sent": 50, "delivered": 45, "opens": 20},
        other={"sent": 5, "delivered": 0, "opens": 0, "clicks": 0},
    )
    row = metrics.summary(sums, conversions=8, unique_recipients=160)
    assert row["delivery_rate"] == pytest.approx((90 + 45) / (100 + 50))
    assert row["open_rate"] == pytest.approx((30 + 20) / (90 + 50))  # WhatsApp: over sends
    assert row["click_rate"] == pytest.approx((6 + 10) / (90 + 200))  # in-app: impressions
    assert row["conversion_rate"] == pytest.approx(8 / 160)
    assert (row["open_rate_numerator"], row["open_rate_denominator"]) == (50, 140)
    assert metrics.delivered_total(sums) == 135
    assert metrics.sent_without_deliveries(sums) == 5  # the unknown channel's sends
    assert metrics.summary_of_parts(row) == {k: row[k] for k in metrics.RATE_KEYS}


def test_parts_add_up_across_rows_to_the_rate_of_the_whole() -> None:
    a = _sums(email={"sent": 10, "delivered": 8, "opens": 4, "clicks": 1})
    b = _sums(email={"sent": 30, "delivered": 30, "opens": 3, "clicks": 3}, in_app={"clicks": 2})
    b["in_app"]["opens"] = 40
    rows = pd.DataFrame([metrics.summary(a, 1, 10), metrics.summary(b, 2, 40)])
    summed = {c: rows[c].sum() for c in metrics.PART_COLUMNS}
    together = metrics.summary(
        _sums(
            email={"sent": 40, "delivered": 38, "opens": 7, "clicks": 4},
            in_app={"opens": 40, "clicks": 2},
        ),
        3,
        50,
    )
    got = metrics.summary_of_parts(summed)
    assert got == pytest.approx({k: together[k] for k in metrics.RATE_KEYS})


def test_row_rates_follow_each_rows_channel() -> None:
    long = pd.DataFrame(
        [
            {"channel": "email", "sent": 100, "delivered": 80, "unique_opens": 20},
            {"channel": "trigger_in_app_message", "impressions": 50, "clicks": 5},
            {"channel": "sms", "sent": 10, "delivered": 0, "clicks": 0},
            {"channel": "whats_app", "sent": 40, "delivered": 38, "read": 10},
            {"channel": "line", "sent": 9},
        ]
    ).fillna(0)
    engagement = frames.engagement_frame(long)
    rates = metrics.row_rates(engagement, [1, 1, 1, 1, 1], [10, 10, None, 0, 10])
    assert rates["open_rate"].tolist()[:4] == [0.25, pd.NA, pd.NA, 0.25]
    assert rates["click_rate"].tolist()[:3] == [0.0, 0.1, pd.NA]  # SMS: no deliveries yet
    assert rates["delivery_rate"].tolist() == [0.8, pd.NA, 0.0, 0.95, pd.NA]
    assert rates["conversion_rate"].tolist() == [0.1, 0.1, pd.NA, pd.NA, 0.1]
    assert rates.loc[4, ["open_rate", "click_rate"]].isna().all()  # unknown: no rate


def test_kind_sums_equal_the_fast_paths() -> None:
    body = {
        "data": [
            {
                "time": "2024-03-01",
                "messages": {
                    "email": [{"sent": 9, "delivered": 7, "unique_opens": 3}],
                    "ios_push": [{"sent": 5, "bounces": 1, "direct_opens": 2}],
                    "line": [{"sent": 4}],
                },
            }
        ]
    }
    from datetime import date

    day = date(2024, 3, 1)
    window = frames.campaign_window_sums(body, day, day)
    assert window is not None
    fast = metrics.from_kind_tuples(frames.campaign_range_kind_sums([window], day, day) or {})
    slow = metrics.kind_sums(frames.engagement_frame(frames.campaign_series_frame(body)))
    assert fast == slow
    assert slow["push"]["delivered"] == 4  # sent − bounces


def test_formatting_and_unique_recipients_notes() -> None:
    assert metrics.format_rate(None) == "—"
    assert metrics.format_rate(float("nan")) == "—"
    assert metrics.format_rate(0.30712) == "30.7%"
    assert metrics.format_rate(0.0042) == "0.4%"  # one decimal: display.PERCENT_DECIMALS
    assert metrics.format_rate(0.0003) == "<0.1%"
    assert metrics.ratio(1, 0) is None and metrics.ratio(1, 4) == 0.25
    assert metrics.uniques_note(10, 20) is None
    note = metrics.uniques_note(30, 20)
    assert note and metrics.UNIQUES_CARD_LABEL in note
    assert metrics.uniques_note(5, None)  # uniques but no sends at all (in-app only)
    assert "per day" in metrics.UNIQUES_HELP


def test_tables_show_rates_with_the_cards_digits() -> None:
    table = pd.DataFrame({"open_rate": [0.30749, 0.0042371, None], "sent": [1, 2, 3]})
    shown = metrics.shown_rates(table)
    assert shown["open_rate"].tolist() == [0.307, 0.004, pd.NA]
    assert shown["sent"].tolist() == [1, 2, 3]
    assert table["open_rate"].iloc[0] == 0.30749  # the input (and so the CSV) is untouched


def test_help_texts_state_every_definition() -> None:
    for rate in (*metrics.RATES, metrics.CANVAS_CONVERSION_RATE):
        text = rate.help()
        for _, sentence in rate.definitions():
            assert sentence in text
    assert "Not defined for SMS / MMS" in metrics.OPEN_RATE.help()
    assert metrics.count_help("opens").startswith("Email: unique opens; Push: direct opens")
    assert metrics.channels_without_deliveries(["email", "content_cards", "line", "iam"]) == [
        "content_cards",
        "line",
    ]


def test_the_readme_section_is_the_modules() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert metrics.readme_section() in readme
