"""The Segments page against sandboxes over real HTTP: list, sizes, and a full export."""

from __future__ import annotations

import time

import pytest

from braze_api.fields import EXPORT_FIELDS
from braze_sandbox import SANDBOX_API_KEY, Sandbox
from dashboard.data import segment_export as exports
from dashboard.settings import OVERRIDE_KEY, Workspace
from tests.conftest import chart_titles, rendered_text


def _all_users(sandbox) -> str:
    return next(s.id for s in sandbox.workspace.segments if s.rule[0] == "all")


def test_list_details_and_size_for_a_tracked_segment(app_test, demo) -> None:
    segment = next(s for s in demo.workspace.segments if s.analytics_tracking_enabled)
    at = app_test("segments", query={"segment_id": segment.id})
    assert not at.exception
    assert at.session_state["seg_selected"] == segment.id
    assert "Segment size per day" in chart_titles(at)
    sizes = [r for r in demo.requests if r.path == "/segments/data_series"]
    assert {r.query["segment_id"] for r in sizes} == {segment.id}
    table = at.dataframe[0].value
    assert len(table) == len(demo.workspace.segments)
    assert segment.description in rendered_text(at)


def test_untracked_segments_are_never_asked_for_sizes(app_test, demo) -> None:
    segment = next(s for s in demo.workspace.segments if not s.analytics_tracking_enabled)
    at = app_test("segments", query={"segment_id": segment.id})
    assert not at.exception
    assert not [r for r in demo.requests if r.path == "/segments/data_series"]
    assert any("analytics tracking" in i.value for i in at.info)


def test_search_and_tracking_filters(app_test, demo) -> None:
    at = app_test("segments")
    at.selectbox(key="seg_tracking").set_value("Analytics tracking off").run()
    table = at.dataframe[0].value
    assert len(table) == sum(not s.analytics_tracking_enabled for s in demo.workspace.segments)
    at.text_input(key="seg_search").set_value("españa").run()
    assert at.dataframe[0].value["name"].tolist() == ["Clientes en España 🇪🇸"]


def test_export_through_the_page_matches_the_sandbox(app_test, demo) -> None:
    demo.exports.delay = 0.5
    segment_id = _all_users(demo)
    members = demo.workspace.segment_members(segment_id)
    at = app_test("segments", query={"segment_id": segment_id})
    demo.clear_requests()
    at.button(key="seg_export_start").click().run()
    assert not at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["Users exported"] == f"{len(members):,}"
    assert values["With an email address"] == f"{sum('email' in u for u in members):,}"
    assert values["Lines skipped"] == "0"
    post = [r for r in demo.requests if r.path == "/users/export/segment"]
    assert len(post) == 1 and post[0].body["fields_to_export"] == list(EXPORT_FIELDS)
    titles = chart_titles(at)
    assert {"Users by country", "Custom attribute coverage", "Devices by model"} <= set(titles)
    # the export lives in this session only
    assert at.session_state["seg_export_result"]["result"].user_count == len(members)


def test_a_corrupt_file_is_reported_and_the_rest_kept(app_test) -> None:
    sandbox = Sandbox(
        api_key=SANDBOX_API_KEY, users=1500, export_delay=0.2, export_corrupt_file=True
    )
    sandbox.start()
    try:
        at = app_test("segments")
        at.session_state[OVERRIDE_KEY] = Workspace(
            base_url=sandbox.url, api_key=SANDBOX_API_KEY, label="corrupt"
        )
        segment_id = _all_users(sandbox)
        at.query_params["segment_id"] = segment_id
        at.run()
        at.selectbox(key="seg_selected").set_value(segment_id).run()
        at.button(key="seg_export_start").click().run()
        assert not at.exception
        members = sandbox.workspace.segment_members(segment_id)
        values = {m.label: m.value for m in at.metric}
        assert values["Users exported"] == f"{len(members) - 1:,}"
        assert values["Lines skipped"] == "2"
        assert any("problem(s) in the export" in w.value for w in at.warning)
        issues = next(d.value for d in at.dataframe if "problem" in d.value.columns)
        assert sorted(issues["line"].tolist())[0] == 2
        assert all(f.endswith("/0.txt") for f in issues["file"])
    finally:
        sandbox.stop()


def test_waiting_times_out_and_can_be_cancelled() -> None:
    sandbox = Sandbox(export_delay=60)
    sandbox.start()
    try:
        url = f"{sandbox.url}/_sandbox/exports/never-ready.zip"
        own = Workspace(base_url=sandbox.url, api_key="k" * 12)  # plain http: back to itself only
        began = time.monotonic()
        with pytest.raises(exports.ExportTimeout, match="not ready after"):
            exports.wait_and_download(url, time_limit=1.5, ws=own)
        assert time.monotonic() - began < 6
        waits: list[int] = []
        with pytest.raises(exports.ExportCancelled):
            exports.wait_and_download(
                url,
                ws=own,
                on_wait=lambda _e, n: waits.append(n),
                should_cancel=lambda: len(waits) >= 2,
            )
        polls = [r for r in sandbox.requests if r.path == "/_sandbox/exports/never-ready.zip"]
        assert 1 <= len(polls) <= 4  # backoff: a handful of polls, not a hammering loop
    finally:
        sandbox.stop()


def test_backoff_grows_and_respects_hints() -> None:
    delays = []
    delay = None
    for _ in range(8):
        delay = exports.next_delay(delay)
        delays.append(delay)
    assert delays[0] < 1.2 and delays[-1] <= exports.POLL_MAX_DELAY * 1.1
    assert delays == sorted(delays) or delays[-1] > 20
    assert exports.next_delay(4.0, retry_after=3) == 3


def test_download_links_must_be_https_except_to_the_sandbox() -> None:
    ws = Workspace(base_url="https://rest.iad-01.braze.com", api_key="k" * 12)
    exports.check_download_url("https://bucket.s3.amazonaws.com/x.zip?sig=1", ws)
    with pytest.raises(exports.ExportError):
        exports.check_download_url("http://bucket.s3.amazonaws.com/x.zip", ws)
    local = Workspace(base_url="http://127.0.0.1:9", api_key="k" * 12)
    exports.check_download_url("http://127.0.0.1:9/_sandbox/exports/a.zip", local)


def test_s3_location_names_segment_day_and_prefix() -> None:
    from datetime import UTC, datetime

    job = exports.ExportJob(
        segment_id="seg-1",
        segment_name="VIP",
        object_prefix="abc-123",
        url=None,
        started_at=datetime(2024, 5, 6, tzinfo=UTC),
        fields=None,
    )
    assert job.s3_location == "segment-export/seg-1/2024-05-06/abc-123/…"
    assert "url=" not in repr(job)


def test_a_failed_size_names_the_segment_escaped(app_test, demo) -> None:
    from dashboard.widgets import md_escape

    hostile = next(s for s in demo.workspace.segments if s.name.startswith("=HYPERLINK"))
    demo.inject("/segments/data_series", 500)
    at = app_test("segments", query={"segment_id": hostile.id})
    assert not at.exception
    errors = [e.value for e in at.error if "the size of" in e.value]
    assert errors and f"the size of {md_escape(hostile.name)}" in errors[0], errors


def _job(url: str | None, prefix: str | None, clock: object = 0.0) -> dict:
    from datetime import UTC, datetime

    meta = exports.ExportJob(
        segment_id="seg-1",
        segment_name="VIP",
        object_prefix=prefix,
        url=url,
        started_at=datetime(2024, 5, 6, tzinfo=UTC),
        fields=None,
    )
    return {"job": meta, "status": "waiting", "clock": clock, "message": ""}


def test_an_s3_location_is_shown_literally(app_test) -> None:
    from dashboard.widgets import md_escape

    at = app_test("segments")
    prefix = "p`](http://evil.example) **x**"
    at.session_state["seg_export_job"] = _job(None, prefix)
    at.run()
    assert not at.exception
    notes = [i.value for i in at.info if "S3 bucket" in i.value]
    location = f"segment-export/seg-1/2024-05-06/{prefix}/…"
    assert notes and md_escape(location) in notes[0], notes
    assert "`" + location not in notes[0]


def test_an_unexpected_export_failure_fails_the_job_once(app_test, demo) -> None:
    at = app_test("segments")
    # A job record the download code cannot use (its clock is not a number): the error is
    # not an ExportError, and must neither escape as a traceback nor leave the job waiting.
    url = f"{demo.url}/_sandbox/exports/never-ready.zip"
    at.session_state["seg_export_job"] = _job(url, "abc", clock="not a clock")
    at.run()
    assert not at.exception
    job = at.session_state["seg_export_job"]
    assert job["status"] == "failed" and "Traceback" not in job["message"]
    assert any("could not be read" in e.value for e in at.error)
    demo.clear_requests()
    at.run()  # a rerun does not start downloading again
    assert not at.exception
    assert not [r for r in demo.requests if r.path.startswith("/_sandbox/exports/")]
    assert at.session_state["seg_export_job"]["status"] == "failed"
