"""Argument checks shared by the resource modules.

Each check raises ``ValueError`` with a message naming the parameter, so bad input is
caught before a single request leaves the process. Checks return the value in the
form Braze expects (ISO 8601 strings, ``"true"`` flags, stripped ids).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, Literal

__all__ = [
    "MAX_API_KEY_CHARS",
    "check_api_key",
    "check_choice",
    "check_datetime",
    "check_fields",
    "check_flag",
    "check_length",
    "check_page",
    "check_url",
    "check_user_aliases",
    "optional_id",
    "parse_moment",
    "require_id",
    "require_ids",
]

Edge = Literal["start", "end"]


_KEY_CHARS = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: safe in a header
# Braze REST keys are UUIDs (36 characters); this leaves room for other formats but keeps a
# pasted document (or a 10,000-character "key") out of every header we send.
MAX_API_KEY_CHARS = 128


def check_api_key(value: Any) -> str:
    """A REST API key that can travel in a header; the message never repeats the value."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("api_key is required: paste the REST API key from Braze")
    key = value.strip()
    if len(key) > MAX_API_KEY_CHARS:
        raise ValueError(
            f"The API key is {len(key):,} characters long; Braze keys have at most "
            f"{MAX_API_KEY_CHARS}. Copy only the key from Settings → APIs and Identifiers"
        )
    if not _KEY_CHARS.fullmatch(key):
        raise ValueError(
            "The API key contains spaces or characters Braze keys never have; copy it again "
            "from Settings → APIs and Identifiers"
        )
    return key


def check_length(value: Any, *, maximum: int = 100, name: str = "length") -> int:
    """``length`` must be an int in 1..maximum (Braze: 100, Canvas: 14)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{name} must be an integer from 1 to {maximum}, got {type(value).__name__}"
        )
    if not 1 <= value <= maximum:
        raise ValueError(f"{name} must be from 1 to {maximum}, got {value}")
    return value


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str | None:
    """An optional enum parameter (``unit``, ``sort_direction``, ``output_format``)."""
    if value is None:
        return None
    if value not in choices:
        allowed = " or ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def parse_moment(value: Any, name: str, edge: Edge = "end") -> datetime:
    """Parse a datetime/date/ISO 8601 string into an aware datetime (naive means UTC).

    A bare date means the whole day: its start for ``starting_at``, its last second for
    ``ending_at``, so a window "ending on the 10th" includes the 10th.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError(f"{name} must be an ISO 8601 date or datetime, got an empty string")
        try:
            value = datetime.fromisoformat(text) if "T" in text or " " in text else None
            if value is None:
                value = date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{name} must be an ISO 8601 date or datetime such as "
                f"2024-12-10T23:59:59-05:00, got {text!r}"
            ) from None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        clock = time(0, 0, 0) if edge == "start" else time(23, 59, 59)
        return datetime.combine(value, clock, tzinfo=UTC)
    raise ValueError(
        f"{name} must be an ISO 8601 string, datetime or date, got {type(value).__name__}"
    )


def check_datetime(value: Any, name: str, edge: Edge = "end") -> str | None:
    """Optional datetime parameter → ISO 8601 string (strings pass through unchanged)."""
    if value is None:
        return None
    moment = parse_moment(value, name, edge)
    if isinstance(value, str):
        return value.strip()
    return moment.isoformat()


def require_id(value: Any, name: str) -> str:
    """A required identifier or name: a non-empty string, sent exactly as given."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} is required and must be a non-empty string")
    return value


def optional_id(value: Any, name: str) -> str | None:
    """An optional identifier: ``None`` or a non-empty string."""
    return None if value is None else require_id(value, name)


def require_ids(values: Any, name: str) -> list[str]:
    """A non-empty list of non-empty strings (a bare string is refused, not split)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must be a list of strings")
    items = list(values)
    if not items:
        raise ValueError(f"{name} must not be empty")
    return [require_id(item, f"each of {name}") for item in items]


def check_user_aliases(values: Any) -> list[dict[str, str]]:
    """``user_aliases``: a non-empty list of ``{alias_name, alias_label}`` objects."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise ValueError("user_aliases must be a list of {alias_name, alias_label} objects")
    items = list(values)
    if not items:
        raise ValueError("user_aliases must not be empty")
    aliases = []
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError("each of user_aliases must be an {alias_name, alias_label} object")
        aliases.append(
            {
                "alias_name": require_id(item.get("alias_name"), "alias_name"),
                "alias_label": require_id(item.get("alias_label"), "alias_label"),
            }
        )
    return aliases


def check_fields(value: Any) -> list[str] | None:
    """``fields_to_export``: ``None`` or a list of field names."""
    return None if value is None else require_ids(value, "fields_to_export")


def check_page(value: Any) -> int | None:
    """``page``: ``None`` (fetch every page) or an int ≥ 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"page must be an integer ≥ 0, got {value!r}")
    return value


def check_cursor(value: Any) -> str | None:
    """An opaque page cursor from a ``Link`` header: short printable text, or None."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError("cursor must be a non-empty string")
    text = value.strip()
    if len(text) > 512 or not text.isprintable() or any(c.isspace() for c in text):
        raise ValueError("cursor must be at most 512 printable characters without spaces")
    return text


def check_flag(value: Any, name: str) -> str | None:
    """A boolean query flag → ``"true"`` when set, omitted (``None``) otherwise."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {type(value).__name__}")
    return "true" if value else None


def check_url(value: Any, name: str) -> str | None:
    """An optional http(s) URL (``callback_endpoint``)."""
    if value is None:
        return None
    text = require_id(value, name)
    if not text.lower().startswith(("https://", "http://")):
        raise ValueError(f"{name} must be an http:// or https:// URL")
    return text
