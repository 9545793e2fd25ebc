"""The custom events page's data: event names, analytics segments, event and session series.

Also home to small helpers the revenue page shares (totals, long frames, CSV times); the
range/hour logic itself lives in ``dashboard.data.timeseries``.

Totals and period-over-period changes always come from daily series (UTC days, as Braze
counts them); the hourly view is the same range's days on the sidebar's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from braze_api import BrazeClient
from dashboard.data import comparison
from dashboard.data.common import EVENTS, JSON, KPI_DAU, SESSIONS, LoadResult, call, fan_out
from dashboard.data.definitions import EventCatalog, load_event_catalog
from dashboard.data.segments import load_segments
from dashboard.data.timeseries import (
    HOURLY_MAX_DAYS,
    empty_series,
    format_times,
    percent_change,
    range_series,
    time_column,
)
from dashboard.data.timeseries import total as total  # the revenue page and others share it
from dashboard.filters import Filters
from dashboard.settings import Workspace, client_for

MAX_EVENTS = 10  # events compared on one chart; more is unreadable and many calls
MAX_TABLE_EVENTS = 300  # events in the every-event table (name order); the overview's too
ALL_USERS = "All users"


# ---- helpers the revenue page shares --------------------------------------------------


def long_frame(results: Mapping[str, LoadResult], name: str = "name") -> pd.DataFrame:
    """Loaded series keyed by label -> one long frame ``time``, ``name``, ``value``."""
    parts = [
        r.value.assign(**{name: label})
        for label, r in results.items()
        if r.ok and r.value is not None and not r.value.empty
    ]
    if not parts:
        return empty_series().assign(**{name: pd.Series([], dtype="string")})
    frame = pd.concat(parts, ignore_index=True)
    frame[name] = frame[name].astype("string")
    return frame[["time", name, "value"]]


def errors_of(results: Mapping[str, LoadResult]) -> dict[str, BaseException]:
    return {label: r.error for label, r in results.items() if r.error is not None}


# ---- lists ------------------------------------------------------------------------------


def clean_names(items: Any) -> tuple[str, ...]:
    """Names as Braze lists them, de-duplicated in order; non-strings and blanks dropped."""
    seen: dict[str, None] = {}
    for item in items or ():
        if isinstance(item, str) and item.strip():
            seen.setdefault(item, None)
    return tuple(seen)


def load_names(
    ws: Workspace, endpoint: str, fetch: Callable[[BrazeClient], JSON], key: str
) -> tuple[str, ...]:
    """A cached list of names (every page of ``fetch``'s list), sorted case-insensitively."""
    names = call(ws, endpoint, {}, lambda: clean_names(fetch(client_for(ws)).get(key)), "list")
    return tuple(sorted(names, key=str.casefold))


def load_event_names(ws: Workspace) -> tuple[str, ...]:
    """Every custom event name, sorted case-insensitively: from ``/events`` (50 a page, with
    definitions), or ``/events/list`` (250 a page) where the key lacks ``events.get``."""
    return load_event_catalog(ws).names


DEFINITION_COLUMNS = ("status", "tag_names_text", "included_in_analytics_report", "description")


def with_definitions(totals: pd.DataFrame, catalog: EventCatalog) -> pd.DataFrame:
    """The totals table with each event's description, status and tags (when ``/events``
    answered; names-only catalogues add nothing)."""
    if not catalog.has_definitions:
        return totals
    about = catalog.about(list(totals["event"]))
    about = about[["name", *DEFINITION_COLUMNS]].rename(columns={"name": "event"})
    return totals.merge(about, on="event", how="left")


def default_events(catalog: EventCatalog, limit: int = 1) -> list[str]:
    """What the page opens with when nothing is chosen: the first active event(s) (by name,
    those starting with a letter or digit first) that the workspace includes in its analytics
    report and has described, else reported, else active, else any."""
    table = catalog.frame
    if table.empty:
        return []
    active = table["status"].fillna("Active").astype(str).str.casefold() == "active"
    reported = table["included_in_analytics_report"].fillna(False).astype(bool)
    described = table["description"].fillna("").astype(str).str.strip() != ""
    everything = pd.Series(True, index=table.index)
    for mask in (active & reported & described, active & reported, active, everything):
        names = table.loc[mask, "name"].dropna().astype(str)
        # names starting with a letter or digit first: "-refund" is a poor first impression
        picked = sorted(names, key=lambda n: (not n[:1].isalnum(), n.casefold()))
        if picked:
            return picked[:limit]
    return []


@dataclass(frozen=True)
class Segment:
    segment_id: str
    name: str


@dataclass(frozen=True)
class SegmentChoices:
    """Segments that can filter event/session series, and how many cannot (no analytics)."""

    tracked: tuple[Segment, ...]
    untracked: int


def segment_choices(items: Sequence[Any]) -> SegmentChoices:
    """Split ``/segments/list`` items: Braze only keeps series for analytics-tracked segments."""
    tracked: list[Segment] = []
    untracked = 0
    for item in items:
        if not isinstance(item, Mapping) or not item.get("id"):
            continue
        if item.get("analytics_tracking_enabled") is True:
            tracked.append(Segment(str(item["id"]), str(item.get("name") or item["id"])))
        else:
            untracked += 1
    tracked.sort(key=lambda s: s.name.casefold())
    return SegmentChoices(tuple(tracked), untracked)


def load_segment_choices(ws: Workspace) -> SegmentChoices:
    """All segments (every page), split by analytics tracking."""
    # One loader per cached endpoint: the Segments page caches this same list as a frame.
    return segment_choices(load_segments(ws).to_dict("records"))


# ---- the page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventsPage:
    """Everything the events page draws; each series is a LoadResult (frame or error)."""

    filters: Filters
    unit: str
    events: tuple[str, ...]
    segment_id: str | None
    chart: Mapping[str, LoadResult] = field(default_factory=dict)  # event -> series in ``unit``
    current: Mapping[str, LoadResult] = field(default_factory=dict)  # event -> daily series
    previous: Mapping[str, LoadResult] = field(default_factory=dict)  # event -> daily, before
    sessions: LoadResult | None = None  # in ``unit``, per app and segment
    sessions_daily: LoadResult | None = None
    sessions_previous: LoadResult | None = None
    dau: LoadResult | None = None  # daily, per app (DAU has no segment filter)
    sessions_all_users: LoadResult | None = None  # daily, per app, no segment: pairs with DAU

    def event_series(self) -> pd.DataFrame:
        """The compared events as ``time``, ``event``, ``value`` (chart unit)."""
        return long_frame(self.chart, "event")

    def event_errors(self) -> dict[str, BaseException]:
        return errors_of({**self.chart, **self.current})

    def totals(self) -> pd.DataFrame:
        """Per event: total in the range, in the previous period of the same length, change."""
        rows = []
        for event in self.events:
            now = self.current.get(event)
            before = self.previous.get(event)
            if now is None or not now.ok:
                continue
            previous = total(before.value) if before is not None and before.ok else None
            rows.append((event, total(now.value), previous))
        return compared_totals(rows)

    def sessions_per_dau(self) -> pd.DataFrame:
        """Daily sessions, DAU and their ratio (all users of the app: DAU has no segment)."""
        columns = ["time", "sessions", "dau", "sessions_per_dau"]
        if not (
            self.dau and self.dau.ok and self.sessions_all_users and self.sessions_all_users.ok
        ):
            return pd.DataFrame(columns=columns)
        joined = (
            self.sessions_all_users.unwrap()
            .rename(columns={"value": "sessions"})
            .merge(self.dau.unwrap().rename(columns={"value": "dau"}), on="time", how="inner")
            .sort_values("time")
            .reset_index(drop=True)
        )
        joined["sessions_per_dau"] = joined["sessions"] / joined["dau"].where(joined["dau"] > 0)
        return joined[columns]


def load_events_page(
    ws: Workspace,
    filters: Filters,
    events: Sequence[str],
    *,
    unit: str = "day",
    segment_id: str | None = None,
) -> EventsPage:
    """Load every series the page needs concurrently; failures stay on their own result.

    Each event's daily series covers the range and the period before in one go (the span's
    windows, ``comparison.compared_series``: the requests ``load_event_table`` and the
    overview send).
    """
    events = tuple(dict.fromkeys(events))[:MAX_EVENTS]
    unit = "hour" if unit == "hour" and filters.days <= HOURLY_MAX_DAYS else "day"
    app_seg = {"app_id": filters.app_id, "segment_id": segment_id}
    previous = filters.previous_period()

    tasks: list[tuple[str, str]] = [("compared", e) for e in events]
    if unit == "hour":
        tasks += [("hourly", e) for e in events]
    tasks += [("sessions_daily", ""), ("sessions_previous", ""), ("dau", "")]
    tasks += [("sessions_all_users", "")] if segment_id else []
    tasks += [("sessions_hourly", "")] if unit == "hour" else []

    def run(task: tuple[str, str]) -> Any:  # a frame; (now, before) frames for "compared"
        kind, event = task
        if kind == "compared":
            return comparison.compared_series(ws, EVENTS, "count", filters, event=event, **app_seg)
        if kind == "hourly":
            return range_series(ws, EVENTS, "count", filters, unit="hour", event=event, **app_seg)
        if kind == "dau":
            return range_series(ws, KPI_DAU, "dau", filters, app_id=filters.app_id)
        if kind == "sessions_all_users":
            return range_series(ws, SESSIONS, "sessions", filters, app_id=filters.app_id)
        return range_series(
            ws,
            SESSIONS,
            "sessions",
            previous if kind == "sessions_previous" else filters,
            unit="hour" if kind == "sessions_hourly" else "day",
            **app_seg,
        )

    by_task = {r.item: r for r in fan_out(run, tasks)}

    def period(event: str, i: int) -> LoadResult:
        both = by_task[("compared", event)]
        return both if both.error is not None else LoadResult(both.item, both.unwrap()[i])

    current = {e: period(e, 0) for e in events}
    sessions_daily = by_task[("sessions_daily", "")]
    return EventsPage(
        filters=filters,
        unit=unit,
        events=events,
        segment_id=segment_id,
        chart={e: by_task[("hourly", e)] for e in events} if unit == "hour" else current,
        current=current,
        previous={e: period(e, 1) for e in events},
        sessions=by_task.get(("sessions_hourly", ""), sessions_daily),
        sessions_daily=sessions_daily,
        sessions_previous=by_task[("sessions_previous", "")],
        dau=by_task[("dau", "")],
        sessions_all_users=by_task.get(("sessions_all_users", ""), sessions_daily),
    )


def series_export(frame: pd.DataFrame, name: str, value: str, unit: str) -> pd.DataFrame:
    """A long ``time``/``name``/``value`` count series as people read it in a spreadsheet."""
    return pd.DataFrame(
        {
            time_column(unit): format_times(frame["time"], unit),
            name: frame[name].astype("string"),
            value: frame["value"].round().astype("Int64"),
        }
    ).reset_index(drop=True)


@dataclass(frozen=True)
class EventTable:
    """Every custom event (the first ``MAX_TABLE_EVENTS`` in name order) in the range and
    the period before; ``results`` maps an event to its (total now, total before) or its
    error (``comparison.compared_totals``: None where no day is known)."""

    results: Mapping[str, LoadResult]
    listed: int  # events in the workspace

    def totals(self) -> pd.DataFrame:
        """Per event: total now, in the period before, and the change; largest total first."""
        rows = []
        for event, result in self.results.items():
            if not result.ok:
                continue
            now, before = result.unwrap()
            rows.append((event, now or 0.0, before or 0.0))
        frame = compared_totals(rows)
        return frame.sort_values(["total", "event"], ascending=[False, True]).reset_index(drop=True)

    def errors(self) -> dict[str, BaseException]:
        return errors_of(self.results)


def load_event_table(
    ws: Workspace,
    filters: Filters,
    events: Sequence[str],
    *,
    segment_id: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> EventTable:
    """Every event's daily totals for the range and the period before: one request per event
    for ranges of up to 50 days, the same ones the overview's movers read. Each event's two
    totals are kept beside its series (``comparison.compared_totals``), so a warm table is one
    lookup per event."""
    names = tuple(dict.fromkeys(events))[:MAX_TABLE_EVENTS]

    def one(event: str) -> comparison.Totals:
        return comparison.compared_totals(
            ws, EVENTS, "count", filters, event=event, app_id=filters.app_id, segment_id=segment_id
        )

    # one event first: when Braze refuses it (rate limit, outage), the rest are not sent
    first = fan_out(one, names[:1])
    if first and first[0].error is not None:
        refused: dict[str, LoadResult] = {e: LoadResult(e, error=first[0].error) for e in names}
        return EventTable(results=refused, listed=len(tuple(events)))
    rest = fan_out(one, names[1:], on_progress=on_progress)
    results = {r.item: r for r in (*first, *rest)}
    return EventTable(results=results, listed=len(tuple(events)))


def compared_totals(rows: Iterable[tuple[str, float | None, float | None]]) -> pd.DataFrame:
    """(event, total now, total in the period before) rows as the events tables show them,
    with the relative change (typed: the event as text, the numbers as floats)."""
    records = [
        {
            "event": event,
            "total": current,
            "previous_period": previous,
            "relative_change": percent_change(current, previous),
        }
        for event, current, previous in rows
    ]
    frame = pd.DataFrame(records, columns=["event", "total", "previous_period", "relative_change"])
    frame["event"] = frame["event"].astype("string")
    for column in ("total", "previous_period", "relative_change"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame
