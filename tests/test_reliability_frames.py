"""Frame builders on real payloads that were then damaged: fields missing, extra, null, retyped.

``test_frames.py`` feeds random JSON to every builder. These tests start from what the sandbox
really answers for each endpoint and damage it a few places at a time, so the builders are
exercised deep inside a valid shape, and check what must hold: no exception, the documented
columns and dtypes stay, and rewriting numbers as numeric strings changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from braze_api import frames as f

PROPS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
ODD_VALUES = [
    None,
    "",
    "n/a",
    "12",
    "1e3",
    -1,
    2**70,
    1.5,
    float("nan"),
    True,
    [],
    {},
    [1],
    {"x": 1},
]


@pytest.fixture(scope="module")
def payloads() -> Iterator[dict[str, Any]]:
    """One real body per endpoint, fetched over HTTP from a sandbox."""
    from braze_sandbox import Sandbox

    sandbox = Sandbox(users=20, campaigns=20)
    url = sandbox.start()
    ws = sandbox.workspace
    # still sending (so the window has per-channel stats), preferably with variations
    sending = [c for c in ws.campaigns if c.first_sent is not None and c.last_sent is None]
    campaign = max(sending, key=lambda c: (len(c.channels) > 1, c.multivariate))
    canvas = next(c for c in ws.canvases if c.first_entry is not None and c.steps)
    end = (date.today() - timedelta(days=1)).isoformat()
    headers = {"Authorization": "Bearer reliability"}

    def get(path: str, **params: Any) -> Any:
        return requests.get(url + path, params=params, headers=headers, timeout=10).json()

    users = requests.post(
        url + "/users/export/ids",
        json={"external_ids": [u["external_id"] for u in ws.users[:5] if u.get("external_id")]},
        headers=headers,
        timeout=10,
    ).json()
    bodies = {
        "series": get("/kpi/dau/data_series", length=14, ending_at=end),
        "campaign_series": get(
            "/campaigns/data_series", campaign_id=campaign.id, length=30, ending_at=end
        ),
        "canvas_series": get(
            "/canvas/data_series",
            canvas_id=canvas.id,
            length=7,
            ending_at=end,
            include_variant_breakdown="true",
            include_step_breakdown="true",
        ),
        "canvas_summary": get(
            "/canvas/data_summary",
            canvas_id=canvas.id,
            length=7,
            ending_at=end,
            include_variant_breakdown="true",
            include_step_breakdown="true",
        ),
        "campaign_list": get("/campaigns/list"),
        "campaign_details": get("/campaigns/details", campaign_id=campaign.id),
        "canvas_details": get("/canvas/details", canvas_id=canvas.id),
        "users": users,
    }
    sandbox.stop()
    yield bodies


def build(kind: str, body: Any) -> list[pd.DataFrame]:
    """Every frame the builders for ``kind`` produce from ``body``."""
    if kind == "series":
        return [f.series_frame(body)]
    if kind == "campaign_series":
        long = f.campaign_series_frame(body)
        return [
            long,
            f.campaign_totals_frame(body),
            f.engagement_frame(long),
            f.campaign_variation_totals(long),
        ]
    if kind == "canvas_series":
        return list(f.canvas_series_frames(body))
    if kind == "canvas_summary":
        return list(f.canvas_summary_frames(body))
    if kind == "campaign_list":
        return [f.items_frame(body, ["id", "name", "tags", "last_edited"])]
    if kind == "campaign_details":
        return [f.campaign_messages_frame(body), f.conversion_behaviors_frame(body)]
    if kind == "canvas_details":
        return [f.canvas_steps_frame(body), f.canvas_variants_frame(body)]
    users = body.get("users") if isinstance(body, dict) else None
    first = users[0] if isinstance(users, list) and users else {}
    return [f.users_summary_frame(users), *f.user_profile_frames(first).values()]


def family(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column.dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(column.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return "time"
    return str(column.dtype)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside the body (dict keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:6]):  # a few items per list keeps the search focused
            out += paths(value, (*prefix, i))
    return out


def damage(body: Any, path: tuple, how: str, odd: Any) -> Any:
    body = copy.deepcopy(body)
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        parent.pop(last) if isinstance(parent, dict) else parent.__delitem__(last)
    elif how == "null":
        parent[last] = None
    elif how == "retype":
        parent[last] = odd
    elif how == "extra" and isinstance(parent, dict):
        parent[f"zz_extra_{len(parent)}"] = odd
    return body


KINDS = [
    "series",
    "campaign_series",
    "canvas_series",
    "canvas_summary",
    "campaign_list",
    "campaign_details",
    "canvas_details",
    "users",
]


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_payloads_keep_their_shape(payloads, kind: str) -> None:
    original = build(kind, payloads[kind])
    assert any(len(frame) for frame in original), f"{kind}: the real payload built nothing"
    spots = paths(payloads[kind])

    @PROPS
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(spots),
                st.sampled_from(["delete", "null", "retype", "extra"]),
                st.sampled_from(ODD_VALUES),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def check(changes: list[tuple]) -> None:
        body = payloads[kind]
        for path, how, odd in changes:
            try:
                body = damage(body, path, how, odd)
            except (KeyError, IndexError, TypeError, AttributeError):
                continue  # an earlier change removed or retyped this spot's parent
        damaged = build(kind, body)
        assert len(damaged) == len(original)
        for got, want in zip(damaged, original, strict=True):
            documented = [c for c in want.columns if c in got.columns]
            missing = set(want.columns) - set(got.columns)
            # columns may only vanish if they came from the data (not the documented shape)
            assert len(documented) >= min(len(want.columns), 4) or not len(got), missing
            for column in documented[:4]:
                # Int64 may widen to float64 for a value past 2**53 (documented); a number
                # column must never turn into text, nor a time column into anything else
                assert family(got[column]) == family(want[column]), (kind, column)

    check()


def stringify_numbers(node: Any) -> Any:
    """Every int/float in the body rewritten as the string Braze sometimes sends."""
    if isinstance(node, dict):
        return {k: stringify_numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [stringify_numbers(v) for v in node]
    if isinstance(node, int | float) and not isinstance(node, bool):
        return str(node)
    return node


@pytest.mark.parametrize("kind", ["series", "campaign_series", "canvas_series", "canvas_summary"])
def test_numbers_sent_as_strings_read_the_same(payloads, kind: str) -> None:
    for got, want in zip(
        build(kind, stringify_numbers(payloads[kind])), build(kind, payloads[kind]), strict=True
    ):
        pd.testing.assert_frame_equal(got, want, check_dtype=True)


@pytest.mark.parametrize("kind", ["series", "campaign_series", "canvas_series"])
def test_unknown_keys_leave_known_columns_alone(payloads, kind: str) -> None:
    def add_extra(node: Any) -> Any:
        if isinstance(node, dict):
            return {**{k: add_extra(v) for k, v in node.items()}, "zz_new_field": "surprise"}
        if isinstance(node, list):
            return [add_extra(v) for v in node]
        return node

    for got, want in zip(
        build(kind, add_extra(payloads[kind])), build(kind, payloads[kind]), strict=True
    ):
        pd.testing.assert_frame_equal(got[list(want.columns)], want, check_dtype=True)


@pytest.mark.parametrize("junk", ["", "n/a"])
def test_one_junk_value_keeps_a_series_numeric(junk: str) -> None:
    """What load_series does with Braze's series: one unreadable value must become NA only."""
    body = {"data": [{"time": "2024-01-01", "dau": junk}, {"time": "2024-01-02", "dau": 5}]}
    frame = f.series_frame(body)
    assert pd.api.types.is_numeric_dtype(frame["dau"].dtype)
    assert frame["dau"].isna().tolist() == [True, False]


def _message_lists(kind: str, body: Any) -> list[Any]:
    """The `{channel: [stats]}` objects the long frames flatten, from a real body."""
    if kind == "campaign_series":
        return [entry.get("messages") for entry in body["data"]]
    return [
        step.get("messages")
        for entry in body["data"]["stats"]
        for step in entry.get("step_stats", {}).values()
    ]


def reshape_stats(lists: list[Any], edits: list[tuple[int, str, Any]]) -> list[Any]:
    """Stats objects with keys renamed (same key count), dropped, added or reordered."""
    lists = copy.deepcopy(lists)
    stats = [s for m in lists if isinstance(m, dict) for items in m.values() for s in items]
    for where, how, odd in edits:
        entry = stats[where % len(stats)]
        keys = list(entry)
        if not keys:
            continue
        key = keys[where % len(keys)]
        if how == "rename":  # same length, other key: what cheap grouping must notice
            entry[f"zz_{key}"] = entry.pop(key)
        elif how == "drop":
            entry.pop(key)
        elif how == "add":
            entry["zz_more"] = odd
        else:  # same keys, other order
            items = list(entry.items())[::-1]
            entry.clear()
            entry.update(items)
    return lists


@pytest.mark.parametrize("kind", ["campaign_series", "canvas_series"])
def test_grouping_by_channel_gives_what_exact_grouping_gives(payloads, kind: str) -> None:
    """message_frame groups stats by channel and key count, and must fall back to exact
    grouping (hashing every key tuple) whenever a record breaks that guess."""
    from braze_api.frames.messages import long_message_frame, message_frame, message_rows

    lists = _message_lists(kind, payloads[kind])
    assert sum(len(items) for m in lists for items in m.values()) > 10

    @PROPS
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 10_000),
                st.sampled_from(["rename", "drop", "add", "reorder"]),
                st.sampled_from(ODD_VALUES),
            ),
            max_size=5,
        )
    )
    def check(edits: list[tuple[int, str, Any]]) -> None:
        edited = reshape_stats(lists, edits)
        owners = pd.array(range(len(edited)), dtype="Int64")
        exact_rows = message_rows(edited, exact=True)
        want = long_message_frame(exact_rows, {"owner": owners.take(exact_rows.owner)})
        got = message_frame(edited, {"owner": owners})
        pd.testing.assert_frame_equal(got, want, check_exact=True)

    check()


def with_lone_surrogates(node: Any) -> tuple[Any, int]:
    """Every name (a string under a key ending in "name") with a lone surrogate appended,
    which JSON allows ("\\ud800") and Arrow refuses to encode; and how many were changed."""
    if isinstance(node, dict):
        out, changed = {}, 0
        for key, value in node.items():
            if isinstance(value, str) and str(key).endswith("name"):
                out[key], n = value + "\ud800", 1
            else:
                out[key], n = with_lone_surrogates(value)
            changed += n
        return out, changed
    if isinstance(node, list):
        pairs = [with_lone_surrogates(v) for v in node]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    return node, 0


@pytest.mark.parametrize("kind", KINDS)
def test_lone_surrogates_in_names_are_replaced_not_fatal(payloads, kind: str) -> None:
    body, changed = with_lone_surrogates(payloads[kind])
    frames = build(kind, body)  # must not raise UnicodeEncodeError
    shown = "".join(
        str(value)
        for frame in frames
        for column in frame.columns
        if pd.api.types.is_string_dtype(frame[column].dtype)
        for value in frame[column].dropna()
    )
    assert "\ud800" not in shown
    if changed and kind in {"campaign_series", "canvas_series", "canvas_summary", "campaign_list"}:
        assert "\ufffd" in shown


def test_a_push_count_past_int64_derives_delivered_as_floats() -> None:
    # Found by hypothesis (test_damaged_payloads_keep_their_shape): a push `sent` of about
    # 2**70 read as a float made `delivered` fail to cast back into Int64.
    import numpy as np

    from braze_api.frames.messages import derive_delivered_where

    push = np.array(["ios_push", "android_push"], dtype=object)
    bounces = pd.array([1, None], dtype="Int64")
    for sent in (np.array([2.0**70, 5.0]), np.array([2**70, 5], dtype=object)):
        metrics: dict[str, Any] = {"sent": sent, "bounces": bounces}
        derive_delivered_where(push, np.array([False, False]), metrics)
        assert list(metrics["delivered"]) == [2.0**70 - 1, 5.0]
    whole = {"sent": pd.array([7, 3], dtype="Int64"), "bounces": bounces}
    derive_delivered_where(push, np.array([False, False]), whole)  # whole counts stay Int64
    assert str(whole["delivered"].dtype) == "Int64" and list(whole["delivered"]) == [6, 3]
