"""The sidebar's filters as a value object, so loaders and cache keys can hash them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

PRESETS: tuple[str, ...] = ("Last 7 days", "Last 30 days", "Last 90 days", "This month", "Custom")
HISTORY_DAYS = 3 * 365  # how far back the custom range (and a link's custom range) may start


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Filters:
    """A closed date range [start, end] (UTC days) plus the optional app and display zone."""

    start: date
    end: date
    app_id: str | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("The start date must be on or before the end date.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_period(self) -> Filters:
        """The same number of days immediately before this range (for deltas)."""
        end = self.start - timedelta(days=1)
        return replace(self, start=end - timedelta(days=self.days - 1), end=end)


def preset_range(name: str, today: date | None = None) -> tuple[date, date]:
    """Complete days only: Braze's current day is still filling in."""
    today = today or utc_today()
    yesterday = today - timedelta(days=1)
    if name == "Last 7 days":
        return yesterday - timedelta(days=6), yesterday
    if name == "Last 30 days":
        return yesterday - timedelta(days=29), yesterday
    if name == "Last 90 days":
        return yesterday - timedelta(days=89), yesterday
    if name == "This month":
        return today.replace(day=1), today
    raise ValueError(f"Unknown preset: {name}")


def earliest_day(today: date | None = None) -> date:
    return (today or utc_today()) - timedelta(days=HISTORY_DAYS)


def default_filters(today: date | None = None) -> Filters:
    start, end = preset_range("Last 30 days", today)
    return Filters(start=start, end=end)
