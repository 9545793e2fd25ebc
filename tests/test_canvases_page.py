"""The Canvases page (AppTest) against the demo sandbox over real HTTP."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY
from dashboard.filters import utc_today
from tests.conftest import CANVAS_TABS, chart_titles, open_tab, rendered_text, sent_charts

END = utc_today() - timedelta(days=1)
START = END - timedelta(days=59)
SIXTY_DAYS = {"range": "custom", "start": START.isoformat(), "end": END.isoformat()}


def canvas(demo, kind: str):
    canvases = demo.workspace.canvases
    if kind == "big":
        return max(canvases, key=lambda c: len(c.steps))
    if kind == "no_steps":
        return next(c for c in canvases if not c.steps)
    return next(c for c in canvases if len(c.variants) > 1 and c.first_entry and not c.archived)


def sandbox_totals(demo, canvas_id: str, first: date, last: date) -> dict[str, float]:
    """Independent totals: plain requests in 10-day starting_at windows, summed."""
    totals = {"entries": 0, "conversions": 0, "conversions_by_entry_time": 0, "revenue": 0.0}
    cursor = first
    while cursor <= last:
        stop = min(cursor + timedelta(days=9), last)
        body = requests.get(
            f"{demo.url}/canvas/data_series",
            params={
                "canvas_id": canvas_id,
                "starting_at": cursor.isoformat(),
                "ending_at": stop.isoformat(),
            },
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            timeout=10,
        ).json()
        for day in body["data"]["stats"]:
            for key in totals:
                totals[key] += day["total_stats"][key]
        cursor = stop + timedelta(days=1)
    return totals


def cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame_with(at, *columns: str):
    """The first table on the page that has all these columns."""
    return next(df.value for df in at.dataframe if set(columns) <= set(df.value.columns))


def test_sixty_days_windowed_calls_and_totals(app_test, demo) -> None:
    target = canvas(demo, "multi")
    at = app_test("canvases", query={**SIXTY_DAYS, "canvas_id": target.id})
    assert not at.exception, [e.value for e in at.exception]
    calls = [
        r
        for r in demo.requests
        if r.path == "/canvas/data_series"
        and r.query.get("canvas_id") == target.id
        and "include_step_breakdown" in r.query  # the chosen Canvas's own series
    ]
    windows = sorted((r.query["ending_at"][:10], int(r.query["length"])) for r in calls)
    assert [length for _, length in windows] == [4, 14, 14, 14, 14]
    covered: list[date] = []
    for ending, length in windows:
        last = date.fromisoformat(ending)
        covered += [last - timedelta(days=i) for i in range(length)]
    assert len(covered) == len(set(covered)) == 60  # no overlap, no gap
    assert (min(covered), max(covered)) == (START, END)
    assert all(
        r.query["include_variant_breakdown"] == "true"
        and r.query["include_step_breakdown"] == "true"
        for r in calls
    )

    expected = sandbox_totals(demo, target.id, START, END)
    shown = cards(at)
    assert shown["Entries"] == f"{expected['entries']:,.0f}"
    assert shown["Conversions"] == f"{expected['conversions']:,.0f}"
    assert shown["By entry time"] == f"{expected['conversions_by_entry_time']:,.0f}"
    assert shown["Attributed revenue"] == f"${expected['revenue']:,.0f}"
    daily = frame_with(at, "date")
    assert len(daily) == 60 and daily["entries"].sum() == expected["entries"]

    # variant totals add up to the Canvas total
    open_tab(at, "Variants")
    assert not at.exception, [e.value for e in at.exception]
    per_variant = frame_with(at, "variant_name", "entries", "revenue")
    assert len(per_variant) == len(target.variants) > 1
    assert per_variant["entries"].sum() == expected["entries"]
    assert per_variant["revenue"].sum() == pytest.approx(expected["revenue"])
    assert "Variants compared over the range" in chart_titles(at)


def test_deep_link_opens_that_canvas_and_the_picker_updates_the_url(app_test, demo) -> None:
    big, other = canvas(demo, "big"), canvas(demo, "multi")
    at = app_test("canvases", query={"canvas_id": big.id})
    assert not at.exception
    assert at.header[0].value.replace("\\", "") == big.name
    assert at.selectbox(key="cv_pick").value == big.id
    assert "Journey map" not in " ".join(chart_titles(at)), "only the open tab is drawn"
    open_tab(at, "Journey map")
    titles = chart_titles(at)
    journey = f"Journey map · {len(big.steps)} steps, read top to bottom"
    assert journey in titles
    assert not at.get("plotly_chart"), "every chart of the page is Vega-Lite (no plotly chunk)"
    sent = sent_charts(at)[journey]  # as the browser gets it: nodes, edges and stats
    steps_sent = sent["datasets"]["main"]
    assert set(steps_sent["name"]) == {s.name for s in big.steps}
    assert {"recipients", "conversions", "revenue"} <= set(steps_sent.columns)
    assert len(sent["datasets"]["variants"]) == len(big.variants)
    assert sent["datasets"]["edges"]["edge"].nunique() >= len(big.steps) - 1
    open_tab(at, "Steps")
    step_rows = frame_with(at, "channels_text")
    assert {s.name for s in big.steps} == set(step_rows["step_name"])
    assert len(step_rows) == len(big.steps)

    at.selectbox(key="cv_pick").set_value(other.id).run()
    assert not at.exception
    assert at.query_params["canvas_id"] == other.id
    assert at.header[0].value.replace("\\", "") == other.name
    assert at.query_params["tab"] == "Steps", "another Canvas opens on the same tab"
    assert frame_with(at, "channels_text")["step_name"].notna().all()


def test_a_canvas_without_steps_shows_empty_states(app_test, demo) -> None:
    draft = canvas(demo, "no_steps")
    notes = ""
    for tab in CANVAS_TABS:
        at = app_test("canvases", query={"canvas_id": draft.id, "tab": tab})
        assert not at.exception and not at.error, [e.value for e in at.error]
        notes += " ".join(i.value for i in at.info)
    assert "No step data" in notes
    assert "no steps yet" in notes
    assert "No one entered this Canvas" in notes
    assert re.search(r"No one entered this Canvas in \d{1,2}\D", notes), notes  # span_text
    assert "Draft" in rendered_text(at)  # the status badge


def test_search_and_tags_narrow_the_leaderboard(app_test, demo) -> None:
    at = app_test("canvases")
    board = frame_with(at, "tags_text")
    listed = [c for c in demo.workspace.canvases if not c.archived]
    assert len(board) == len(listed)
    tag = sorted({t for c in listed for t in c.tags})[0]
    at.multiselect(key="cv_tags").set_value([tag]).run()
    board = frame_with(at, "tags_text")
    assert sorted(board["name"]) == sorted(c.name for c in listed if tag in c.tags)
    at.toggle(key="cv_archived").set_value(True).run()
    at.text_input(key="cv_search").set_value("zzz-no-such-canvas").run()
    assert not at.exception
    assert any("No Canvas matches" in i.value for i in at.info)


def test_a_failing_series_shows_a_message_and_the_rest_renders(app_test, demo) -> None:
    target = canvas(demo, "multi")
    demo.inject("/canvas/data_series", 403)
    at = app_test("canvases", query={"canvas_id": target.id})
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "/canvas/data_series" in errors and "(403)" in errors and "permission" in errors
    assert at.header[0].value.replace("\\", "") == target.name  # details still shown
    assert "Entries" in cards(at)  # summary cards still shown
    assert "Traceback" not in rendered_text(at)
    key = at.session_state["workspace"].api_key
    assert key not in rendered_text(at)


def test_a_failed_series_keeps_the_tabs_and_the_journey_map(app_test, demo) -> None:
    chosen = canvas(demo, "big")
    demo.inject("/canvas/data_series", 500)
    at = app_test("canvases", query={"canvas_id": chosen.id})
    assert not at.exception
    assert any("daily stats" in e.value for e in at.error)
    assert tuple(t.label for t in at.tabs) == CANVAS_TABS
    assert not at.get("vega_lite_chart"), chart_titles(at)
    assert any("failed to load" in w.value for w in at.tabs[0].warning)
    open_tab(at, "Journey map")
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1, chart_titles(at)
    assert at.tabs[4].get("vega_lite_chart"), "the journey map needs only the details"
    assert not at.get("plotly_chart")


def test_the_default_canvas_does_not_depend_on_what_loaded(app_test, demo) -> None:
    newest = max((c for c in demo.workspace.canvases if not c.archived), key=lambda c: c.updated_at)
    at = app_test("canvases")
    assert at.selectbox(key="cv_pick").value == newest.id
    demo.inject("/canvas/data_summary", 400)  # 400: not retried; every leaderboard row fails
    try:
        from dashboard.cache import CACHE

        CACHE.clear()
        again = app_test("canvases")
    finally:
        demo.clear_injections()
    assert not again.exception
    assert again.selectbox(key="cv_pick").value == newest.id


def test_summary_cards_channel_health_and_step_types(app_test, demo) -> None:
    """Influenced opens and the other message totals come from the summary's step stats; the
    step table names each step's type and paths; channel health lists push influenced opens."""
    chosen = next(
        c
        for c in demo.workspace.canvases
        if c.first_entry
        and not c.last_entry
        and any(ch.endswith("_push") for ch in c.channels)
        and any(s.type == "decision_split" for s in c.steps)
    )
    at = app_test("canvases", query={"canvas_id": chosen.id})
    assert not at.exception
    assert not at.error, [e.value for e in at.error]  # every part, the summary's steps too
    labels = [m.label for m in at.metric]
    assert {"Messages sent", "Opens", "Influenced opens", "Clicks"} <= set(labels)
    influenced = next(m for m in at.metric if m.label == "Influenced opens")
    assert influenced.value not in ("—", "0")
    assert not any(t.dataframe for t in at.tabs[1:]), "only the open tab is drawn"
    open_tab(at, "Steps")
    steps = next(t for t in at.tabs if t.label == "Steps").dataframe[0].value
    assert "Decision split" in set(steps["type"].dropna())
    assert steps["next_paths_text"].dropna().str.contains("Yes → ").any()
    open_tab(at, "Channel health")
    health = next(t for t in at.tabs if t.label == "Channel health")
    assert any(m.label == "Influenced opens" for m in health.metric)
