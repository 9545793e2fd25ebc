"""The leaderboard's fast path: campaign series windows reduced to per-channel sums, no frames.

`campaign_window_sums` reads one `/campaigns/data_series` body in a single pass and keeps only
the engagement inputs summed per channel and the per-time totals; `campaign_range_sums` turns
back-to-back windows into exactly the numbers that summing `engagement_frame` of the stitched
long frame and the stitched totals frame would give. Engagement is read by the same rules as
`engagement_frame` (`engagement.engagement_values`). Bodies outside the documented clean
shape return None: the caller takes the frame path then.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._coerce import data_list, last_per_time
from .campaign_series import CAMPAIGN_TOTAL_FIELDS
from .engagement import (
    ENGAGEMENT_COLUMNS,
    ENGAGEMENT_INPUTS,
    channel_kind,
    engagement_values,
    floor_pairs,
)

_EXACT_LIMIT = 2**53  # float64 sums of integers are exact below this
_MAX_COUNT = 2**40  # a count above this (or below 0) takes the frame path


class CampaignWindowSums(NamedTuple):
    """One ``/campaigns/data_series`` window reduced to what campaign totals need.

    groups: (day, channel, metrics) with the engagement inputs summed over the rows of one
    channel; day is None for rows inside the window's own days (always kept), else the row's
    time. A row that a max(a − b, 0) rule could floor at 0 is a group of its own, since such
    rules do not add up across rows. totals: (time, CAMPAIGN_TOTAL_FIELDS values) per entry,
    sorted by time. columns: the engagement inputs any row carries. first_day, last_day: the
    window's own days. Immutable, so one cached value can be shared by every session.
    """

    first_day: date
    last_day: date
    columns: frozenset[str]
    groups: tuple[tuple[pd.Timestamp | None, str, tuple[tuple[str, int], ...]], ...]
    totals: tuple[tuple[pd.Timestamp, tuple[float, ...]], ...]


def campaign_window_sums(body: Any, first_day: date, last_day: date) -> CampaignWindowSums | None:
    """One window's body summed per channel in a single pass, no frames: the rows of
    [first_day, last_day] summed, every other row kept per time.

    None when the body holds anything but the documented shape with plain non-negative
    integer counts and numeric totals (numbers as strings, nulls, floats, negatives, junk):
    the caller then takes the frame path, whose coercion rules this does not repeat.
    """
    split = campaign_window_period_sums(body, ((first_day, last_day),))
    return None if split is None else split[0]


def campaign_window_period_sums(
    body: Any, periods: Sequence[tuple[date, date]]
) -> tuple[CampaignWindowSums, ...] | None:
    """One window's body read once and summed for each of several disjoint periods (the
    compared leaderboard's range and period before, both inside one window's body).

    Element i is ``campaign_window_sums(body, *periods[i])`` less the groups of the other
    periods' rows, so ``campaign_range_sums`` and ``campaign_range_kind_sums`` over any range
    that holds none of the other periods' days give exactly the same numbers (those groups
    lie outside such a range: they were always dropped). Rows in no period are kept per time
    in every element, as there; the totals and the columns are the whole body's, shared.
    None as ``campaign_window_sums`` (the same body refused for every period).
    """
    bounds = [
        (
            pd.Timestamp(first, tz="UTC").value,
            pd.Timestamp(last + timedelta(days=1), tz="UTC").value,
        )
        for first, last in periods
    ]
    ordered = sorted(bounds)
    if any(a[1] > b[0] for a, b in zip(ordered, ordered[1:], strict=False)):
        raise ValueError(f"periods overlap: {periods!r}")
    columns: set[str] = set()
    # (period index or -1, the row's time for rows in no period else None, channel, group id)
    sums: dict[tuple[int, pd.Timestamp | None, str, int], dict[str, int]] = {}
    totals: list[tuple[pd.Timestamp, tuple[float, ...]]] = []
    inputs = ENGAGEMENT_INPUTS
    kinds: dict[str, tuple[tuple[tuple[str, str], ...], bool]] = {}
    day: pd.Timestamp | None
    for stamp, entry in last_per_time(data_list(body)):
        nanos = stamp.value
        period, day = -1, stamp  # in no period: kept per time
        for i, (first_ns, after_ns) in enumerate(bounds):
            if first_ns <= nanos < after_ns:
                period, day = i, None
                break
        row: list[float] = []
        for name in CAMPAIGN_TOTAL_FIELDS:  # a plain int or finite float, read as the totals frame would (per entry and field: inline)
            value = entry.get(name, 0)
            kind = type(value)
            if kind is int or (kind is float and math.isfinite(value)):
                row.append(float(value))
            elif isinstance(value, dict | list):
                row.append(0.0)  # containers are not totals: the frame skips them (→ 0)
            else:
                return None
        totals.append((stamp, tuple(row)))
        messages = entry.get("messages")
        if not isinstance(messages, Mapping):
            if messages is None:
                continue
            return None
        for raw_channel, items in messages.items():
            if not isinstance(raw_channel, str) or not isinstance(items, list):
                return None
            channel = raw_channel or "(default)"
            known = kinds.get(channel)
            if known is None:
                known = kinds[channel] = (floor_pairs(channel), channel_kind(channel) == "push")
            pairs, push = known
            shared = (period, day, channel, 0)
            for item in items:  # the hot loop: plain loops, no per-value function calls
                if type(item) is not dict:
                    return None
                key = shared
                try:  # a value that does not compare is refused below anyway
                    for a, b in pairs:
                        if item.get(a, 0) < item.get(b, 0):
                            key = (period, day, channel, len(sums) + 1)
                            break
                except TypeError:
                    return None
                group = sums.get(key)
                if group is None:
                    group = sums[key] = {}
                get = group.get
                for k, v in item.items():  # checked while summed: one bad value refuses the body
                    if k in inputs:
                        if type(v) is not int or not 0 <= v <= _MAX_COUNT:
                            return None
                        group[k] = get(k, 0) + v
                if push and "delivered" not in item:  # as the flattening derives it
                    derived = max(item.get("sent", 0) - item.get("bounces", 0), 0)
                    group["delivered"] = get("delivered", 0) + derived
    for group in sums.values():  # every input any row used is a key of its group
        columns.update(group)
    shared_columns, shared_totals = frozenset(columns), tuple(totals)
    return tuple(
        CampaignWindowSums(
            first_day=first,
            last_day=last,
            columns=shared_columns,
            groups=tuple(
                (d, c, tuple(m.items())) for (p, d, c, _), m in sums.items() if p in (i, -1)
            ),
            totals=shared_totals,
        )
        for i, (first, last) in enumerate(periods)
    )


def campaign_range_sums(
    windows: Sequence[CampaignWindowSums], start: date, end: date
) -> dict[str, float | None] | None:
    """Engagement (ENGAGEMENT_COLUMNS) and CAMPAIGN_TOTAL_FIELDS totals over [start, end].

    Exactly what summing ``engagement_frame`` of the stitched long frame, and the stitched
    totals frame, per column gives (NA skipped; None when nothing is left): columns a window
    lacks are NA for its rows, as after ``pd.concat``; totals are summed by numpy in time
    order. None when a sum would pass 2**53 (no longer exact) or a window reaches outside
    [start, end] (its own days are never trimmed here): take the frame path then.
    """
    by_kind = campaign_range_kind_sums(windows, start, end)
    if by_kind is None:
        return None
    engagement: list[int | None] = [None] * len(ENGAGEMENT_COLUMNS)
    for values in by_kind.values():
        for i, value in enumerate(values):
            if value is not None:
                so_far = engagement[i]
                engagement[i] = value if so_far is None else so_far + value
    if any(v is not None and v >= _EXACT_LIMIT for v in engagement):
        return None
    out: dict[str, float | None] = {
        name: None if value is None else float(value)
        for name, value in zip(ENGAGEMENT_COLUMNS, engagement, strict=True)
    }
    first = pd.Timestamp(start, tz="UTC")
    after = pd.Timestamp(end + timedelta(days=1), tz="UTC")
    kept = [row for window in windows for stamp, row in window.totals if first <= stamp < after]
    for i, name in enumerate(CAMPAIGN_TOTAL_FIELDS):
        out[name] = float(np.array([r[i] for r in kept], dtype=np.float64).sum()) if kept else None
    return out


def campaign_range_kind_sums(
    windows: Sequence[CampaignWindowSums], start: date, end: date
) -> dict[str, tuple[int | None, ...]] | None:
    """ENGAGEMENT_COLUMNS summed per channel kind over [start, end] (None = no row of that
    kind has the concept), exactly as summing ``engagement_frame`` per ``kind`` gives; rates
    are taken per kind, so a rate never divides one channel's opens by another's deliveries.
    None when a window reaches outside [start, end]: take the frame path then."""
    if any(w.first_day < start or w.last_day > end for w in windows):
        return None
    first = pd.Timestamp(start, tz="UTC")
    after = pd.Timestamp(end + timedelta(days=1), tz="UTC")
    union = frozenset().union(*(w.columns for w in windows))
    sums: dict[str, list[int | None]] = {}
    for window in windows:
        missing = dict.fromkeys(union - window.columns)
        for day, channel, metrics in window.groups:
            if day is not None and not first <= day < after:
                continue
            values = engagement_values(channel, {**dict(metrics), **missing}, union)
            kind = sums.setdefault(channel_kind(channel), [None] * len(ENGAGEMENT_COLUMNS))
            for i, value in enumerate(values):
                if value is not None:
                    so_far = kind[i]
                    kind[i] = value if so_far is None else so_far + value
    return {kind: tuple(values) for kind, values in sums.items()}
