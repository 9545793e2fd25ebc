"""The custom events page (events and sessions) against the demo sandbox over real HTTP."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
import requests

from dashboard.filters import preset_range, utc_today
from dashboard.widgets import compact_number
from tests.conftest import chart_titles, rendered_text, sent_charts

EVENTS, SESSIONS, DAU = "/events/data_series", "/sessions/data_series", "/kpi/dau/data_series"
PICKED = ["added_cart", "café_visité"]


def sandbox_get(sandbox, path: str, **params) -> dict:
    """One plain GET against the sandbox, independent of our client."""
    from braze_sandbox import SANDBOX_API_KEY

    response = requests.get(
        sandbox.url + path,
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def daily(sandbox, path: str, key: str, start: date, end: date, **params) -> dict[str, float]:
    """Day -> value over [start, end] (≤ 100 days) as the sandbox reports it."""
    body = sandbox_get(
        sandbox,
        path,
        length=(end - start).days + 1,
        ending_at=f"{end.isoformat()}T23:59:59Z",
        **params,
    )
    return {
        p["time"][:10]: p[key]
        for p in body["data"]
        if start.isoformat() <= p["time"][:10] <= end.isoformat()
    }


def blank(value) -> str:
    """A table cell as text, missing as ""."""
    return "" if pd.isna(value) else str(value)


def all_event_definitions(sandbox) -> list[dict]:
    """Every /events entry, following the Link header's next cursor by hand."""
    out, cursor = [], None
    while True:
        page = requests.get(
            sandbox.url + "/events",
            params={"cursor": cursor} if cursor else {},
            headers={"Authorization": "Bearer demo"},
            timeout=10,
        )
        page.raise_for_status()
        out += page.json()["events"]
        nxt = page.links.get("next")
        if not nxt:
            return out
        cursor = nxt["url"].split("cursor=")[1]


def test_the_page_opens_on_an_active_reported_described_event(app_test, demo) -> None:
    # It used to open empty ("Pick one or more custom events"): it now opens on an event.
    at = app_test("events")
    assert not at.exception
    definitions = all_event_definitions(demo)
    wanted = sorted(
        (
            d["name"]
            for d in definitions
            if d["status"] == "Active" and d["included_in_analytics_report"] and d["description"]
        ),
        key=lambda n: (not n[:1].isalnum(), n.casefold()),
    )[:3]
    assert at.multiselect(key="ev_events").value == wanted  # the first few, on one chart
    assert sorted(at.dataframe[0].value["event"]) == sorted(wanted)
    assert any(t.startswith("Event occurrences") for t in chart_titles(at))
    assert not any("Pick one or more custom events" in i.value for i in at.info)


def test_two_events_totals_changes_and_traces(app_test, demo) -> None:
    at = app_test("events")
    assert not at.exception
    at.multiselect(key="ev_events").set_value(PICKED).run()
    assert not at.exception

    start, end = preset_range("Last 30 days", utc_today())
    before_end = start - timedelta(days=1)
    before_start = before_end - timedelta(days=29)
    table = at.dataframe[0].value
    assert list(table["event"]) == PICKED
    for event in PICKED:
        now = sum(daily(demo, EVENTS, "count", start, end, event=event).values())
        then = sum(daily(demo, EVENTS, "count", before_start, before_end, event=event).values())
        row = table[table["event"] == event].iloc[0]
        assert (row["total"], row["previous_period"]) == (now, then)
        # drawn as the card's delta: a percent with one decimal (display.change_column)
        assert row["relative_change"] == pytest.approx(100 * (now - then) / then, abs=0.051)
        card = next(m for m in at.metric if m.label == event.replace("_", "\\_"))
        assert card.value == f"{now:,.0f}"
        assert card.delta == f"{(now - then) / then:+.1%}"

    definitions = {d["name"]: d for d in all_event_definitions(demo)}
    for event in PICKED:  # description, status and tags from /events, beside the totals
        row = table[table["event"] == event].iloc[0]
        wanted = definitions[event]
        assert blank(row["description"]) == wanted["description"]
        assert row["status"] == wanted["status"]
        assert blank(row["tag_names_text"]) == ", ".join(wanted["tag_names"])
        assert bool(row["included_in_analytics_report"]) == wanted["included_in_analytics_report"]

    assert not at.get("plotly_chart")  # no plotly chunk on the events page
    drawn = sent_charts(at)["Event occurrences per day"]["datasets"]["main"]
    assert list(dict.fromkeys(drawn["series"])) == ["added_cart", "café_visité"]
    assert len(drawn[drawn["series"] == "added_cart"]) == 30
    assert at.query_params["event"] == PICKED


def test_only_analytics_segments_are_offered_and_they_filter(app_test, demo) -> None:
    items = sandbox_get(demo, "/segments/list", page=0)["segments"]
    items += sandbox_get(demo, "/segments/list", page=1)["segments"]
    tracked = {s["id"] for s in items if s["analytics_tracking_enabled"]}
    untracked = {s["id"] for s in items if not s["analytics_tracking_enabled"]}
    assert tracked and untracked

    at = app_test("events")
    options = at.selectbox(key="ev_segment").options  # as shown: segment names
    names = {s["id"]: s["name"] for s in items}
    assert options[0] == "All users"
    assert sorted(options[1:]) == sorted(names[i] for i in tracked)
    assert any(f"{len(untracked)} segments are not offered" in c.value for c in at.caption)

    segment = sorted(tracked)[0]
    at.multiselect(key="ev_events").set_value(PICKED[:1])
    demo.clear_requests()
    at.selectbox(key="ev_segment").set_value(segment).run()
    assert not at.exception
    assert at.query_params["segment"] == segment
    for path in (EVENTS, SESSIONS):
        assert any(r.path == path and r.query.get("segment_id") == segment for r in demo.requests)
    assert not any(r.path == DAU and "segment_id" in r.query for r in demo.requests)
    start, end = preset_range("Last 30 days", utc_today())
    expected = sum(
        daily(demo, EVENTS, "count", start, end, event=PICKED[0], segment_id=segment).values()
    )
    assert at.dataframe[0].value["total"].iloc[0] == expected
    assert any("DAU for the whole app" in c.value for c in at.caption)


def test_sessions_and_sessions_per_dau_equal_the_sandbox(app_test, demo) -> None:
    at = app_test("events")
    start, end = preset_range("Last 30 days", utc_today())
    sessions = daily(demo, SESSIONS, "sessions", start, end)
    dau = daily(demo, DAU, "dau", start, end)
    cards = {m.label: m.value for m in at.metric}
    # a million and more reads compact on the card (it fits at 1280 px); help has it exact
    total = sum(sessions.values())
    card = next(m for m in at.metric if m.label == "Sessions · total · All users")
    assert card.value == compact_number(total)
    assert f"Exactly {total:,.0f}." in card.proto.help
    assert cards["Sessions per DAU · range average"] == (
        f"{sum(sessions.values()) / sum(dau.values()):.2f}"
    )
    ratio = sent_charts(at)["Sessions per daily active user"]["datasets"]["main"]["value"].tolist()
    expected = [sessions[d] / dau[d] for d in sorted(sessions)]
    assert ratio == pytest.approx(expected)


def test_hourly_events_and_sessions_state_the_timezone(app_test, demo) -> None:
    at = app_test("events", query={"range": "last_7", "tz": "America/New_York"})
    at.multiselect(key="ev_events").set_value(PICKED)
    demo.clear_requests()
    at.toggle(key="ev_hourly").set_value(True).run()
    assert not at.exception
    titles = chart_titles(at)
    assert "Event occurrences per hour (America/New_York)" in titles
    assert "Sessions per hour (America/New_York) · All users" in titles
    hourly = [r for r in demo.requests if r.path == EVENTS and r.query.get("unit") == "hour"]
    assert hourly and all(int(r.query["length"]) <= 100 for r in hourly)
    drawn = sent_charts(at)["Event occurrences per hour (America/New_York)"]["datasets"]["main"]
    start, _ = preset_range("Last 7 days", utc_today())
    assert drawn["series"].nunique() == 2
    assert drawn["hour"].iloc[0].startswith(f"{start.isoformat()}T00:00:00")


def test_a_150_day_range_and_the_period_before_are_three_back_to_back_windows(
    app_test, demo
) -> None:
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=149)
    at = app_test(
        "events", query={"range": "custom", "start": start.isoformat(), "end": end.isoformat()}
    )
    at.multiselect(key="ev_events").set_value(PICKED[:1]).run()
    assert not at.exception
    # the every-event table and the chosen event send the same requests: each window once
    calls = [r for r in demo.requests if r.path == EVENTS and r.query.get("event") == PICKED[0]]
    windows = sorted(
        (datetime.fromisoformat(r.query["ending_at"]).date(), int(r.query["length"])) for r in calls
    )
    # 300 days (the range and the 150 before) as 100-day windows laid back from the end
    assert windows == [
        (end - timedelta(days=200), 100),
        (end - timedelta(days=100), 100),
        (end, 100),
    ]
    expected = sum(
        daily(demo, EVENTS, "count", start, start + timedelta(49), event=PICKED[0]).values()
    )
    expected += sum(
        daily(demo, EVENTS, "count", start + timedelta(50), end, event=PICKED[0]).values()
    )
    assert at.dataframe[0].value["total"].iloc[0] == expected


def test_a_failing_event_shows_a_message_and_sessions_still_render(app_test, demo) -> None:
    demo.inject(EVENTS, 429)
    at = app_test("events")
    at.multiselect(key="ev_events").set_value(PICKED[:1]).run()
    assert not at.exception
    assert any("rate limit" in e.value and EVENTS in e.value for e in at.error)
    assert "Sessions per day · All users" in chart_titles(at)
    assert "Traceback" not in rendered_text(at)


def test_event_names_are_escaped_in_cards_and_legends(app_test) -> None:
    evil = '=HYPERLINK("http://evil.example","click")'
    at = app_test("events")
    at.multiselect(key="ev_events").set_value([evil]).run()
    assert not at.exception
    assert [m.label for m in at.metric][0] == '=HYPERLINK\\("http\\://evil\\.example","click"\\)'
    spec = sent_charts(at)["Event occurrences per day"]
    assert spec["datasets"]["main"]["series"].unique().tolist() == [evil]  # the raw name, as data
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [evil]


def test_the_segment_name_in_the_chart_title_is_shown_literally(app_test) -> None:
    import dataclasses

    from braze_sandbox import SANDBOX_API_KEY, Sandbox
    from dashboard.settings import OVERRIDE_KEY, Workspace

    sandbox = Sandbox(api_key=SANDBOX_API_KEY, users=300)
    workspace = sandbox.workspace
    k, tracked = next(
        (k, s) for k, s in enumerate(workspace.segments) if s.analytics_tracking_enabled
    )
    workspace.segments[k] = dataclasses.replace(tracked, name="<b>VIP</b> & co")
    workspace.__post_init__()  # refresh the id index the routes read
    sandbox.start()
    try:
        at = app_test("events")
        at.session_state[OVERRIDE_KEY] = Workspace(base_url=sandbox.url, api_key=SANDBOX_API_KEY)
        at.run()
        at.multiselect(key="ev_events").set_value([workspace.events[0]]).run()
        at.selectbox(key="ev_segment").set_value(tracked.id).run()
        assert not at.exception
        title = next(t for t in chart_titles(at) if t.startswith("Event occurrences"))
        # Vega draws the title as text: the raw name, never markup and never entities
        assert title.endswith(" · <b>VIP</b> & co"), title
        assert "&lt;" not in title and "&amp;" not in title
    finally:
        sandbox.stop()


@pytest.mark.parametrize("status", [403, 401])
def test_a_key_without_events_get_falls_back_to_the_names_list(app_test, demo, status) -> None:
    demo.deny("events.get", status=status)
    try:
        at = app_test("events")
        assert not at.exception
        names = sandbox_get(demo, "/events/list", page=0)["events"]
        names += sandbox_get(demo, "/events/list", page=1)["events"]
        options = at.multiselect(key="ev_events").options
        assert sorted(options, key=str.casefold) == sorted(names, key=str.casefold)
        note = next(c for c in at.caption if "not read their definitions" in c.value)
        assert "/events" not in note.value  # the endpoint is in the tooltip, not the text
        assert "lacks the `events.get` permission" in note.proto.help
        assert at.multiselect(key="ev_events").value  # still opens on an event
        assert "description" not in at.dataframe[0].value.columns
        asked = [r.path for r in demo.requests if r.path in ("/events", "/events/list")]
        assert asked.count("/events") == 1 and "/events/list" in asked
        demo.clear_requests()
        at.run()  # a rerun does not ask /events again: the refusal is cached
        assert not any(r.path == "/events" for r in demo.requests)
    finally:
        demo.allow_all()


def test_a_link_naming_events_wins_over_the_opening_choice(app_test, demo) -> None:
    linked = sorted(demo.workspace.events)[-1]
    at = app_test("events", query={"event": linked})
    assert not at.exception
    assert at.multiselect(key="ev_events").value == [linked]


def test_a_link_sets_the_segment_and_the_hourly_toggle_too(app_test, demo) -> None:
    tracked = next(s for s in demo.workspace.segments if s.analytics_tracking_enabled)
    at = app_test("events", query={"range": "last_7", "unit": "hour", "segment": tracked.id})
    assert not at.exception
    assert at.toggle(key="ev_hourly").value is True
    assert at.selectbox(key="ev_segment").value == tracked.id


def test_the_event_catalogue_is_drawn_only_when_opened(app_test, demo) -> None:
    at = app_test("events")
    assert not at.exception
    closed = [df.value for df in at.dataframe]
    assert closed and not any("name" in frame.columns for frame in closed)  # "event" elsewhere
    labels = [b.label for b in at.get("download_button")]
    assert "Download custom events (CSV)" not in labels  # its CSV is not built either
    at.session_state["ev_catalog"] = True  # the person opens the expander
    at.run()
    assert not at.exception
    catalogue = next(df.value for df in at.dataframe if "name" in df.value.columns)
    listed = sandbox_get(demo, "/events", page=0)["events"]
    assert set(catalogue["name"]) >= {e["name"] for e in listed}
    assert "Download custom events (CSV)" in [b.label for b in at.get("download_button")]
