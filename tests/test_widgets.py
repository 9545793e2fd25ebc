"""What a user reads when a part of a page fails."""

from __future__ import annotations

from braze_api.errors import AuthenticationError, RateLimitError, ServerError
from dashboard.widgets import error_message


def test_auth_error_names_status_endpoint_and_what_to_do():
    err = AuthenticationError("x", status=401, endpoint="/kpi/mau/data_series")
    text = error_message(err, "MAU")
    assert "(401)" in text and "/kpi/mau/data_series" in text and "REST API key" in text


def test_rate_limit_and_server_errors_say_when_to_retry():
    assert "rate limit" in error_message(RateLimitError("x", status=429, endpoint="/a"), "A")
    assert "Refresh data" in error_message(ServerError("x", status=503, endpoint="/a"), "A")


def test_our_own_validation_message_is_shown_escaped():
    text = error_message(ValueError("length must be <= 100 [see](javascript:x)"), "the series")
    assert "length must be" in text
    assert "](javascript" not in text  # markdown link syntax is escaped


def test_unexpected_errors_hide_their_details():
    text = error_message(RuntimeError("internal path /srv/secret"), "the leaderboard")
    assert "/srv/secret" not in text and "the leaderboard" in text


def test_compact_numbers_keep_their_magnitude():
    from dashboard.widgets import compact_number

    assert compact_number(9_999) == "9,999"
    assert compact_number(26_284) == "26.3K"
    assert compact_number(2_412) == "2,412"
    assert compact_number(6_587_660) == "6.59M"
    assert compact_number(1_234_567_890) == "1.23B"
    assert compact_number(None) == "—"


def _run(script, query: dict[str, str] | None = None):
    """Run a small script (the function's body) in AppTest and return it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(script, default_timeout=30)
    if query:
        at.query_params.update(query)
    return at.run()


def test_page_header_states_range_app_comparison_and_note():
    def script():
        from datetime import date

        from dashboard.filters import Filters
        from dashboard.widgets import page_header

        filters = Filters(start=date(2025, 3, 1), end=date(2025, 3, 30))
        page_header("Key metrics", filters, app="iOS [beta]", compare=True, note="in **USD**")

    at = _run(script)
    assert at.title[0].value == "Key metrics"
    assert at.caption[0].value == (
        "1–30 Mar 2025 (complete UTC days) compared with 30 Jan – 28 Feb 2025 · "
        "iOS \\[beta\\] · in **USD**"
    )


def test_hourly_toggle_is_off_and_disabled_for_ranges_too_long_for_hours():
    def script():
        from datetime import date

        import streamlit as st

        from dashboard.data.timeseries import HOURLY_MAX_DAYS
        from dashboard.filters import Filters
        from dashboard.widgets import hourly_toggle

        for key, days in (("short", 2), ("long", HOURLY_MAX_DAYS + 1)):
            end = date(2025, 3, 30)
            filters = Filters(start=end.fromordinal(end.toordinal() - days + 1), end=end)
            st.session_state.setdefault(key, True)  # as if switched on by a link
            st.write(f"{key}={hourly_toggle(filters, key)}")

    at = _run(script)
    assert [m.value for m in at.markdown] == ["short=True", "long=False"]
    assert [t.disabled for t in at.toggle] == [False, True]
    assert at.toggle[0].label == "Hourly (UTC)"


def test_file_range_and_range_text_name_the_same_days():
    from datetime import date

    from dashboard.filters import Filters
    from dashboard.widgets import file_range, range_text

    filters = Filters(start=date(2025, 1, 1), end=date(2025, 1, 7))
    assert file_range(filters) == "2025-01-01-to-2025-01-07"
    assert range_text(filters) == "1–7 Jan 2025 (complete UTC days)"  # filters.period_text


def test_sync_query_params_writes_what_differs_and_drops_what_is_empty():
    def script():
        from dashboard.url_state import sync_query_params

        sync_query_params(
            {"product": ["a", "b"], "view": "stacked", "unit": None, "event": [], "range": "x"}
        )

    at = _run(script, {"unit": "hour", "event": "old", "range": "x", "other": "kept"})
    assert at.query_params["product"] == ["a", "b"]
    assert at.query_params["view"] in ("stacked", ["stacked"])
    assert "unit" not in at.query_params and "event" not in at.query_params
    assert at.query_params["other"] in ("kept", ["kept"])
    assert at.query_params["range"] in ("x", ["x"])


def test_card_columns_balance_rows_of_at_most_four_that_line_up():
    def script():

        from dashboard.widgets import card_columns

        for count in (4, 5, 6, 9):
            for i, slot in enumerate(card_columns(count)):
                slot.write(f"{count}:{i}")

    at = _run(script)
    # 4 → one row of 4; 5 → 3 + 2 (in rows of 3); 6 → 3 + 3; 9 → 3 + 3 + 3
    assert len(at.columns) == 4 + 3 + 3 + 3 + 3 + 3 + 3 + 3
    rows = [
        [c.markdown[0].value if c.markdown else None for c in at.columns[i : i + n]]
        for i, n in ((0, 4), (4, 3), (7, 3))
    ]
    assert rows == [["4:0", "4:1", "4:2", "4:3"], ["5:0", "5:1", "5:2"], ["5:3", "5:4", None]]


def test_compared_columns_name_both_periods_and_money_in_the_currency():
    from dashboard.display import CHANGE_FORMAT, parse_currency
    from dashboard.table_columns import compared_columns

    counts = compared_columns("sent", "Sent", "Messages sent")
    assert list(counts) == ["sent_previous", "sent_change"]
    assert counts["sent_previous"]["label"] == "Sent · period before"
    assert counts["sent_change"]["label"] == "Sent · change"
    assert counts["sent_change"]["type_config"]["format"] == CHANGE_FORMAT  # the percent rule
    assert counts["sent_previous"]["help"].startswith("Messages sent in the period")
    money = compared_columns("revenue", "Revenue", "Revenue", currency=parse_currency("EUR"))
    assert money["revenue_previous"]["label"] == "Revenue · period before (EUR)"
    assert money["revenue_previous"]["type_config"]["format"] == "euro"


def test_a_wrong_type_from_braze_is_named_with_its_path_escaped() -> None:
    from braze_api.frames import campaign_series_from_bytes

    body = (
        b'{"data": [{"time": "2025-01-01", "messages": {"ios_push": [{"sent": 1,'
        b' "notif_button_1_[tap](javascript:x)_click": "3"}]}}]}'
    )
    try:
        campaign_series_from_bytes(body)
    except TypeError as err:  # SeriesTypeError
        text = error_message(err, "the send's stats")
    else:
        raise AssertionError("a count sent as text was accepted")
    assert text.startswith("Couldn't load the send's stats: Braze sent a value of another type")
    assert "got \\`str\\`" in text and "Refresh data" in text
    assert "[tap](" not in text and "\\[tap\\]\\(javascript\\:x\\)" in text
