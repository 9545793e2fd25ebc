"""Bad input on every page's text inputs: empty, huge, unicode, HTML, formula-like, control.

Each value is typed into the real widget (AppTest, demo sandbox). No value may raise or show a
traceback, HTML typed in is never rendered as HTML, and where the value cannot be valid the
page says so and sends nothing to Braze.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import rendered_text

HUGE = "x" * 20_000
VALUES = {
    "empty": "",
    "spaces": "   ",
    "huge": HUGE,
    "unicode": "Zoë 🎉 中文 \u202eevil",
    "html": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "formula": '=HYPERLINK("http://evil.example","click")',
    "control": "a\x00b\r\nc\t",
    "markdown": "**bold** [link](javascript:alert(1)) `code` $x$",
}
# (page, widget key, kind) for every free-text input a user can reach without a selection.
SEARCH_BOXES = [
    ("campaigns", "cmp_search"),
    ("canvases", "cv_search"),
    ("segments", "seg_search"),
    ("custom_attributes", "ca_search"),
]


def assert_safe(at: Any, what: str) -> None:
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"
    assert "Traceback" not in rendered_text(at), what
    for element in at.markdown:
        if element.proto.allow_html:
            assert "<script" not in element.value and "onerror" not in element.value, what


def messages(at: Any) -> list[str]:
    return [e.value for e in (*at.error, *at.warning, *at.info)]


@pytest.mark.parametrize(("page", "key"), SEARCH_BOXES)
def test_search_boxes_take_any_text(app_test, page: str, key: str) -> None:
    at = app_test(page)
    assert_safe(at, page)
    for name, value in VALUES.items():
        at.text_input(key=key).set_value(value).run()
        assert_safe(at, f"{page} search {name}")
    # a search nothing matches says so instead of showing an empty table
    at.text_input(key=key).set_value(VALUES["html"]).run()
    assert messages(at), f"{page}: no message for a search that matches nothing"


def _api_campaign_with_send(demo: Any) -> Any:
    return next(c for c in demo.workspace.campaigns if c.is_api_campaign and c.send_ids)


def test_send_id_input_rejects_invalid_values_without_a_request(app_test, demo) -> None:
    campaign = _api_campaign_with_send(demo)
    at = app_test("campaigns", query={"campaign_id": campaign.id})
    assert_safe(at, "campaign detail")
    for name, value in VALUES.items():
        demo.clear_requests()
        at.text_input(key="cmp_send_id").set_value(value).run()
        assert_safe(at, f"send id {name}")
        sent = [r for r in demo.requests if r.path == "/sends/data_series"]
        if name in ("empty", "spaces"):
            assert not sent
        elif name == "huge":  # the widget keeps the first max_chars characters: all x's
            assert all(len(r.query["send_id"]) <= 128 for r in sent)
        else:  # every other value has a character a send id cannot have
            assert not sent, f"send id {name!r} was sent to Braze: {sent[0].query}"
            assert messages(at), f"no message for send id {name}"


def _look_up(at: Any) -> Any:
    return at.button[[b.label for b in at.button].index("Look up")].click().run()


@pytest.mark.parametrize("name", list(VALUES))
def test_user_lookup_single_identifier(app_test, demo, name: str) -> None:
    at = app_test("user_lookup")
    at.text_input(key="ul_value").set_value(VALUES[name]).run()
    demo.clear_requests()
    _look_up(at)
    assert_safe(at, f"user lookup {name}")
    sent = [r for r in demo.requests if r.path == "/users/export/ids"]
    if name in ("empty", "spaces", "huge", "control"):
        assert not sent, f"{name!r} was sent to Braze"
        assert messages(at), f"no message for {name}"
    for request in sent:  # whatever was sent is the trimmed value, as a JSON body
        assert request.body["external_ids"] == [VALUES[name].strip()]


def test_user_lookup_batch_and_alias(app_test, demo) -> None:
    at = app_test("user_lookup")
    at.radio(key="ul_mode").set_value(at.radio(key="ul_mode").options[1]).run()
    for name in ("empty", "huge", "html", "formula", "unicode"):
        text = VALUES[name] if name != "huge" else "\n".join(f"id-{i}" for i in range(10_000))
        at.text_area(key="ul_ids").set_value(text).run()
        demo.clear_requests()
        _look_up(at)
        assert_safe(at, f"batch {name}")
        if name in ("empty", "huge"):
            assert not [r for r in demo.requests if r.path == "/users/export/ids"], name
            assert messages(at), f"no message for batch {name}"
