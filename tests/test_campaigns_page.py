"""The Campaigns page in AppTest against the demo sandbox over real HTTP."""

from __future__ import annotations

import requests

from braze_sandbox import SANDBOX_API_KEY
from dashboard.filters import preset_range, utc_today
from dashboard.widgets import md_escape
from tests.conftest import chart_titles, rendered_text, sent_charts

SERIES = "/campaigns/data_series"


def board(at):
    return at.dataframe[0].value


def sandbox_totals(demo, campaign_id: str) -> dict[str, float]:
    _, end = preset_range("Last 30 days", utc_today())
    body = requests.get(
        f"{demo.url}{SERIES}",
        params={"campaign_id": campaign_id, "length": 30, "ending_at": end.isoformat()},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    ).json()
    points = body["data"]
    return {
        "conversions": sum(p.get("conversions", 0) for p in points),
        "unique_recipients": sum(p.get("unique_recipients", 0) for p in points),
        "sent": sum(e.get("sent", 0) for p in points for v in p["messages"].values() for e in v),
    }


def test_leaderboard_matches_the_sandbox_and_repeat_views_are_cached(app_test, demo) -> None:
    at = app_test("campaigns")
    assert not at.exception
    table = board(at)
    active = [c for c in demo.workspace.campaigns if not c.archived]
    assert len({r.query["campaign_id"] for r in demo.requests if r.path == SERIES}) == len(active)
    assert len(table) > 10
    for row in table.head(5).to_dict("records"):
        want = sandbox_totals(demo, row["campaign_id"])
        assert row["conversions"] == want["conversions"]
        assert row["unique_recipients"] == want["unique_recipients"]
        assert row["sent"] == want["sent"]
    assert any(m.label == "Conversions (A)" for m in at.metric)
    card = next(m for m in at.metric if m.label == "Conversions (A)")
    assert card.proto.help == f"Exactly {table['conversions'].sum():,.0f}"
    assert card.value.endswith("K")  # compact on the card, exact in its help
    assert any("Download leaderboard" in b.label for b in at.get("download_button"))
    assert not at.get("plotly_chart")  # one plotly chart would load plotly for the page
    charts = sent_charts(at)
    top = charts["Top campaigns by messages sent"]["datasets"]["main"]
    assert top["value"].tolist() == table["sent"].nlargest(10).tolist()  # largest first
    assert "Top campaigns by conversions (A)" in charts

    demo.clear_requests()
    at = app_test("campaigns")  # a second visit (a new session) is served from the cache
    assert not at.exception
    assert [r for r in demo.requests if r.path.startswith("/campaigns")] == []
    assert len(board(at)) == len(table)


def test_search_tags_type_and_channel_filters(app_test, demo) -> None:
    at = app_test("campaigns")
    at.text_input(key="cmp_search").input("win-back").run()
    names = board(at)["name"].tolist()
    assert names and all("win-back" in n.lower() for n in names)
    at.text_input(key="cmp_search").input("").run()
    at.selectbox(key="cmp_api").set_value("API campaigns only").run()
    api_ids = {c.id for c in demo.workspace.campaigns if c.is_api_campaign}
    assert set(board(at)["campaign_id"]) <= api_ids
    at.selectbox(key="cmp_api").set_value("All campaigns").run()
    at.multiselect(key="cmp_channels").set_value(["email"]).run()
    channels = board(at)["channels"].tolist()
    # The table shows human channel names (dashboard.display), never Braze's keys.
    assert channels and all("Email" in c.split(", ") for c in channels)
    assert any(c == "Email" for c in channels) and any(c != "Email" for c in channels)
    at.multiselect(key="cmp_channels").set_value([]).run()
    tag = "promo"
    at.multiselect(key="cmp_tags").set_value([tag]).run()
    tagged = {c.id for c in demo.workspace.campaigns if tag in c.tags}
    assert board(at)["campaign_id"].tolist() and set(board(at)["campaign_id"]) <= tagged
    assert not at.exception


def test_a_failing_series_warns_on_its_row_while_the_others_load(app_test, demo) -> None:
    at = app_test("campaigns")  # every non-archived campaign is now cached
    demo.inject(SERIES, 503)
    at.toggle(key="cmp_archived").set_value(True).run()
    assert not at.exception
    table = board(at)
    archived = {c.id for c in demo.workspace.campaigns if c.archived}
    failed = table[table["status"] != ""]
    assert set(failed["campaign_id"]) == archived
    assert set(failed["status"]) == {"⚠ could not load (503)"}
    ok = table[table["status"] == ""]
    assert len(ok) > 10 and ok["unique_recipients"].notna().all()
    assert failed["channels"].isna().all()  # unknown, not "no channel"
    assert any("could not be loaded" in w.value for w in at.warning)
    # the totals cover only the rows that loaded, and say so
    labels = [m.label for m in at.metric]
    assert labels and all(label.endswith("(partial)") for label in labels), labels
    excluded = f"excluding {len(archived)} campaign"
    assert any(excluded in c.value for c in at.caption)


def test_deep_link_opens_a_multivariate_campaign_with_every_variation(app_test, demo) -> None:
    _, end = preset_range("Last 30 days", utc_today())
    campaign = next(
        c
        for c in demo.workspace.campaigns
        if c.multivariate and c.active_on(end, utc_today()) and not c.archived
    )
    at = app_test("campaigns", query={"campaign_id": campaign.id})
    assert not at.exception
    assert at.title[0].value.replace("\\", "") == campaign.name
    assert (
        at.query_params["campaign_id"] == [campaign.id]
        or at.query_params["campaign_id"] == campaign.id
    )
    variations = next(d.value for d in at.dataframe if "variation_name" in d.value.columns)
    assert set(variations["variation_name"]) == {v.name for v in campaign.variations}
    assert variations.loc[variations["variation_name"] == "Control", "is_control"].all()
    titles = chart_titles(at)
    assert not at.get("plotly_chart")  # one plotly chart would load plotly for the page
    for expected in (
        "Messages sent per day by channel",
        "Funnel over the date range",
        "Conversion rate (A) by variation",
        "Conversions (A): by conversion time vs by send time",
        "Campaign-attributed revenue per day",
    ):
        assert expected in titles
    behaviors = next(d.value for d in at.dataframe if "window" in d.value.columns)
    assert behaviors["event"].tolist() == list("ABCD"[: len(campaign.conversion_behaviors)])
    cards = {m.label: m.value for m in at.metric}
    # two rows of four: engagement, then outcomes; revenue compact enough for its card
    assert list(cards)[:8] == [
        "Sent",
        "Delivered",
        "Opens",
        "Clicks",
        "Sum of daily uniques",
        "Conversions (A)",
        "Conversion rate",
        "Attributed revenue",  # metrics.CAMPAIGN_REVENUE.short: four cards across at 1280 px
    ]
    revenue = cards["Attributed revenue"]
    assert revenue.startswith("$") and len(revenue) <= 7
    assert cards["Conversion rate"].endswith("%")

    at.button[0].click().run()  # "All campaigns"
    assert "campaign_id" not in at.query_params
    assert len(board(at)) > 10


def test_html_bodies_and_hostile_names_stay_text(app_test, demo) -> None:
    campaign = next(
        c
        for c in demo.workspace.campaigns
        if any("<script>" in str(v.message.get("body", "")) for v in c.variations)
    )
    at = app_test("campaigns", query={"campaign_id": campaign.id})
    assert not at.exception
    codes = [c.value for c in at.code]
    assert any('<img src=x onerror="alert(1)">' in c for c in codes)
    assert all("<script>" not in m.value for m in at.markdown)
    for element in at.get("html"):
        raise AssertionError(f"raw HTML element rendered: {element}")

    hostile = next(c for c in demo.workspace.campaigns if "<script>" in c.name)
    at = app_test("campaigns", query={"campaign_id": hostile.id})
    assert not at.exception
    assert at.title[0].value == "\\<script\\>alert\\(1\\)\\</script\\> Flash sale"
    assert "unsafe_allow_html: true" not in rendered_text(at)


def test_api_sends_by_url_and_input_validation(app_test, demo) -> None:
    campaign = next(c for c in demo.workspace.campaigns if c.send_ids and not c.archived)
    send = campaign.send_ids[-1]
    at = app_test("campaigns", query={"campaign_id": campaign.id, "send_id": send.id})
    assert not at.exception
    sends = [r for r in demo.requests if r.path == "/sends/data_series"]
    assert [r.query["send_id"] for r in sends] == [send.id]
    assert any("14 days" in c.value for c in at.caption)
    assert any(
        d.value["date"].eq(send.day.isoformat()).any() for d in at.dataframe if "date" in d.value
    )

    demo.clear_requests()
    at.text_input(key="cmp_send_id").input("not a send id; drop").run()
    assert any("A send ID contains only" in w.value for w in at.warning)
    assert [r for r in demo.requests if r.path == "/sends/data_series"] == []
    assert not at.exception


def test_a_send_count_of_another_type_is_named_in_place_and_nothing_is_coerced(
    app_test, demo, monkeypatch
) -> None:
    """The send's stats are read from the bytes, typed: a count Braze sends as text ("12")
    is named (its JSON path, escaped) where the stats would be, and the page still works."""
    from braze_sandbox import routes

    method, original = routes.ROUTES["/sends/data_series"]

    def text_count(ctx, q, body):  # the sandbox's body with one count as a string
        out = original(ctx, q, body)
        for day in out["data"]:
            for entries in day.get("messages", {}).values():
                if entries:
                    entries[0]["unique_recipients"] = "12"
                    return out
        return out

    monkeypatch.setitem(routes.ROUTES, "/sends/data_series", (method, text_count))
    campaign = next(c for c in demo.workspace.campaigns if c.send_ids and not c.archived)
    send = campaign.send_ids[-1]
    at = app_test("campaigns", query={"campaign_id": campaign.id, "send_id": send.id})
    assert not at.exception
    [error] = [e.value for e in at.error if "send's stats" in e.value]
    assert "Braze sent a value of another type than documented" in error
    assert "got \\`str\\`" in error and "unique\\_recipients" in error
    assert len([r for r in demo.requests if r.path == "/sends/data_series"]) == 1  # no retry
    assert any("14 days" in c.value for c in at.caption)  # the rest of the view is there


def test_unknown_campaign_id_shows_a_message(app_test) -> None:
    at = app_test("campaigns", query={"campaign_id": "no-such-campaign"})
    assert not at.exception
    assert at.error and "this campaign" in at.error[0].value
    assert "Traceback" not in rendered_text(at)


def test_one_campaign_shows_channel_health_variation_names_and_teams(app_test, demo) -> None:
    """The demo's multivariate email campaign: channel health cards with the sandbox's sums,
    variations matched by id and named from the details, teams and state badges."""
    _, end = preset_range("Last 30 days", utc_today())
    campaign = next(
        c
        for c in demo.workspace.campaigns
        if c.multivariate
        and c.channels == ["email"]
        and c.active_on(end, utc_today())
        and c.teams
        and not c.archived
    )
    at = app_test("campaigns", query={"campaign_id": campaign.id})
    assert not at.exception
    body = requests.get(
        f"{demo.url}{SERIES}",
        params={"campaign_id": campaign.id, "length": 30, "ending_at": end.isoformat()},
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    ).json()
    entries = [e for p in body["data"] for e in p["messages"].get("email", []) if "sent" in e]
    tab = next(t for t in at.tabs if t.label == "Channel health")
    cards = {m.label: m for m in tab.metric}
    assert {"Bounces", "Unsubscribes", "Spam reports"} <= set(cards)
    unsubscribes = sum(e["unsubscribes"] for e in entries)
    assert cards["Unsubscribes"].proto.help.startswith(f"Exactly {unsubscribes:,.0f}")
    variations = next(t for t in at.tabs if t.label == "Variations").dataframe[0].value
    names = {v.id: v.name for v in campaign.variations}
    for row in variations.to_dict("records"):
        assert row["variation_name"] == names[row["variation_api_id"]]
        sent = sum(
            e.get("sent", 0) for e in entries if e["variation_api_id"] == row["variation_api_id"]
        )
        assert row["sent"] == sent
    teams = "**Teams**  \n" + md_escape(", ".join(campaign.teams))
    assert any(m.value == teams for m in at.markdown)  # Braze text escaped, never HTML
