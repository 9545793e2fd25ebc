"""campaign_series_from_bytes: the same frames as decoding then pivoting, and documented types
enforced (a count sent as "12", 1.5 or true is refused, not coerced)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from braze_api.frames import series_bytes
from braze_api.frames.series_bytes import (
    CHANNEL_COUNTS,
    SeriesTypeError,
    campaign_series_from_bytes,
)
from dashboard.data.campaigns import series_from_body


def assert_same(payload: bytes) -> None:
    """The bytes path gives exactly what json.loads + the pages' series_from_body give."""
    new = campaign_series_from_bytes(payload)
    old = series_from_body(json.loads(payload))
    assert_frame_equal(new.long, old.long, check_exact=True)
    assert list(new.long.columns) == list(old.long.columns)
    assert_frame_equal(new.totals, old.totals, check_exact=True)
    assert new.channels == old.channels


def typed_path_taken(payload: bytes) -> bool:
    try:
        series_bytes._typed(payload)
    except series_bytes._Fallback:
        return False
    return True


# ---- sandbox bodies over real HTTP --------------------------------------------------------


def _get(url: str, path: str, params: dict[str, Any]) -> requests.Response:
    from braze_sandbox import SANDBOX_API_KEY

    response = requests.get(
        f"{url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        timeout=30,
    )
    response.raise_for_status()
    return response


def test_sandbox_campaign_bodies_give_the_same_frames(sandbox: Any) -> None:
    url = str(sandbox).rstrip("/")
    campaigns = _get(url, "/campaigns/list", {"page": 0}).json()["campaigns"]
    assert len(campaigns) >= 10
    typed = 0
    for campaign in campaigns[:40]:
        for length in (100, 14):
            payload = _get(
                url, "/campaigns/data_series", {"campaign_id": campaign["id"], "length": length}
            ).content
            assert_same(payload)
            typed += typed_path_taken(payload)
    assert typed >= 60  # the sandbox's bodies are the documented shape: no general way


def test_sandbox_send_bodies_give_the_same_frames(sandbox: Any) -> None:
    url = str(sandbox).rstrip("/")
    checked = 0
    for campaign in sandbox.sandbox.workspace.campaigns:
        for send in campaign.send_ids[-2:]:
            payload = _get(
                url,
                "/sends/data_series",
                {"campaign_id": campaign.id, "send_id": send.id, "length": 14},
            ).content
            assert_same(payload)
            checked += 1
    assert checked >= 2


# ---- generated bodies in the documented shape ---------------------------------------------

_CHANNELS = [*CHANNEL_COUNTS, "email", "ios_push", "sms"]  # the usual ones more often
_COUNT = st.integers(min_value=-(2**53), max_value=2**53)
_SMALL = st.integers(min_value=0, max_value=50)
_LABEL = st.one_of(
    st.sampled_from(["A", "B", "Control Group", "control", "email", "", "Variant A"]),
    st.text(max_size=6),
)
_CLICKS = ["notif_button_1_Buy now_click", "carousel_slide_2_Sale_click", "notif_button_3_é_click"]


@st.composite
def entries(draw: Any, channel: str) -> dict[str, Any]:
    counts = list(CHANNEL_COUNTS.get(channel, CHANNEL_COUNTS["email"]))
    counts += ["unique_recipients", "conversions", "conversions1_by_send_time", "enrolled"]
    if channel.endswith("_push"):
        counts += _CLICKS
    keys = draw(st.lists(st.sampled_from(counts), unique=True, max_size=8))
    keys = [
        *keys,
        *draw(
            st.lists(
                st.sampled_from(["variation_name", "variation_api_id", "revenue"]), unique=True
            )
        ),
    ]
    keys = draw(st.permutations(keys))
    out: dict[str, Any] = {}
    for key in keys:
        if key == "variation_name":
            out[key] = draw(st.one_of(_LABEL, st.none()))
        elif key == "variation_api_id":
            out[key] = draw(st.one_of(st.sampled_from(["id-1", "id-2", "id-3", ""]), st.none()))
        elif key == "revenue":
            out[key] = draw(
                st.one_of(
                    st.floats(allow_nan=False, allow_infinity=False, width=64),
                    st.integers(-1000, 1000),
                )
            )
        elif key == "enrolled" or draw(st.booleans()):
            out[key] = draw(_SMALL)
        else:
            out[key] = draw(_COUNT)
    return out


@st.composite
def bodies(draw: Any) -> dict[str, Any]:
    layout = draw(st.lists(st.sampled_from(_CHANNELS), unique=True, max_size=4))
    same_order = draw(st.booleans())
    data = []
    for _ in range(draw(st.integers(0, 5))):
        channels = layout if same_order else draw(st.permutations(layout))
        messages = {c: draw(st.lists(entries(c), max_size=3)) for c in channels}
        day: dict[str, Any] = {}
        time_text = draw(
            st.sampled_from(
                ["2025-01-01", "2025-01-02", "2025-01-03T00:00:00Z", "2025-01-02", "not a date"]
            )
        )
        fields = draw(
            st.lists(
                st.sampled_from(
                    [
                        "time",
                        "messages",
                        "conversions",
                        "unique_recipients",
                        "revenue",
                        "conversions2_by_send_time",
                    ]
                ),
                unique=True,
            )
        )
        for key in fields:
            if key == "time":
                day[key] = time_text
            elif key == "messages":
                day[key] = messages
            elif key == "revenue":
                day[key] = draw(st.floats(allow_nan=False, allow_infinity=False, width=64))
            else:
                day[key] = draw(_SMALL)
        data.append(day)
    return {"data": data, "message": "success"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_generated_bodies_give_the_same_frames(body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    assert_same(payload)
    assert typed_path_taken(payload)  # every one of them is the documented shape


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.sampled_from(["api_id", "in_control", "made_up_metric"]), st.integers(0, 9))
def test_undocumented_keys_take_the_general_way_with_the_same_frames(
    body: dict[str, Any], key: str, value: int
) -> None:
    for day in body["data"]:
        for items in day.get("messages", {}).values():
            for item in items[:1]:
                item[key] = value
    payload = json.dumps(body).encode()
    assert_same(payload)


def test_an_undocumented_channel_and_nulls_take_the_general_way() -> None:
    body = {
        "data": [
            {
                "time": "2025-02-01",
                "messages": {
                    "line": [{"variation_name": "A", "sent": 4}],
                    "email": [{"variation_name": "B", "sent": None, "opens": 2}],
                },
                "conversions": None,
            }
        ]
    }
    payload = json.dumps(body).encode()
    assert not typed_path_taken(payload)
    assert_same(payload)
    frames = campaign_series_from_bytes(payload)
    assert frames.long["sent"].tolist() == [4, 0]  # null counts 0, as documented for Braze


def test_named_clicks_are_learnt_per_body_and_kept_as_columns() -> None:
    day = {
        "time": "2025-03-01",
        "messages": {
            "ios_push": [
                {"variation_name": "A", "sent": 9, "notif_button_1_Zz top_click": 3},
                {"variation_name": "B", "sent": 5, "carousel_slide_7_Qq_click": 1},
            ]
        },
    }
    payload = json.dumps({"data": [day]}).encode()
    assert typed_path_taken(payload)
    assert_same(payload)
    long = campaign_series_from_bytes(payload).long
    assert long["notif_button_1_Zz top_click"].tolist() == [3, 0]
    assert long["carousel_slide_7_Qq_click"].tolist() == [0, 1]


# ---- wrong types are refused --------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        ("sent", "12", "Expected `int`, got `str`"),
        ("sent", 1.5, "Expected `int`, got `float`"),
        ("sent", True, "Expected `int`, got `bool`"),
        ("sent", 2**60, "Expected `int` <="),
        ("opens", [1], "Expected `int`, got `array`"),
        ("variation_name", 7, "Expected `str | null`, got `int`"),
        ("revenue", "9.99", "Expected `float`, got `str`"),
    ],
)
def test_a_wrong_type_in_an_entry_is_refused_with_its_path(
    where: str, value: Any, expected: str
) -> None:
    entry = {"variation_name": "A", "sent": 3, "opens": 1, where: value}
    body = {"data": [{"time": "2025-01-01", "messages": {"email": [{"sent": 1}, entry]}}]}
    with pytest.raises(SeriesTypeError) as caught:
        campaign_series_from_bytes(json.dumps(body).encode())
    assert expected in str(caught.value)
    assert "$.data[0].messages.email[1]" in str(caught.value)


def test_a_wrong_type_in_the_totals_or_an_undocumented_channel_is_refused() -> None:
    for body in (
        {"data": [{"time": "2025-01-01", "conversions": "3", "messages": {}}]},
        {"data": [{"time": "2025-01-01", "messages": {"line": [{"sent": 1.5}]}}]},
        {"data": [{"time": "2025-01-01", "messages": {"email": "none"}}]},
    ):
        with pytest.raises(SeriesTypeError, match=r"Expected .* - at `\$\.data\[0\]"):
            campaign_series_from_bytes(json.dumps(body).encode())


def test_the_old_pivot_still_coerces_what_the_bytes_path_refuses() -> None:
    """The forgiving pivot is unchanged (other callers rely on it); only the bytes path checks."""
    body = {"data": [{"time": "2025-01-01", "messages": {"email": [{"sent": "12"}]}}]}
    assert series_from_body(body).long["sent"].tolist() == [12]
    with pytest.raises(SeriesTypeError):
        campaign_series_from_bytes(json.dumps(body).encode())


def test_bodies_that_are_not_json_for_msgspec_go_through_decode_json() -> None:
    payload = b'{"data": [{"time": "2025-01-01", "messages": {"email": [{"revenue": NaN}]}}]}'
    assert_frame_equal(
        campaign_series_from_bytes(payload).long,
        series_from_body(json.loads(payload)).long,
        check_exact=True,
    )
    with pytest.raises(ValueError):
        campaign_series_from_bytes(b"{not json")


def test_the_entry_shape_widens_from_a_census_and_narrower_bodies_read_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Entry Structs hold only the count keys bodies carried so far: a body with more keys is
    read after one census of its keys (typed still), a narrower one after it with sentinels."""
    monkeypatch.setattr(series_bytes, "_shape_seen", frozenset())

    def body(extra: dict[str, int]) -> bytes:
        entry = {"variation_name": "A", "sent": 7, **extra}
        day = {"time": "2025-04-01", "messages": {"sms": [entry], "email": [{"sent": 2}]}}
        return json.dumps({"data": [day]}).encode()

    narrow, wide = body({}), body({"rejected": 1, "conversions2": 4})
    for payload in (narrow, wide, narrow):
        assert typed_path_taken(payload)
        assert_same(payload)
    assert {("sms", "rejected"), ("sms", "conversions2")} <= series_bytes._shape_seen
    assert ("email", "rejected") not in series_bytes._shape_seen
    # a key documented for another channel only is not learnt: the general way reads it
    odd = body({"opens": 3})
    assert not typed_path_taken(odd)
    assert_same(odd)
    assert ("sms", "opens") not in series_bytes._shape_seen
