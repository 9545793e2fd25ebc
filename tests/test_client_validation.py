"""Bad arguments raise a clear ValueError and nothing reaches the peer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from braze_api import BrazeClient
from braze_api.validation import check_datetime, parse_moment
from braze_sandbox import Sandbox, start_sandbox

KEY = "sk-validation-0c9d"
END = "2024-12-10T23:59:59-05:00"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    url = start_sandbox(users=50)
    yield url.sandbox
    url.stop()


@pytest.fixture
def client(sandbox: Sandbox) -> BrazeClient:
    sandbox.clear_requests()
    return BrazeClient(KEY, sandbox.url, backoff_base=0.01)


BAD_CALLS: list[tuple[str, Callable[[BrazeClient], object], str]] = [
    ("length-zero", lambda c: c.kpi.dau(length=0), "length must be from 1 to 100, got 0"),
    ("length-101", lambda c: c.kpi.mau(length=101), "from 1 to 100"),
    ("length-str", lambda c: c.kpi.new_users(length="7"), "length must be an integer"),
    ("length-bool", lambda c: c.kpi.uninstalls(length=True), "length must be an integer"),
    ("length-none", lambda c: c.segments.data_series("s", length=None), "length"),
    ("ending-words", lambda c: c.kpi.dau(length=7, ending_at="yesterday"), "ISO 8601"),
    ("ending-int", lambda c: c.kpi.dau(length=7, ending_at=20241210), "ISO 8601"),
    ("ending-empty", lambda c: c.kpi.dau(length=7, ending_at=" "), "ending_at"),
    ("unit", lambda c: c.sessions.data_series(length=5, unit="week"), "'day' or 'hour'"),
    ("unit-case", lambda c: c.events.data_series("e", length=5, unit="Day"), "unit"),
    ("card-id", lambda c: c.feed.data_series("", length=5), "card_id is required"),
    ("sort", lambda c: c.campaigns.list(sort_direction="up"), "'asc' or 'desc'"),
    ("archived", lambda c: c.campaigns.list(include_archived="yes"), "include_archived"),
    ("campaign-id", lambda c: c.campaigns.data_series(None, length=7), "campaign_id"),
    ("details-id", lambda c: c.campaigns.details("  "), "campaign_id"),
    ("page-negative", lambda c: c.segments.list(page=-1), "page"),
    ("page-str", lambda c: c.events.list(page="2"), "page"),
    ("feed-sort", lambda c: c.feed.list(sort_direction="DESC"), "sort_direction"),
    ("canvas-id", lambda c: c.canvas.details(""), "canvas_id"),
    ("canvas-no-end", lambda c: c.canvas.data_series("cv", ending_at=None, length=3), "ending_at"),
    (
        "canvas-both",
        lambda c: c.canvas.data_series("cv", ending_at=END, length=3, starting_at="2024-12-01"),
        "exactly one of length or starting_at",
    ),
    (
        "canvas-neither",
        lambda c: c.canvas.data_summary("cv", ending_at=END),
        "exactly one of length or starting_at",
    ),
    (
        "canvas-15",
        lambda c: c.canvas.data_series("cv", ending_at=END, length=15),
        "from 1 to 14",
    ),
    (
        "canvas-reversed",
        lambda c: c.canvas.data_summary("cv", ending_at="2024-12-01", starting_at="2024-12-05"),
        "starting_at must be before ending_at",
    ),
    (
        "canvas-equal",
        lambda c: c.canvas.data_series(
            "cv", ending_at=datetime(2024, 12, 1, 12), starting_at="2024-12-01T12:00:00Z"
        ),
        "before",
    ),
    (
        "canvas-flag",
        lambda c: c.canvas.data_series("cv", ending_at=END, length=2, include_step_breakdown=1),
        "include_step_breakdown",
    ),
    ("export-none", lambda c: c.users.export_ids(), "exactly one of"),
    (
        "export-two",
        lambda c: c.users.export_ids(external_ids=["a"], email_address="a@example.com"),
        "got external_ids, email_address",
    ),
    ("export-bare-str", lambda c: c.users.export_ids(external_ids="abc"), "list of strings"),
    ("export-empty", lambda c: c.users.export_ids(external_ids=[]), "must not be empty"),
    ("export-blank-id", lambda c: c.users.export_ids(external_ids=["a", ""]), "external_ids"),
    (
        "export-alias",
        lambda c: c.users.export_ids(user_aliases=[{"alias_name": "x"}]),
        "alias_label",
    ),
    (
        "export-alias-dict",
        lambda c: c.users.export_ids(user_aliases={"alias_name": "x", "alias_label": "y"}),
        "list",
    ),
    (
        "export-fields-str",
        lambda c: c.users.export_ids(device_id="d", fields_to_export="email"),
        "fields_to_export",
    ),
    (
        "export-fields-int",
        lambda c: c.users.export_ids(braze_id="b", fields_to_export=[1]),
        "fields_to_export",
    ),
    ("export-phone", lambda c: c.users.export_ids(phone=""), "phone"),
    ("segment-export-id", lambda c: c.users.export_segment(""), "segment_id"),
    (
        "segment-export-format",
        lambda c: c.users.export_segment("s", output_format="tar"),
        "'zip' or 'gzip'",
    ),
    (
        "segment-export-callback",
        lambda c: c.users.export_segment("s", callback_endpoint="ftp://x"),
        "callback_endpoint",
    ),
    ("event-name", lambda c: c.events.data_series("", length=5), "event is required"),
    ("product", lambda c: c.purchases.revenue_series(length=5, product=""), "product"),
    ("app-id", lambda c: c.purchases.quantity_series(length=5, app_id=7), "app_id"),
    ("send-id", lambda c: c.sends.data_series("c", "", length=5), "send_id"),
    (
        "sessions-segment",
        lambda c: c.sessions.data_series(length=5, segment_id=""),
        "segment_id",
    ),
]


@pytest.mark.parametrize(("case", "call", "message"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_arguments_raise_and_send_nothing(
    client: BrazeClient, sandbox: Sandbox, case: str, call: Callable, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(client)
    assert sandbox.requests == []


def test_a_good_call_after_bad_ones_does_reach_the_peer(
    client: BrazeClient, sandbox: Sandbox
) -> None:
    """Guards the test above: the peer does record requests from this client."""
    client.kpi.dau(length=1)
    assert [r.path for r in sandbox.requests] == ["/kpi/dau/data_series"]


def test_more_than_50_ids_is_split_not_refused(client: BrazeClient, sandbox: Sandbox) -> None:
    body = client.users.export_ids(external_ids=[f"x{i}" for i in range(101)])
    assert len(body["invalid_user_ids"]) == 101
    assert len(sandbox.requests) == 3


@pytest.mark.parametrize(
    ("value", "edge", "expected"),
    [
        (datetime(2024, 12, 10, 8, 30), "end", "2024-12-10T08:30:00+00:00"),
        (
            datetime(2024, 12, 10, 8, 30, tzinfo=timezone(timedelta(hours=-5))),
            "end",
            "2024-12-10T08:30:00-05:00",
        ),
        (date(2024, 12, 10), "end", "2024-12-10T23:59:59+00:00"),
        (date(2024, 12, 10), "start", "2024-12-10T00:00:00+00:00"),
        (END, "end", END),
        (" 2024-12-10 ", "end", "2024-12-10"),
        ("2024-12-10T23:59:59Z", "end", "2024-12-10T23:59:59Z"),
        (None, "end", None),
    ],
)
def test_datetimes_serialise_to_iso_8601(value: object, edge: str, expected: str | None) -> None:
    assert check_datetime(value, "ending_at", edge) == expected  # type: ignore[arg-type]


def test_parse_moment_treats_naive_as_utc_and_dates_as_whole_days() -> None:
    assert parse_moment("2024-12-10T05:00:00", "x") == datetime(2024, 12, 10, 5, tzinfo=UTC)
    assert parse_moment("2024-12-10", "x", "start") == datetime(2024, 12, 10, tzinfo=UTC)
    assert parse_moment("2024-12-10", "x", "end") == datetime(2024, 12, 10, 23, 59, 59, tzinfo=UTC)


def test_canvas_accepts_a_same_day_window(client: BrazeClient, sandbox: Sandbox) -> None:
    canvas = sandbox.workspace.canvases[0]
    body = client.canvas.data_summary(
        canvas.id, ending_at=date(2024, 12, 10), starting_at=date(2024, 12, 10)
    )
    assert body["data"]["name"] == canvas.name
    (recorded,) = sandbox.requests
    assert recorded.query["starting_at"] == "2024-12-10T00:00:00+00:00"
    assert recorded.query["ending_at"] == "2024-12-10T23:59:59+00:00"
    assert "length" not in recorded.query
