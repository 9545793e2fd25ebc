"""Split a date range into the windows an endpoint accepts, so any range can be fetched.

Braze answers a daily series with the ``length`` calendar days that end with ``ending_at``'s
date (inclusive). Windows are laid back to back from the range's end, so stitched results have
no gap and no day twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


@dataclass(frozen=True)
class Window:
    ending_at: datetime
    length: int
    start: date
    end: date


def day_end(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def day_windows(start: date, end: date, max_length: int) -> list[Window]:
    """Consecutive windows of at most ``max_length`` days covering [start, end], oldest first."""
    if start > end:
        return []
    if max_length < 1:
        raise ValueError("max_length must be at least 1")
    windows: list[Window] = []
    cursor = end
    while cursor >= start:
        length = min(max_length, (cursor - start).days + 1)
        first = cursor - timedelta(days=length - 1)
        windows.append(Window(ending_at=day_end(cursor), length=length, start=first, end=cursor))
        cursor = first - timedelta(days=1)
    return list(reversed(windows))


def hour_windows(start: date, end: date, max_length: int) -> list[Window]:
    """Windows of at most ``max_length`` hours covering every hour of the days [start, end]."""
    if start > end:
        return []
    total_hours = ((end - start).days + 1) * 24
    last_hour = datetime.combine(end, time(23, 0), tzinfo=UTC)
    windows: list[Window] = []
    remaining = total_hours
    cursor = last_hour
    while remaining > 0:
        length = min(max_length, remaining)
        first = cursor - timedelta(hours=length - 1)
        windows.append(
            Window(
                ending_at=cursor + timedelta(minutes=59, seconds=59),
                length=length,
                start=first.date(),
                end=cursor.date(),
            )
        )
        remaining -= length
        cursor = first - timedelta(hours=1)
    return list(reversed(windows))
