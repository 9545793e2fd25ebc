"""The Segments page shows what marketers wrote: text_description and teams (escaped)."""

from __future__ import annotations

import requests

from dashboard.data.segments import segment_details
from tests.conftest import rendered_text


def test_details_show_description_filters_tags_and_teams(app_test, demo) -> None:
    segment = next(
        s
        for s in demo.workspace.segments
        if requests.get(
            demo.url + "/segments/details",
            params={"segment_id": s.id},
            headers={"Authorization": "Bearer demo"},
            timeout=10,
        ).json()["teams"]
    )
    body = requests.get(
        demo.url + "/segments/details",
        params={"segment_id": segment.id},
        headers={"Authorization": "Bearer demo"},
        timeout=10,
    ).json()
    at = app_test("segments", query={"segment_id": segment.id})
    assert not at.exception
    text = rendered_text(at)
    assert body["description"] in text
    if body["text_description"]:
        assert body["text_description"] in text
    teams = next(m.value for m in at.markdown if m.value.startswith("**Teams:**"))
    for team in body["teams"]:
        assert team.replace("<", "\\<").replace(">", "\\>") in teams or team in teams
    assert "<b>" not in teams  # a hostile team name is escaped, never HTML


def test_details_dates_in_every_documented_form() -> None:
    details = segment_details(
        {
            "created_at": "2020-07-10 15:00:00.000 UTC",
            "updated_at": "2024-11-02T08:30:00+00:00",
            "name": "Lapsed",
            "description": "Last purchase > 60 days",
            "text_description": "",
            "tags": ["a"],
            "teams": ["CRM"],
            "owner_email": "crm@example.test",
        }
    )
    assert f"{details.created_at:%Y-%m-%d %H:%M}" == "2020-07-10 15:00"
    assert f"{details.updated_at:%Y-%m-%d}" == "2024-11-02"
    assert details.text_description is None and details.filters == "Last purchase > 60 days"
    assert details.teams == ("CRM",) and details.tags == ("a",)
    assert details.other == {"owner_email": "crm@example.test"}  # unknown fields kept, shown
