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
