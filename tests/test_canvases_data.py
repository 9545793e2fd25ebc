"""Canvas loaders and figures: windows, stitching, sums and the step graph (sandbox over HTTP)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
import requests

from braze_api import frames
from braze_sandbox import SANDBOX_API_KEY
from dashboard.charts import vega
from dashboard.charts.canvases import (
    entries_figure,
    step_channel_figure,
    step_graph_figure,
    variant_comparison_figure,
)
from dashboard.data.canvases import (
    canvas_windows,
    default_canvas,
    filter_canvases,
    load_canvas_details,
    load_canvas_list,
    load_canvas_series,
    load_canvas_summary,
    load_leaderboard,
    step_channel_table,
    step_table,
    stitch_canvas,
    total_row,
    variant_totals,
)
from dashboard.data.tags import tag_options
from dashboard.filters import utc_today
from dashboard.settings import Workspace
from tests.vega_specs import data_of, layers, mark_type, schema_errors, texts, tooltips


@pytest.fixture
def ws(sandbox) -> Workspace:
    from dashboard.cache import CACHE

    CACHE.clear()
    sandbox.sandbox.clear_requests()
    return Workspace(base_url=str(sandbox), api_key=SANDBOX_API_KEY)


def biggest(sandbox):
    return max(sandbox.sandbox.workspace.canvases, key=lambda c: len(c.steps))


def raw_series(sandbox, canvas_id: str, first: date, last: date, **flags) -> list[dict]:
    """The sandbox's daily stats for [first, last], in 7-day chunks via starting_at."""
    out, cursor = [], first
    while cursor <= last:
        stop = min(cursor + timedelta(days=6), last)
        body = requests.get(
            f"{sandbox}/canvas/data_series",
            params={
                "canvas_id": canvas_id,
                "starting_at": f"{cursor.isoformat()}T00:00:00Z",
                "ending_at": f"{stop.isoformat()}T23:59:59Z",
                **{k: str(v).lower() for k, v in flags.items()},
            },
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
            timeout=10,
        ).json()
        out += body["data"]["stats"]
        cursor = stop + timedelta(days=1)
    return out


def test_windows_are_back_to_back_and_at_most_14_days() -> None:
    end = date(2024, 3, 31)
    windows = canvas_windows(end - timedelta(days=59), end)
    assert [w.length for w in windows] == [4, 14, 14, 14, 14]
    assert windows[-1].end == end and windows[0].start == end - timedelta(days=59)
    for before, after in zip(windows, windows[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)


def test_sixty_days_stitched_match_the_sandbox(ws, sandbox) -> None:
    canvas = biggest(sandbox)
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=59)
    series = load_canvas_series(ws, canvas.id, start, end)
    calls = [
        r
        for r in sandbox.sandbox.requests
        if r.path == "/canvas/data_series" and r.query["canvas_id"] == canvas.id
    ]
    assert sorted(int(r.query["length"]) for r in calls) == [4, 14, 14, 14, 14]
    assert all(r.query["include_step_breakdown"] == "true" for r in calls)

    days = series.totals["time"].dt.date
    assert days.is_unique and len(days) == 60
    assert (days.iloc[0], days.iloc[-1]) == (start, end)
    raw = raw_series(sandbox, canvas.id, start, end, include_variant_breakdown=True)
    expected = {m: sum(d["total_stats"][m] for d in raw) for m in ("entries", "conversions")}
    totals = total_row(series.totals)
    assert totals["entries"] == expected["entries"] > 0
    assert totals["conversions"] == expected["conversions"]
    assert totals["revenue"] == pytest.approx(sum(d["total_stats"]["revenue"] for d in raw))

    per_variant = variant_totals(series.variants)
    assert per_variant["entries"].sum() == totals["entries"]
    assert per_variant["revenue"].sum() == pytest.approx(totals["revenue"])

    # the summary endpoint, called per window and summed, agrees with the stitched series
    summary = load_canvas_summary(ws, canvas.id, start, end)
    assert total_row(summary.totals) == totals
    assert summary.variants["entries"].sum() == totals["entries"]

    # a second load is served from the per-window cache
    sandbox.sandbox.clear_requests()
    load_canvas_series(ws, canvas.id, start, end)
    assert not [r for r in sandbox.sandbox.requests if r.path == "/canvas/data_series"]


def test_stitch_drops_overlap_and_trims() -> None:
    def body(days: list[str]) -> dict:
        stats = [
            {
                "time": d,
                "total_stats": {"entries": 10, "revenue": 1.5},
                "step_stats": {
                    "s1": {
                        "name": "One",
                        "revenue": 2.0,
                        "messages": {"email": [{"sent": 5}], "ios_push": [{"sent": 3}]},
                    }
                },
            }
            for d in days
        ]
        return {"data": {"name": "c", "stats": stats}}

    a = frames.canvas_series_frames(body(["2024-01-01", "2024-01-02", "2024-01-03"]))
    b = frames.canvas_series_frames(body(["2024-01-03", "2024-01-04"]))  # overlaps a day
    out = stitch_canvas([a, b], date(2024, 1, 2), date(2024, 1, 4))
    assert out.totals["time"].dt.day.tolist() == [2, 3, 4]
    assert len(out.steps) == 3 and len(out.step_channels) == 6
    assert total_row(out.totals)["entries"] == 30


def test_step_revenue_is_per_step_not_per_channel() -> None:
    body = {
        "data": {
            "stats": [
                {
                    "time": "2024-01-01",
                    "total_stats": {},
                    "step_stats": {
                        "s1": {
                            "name": "Two channels",
                            "revenue": 100.0,
                            "conversions": 4,
                            "messages": {
                                "email": [{"sent": 50, "unique_opens": 10, "delivered": 40}],
                                "android_push": [{"sent": 20, "direct_opens": 2}],
                            },
                        }
                    },
                }
            ]
        }
    }
    series = frames.canvas_series_frames(body)
    layout = frames.canvas_steps_frame(
        {"steps": [{"id": "s1", "name": "Two channels", "channels": ["email", "android_push"]}]}
    )
    table = step_table(layout, series.steps)
    assert table["revenue"].tolist() == [100.0] and table["conversions"].tolist() == [4]
    channels = step_channel_table(series.step_channels, ["s1"])
    assert len(channels) == 2 and "revenue" not in channels and "conversions" not in channels
    email = channels[channels["channel"] == "email"].iloc[0]
    assert (email["opens"], email["open_rate"]) == (10, 0.25)
    # details missing: the stats still show, marked as not in the current journey
    orphan = step_table(None, series.steps)
    assert orphan["deleted"].tolist() == [True] and orphan["step_name"].tolist() == ["Two channels"]


def test_deleted_steps_only_on_request(ws, sandbox) -> None:
    canvas = next(c for c in sandbox.sandbox.workspace.canvases if c.deleted_steps)
    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=6)
    plain = load_canvas_series(ws, canvas.id, start, end)
    with_deleted = load_canvas_series(ws, canvas.id, start, end, deleted_steps=True)
    details = load_canvas_details(ws, canvas.id)
    assert set(plain.steps["step_id"]) == {s.id for s in canvas.steps}
    table = step_table(details.steps, with_deleted.steps)
    assert set(table.loc[table["deleted"], "step_id"]) == {s.id for s in canvas.deleted_steps}


def test_list_search_tags_and_leaderboard(ws, sandbox) -> None:
    workspace = sandbox.sandbox.workspace
    listed = load_canvas_list(ws)
    assert set(listed["id"]) == {c.id for c in workspace.canvases if not c.archived}
    everything = load_canvas_list(ws, include_archived=True)
    assert len(everything) == len(workspace.canvases)
    tag = tag_options(everything)[0]
    tagged = filter_canvases(everything, tags=[tag])
    assert set(tagged["id"]) == {c.id for c in workspace.canvases if tag in c.tags}
    one = workspace.canvases[3]
    assert filter_canvases(everything, one.name.upper())["id"].str.contains(one.id).any()
    assert filter_canvases(everything, one.id[:13])["id"].tolist() == [one.id]

    end = utc_today() - timedelta(days=1)
    start = end - timedelta(days=20)
    seen: list[tuple[int, int]] = []
    board = load_leaderboard(ws, tagged, start, end, on_progress=lambda d, t: seen.append((d, t)))
    assert not board.errors
    # 21 days and the 21 before: 42 days = 3 windows per Canvas
    assert seen[-1] == (3 * len(tagged), 3 * len(tagged))
    assert board.table["entries"].is_monotonic_decreasing
    top = board.table.iloc[0]
    raw = raw_series(sandbox, top["id"], start, end)
    assert top["entries"] == sum(d["total_stats"]["entries"] for d in raw)
    assert top["revenue"] == pytest.approx(sum(d["total_stats"]["revenue"] for d in raw))
    before = raw_series(sandbox, top["id"], start - timedelta(days=21), start - timedelta(days=1))
    assert top["entries_previous"] == sum(d["total_stats"]["entries"] for d in before)
    assert top["entries_change"] == pytest.approx(top["entries"] / top["entries_previous"] - 1)


def test_a_failing_canvas_stays_on_the_leaderboard_blank(ws, sandbox) -> None:
    listed = load_canvas_list(ws).head(3)
    sandbox.sandbox.inject("/canvas/data_series", 400, times=1)  # 400: not retried
    try:
        end = utc_today() - timedelta(days=1)
        board = load_leaderboard(ws, listed, end - timedelta(days=5), end)
    finally:
        sandbox.sandbox.clear_injections()
    assert len(board.errors) == 1 and len(board.table) == 3
    failed = next(iter(board.errors))
    assert board.table.set_index("id").loc[failed, ["entries", "revenue"]].isna().all()


def test_step_graph_for_fifty_plus_steps(ws, sandbox) -> None:
    canvas = biggest(sandbox)
    assert len(canvas.steps) >= 50
    details = load_canvas_details(ws, canvas.id)
    spec = step_graph_figure(details.steps, details.variants)
    assert not schema_errors(spec)
    node_layers = [la for la in layers(spec) if mark_type(la) == "point"]
    nodes = [data_of(spec, la) for la in node_layers]
    assert sum(len(frame) for frame in nodes) == len(canvas.steps) + len(canvas.variants)
    rows = int(details.steps["depth"].max()) + 2
    assert spec["height"] >= 64 * rows  # grows with the layers instead of squashing them
    labels = [la for la in layers(spec) if mark_type(la) == "text"]
    shown = [t for la in labels for t in data_of(spec, la)["label"]]
    assert all(len(label) <= 31 for label in shown)
    names = [n for frame in nodes for n in frame["name"]]
    assert canvas.steps[-1].name in names  # full names in the tooltip
    tips = {t["field"] for la in node_layers for t in tooltips(la)}
    assert {"name", "channels", "depth"} <= tips
    edges = sum(len(s.next_step_ids) for s in canvas.steps)
    (edge_layer,) = [la for la in layers(spec) if mark_type(la) == "line"]
    assert data_of(spec, edge_layer)["edge"].nunique() == edges + len(canvas.variants)
    # a diagram: positions, not quantities, so no axes at all
    for layer in layers(spec):
        assert layer["encoding"]["x"]["axis"] is None and layer["encoding"]["y"]["axis"] is None
    json.dumps(spec, default=str)  # plain JSON apart from the frames Streamlit sends as Arrow


def test_step_graph_loop_backs_stay_clear_of_the_labels() -> None:
    """A loop back to a sibling arcs above the row; one to an earlier row bows left, away
    from the labels on the right of the nodes (it used to run straight through a label)."""
    details = {
        "variants": [{"id": "v", "name": "A", "first_step_ids": ["s1", "s2"]}],
        "steps": [
            {"id": "s1", "name": "One", "channels": ["email"], "next_step_ids": ["s3"]},
            {"id": "s2", "name": "Two", "channels": ["email"], "next_step_ids": ["s1"]},
            {"id": "s3", "name": "Three", "channels": ["email"], "next_step_ids": ["s2"]},
        ],
    }
    steps = frames.canvas_steps_frame(details)
    spec = step_graph_figure(steps, frames.canvas_variants_frame(details))
    (edge_layer,) = [la for la in layers(spec) if mark_type(la) == "line"]
    edges = data_of(spec, edge_layer)
    back = edges[edges["link"] == "Loops back"]
    assert back["edge"].nunique() == 2
    same_row = back[back.groupby("edge")["y"].transform(lambda y: y.iloc[0] == y.iloc[-1])]
    first = same_row.groupby("edge")["y"].first()
    assert (same_row.groupby("edge")["y"].min() < first - 0.3).all()  # above its row
    earlier = back[~back["edge"].isin(same_row["edge"])]
    start, end = earlier["x"].iloc[0], earlier["x"].iloc[-1]
    assert earlier["x"].min() < min(start, end)  # bowed left of both ends
    assert set(edges["link"]) == {"Next step", "Loops back"}
    assert not schema_errors(spec)


def test_braze_text_is_data_in_figures() -> None:
    """Vega draws names as text, never markup: the raw name is a value, nothing is escaped."""
    hostile = "<img src=x onerror=alert(1)> & co"
    details = {
        "variants": [{"id": "v", "name": hostile, "first_step_ids": ["s"]}],
        "steps": [{"id": "s", "name": hostile, "channels": ["email"], "next_step_ids": []}],
    }
    spec = step_graph_figure(
        frames.canvas_steps_frame(details), frames.canvas_variants_frame(details)
    )
    shown = list(texts(spec))
    assert hostile in shown
    assert not any("&lt;" in t or "&amp;" in t for t in shown)
    assert hostile not in _fields(spec) and "&lt;" not in json.dumps(spec, default=str)
    variants = pd.DataFrame(
        {
            "variant_id": ["v"],
            "variant_name": [hostile],
            "entries": [1],
            "conversions": [0],
            "revenue": [0.0],
        }
    )
    spec = variant_comparison_figure(variants)
    assert hostile in set(texts(spec)) and not any("&lt;" in t for t in texts(spec))
    assert hostile not in _fields(spec) and "&lt;" not in json.dumps(spec, default=str)
    assert not schema_errors(spec)


def _fields(node: object) -> set[str]:
    """Every field name a spec reads (Braze text must never be one: Vega reads paths in it)."""
    if isinstance(node, dict):
        found = {node["field"]} if isinstance(node.get("field"), str) else set()
        return found.union(*(_fields(v) for k, v in node.items() if k != "datasets"))
    if isinstance(node, list):
        return set().union(*(_fields(v) for v in node))
    return set()


def test_empty_frames_give_titled_empty_figures() -> None:
    empty = frames.canvas_series_frames({})
    spec = entries_figure(empty.totals)
    assert vega.is_empty(spec) and spec["title"]["text"] == "Entries per day"
    channels = step_channel_figure(step_channel_table(empty.step_channels))
    assert vega.is_empty(channels)
    assert data_of(channels)["message"].tolist() == ["No step message stats for this range"]
    graph = step_graph_figure(frames.canvas_steps_frame({}), frames.canvas_variants_frame({}))
    assert vega.is_empty(graph) and "no steps" in data_of(graph)["message"].iloc[0]
    for empty_spec in (spec, channels, graph):
        assert not schema_errors(empty_spec)


def test_the_default_canvas_is_the_most_recently_edited_whatever_loaded(ws, sandbox) -> None:
    listed = load_canvas_list(ws)
    newest = max(
        (c for c in sandbox.sandbox.workspace.canvases if not c.archived),
        key=lambda c: c.updated_at,
    )
    assert default_canvas(listed) == newest.id
    # row order (e.g. a leaderboard sorted by entries) does not matter, missing dates go last
    shuffled = listed.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert default_canvas(shuffled) == newest.id
    undated = shuffled.assign(last_edited=pd.NaT)
    assert default_canvas(undated) == undated["id"].iloc[0]
    assert default_canvas(listed.iloc[0:0]) is None
