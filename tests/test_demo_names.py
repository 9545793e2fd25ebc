"""The demo workspace shows realistic names; the hostile ones exist only where tests plant them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from braze_sandbox import SANDBOX_API_KEY, Sandbox, start_sandbox
from braze_sandbox.workspace import build_synthetic_workspace

AUTH = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
# markup, a formula or a CSV-trigger prefix: what a new user must never see as a name
HOSTILE = re.compile(r"<[a-z/!]|^[=+\-@]|javascript:|evil\.example|onerror", re.IGNORECASE)


def _names(ws) -> dict[str, list[str]]:
    return {
        "campaign": [c.name for c in ws.campaigns],
        "team": sorted({t for c in [*ws.campaigns, *ws.canvases] for t in c.teams}),
        "canvas": [c.name for c in ws.canvases],
        "segment": [s.name for s in ws.segments],
        "event": list(ws.events),
        "product": [p.name for p in ws.products],
        "card": [c.title for c in ws.cards] + [c.name for c in ws.cards],
        "first_name": [str(u.get("first_name", "")) for u in ws.users],
        "email_body": [
            str(v.message.get("body", "")).split("</h1>", 1)[-1]  # the part after the name
            for c in ws.campaigns
            for v in c.variations
        ],
    }


def _hostile(values: list[str]) -> list[str]:
    return [v for v in values if HOSTILE.search(v)]


def test_the_demo_workspace_has_no_hostile_name_anywhere() -> None:
    ws = build_synthetic_workspace(users=600)
    for kind, values in _names(ws).items():
        if kind == "email_body":  # html by nature: no script, no handler
            assert not [v for v in values if "<script" in v or "onerror" in v], kind
            continue
        assert not _hostile(values), (kind, _hostile(values)[:3])


def test_planted_hostile_names_sit_where_realistic_ones_were() -> None:
    demo = build_synthetic_workspace(users=200)
    test = build_synthetic_workspace(users=200, hostile_names=True)
    assert [c.id for c in demo.campaigns] == [c.id for c in test.campaigns]
    assert [s.id for s in demo.segments] == [s.id for s in test.segments]
    assert len(demo.events) == len(test.events) and len(demo.products) == len(test.products)
    assert [p.price_cents for p in demo.products] == [p.price_cents for p in test.products]
    planted = _names(test)
    for kind in ("campaign", "team", "segment", "event", "product", "card"):
        assert _hostile(planted[kind]), f"the tests' workspace should plant a hostile {kind}"
    assert any("<script" in b for b in planted["email_body"])


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    url = start_sandbox(users=200, campaigns=20)
    yield url
    url.stop()


def _get(url: str, path: str, **params: object) -> dict:
    resp = requests.get(url + path, params=params, headers=AUTH, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize(
    ("path", "pick"),
    [
        ("/purchases/product_list", lambda b: b["products"]),
        ("/events/list", lambda b: b["events"]),
        ("/campaigns/list", lambda b: [c["name"] for c in b["campaigns"]]),
        ("/segments/list", lambda b: [s["name"] for s in b["segments"]]),
        ("/custom_attributes", lambda b: [a["name"] for a in b["attributes"]]),
        ("/custom_attributes", lambda b: [a["description"] for a in b["attributes"]]),
    ],
)
def test_what_the_demo_serves_reads_as_real_names(demo_url: str, path: str, pick) -> None:
    values = [str(v) for v in pick(_get(demo_url, path))]
    assert values and not _hostile(values), _hostile(values)[:3]


def test_segment_teams_are_plain_in_the_demo_and_hostile_when_planted(demo_url: str) -> None:
    hostile = Sandbox(users=50, campaigns=5, hostile_names=True).start()
    try:
        teams: dict[str, set[str]] = {}
        for name, url in (("demo", demo_url), ("test", hostile)):
            ids = [s["id"] for s in _get(url, "/segments/list")["segments"]]
            teams[name] = {
                t
                for sid in ids[:60]
                for t in _get(url, "/segments/details", segment_id=sid).get("teams", [])
            }
        assert teams["demo"] and not _hostile(sorted(teams["demo"]))
        assert _hostile(sorted(teams["test"]))
    finally:
        hostile.stop()
