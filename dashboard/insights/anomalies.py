"""Unusual days in a daily KPI series, found against the same weekday of earlier weeks.

The method, in words a marketer can check by hand:

1. **Expected value**: for each day, the median of the same weekday in the previous four weeks
   (at least three of them known). Weekly seasonality is handled by comparing Tuesdays with
   Tuesdays; the median ignores one odd week among the four.
2. **Change**: how far the day is from that, relative: ``value / expected - 1``.
3. **Usual wobble**: the median absolute deviation of those changes over every day that has an
   expected value (scaled by 1.4826, so it reads like a standard deviation), never below
   ``SCALE_FLOOR``: a very flat series (MAU) does not turn its tiny noise into flags.
4. **Flag** a day whose change is at least ``THRESHOLD`` times the usual wobble *and* at least
   ``MIN_CHANGE`` in size.

Each flag explains itself in one sentence ("DAU on Tue 24 Nov was 31% below what the previous
four Tuesdays suggest").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashboard.display import percent_text

WEEKS = 4  # same weekdays looked back on
MIN_WEEKS = 3  # a day needs at least this many of them known
THRESHOLD = 3.5  # flags are at least this many "usual wobbles" away
MIN_CHANGE = 0.10  # ... and at least 10% away
SCALE_FLOOR = 0.02  # the usual wobble is taken as at least 2%
MAD_TO_SD = 1.4826
_WORDS = {1: "previous", 2: "previous two", 3: "previous three", 4: "previous four"}


@dataclass(frozen=True)
class Anomaly:
    """One flagged day of one series."""

    metric: str
    label: str  # the series as people name it: "DAU"
    day: date
    value: float
    expected: float
    change: float  # value / expected - 1
    score: float  # change in units of the usual wobble
    weeks: int  # same weekdays behind the expected value

    @property
    def direction(self) -> str:
        return "spike" if self.change > 0 else "drop"

    def sentence(self) -> str:
        weekday = f"{self.day:%A}s"
        side = "above" if self.change > 0 else "below"
        return (
            f"{self.label} on {self.day:%a %d %b} was {percent_text(abs(self.change))} {side} what the "
            f"{_WORDS.get(self.weeks, f'previous {self.weeks}')} {weekday} suggest "
            f"({self.value:,.0f} against about {self.expected:,.0f})."
        )


def daily_values(frame: pd.DataFrame, column: str) -> pd.Series:
    """A ``date`` + ``column`` frame as a float series on a complete daily index (gaps NaN)."""
    if frame is None or frame.empty or column not in frame:
        return pd.Series([], dtype="float64", index=pd.DatetimeIndex([]))
    days = pd.to_datetime(frame["date"]).dt.normalize()
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    series = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(days)).groupby(level=0).last()
    full = pd.date_range(series.index.min(), series.index.max(), freq="D")
    return series.reindex(full)


def expected_values(
    values: pd.Series, weeks: int = WEEKS, min_weeks: int = MIN_WEEKS
) -> pd.DataFrame:
    """Per day: the median of the same weekday over the previous ``weeks`` weeks and how many
    of them were known (``values`` on a complete daily index)."""
    lagged = pd.concat([values.shift(7 * k) for k in range(1, weeks + 1)], axis=1)
    known = lagged.notna().sum(axis=1)
    median = lagged.median(axis=1, skipna=True).where(known >= min_weeks)
    return pd.DataFrame({"expected": median, "weeks": known}, index=values.index)


def usual_wobble(changes: pd.Series, floor: float = SCALE_FLOOR) -> float:
    """The robust spread of relative changes (MAD × 1.4826), at least ``floor``."""
    known = changes.dropna().to_numpy(dtype="float64")
    if len(known) == 0:
        return floor
    mad = float(np.median(np.abs(known - np.median(known))))
    return max(MAD_TO_SD * mad, floor)


def detect(
    values: pd.Series,
    metric: str,
    label: str,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    threshold: float = THRESHOLD,
    min_change: float = MIN_CHANGE,
    floor: float = SCALE_FLOOR,
) -> list[Anomaly]:
    """Flagged days of ``values`` (complete daily index) between ``first_day`` and ``last_day``.

    Every day before ``first_day`` still serves as history for the expected values and the
    usual wobble; only days in the range can be flagged.
    """
    if values.empty:
        return []
    base = expected_values(values)
    expected = base["expected"].where(base["expected"] > 0)
    changes = values / expected - 1.0
    wobble = usual_wobble(changes, floor)
    index = values.index
    keep = pd.Series(True, index=index)
    if first_day is not None:
        keep &= index >= pd.Timestamp(first_day)
    if last_day is not None:
        keep &= index <= pd.Timestamp(last_day)
    flags: list[Anomaly] = []
    for day in index[keep.to_numpy()]:
        change = changes.get(day)
        if change is None or pd.isna(change):
            continue
        score = float(change) / wobble
        if abs(score) >= threshold and abs(float(change)) >= min_change:
            flags.append(
                Anomaly(
                    metric=metric,
                    label=label,
                    day=day.date(),
                    value=float(values[day]),
                    expected=float(expected[day]),
                    change=float(change),
                    score=score,
                    weeks=int(base["weeks"][day]),
                )
            )
    return flags
