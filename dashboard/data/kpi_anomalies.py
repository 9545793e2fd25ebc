"""Unusual days in the KPI series, shared by the overview and the KPI page's charts.

The series come from the KPI page's own cached loader (the range and the period before it).
The expected value of a day needs the same weekday of the four weeks before it, and the usual
wobble at least four weeks of such days, so for ranges shorter than four weeks the older days
are loaded too (one more request per metric; nothing more for ranges of 28 days or longer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType

import pandas as pd

from dashboard.charts.kpis import METRIC_STYLES
from dashboard.data.common import fan_out, load_series
from dashboard.data.kpis import METRICS, SOURCES, KpiPage, daily_frame, load_kpi_page
from dashboard.filters import Filters
from dashboard.insights.anomalies import WEEKS, Anomaly, daily_values, detect
from dashboard.settings import Workspace

HISTORY_DAYS = 7 * WEEKS  # behind the expected value of the range's first day
WOBBLE_DAYS = 28  # days with an expected value behind the usual wobble, at least


@dataclass(frozen=True)
class KpiAnomalies:
    """Per metric: the daily values looked at (history + range) and the flagged days."""

    filters: Filters
    values: Mapping[str, pd.Series]
    flags: Mapping[str, tuple[Anomaly, ...]]
    errors: Mapping[str, BaseException]

    def all(self) -> tuple[Anomaly, ...]:
        """Every flag, most recent first, larger changes first within a day."""
        flags = [a for metric in METRICS for a in self.flags.get(metric, ())]
        return tuple(sorted(flags, key=lambda a: (-a.day.toordinal(), -abs(a.change))))


def _previous_touches(filters: Filters) -> bool:
    """Whether the compared period ends the day before the range (a calendar comparison,
    1–14 Nov for 1–14 Dec, leaves a gap the flags' history must not skip)."""
    return filters.previous_period().end == filters.start - timedelta(days=1)


def _history_gap(filters: Filters) -> Filters | None:
    """The older days the flags need that the previous period does not cover, if any: four
    weeks behind the range's first day, and more for a short range, so the usual wobble is
    measured over at least ``WOBBLE_DAYS`` days (one launch week cannot inflate it)."""
    first_needed = filters.start - timedelta(days=HISTORY_DAYS + max(0, WOBBLE_DAYS - filters.days))
    covered_from = filters.previous_period().start if _previous_touches(filters) else filters.start
    if covered_from <= first_needed:
        return None
    return Filters(start=first_needed, end=covered_from - timedelta(days=1), app_id=filters.app_id)


def kpi_anomalies(
    page: KpiPage, extra: Mapping[str, pd.DataFrame | BaseException] | None = None
) -> KpiAnomalies:
    """Flags for each metric of a loaded KPI page (plus any older history in ``extra``)."""
    filters = page.filters
    values: dict[str, pd.Series] = {}
    flags: dict[str, tuple[Anomaly, ...]] = {}
    errors: dict[str, BaseException] = {}
    for metric in METRICS:
        current = page.current[metric]
        # the compared period is history only when it ends the day before the range
        previous = page.previous[metric] if _previous_touches(filters) else None
        older = (extra or {}).get(metric)
        failed = (
            current.error
            or (previous.error if previous is not None else None)
            or (older if isinstance(older, BaseException) else None)
        )
        if failed is not None:
            errors[metric] = failed
            continue
        before = previous.value if previous is not None else None
        parts = [f for f in (older, before, current.value) if isinstance(f, pd.DataFrame)]
        joined = (
            pd.concat([p for p in parts if not p.empty], ignore_index=True)
            if any(not p.empty for p in parts)
            else pd.DataFrame({"date": [], metric: []})
        )
        series = daily_values(joined, metric)
        values[metric] = series
        flags[metric] = tuple(
            detect(
                series,
                metric,
                METRIC_STYLES[metric].label,
                first_day=filters.start,
                last_day=filters.end,
            )
        )
    return KpiAnomalies(
        filters=filters,
        values=MappingProxyType(values),
        flags=MappingProxyType(flags),
        errors=MappingProxyType(errors),
    )


def load_kpi_anomalies(
    ws: Workspace, filters: Filters, page: KpiPage | None = None
) -> KpiAnomalies:
    """The KPI page's cached series (loaded unless given), older weeks if needed, then flags."""
    page = page if page is not None else load_kpi_page(ws, filters)
    gap = _history_gap(filters)
    extra: dict[str, pd.DataFrame | BaseException] = {}
    if gap is not None:

        def older(metric: str) -> pd.DataFrame:
            raw = load_series(
                ws, SOURCES[metric], start=gap.start, end=gap.end, app_id=filters.app_id
            )
            return daily_frame(raw, metric)

        for result in fan_out(older, METRICS):
            extra[result.item] = result.error if result.error is not None else result.unwrap()
    return kpi_anomalies(page, extra)
