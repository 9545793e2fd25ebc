"""Query-parameter parsing and the window semantics every series endpoint shares.

Daily series: `length=N`, `ending_at=E` -> the N UTC calendar days ending with
E's UTC date, inclusive, oldest first. Hourly: the N hours ending with E's UTC
hour, inclusive. No `ending_at` means now; points after now are omitted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal, overload


class ApiError(Exception):
    """An HTTP error answered with Braze's `{"message": ...}` body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad(message: str) -> ApiError:
    return ApiError(400, message)


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_iso(value: str, name: str) -> datetime:
    """ISO 8601 date or datetime (offset or Z; naive means UTC) -> aware UTC datetime."""
    text = value.strip()
    if len(text) > 10 and text[-6] == " ":  # an unencoded "+05:00" arrives as " 05:00"
        text = text[:-6] + "+" + text[-5:]
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad(f"{name} must be an ISO 8601 date or datetime, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@overload
def parse_int(
    query: dict[str, str], name: str, low: int, high: int, *, required: Literal[True]
) -> int: ...
@overload
def parse_int(
    query: dict[str, str], name: str, low: int, high: int, *, required: bool
) -> int | None: ...
def parse_int(
    query: dict[str, str], name: str, low: int, high: int, *, required: bool
) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        if required:
            raise bad(f"{name} is required")
        return None
    try:
        number = int(raw)
    except ValueError:
        raise bad(f"{name} must be an integer between {low} and {high}") from None
    if not low <= number <= high:
        raise bad(f"{name} must be between {low} and {high}")
    return number


def parse_bool(query: dict[str, str], name: str) -> bool:
    raw = query.get(name)
    if raw is None or raw == "":
        return False
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad(f"{name} must be true or false")


def parse_unit(query: dict[str, str]) -> str:
    unit = query.get("unit") or "day"
    if unit not in ("day", "hour"):
        raise bad("unit must be 'day' or 'hour'")
    return unit


def ending(
    query: dict[str, str], *, required: bool = False, now: datetime | None = None
) -> datetime:
    """`ending_at`, or (as Braze documents the default) the time of the request: `now`."""
    raw = query.get("ending_at")
    if not raw:
        if required:
            raise bad("ending_at is required")
        return now or utcnow()
    return parse_iso(raw, "ending_at")


def day_window(end: datetime, length: int, now: datetime | None = None) -> list[date]:
    """The `length` UTC days ending with end's date, inclusive, minus days after today."""
    today = (now or utcnow()).date()
    last = end.date()
    days = [last - timedelta(days=i) for i in range(length - 1, -1, -1)]
    return [d for d in days if d <= today]


def hour_window(end: datetime, length: int, now: datetime | None = None) -> list[datetime]:
    """The `length` UTC hours ending with end's hour, inclusive, minus hours after now."""
    current = now or utcnow()
    last = end.replace(minute=0, second=0, microsecond=0)
    hours = [last - timedelta(hours=i) for i in range(length - 1, -1, -1)]
    return [h for h in hours if h <= current]
