"""The API key: bounded length and characters, and scrubbed from whatever Braze echoes back."""

from __future__ import annotations

import base64
import json
import socket

import pytest

from braze_api import AuthenticationError, BrazeClient
from braze_api.redaction import REDACTED, Redactor
from braze_api.validation import MAX_API_KEY_CHARS, check_api_key
from dashboard.settings import workspace_from_input
from tests.hostile_server import HostileServer, respond

KEY = "3f9a6c2e-81d4-4b7a-9e05-c7d1f2a8b4e6"  # shaped like a Braze REST key (a UUID)


# --- length and characters -----------------------------------------------------------------


def test_uuid_keys_and_keys_up_to_the_cap_are_accepted() -> None:
    assert check_api_key(f"  {KEY}\n") == KEY
    assert check_api_key("k" * MAX_API_KEY_CHARS) == "k" * MAX_API_KEY_CHARS
    assert MAX_API_KEY_CHARS == 128


@pytest.mark.parametrize(
    "key",
    ["k" * (MAX_API_KEY_CHARS + 1), "x" * 10_000, "ab cd", "clé-secrète", "tab\tkey", "nul\0key"],
    ids=["129-chars", "10000-chars", "space", "non-ascii", "tab", "nul"],
)
def test_oversized_or_odd_keys_are_refused_without_repeating_them(key: str) -> None:
    with pytest.raises(ValueError) as info:
        check_api_key(key)
    assert key not in str(info.value)
    with pytest.raises(ValueError):
        workspace_from_input("US-03", key)
    with pytest.raises(ValueError):
        BrazeClient(key, "US-03")


def test_the_length_message_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="10,000 characters long; Braze keys have at most 128"):
        check_api_key("x" * 10_000)


# --- redaction -----------------------------------------------------------------------------


def b64(text: str, *, urlsafe: bool = False, padded: bool = True) -> str:
    encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(text.encode()).decode()
    return encoded if padded else encoded.rstrip("=")


ECHOES = {
    "whole": KEY,
    "upper": KEY.upper(),
    "lower-of-upper": KEY.upper().lower(),
    "prefix-8": KEY[:8],
    "prefix-12": KEY[:12] + "...",
    "suffix-8": "..." + KEY[-8:],
    "middle-10": KEY[10:20],
    "mixed-case-prefix": KEY[:10].swapcase(),
    "base64": b64(KEY),
    "base64-unpadded": b64(KEY, padded=False),
    "base64-urlsafe": b64(KEY + "?>", urlsafe=True),
    "base64-urlsafe-unpadded": b64(KEY + "?>", urlsafe=True, padded=False),
    "base64-of-bearer-header": b64(f"Bearer {KEY}"),
    "base64-of-json": b64(json.dumps({"api_key": KEY})),
}


@pytest.mark.parametrize("name", list(ECHOES))
def test_each_echo_form_is_redacted(name: str) -> None:
    echo = ECHOES[name]
    text = f"Invalid API key {echo} for this workspace"
    scrubbed = Redactor(KEY).scrub(text)
    assert REDACTED in scrubbed
    assert scrubbed.startswith("Invalid API key ") and scrubbed.endswith(" for this workspace")
    if name.startswith("base64"):
        core = echo.rstrip("=")
        middle = core[len(core) // 2 - 4 : len(core) // 2 + 4]  # encodes key bytes only
        assert middle not in scrubbed
    else:
        assert echo.strip(".").lower() not in scrubbed.lower()


def test_ordinary_text_is_left_alone() -> None:
    text = "API rate limit exceeded for /users/export/ids; retry at 12:00 UTC"
    assert Redactor(KEY).scrub(text) == text


def test_a_short_key_is_redacted_whole_in_any_case() -> None:
    assert Redactor("abc123").scrub("bad key ABC123, ab") == f"bad key {REDACTED}, ab"


def test_the_redactor_never_shows_its_key() -> None:
    assert KEY not in repr(Redactor(KEY))


def test_braze_echoes_are_scrubbed_from_error_messages() -> None:
    message = " | ".join(ECHOES.values())

    def echoing(conn: socket.socket, server: HostileServer) -> None:
        body = json.dumps({"message": f"Unknown key: {message}"}).encode()
        respond(conn, body, status="401 Unauthorized")

    with HostileServer(echoing) as server, pytest.raises(AuthenticationError) as info:
        BrazeClient(KEY, server.url, max_retries=0).kpi.dau(length=1)
    err = info.value
    assert server.connections == 1
    for text in (str(err), err.braze_message or "", repr(err)):
        assert KEY not in text and KEY.upper() not in text
        assert KEY[:8] not in text and KEY[-8:] not in text
        assert b64(KEY).rstrip("=")[4:-4] not in text
        assert b64(f"Bearer {KEY}").rstrip("=")[12:-4] not in text
    assert (err.braze_message or "").startswith("Unknown key: [redacted]")


def test_a_huge_message_is_cut_and_still_scrubbed() -> None:
    padding = "x" * 495

    def echoing(conn: socket.socket, server: HostileServer) -> None:
        body = json.dumps({"message": padding + KEY + "y" * 100_000}).encode()
        respond(conn, body, status="401 Unauthorized")

    with HostileServer(echoing) as server, pytest.raises(AuthenticationError) as info:
        BrazeClient(KEY, server.url, max_retries=0).kpi.dau(length=1)
    message = info.value.braze_message or ""
    assert len(message) == 500 and KEY[:5] not in message
