"""One value per rate on a page: the consistency rules of issue 17, in AppTest over real HTTP.

Each test names its rule. Pages run against the demo sandbox, or against a sandbox of the
test's own where the rule needs a shape the demo does not serve (a channel the dashboard does
not know; variation entries without unique recipients, which Braze's docs make optional).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY, Sandbox
from dashboard import metrics
from dashboard.data.channels import channel_label
from dashboard.filters import preset_range, utc_today
from tests.conftest import ROOT, open_page, rendered_text, sent_charts

SERIES = "/campaigns/data_series"
FUNNEL = "Funnel over the date range"
RATE_WORDS = {r.label.lower(): r.key for r in metrics.RATES}
CAPTION = re.compile(r"(Delivery rate|Open rate|Click rate|Conversion rate) (\d+\.\d+%|—)")
FUNNEL_TEXT = re.compile(r"\n(\d+\.\d+%|—) (delivery rate|open rate|click rate|conversion rate)")


def captions(at: Any) -> list[str]:
    return [c.value for c in at.caption]


def caption_rates(at: Any) -> dict[str, str]:
    line = next(c for c in captions(at) if c.startswith("Delivery rate"))
    return {RATE_WORDS[label.lower()]: value for label, value in CAPTION.findall(line)}


def funnel_rates(at: Any) -> dict[str, str]:
    texts = sent_charts(at)[FUNNEL]["datasets"]["main"]["stage"]
    found = [m for t in texts for m in FUNNEL_TEXT.findall(t)]
    return {RATE_WORDS[name]: value for value, name in found}


def cards(at: Any) -> dict[str, Any]:
    return {m.label: m for m in at.metric}


def active_campaign(workspace: Any, want: Any) -> Any:
    start, end = preset_range("Last 30 days", utc_today())
    return next(
        c
        for c in workspace.campaigns
        if not c.archived
        and not c.draft
        and c.first_sent is not None
        and c.active_on(end, utc_today())
        and c.active_on(start, utc_today())
        and want(c)
    )


def raw_days(url: str, campaign_id: str) -> list[dict]:
    _, end = preset_range("Last 30 days", utc_today())
    body = requests.get(
        f"{url}{SERIES}",
        params={"campaign_id": campaign_id, "length": 30, "ending_at": end.isoformat()},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    ).json()
    return body["data"]


def test_funnel_percentages_and_the_caption_equal_the_cards(app_test, demo) -> None:
    """Rule: the funnel's percentages are the cards' rates (never a share of Sent), and the
    open rate is Braze's (email unique opens + push direct opens over their deliveries)."""
    campaign = active_campaign(
        demo.workspace, lambda c: "email" in c.channels and len(c.channels) > 1
    )
    at = app_test("campaigns", {"campaign_id": campaign.id})
    assert not at.exception
    shown = caption_rates(at)
    assert set(shown) == set(metrics.RATE_KEYS)
    assert funnel_rates(at) == shown  # one value per rate on the page
    assert cards(at)["Conversion rate"].value == shown["conversion_rate"]
    assert shown["conversion_rate"] != "—"

    days = raw_days(demo.url, campaign.id)
    opens = delivered = 0
    for day in days:
        for channel, entries in day["messages"].items():
            for e in entries:
                if channel == "email":
                    opens += e.get("unique_opens", 0)
                    delivered += e.get("delivered", 0)
                elif channel.endswith("_push"):
                    opens += e.get("direct_opens", 0)
                    delivered += e.get("sent", 0) - e.get("bounces", 0)
    assert shown["open_rate"] == metrics.format_rate(opens / delivered)
    conversions = sum(d.get("conversions", 0) for d in days)
    recipients = sum(d.get("unique_recipients", 0) for d in days)
    assert shown["conversion_rate"] == metrics.format_rate(conversions / recipients)


def test_the_leaderboard_row_and_the_campaign_page_show_the_same_rates(app_test, demo) -> None:
    """Rule: a rate has one value across pages: the leaderboard's row for a campaign equals
    the campaign's own cards and caption, and the totals' caption is the rows' parts."""
    at = app_test("campaigns")
    assert not at.exception
    board = at.dataframe[0].value
    shown_channels = board["channels"].fillna("")  # human names, as the table shows them
    in_app = board[shown_channels.str.contains(r"in.app", case=False)].iloc[0]
    mixed = board[shown_channels.str.contains(f"{channel_label('email')}, ")].iloc[0]
    totals = caption_rates(at)
    for rate in metrics.RATES:
        top = board[f"{rate.key}_numerator"].sum()
        bottom = board[f"{rate.key}_denominator"].sum()
        assert totals[rate.key] == metrics.format_rate(top / bottom)
    for row in (in_app, mixed):
        detail = app_test("campaigns", {"campaign_id": row["campaign_id"]})
        shown = caption_rates(detail)
        for key in metrics.RATE_KEYS:
            value = row[key]
            assert shown[key] == metrics.format_rate(None if pd.isna(value) else float(value))
        assert funnel_rates(detail) == {k: v for k, v in shown.items() if k in funnel_rates(detail)}
    assert pd.isna(in_app["open_rate"])  # not defined for in-app messages


def test_uniques_are_labelled_as_summed_daily_counts_and_explained_above_sends(
    app_test, demo
) -> None:
    """Rule: summed daily unique recipients never pass for a unique count over the range,
    and totals showing them above Sent say why."""
    at = app_test("campaigns")
    shown = cards(at)
    assert "Unique recipients" not in shown
    card = shown[metrics.UNIQUES_CARD_LABEL]
    assert metrics.UNIQUES_HELP in card.proto.help
    board = at.dataframe[0].value
    uniques, sent = board["unique_recipients"].sum(), board["sent"].sum()
    assert uniques > sent  # the demo's in-app campaigns reach people without a send
    assert metrics.uniques_note(uniques, sent) in captions(at)
    text = rendered_text(at)
    assert metrics.UNIQUES_CARD_LABEL in text  # the leaderboard column too

    in_app = active_campaign(demo.workspace, lambda c: c.channels == ["trigger_in_app_message"])
    detail = app_test("campaigns", {"campaign_id": in_app.id})
    assert metrics.UNIQUES_CARD_LABEL in cards(detail)
    assert any(metrics.UNIQUES_CARD_LABEL in c and "above Sent" in c for c in captions(detail))


# ---- a sandbox of the test's own ---------------------------------------------------------


@pytest.fixture
def own() -> Iterator[Sandbox]:
    sandbox = Sandbox(api_key=SANDBOX_API_KEY, seed=11, users=300)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def render(url: str, monkeypatch: pytest.MonkeyPatch, query: dict[str, str]) -> Any:
    from streamlit.testing.v1 import AppTest

    from dashboard.cache import CACHE

    monkeypatch.setenv("BRAZE_REST_ENDPOINT", url)
    monkeypatch.setenv("BRAZE_API_KEY", SANDBOX_API_KEY)
    monkeypatch.delenv("BRAZE_APPS", raising=False)
    CACHE.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query)
    return open_page(at, "campaigns")


def test_sent_and_delivered_cover_the_same_channels(own, monkeypatch) -> None:
    """Rule: Delivered and the delivery rate count the same channels; what Sent holds beyond
    them (a channel the dashboard does not know: LINE here) is stated with its number."""
    campaign = active_campaign(own.workspace, lambda c: c.channels == ["email"])
    campaign.channels = ["email", "line"]
    email = campaign.variations[0]
    campaign.variations = [*campaign.variations, replace(email, id=email.id + "-l", channel="line")]
    at = render(own.url, monkeypatch, {"campaign_id": campaign.id})
    assert not at.exception
    days = raw_days(own.url, campaign.id)
    line_sent = sum(e.get("sent", 0) for d in days for e in d["messages"]["line"])
    email_sent = sum(e.get("sent", 0) for d in days for e in d["messages"]["email"])
    delivered = sum(e.get("delivered", 0) for d in days for e in d["messages"]["email"])
    assert line_sent > 0
    shown = cards(at)
    assert shown["Sent"].proto.help.startswith(f"Exactly {email_sent + line_sent:,}")
    assert shown["Delivered"].proto.help.startswith(f"Exactly {delivered:,}")
    assert caption_rates(at)["delivery_rate"] == metrics.format_rate(delivered / email_sent)
    assert funnel_rates(at)["delivery_rate"] == metrics.format_rate(delivered / email_sent)
    coverage = next(c for c in captions(at) if c.startswith("Delivered and the delivery rate"))
    assert f"cover {email_sent:,} of the {email_sent + line_sent:,} sent" in coverage
    assert f"the other {line_sent:,} were sent by LINE" in coverage


def test_variations_tab_is_not_empty_when_the_card_has_recipients(own, monkeypatch) -> None:
    """Rule: when the campaign card shows recipients, the Variations tab shows its variations
    (Braze may send no unique recipients per variation: then conversions, and why)."""
    campaign = active_campaign(own.workspace, lambda c: len(c.variations) > 1)
    campaign.variation_recipients = False
    at = render(own.url, monkeypatch, {"campaign_id": campaign.id})
    assert not at.exception
    recipients = cards(at)[metrics.UNIQUES_CARD_LABEL]
    assert recipients.value not in ("0", "—")
    text = rendered_text(at)
    assert "No recipients in this date range" not in text
    titles = list(sent_charts(at))
    assert any(t.startswith("Conversions (A) by variation") for t in titles)
    assert any("none per variation" in c for c in captions(at))
    table = next(d.value for d in at.dataframe if "variation_name" in d.value.columns)
    assert len(table) >= 2 and table["conversions"].sum() > 0
    assert table["unique_recipients"].isna().all()  # not made-up zeros
