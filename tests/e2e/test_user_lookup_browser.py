"""User lookup in a real browser: one profile, a CSV-uploaded batch with its download, Clear."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_profile_batch_download_and_clear(app_url: str, page, sandbox) -> None:
    # The server's demo sandbox and this one share seed and size, so they hold the same users.
    users = sandbox.sandbox.workspace.users
    person = next(u for u in users if "external_id" in u and u.get("campaigns_received"))
    page.goto(f"{app_url}/user-lookup")
    wait_for_app(page)

    page.get_by_label("External ID", exact=True).fill(person["external_id"])
    page.get_by_role("button", name="Look up").click()
    wait_for_app(page)
    page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")
    timeline = page.locator("[data-testid='stVegaLiteChart']").filter(
        has_text="Activity and messages over time (UTC)"
    )
    assert timeline.count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    heading = f"{person['first_name']} {person['last_name']} ({person['external_id']})"
    assert page.get_by_role("heading", name=heading).is_visible()
    assert person["external_id"] not in page.url, "identifiers never go into the link"
    sessions = sum(a["sessions"] for a in person["apps"])
    sessions_card = page.locator("[data-testid='stMetric']").filter(has_text="Sessions")
    assert f"{sessions:,}" in sessions_card.inner_text()
    page.set_viewport_size({"width": 1440, "height": 3200})  # the whole profile in one shot
    wait_for_app(page)
    screenshot(page, "user-lookup-profile")
    page.set_viewport_size({"width": 1440, "height": 900})

    ids = [u["external_id"] for u in users if "external_id" in u][:120]
    csv = "name,external_id\n" + "".join(f"n{i},{x}\n" for i, x in enumerate(ids)) + "x,ghost-9\n"
    page.get_by_text("Many external IDs").click()
    page.get_by_text("Upload a CSV").click()
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "ids.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    wait_for_app(page)
    page.get_by_label("Column holding the external IDs").click()
    page.get_by_role("option", name="external_id").click()
    wait_for_app(page)
    page.get_by_role("button", name="Look up").click()
    wait_for_app(page)
    assert page.get_by_text("120 profiles found").is_visible()
    assert page.get_by_text("Not found in Braze (1 identifier)").is_visible()
    assert page.get_by_text("121 identifiers · 3 requests to Braze").is_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download table (CSV)").click()
    table = pd.read_csv(info.value.path(), encoding="utf-8-sig")
    assert table["external_id"].tolist() == ids
    expected_events = [len(u.get("custom_events", [])) for u in users if "external_id" in u][:120]
    assert table["custom_events_count"].tolist() == expected_events
    page.set_viewport_size({"width": 1440, "height": 2000})
    page.locator("h1").first.scroll_into_view_if_needed()
    wait_for_app(page)
    screenshot(page, "user-lookup-batch")

    page.get_by_role("button", name="Clear").click()
    wait_for_app(page)
    assert page.get_by_text("120 profiles found").count() == 0
    assert page.get_by_text("Choose an identifier, enter it").is_visible()
