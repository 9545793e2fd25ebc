"""The User lookup page (AppTest) against the demo sandbox over real HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dashboard.data.users import user_label
from tests.conftest import chart_titles, rendered_text

EXPORT = "/users/export/ids"
BODY_KEY = {
    "external_id": "external_ids",
    "alias": "user_aliases",
    "email": "email_address",
    "device_id": "device_id",
    "braze_id": "braze_id",
    "phone": "phone",
}


def assert_cache_holds_no_users(identifier: str) -> None:
    """The shared cache has no users.* entry and nothing mentioning the identifier."""
    from dashboard.cache import CACHE

    keys = list(CACHE._store)
    assert not any(str(k[1]).startswith("users") for k in keys)
    assert all(identifier not in repr(k) for k in keys)
    assert all(identifier not in repr(CACHE._store[k].value) for k in keys)


def posts(demo) -> list:
    return [r for r in demo.requests if r.path == EXPORT]


def click(at, label: str):
    (button,) = [b for b in at.button if b.label == label]
    button.click()
    return at.run()


def full_user(demo, index: int = 0) -> dict:
    users = [u for u in demo.workspace.users if "external_id" in u and "devices" in u]
    return users[index]


def identity(at) -> dict[str, str]:
    frame = next(d.value for d in at.dataframe if set(d.value.columns) == {"field", "value"})
    return dict(zip(frame["field"], frame["value"], strict=True))


def lookup(at, kind: str, value: str, label: str = "") -> Any:
    at.selectbox(key="ul_kind").set_value(kind).run()
    at.text_input(key="ul_value").set_value(value)
    if kind == "alias":
        at.text_input(key="ul_alias_label").set_value(label)
    return click(at, "Look up")


def sandbox_users_with(demo, kind: str) -> tuple[dict, str, str]:
    if kind == "alias":
        user = next(u for u in demo.workspace.users if "user_aliases" in u)
        alias = user["user_aliases"][0]
        return user, alias["alias_name"], alias["alias_label"]
    user = full_user(demo, 7)
    value = {
        "external_id": user.get("external_id"),
        "email": user.get("email"),
        "device_id": user["devices"][-1]["device_id"],
        "braze_id": user.get("braze_id"),
        "phone": user.get("phone"),
    }[kind]
    return user, value, ""


def test_page_starts_empty_and_explains(app_test, demo) -> None:
    at = app_test("user_lookup")
    assert not at.exception
    assert at.title[0].value == "User lookup"
    text = rendered_text(at)
    assert "not put in the page link" in text
    assert "last 90 days" in text
    assert "must name the fields" in text
    assert posts(demo) == []


@pytest.mark.parametrize("kind", list(BODY_KEY))
def test_each_identifier_kind_finds_the_sandbox_user(app_test, demo, kind: str) -> None:
    user, value, label = sandbox_users_with(demo, kind)
    at = app_test("user_lookup")
    demo.clear_requests()
    lookup(at, kind, value, label)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    (sent,) = posts(demo)
    assert BODY_KEY[kind] in sent.body
    assert len(sent.body["fields_to_export"]) == 33
    assert identity(at)["braze_id"] == user["braze_id"]
    assert any(user_label(user) in s.value.replace("\\", "") for s in at.subheader)
    assert_cache_holds_no_users(value)
    assert "ul_result" in at.session_state
    assert at.query_params.get("external_id") is None
    assert all(value not in str(v) for v in at.query_params.values())


def test_full_profile_renders_every_section(app_test, demo) -> None:
    user = full_user(demo, 0)
    at = app_test("user_lookup")
    lookup(at, "external_id", user["external_id"])
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sessions"] == f"{sum(a['sessions'] for a in user['apps']):,}"
    assert metrics["Campaigns received"] == str(len(user["campaigns_received"]))
    assert metrics["Revenue (USD)"] == f"${user['total_revenue']:,.2f}"  # the currency shown
    assert chart_titles(at) == ["Activity and messages over time (UTC)"]
    text = rendered_text(at)
    assert "Download raw profile (JSON)" in text
    lon, lat = user["last_coordinates"]
    assert f"{abs(lat):.4f}°" in text and f"{abs(lon):.4f}°" in text
    frames = [d.value for d in at.dataframe]
    devices = next(f for f in frames if "carrier" in f.columns)
    assert devices["device_id"].tolist() == [d["device_id"] for d in user["devices"]]
    if user["push_tokens"]:
        tokens = next(f for f in frames if "token" in f.columns)
        token = user["push_tokens"][0]["token"]
        assert tokens["token"].iloc[0] == f"{token[:6]}…{token[-4:]}"
        assert token not in text


def test_sparse_profile_renders(app_test, demo) -> None:
    sparse = next(u for u in demo.workspace.users if "devices" not in u and "external_id" in u)
    at = app_test("user_lookup")
    lookup(at, "braze_id", sparse["braze_id"])
    assert not at.exception
    text = rendered_text(at)
    for note in (
        "No devices.",
        "No custom events recorded.",
        "No campaigns received.",
        "No location",
    ):
        assert note in text
    assert identity(at)["external_id"] == sparse["external_id"]
    assert "No custom events, purchases or messages" in text


def test_unknown_id_is_listed_as_not_found(app_test, demo) -> None:
    at = app_test("user_lookup")
    lookup(at, "external_id", "nobody-here-123")
    assert not at.exception
    text = rendered_text(at)
    assert "Braze has no user with this identifier" in text
    assert "Not found in Braze (1 identifier)" in text
    assert at.dataframe[-1].value["identifier"].tolist() == ["nobody-here-123"]


def test_batch_of_120_is_three_requests_merged(app_test, demo) -> None:
    ids = [u["external_id"] for u in demo.workspace.users if "external_id" in u][:120]
    at = app_test("user_lookup")
    at.radio(key="ul_mode").set_value("Many external IDs").run()
    at.text_area(key="ul_ids").set_value("\n".join(ids[:70]) + "\nghost-1\n\n" + ",".join(ids[69:]))
    demo.clear_requests()
    click(at, "Look up")
    assert not at.exception
    sent = posts(demo)
    assert len(sent) == 3
    assert sorted(len(r.body["external_ids"]) for r in sent) == [21, 50, 50]
    table = at.dataframe[0].value
    assert table["external_id"].tolist() == ids
    text = rendered_text(at)
    assert "120 profiles found" in text
    assert "Not found in Braze (1 identifier)" in text
    assert "1 duplicate removed" in text
    assert "3 requests to Braze" in text
    assert_cache_holds_no_users(ids[0])
    # Pick one profile from the batch to see it in full.
    at.selectbox(key="ul_profile").set_value(5).run()
    assert identity(at)["external_id"] == ids[5]
    assert len(posts(demo)) == 3, "switching profile re-renders from the session, not Braze"


@pytest.mark.parametrize(
    ("kind", "value", "label", "message"),
    [
        ("email", "not-an-email", "", "does not look like an email address"),
        ("phone", "555-0100", "", "international form"),
        ("external_id", "x" * 600, "", "at most 512 characters"),
        ("external_id", "   ", "", "Enter the external ID"),
        ("alias", "anon-00005", "", "Enter the alias label"),
    ],
)
def test_bad_input_sends_nothing(app_test, demo, kind, value, label, message) -> None:
    at = app_test("user_lookup")
    demo.clear_requests()
    lookup(at, kind, value, label)
    assert not at.exception
    assert posts(demo) == []
    (error,) = at.error
    assert message in error.value.replace("\\", "")
    assert "Nothing was sent to Braze" in error.value
    assert "ul_result" not in at.session_state


def test_no_fields_or_empty_batch_sends_nothing(app_test, demo) -> None:
    at = app_test("user_lookup")
    demo.clear_requests()
    at.multiselect(key="ul_fields").set_value([])
    lookup(at, "braze_id", "abc")
    assert "Choose at least one field" in at.error[0].value
    at.multiselect(key="ul_fields").set_value(["email"]).run()
    at.radio(key="ul_mode").set_value("Many external IDs").run()
    at.text_area(key="ul_ids").set_value("\n , \n")
    click(at, "Look up")
    assert "Enter at least one external ID" in at.error[0].value
    assert posts(demo) == []


def test_fields_choice_is_sent(app_test, demo) -> None:
    user = full_user(demo, 2)
    at = app_test("user_lookup")
    at.multiselect(key="ul_fields").set_value(["email", "purchases"])
    demo.clear_requests()
    lookup(at, "external_id", user["external_id"])
    (sent,) = posts(demo)
    assert sent.body["fields_to_export"] == ["email", "purchases"]
    assert not at.exception
    assert identity(at)["external_id"] == "—"  # not exported, so shown as absent


def test_clear_forgets_inputs_and_results(app_test, demo) -> None:
    user = full_user(demo, 3)
    at = app_test("user_lookup")
    lookup(at, "email", user["email"])
    assert "ul_result" in at.session_state
    click(at, "Clear")
    assert "ul_result" not in at.session_state
    assert at.text_input(key="ul_value").value == ""
    assert user["email"] not in rendered_text(at)
    assert not at.dataframe


def test_braze_error_is_a_message_not_a_traceback(app_test, demo) -> None:
    at = app_test("user_lookup")
    demo.inject(EXPORT, 401, times=1)
    lookup(at, "external_id", full_user(demo, 4)["external_id"])
    assert not at.exception
    assert "refused the key (401)" in at.error[0].value
    assert "press **Look up** to try again" in rendered_text(at).replace("\\", "")


def test_braze_text_is_escaped(app_test, demo) -> None:
    hostile = demo.workspace.users[11]
    assert hostile["first_name"].startswith("<img")
    at = app_test("user_lookup")
    lookup(at, "external_id", hostile["external_id"])
    assert not at.exception
    assert at.subheader[0].value.startswith("\\<img")
    shown = [e.value for kind in ("markdown", "subheader", "caption") for e in at.get(kind)]
    assert not any(re.search(r"(?<!\\)<img", v) for v in shown), "unescaped Braze text"
    frames = [d.value for d in at.dataframe]
    attributes = next(f for f in frames if "first_name" in set(f.get("field", [])))
    assert hostile["first_name"] in attributes["value"].tolist()  # literal text in a cell


def test_the_map_is_opt_in_because_it_loads_third_party_tiles(app_test, demo) -> None:
    user = full_user(demo, 0)
    at = app_test("user_lookup")
    lookup(at, "external_id", user["external_id"])
    assert not at.exception
    lon, lat = user["last_coordinates"]
    assert any(f"{abs(lat):.4f}°" in m.value for m in at.markdown), "coordinates as text"
    assert not at.get("deck_gl_json_chart"), "no tiles are fetched until the user asks"
    toggle = at.toggle(key="ul_show_map")
    assert "third-party" in toggle.label and toggle.value is False
    toggle.set_value(True).run()
    assert at.get("deck_gl_json_chart")
    lookup(at, "external_id", user["external_id"])  # a new lookup starts with the map off
    assert not at.get("deck_gl_json_chart")
