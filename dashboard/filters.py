"""The sidebar's filters as a value object, so loaders and cache keys can hash them.

Every preset is made of complete UTC days: today is still filling in at Braze, so a preset
ends yesterday at the latest. Each range says what its changes are compared with
(``previous_range``, the one place that decides it):

- rolling presets and custom ranges (``"days"``): the same number of days just before;
- calendar presets (``"month"``: Month to date, Last month): the previous month's matching
  days, 1–N of the month before for 1–N of this one, clipped to that month's length
  (1–31 Mar compares with 1–28 Feb, or 1–29 Feb in a leap year).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

MONTH_TO_DATE = "Month to date"
LAST_MONTH = "Last month"
CUSTOM = "Custom"
PRESETS: tuple[str, ...] = (
    "Last 7 days",
    "Last 30 days",
    "Last 90 days",
    MONTH_TO_DATE,
    LAST_MONTH,
    CUSTOM,
)
_ROLLING_DAYS = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90}
HISTORY_DAYS = 3 * 365  # how far back the custom range (and a link's custom range) may start

#: How a range is compared: with as many days just before it, or with the previous month's
#: matching days.
Comparison = Literal["days", "month"]


def utc_today() -> date:
    return datetime.now(UTC).date()


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous_month_start(day: date) -> date:
    return _month_start(_month_start(day) - timedelta(days=1))


def _clipped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def previous_range(start: date, end: date, comparison: Comparison = "days") -> tuple[date, date]:
    """The period ``[start, end]``'s changes are compared with (see the module docstring).

    A ``"month"`` comparison needs a range inside one month (what calendar presets give);
    a range spanning months falls back to the same number of days before.
    """
    if start > end:
        raise ValueError("The start date must be on or before the end date.")
    if comparison == "month" and (start.year, start.month) == (end.year, end.month):
        first = _previous_month_start(start)
        return (
            _clipped(first.year, first.month, start.day),
            _clipped(first.year, first.month, end.day),
        )
    days = (end - start).days + 1
    before = start - timedelta(days=1)
    return before - timedelta(days=days - 1), before


def comparison_for(preset: str) -> Comparison:
    """Calendar presets compare with the previous month's matching days; the rest with the
    same number of days before."""
    return "month" if preset in (MONTH_TO_DATE, LAST_MONTH) else "days"


@dataclass(frozen=True)
class Filters:
    """A closed date range [start, end] (UTC days), how it is compared, the optional app and the
    display zone."""

    start: date
    end: date
    app_id: str | None = None
    timezone: str = "UTC"
    comparison: Comparison = "days"

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("The start date must be on or before the end date.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_period(self) -> Filters:
        """The period this range's deltas compare with (``previous_range``)."""
        start, end = previous_range(self.start, self.end, self.comparison)
        return replace(self, start=start, end=end)


def month_to_date_is_empty(today: date | None = None) -> bool:
    """On the first of a month no day of it is complete yet: Month to date shows last month."""
    return (today or utc_today()).day == 1


def preset_range(name: str, today: date | None = None) -> tuple[date, date]:
    """Complete days only: Braze's current day is still filling in, so every preset ends
    yesterday at the latest.

    Month to date is the 1st to yesterday; on the 1st itself (no complete day yet) it is the
    whole previous month, and the sidebar says so (``month_to_date_is_empty``).
    """
    today = today or utc_today()
    yesterday = today - timedelta(days=1)
    if name in _ROLLING_DAYS:
        return yesterday - timedelta(days=_ROLLING_DAYS[name] - 1), yesterday
    if name == MONTH_TO_DATE:
        return _month_start(yesterday), yesterday
    if name == LAST_MONTH:
        first = _previous_month_start(today)
        return first, _month_start(today) - timedelta(days=1)
    raise ValueError(f"Unknown preset: {name}")


def preset_filters(
    name: str, today: date | None = None, *, app_id: str | None = None, timezone: str = "UTC"
) -> Filters:
    """A preset's range with its comparison rule."""
    start, end = preset_range(name, today)
    return Filters(start, end, app_id, timezone, comparison_for(name))


def span_text(start: date, end: date) -> str:
    """A period as captions write it: "1–30 Nov 2026", "24 Nov – 3 Dec 2026",
    "29 Dec 2025 – 4 Jan 2026", "5 Nov 2026"."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def period_text(filters: Filters, *, compared: bool, today: date | None = None) -> str:
    """The one period line of every page with a date range (page headers, the sidebar):
    "1–30 Nov 2026 (complete UTC days)", and with ``compared`` (the page shows changes)
    "… compared with 1–30 Oct 2026" (``Filters.previous_period``)."""
    days = (
        "complete UTC days" if filters.end < (today or utc_today()) else "UTC days, today partial"
    )
    text = f"{span_text(filters.start, filters.end)} ({days})"
    if compared:
        previous = filters.previous_period()
        text += f" compared with {span_text(previous.start, previous.end)}"
    return text


def comparison_text(filters: Filters, today: date | None = None) -> str:
    """What a range is and what it is compared with, in one sentence, e.g.
    "1–30 Nov 2026 (complete UTC days) compared with 1–30 Oct 2026" (``period_text``)."""
    return period_text(filters, compared=True, today=today)


def compared_label(filters: Filters) -> str:
    """A card's short comparison note (cards are narrow): "vs prior 30d", or "vs 1–14 Nov" for
    a calendar comparison."""
    if filters.comparison == "days":
        return f"vs prior {filters.days}d"
    previous = filters.previous_period()
    if (previous.start.year, previous.start.month) != (previous.end.year, previous.end.month):
        return f"vs {span_text(previous.start, previous.end)}"
    return f"vs {previous.start.day}–{previous.end.day} {previous.end:%b}"


def earliest_day(today: date | None = None) -> date:
    return (today or utc_today()) - timedelta(days=HISTORY_DAYS)


def default_filters(today: date | None = None) -> Filters:
    return preset_filters("Last 30 days", today)
