"""The overview ("What changed") page's data: KPI anomalies, top movers and launches.

Everything is read through the other pages' cached loaders, with the same requests they send.
Every compared loader fetches the "span" (the period before + the range, laid out in windows
from the range's end: ``dashboard.data.comparison``), so both periods come from one set of
requests (one per item for ranges of up to 50 days; Canvases: one per 14 days of the span):

- KPIs: ``load_kpi_page`` (the range and the period before it), as the KPI page;
- campaigns: the list and ``load_compared_rows`` per campaign, as the Campaigns leaderboard
  (its default: the ``RANKED_CAMPAIGNS`` most recently edited), whose "Sent · period before"
  column reads the same rows; launches from the days with activity in the same bodies;
- Canvases: the list and ``load_compared_days``, as the Canvases leaderboard; launches from
  the days with entries in them;
- products: ``compared_series`` of each product's revenue, as the revenue page's table;
- custom events: ``compared_series`` per event, as the events page's every-event table.

So after those pages the overview sends nothing; opened first, it loads what they will use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboard.cache import cached, series_kind
from dashboard.data import campaigns as campaign_data
from dashboard.data import canvases as canvas_data
from dashboard.data import comparison
from dashboard.data.common import EVENTS, REVENUE, LoadResult, fan_out
from dashboard.data.events import MAX_TABLE_EVENTS, load_event_names
from dashboard.data.kpi_anomalies import KpiAnomalies, load_kpi_anomalies
from dashboard.data.kpis import KpiPage, load_kpi_page
from dashboard.data.revenue import load_products
from dashboard.display import delta_text
from dashboard.filters import Filters, utc_today
from dashboard.insights import launches as launch_rules
from dashboard.insights.anomalies import Anomaly
from dashboard.insights.launches import Launch
from dashboard.insights.movers import Item, Mover, Movers, rank
from dashboard.safe_csv import to_csv_bytes
from dashboard.settings import Workspace

RANKED_CAMPAIGNS = 250  # as the Campaigns page ranks by default: the most recently edited
MAX_EVENTS = MAX_TABLE_EVENTS  # custom events compared (in name order), as the events page
Progress = Callable[[int, int], None]

#: kind -> (title, what the volume counts, page url_path, the page's selection parameter)
KINDS: Mapping[str, tuple[str, str, str, str]] = {
    "campaign": ("Campaigns", "messages sent", "campaigns", "campaign_id"),
    "canvas": ("Canvases", "entries", "canvases", "canvas_id"),
    "event": ("Custom events", "events", "events", "event"),
    "product": ("Products", "revenue (USD)", "revenue", "product"),
}


@dataclass(frozen=True)
class OverviewPage:
    """Everything the overview draws; each part carries its own error instead of failing all."""

    filters: Filters
    kpis: KpiPage
    anomalies: KpiAnomalies
    movers: Mapping[str, Movers] = field(default_factory=dict)
    mover_errors: Mapping[str, BaseException] = field(default_factory=dict)
    launches: tuple[Launch, ...] = ()
    launch_errors: Mapping[str, BaseException] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def nothing_unusual(self) -> bool:
        """No flagged day, no mover, no launch, and nothing failed (so "nothing" is known)."""
        return (
            not self.anomalies.all()
            and not self.launches
            and all(m.is_empty for m in self.movers.values())
            and not self.anomalies.errors
            and not self.mover_errors
            and not self.launch_errors
        )

    @property
    def errors(self) -> dict[str, BaseException]:
        out: dict[str, BaseException] = {}
        out.update({f"the {m} series": e for m, e in self.anomalies.errors.items()})
        out.update({f"the {KINDS[k][0].lower()}": e for k, e in self.mover_errors.items()})
        out.update({f"the {k} launches": e for k, e in self.launch_errors.items()})
        return out


# ---- links -------------------------------------------------------------------------------


def link(url_path: str, view: Mapping[str, str], selection: Mapping[str, str] | None = None) -> str:
    """A relative link to a page with the sidebar's view (``range``, ``app``, ...) and a
    selection, every value percent-encoded."""
    query = {**dict(selection or {}), **dict(view)}
    return f"/{url_path}?{urlencode(query)}" if query else f"/{url_path}"


def mover_link(mover: Mover, view: Mapping[str, str]) -> str:
    _, _, path, param = KINDS[mover.kind]
    return link(path, view, {param: mover.item_id})


def launch_link(launch: Launch, view: Mapping[str, str]) -> str:
    _, _, path, param = KINDS[launch.kind]
    return link(path, view, {param: launch.item_id})


# ---- the findings as one table (CSV) -------------------------------------------------------


FINDING_COLUMNS = (
    "finding",
    "kind",
    "name",
    "day",
    "value",
    "compared_with",
    "change",
    "relative_change",
    "explanation",
    "link",
)


def mover_sentence(mover: Mover, measure: str) -> str:
    what = KINDS[mover.kind][0][:-1].lower() if mover.kind != "canvas" else "Canvas"
    name = f"{what.capitalize() if what != 'Canvas' else what} “{mover.name}”"
    if mover.status == "new":
        return f"{name} is new: {mover.current:,.0f} {measure}, nothing the period before."
    if mover.status == "stopped":
        return f"{name} stopped: nothing this period, {mover.previous:,.0f} {measure} before."
    rel = mover.relative
    pct = f" ({delta_text(rel)})" if rel is not None else ""
    return (
        f"{name}: {mover.current:,.0f} {measure}, {mover.change:+,.0f}{pct} against "
        f"{mover.previous:,.0f} the period before."
    )


def findings_table(page: OverviewPage, view: Mapping[str, str]) -> pd.DataFrame:
    """Every finding as one row: anomalies, launches, then movers per kind."""
    rows: list[dict[str, Any]] = []
    for a in page.anomalies.all():
        rows.append(
            {
                "finding": f"unusual {a.direction}",
                "kind": "KPI",
                "name": a.label,
                "day": a.day.isoformat(),
                "value": a.value,
                "compared_with": a.expected,
                "change": a.value - a.expected,
                "relative_change": a.change,
                "explanation": a.sentence(),
                "link": link("kpis", view),
            }
        )
    for launch in page.launches:
        rows.append(
            {
                "finding": f"{launch.event} sending",
                "kind": launch.kind,
                "name": launch.name,
                "day": launch.day.isoformat(),
                "explanation": launch.sentence(),
                "link": launch_link(launch, view),
            }
        )
    labels = {"up": "top riser", "down": "top faller", "new": "new", "stopped": "stopped"}
    for kind, movers in page.movers.items():
        for m in movers.all():
            rows.append(
                {
                    "finding": labels[m.status],
                    "kind": kind,
                    "name": m.name,
                    "value": m.current,
                    "compared_with": m.previous,
                    "change": m.change,
                    "relative_change": m.relative,
                    "explanation": mover_sentence(m, movers.measure),
                    "link": mover_link(m, view),
                }
            )
    table = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    for name in ("value", "compared_with", "change", "relative_change"):
        table[name] = pd.to_numeric(table[name], errors="coerce").astype("float64").round(4)
    for name in ("finding", "kind", "name", "day", "explanation", "link"):
        table[name] = table[name].astype("string")
    return table


def _signature(page: OverviewPage) -> tuple[Any, ...]:
    """What the findings are made of, as plain values (cheap: a few dozen findings)."""
    return (
        tuple((a.metric, a.day.isoformat(), a.value, a.expected) for a in page.anomalies.all()),
        tuple((x.kind, x.item_id, x.name, x.event, x.day.isoformat()) for x in page.launches),
        tuple(
            (m.kind, m.item_id, m.name, m.current, m.previous, m.status)
            for movers in page.movers.values()
            for m in movers.all()
        ),
        tuple((k, m.measure) for k, m in page.movers.items()),
    )


def findings_csv(ws: Workspace, page: OverviewPage, view: Mapping[str, str]) -> bytes:
    """``findings_table`` as formula-safe CSV bytes; built once per complete page and view
    (40 ms a rerun otherwise), never cached for a page with a failed part."""
    build = lambda: to_csv_bytes(findings_table(page, view))  # noqa: E731
    if page.errors:
        return build()
    f = page.filters
    params = {
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "comparison": f.comparison,
        "app_id": f.app_id,
        "view": sorted(view.items()),
        "findings": _signature(page),  # by content: a reloaded page never gets an old file
    }
    return cached(
        ws.fingerprint, "overview.findings_csv", params, build, series_kind(f.end, utc_today())
    )


# ---- loading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    kind: str
    item_id: str


@dataclass(frozen=True)
class _Volumes:
    """One item's volume in the range and the period before, and (campaigns, Canvases) the
    days it was active over both, for launches."""

    current: float
    previous: float
    active: tuple[date, ...] | None = None


def _names(frame: pd.DataFrame) -> dict[str, str]:
    return {
        str(i): str(n) if n is not None and not pd.isna(n) else str(i)
        for i, n in zip(frame["id"], frame["name"], strict=True)
    }


def _volumes(ws: Workspace, filters: Filters, task: _Task) -> _Volumes:
    """The item's two volumes, read through the loader of its own page (same requests)."""
    before = comparison.previous(filters)
    whole = comparison.span(filters)
    if task.kind == "campaign":
        now, then = campaign_data.load_compared_rows(
            ws, task.item_id, filters.start, filters.end, filters.comparison
        )
        active = campaign_data.load_active_days(
            ws, task.item_id, whole.start, whole.end, windows_of=(whole.start, whole.end)
        )
        return _Volumes(campaign_data.sent_volume(now), campaign_data.sent_volume(then), active)
    if task.kind == "canvas":
        days = canvas_data.load_compared_days(
            ws, task.item_id, filters.start, filters.end, filters.comparison
        )
        return _Volumes(
            canvas_data.sum_days(days, filters.start, filters.end)["entries"],
            canvas_data.sum_days(days, before.start, before.end)["entries"],
            canvas_data.active_days(days, whole.start, whole.end),
        )
    if task.kind == "event":  # as the events page's every-event table (the same totals)
        totals = comparison.compared_totals(
            ws, EVENTS, "count", filters, event=task.item_id, app_id=filters.app_id
        )
    else:  # as the revenue page's product table
        totals = comparison.compared_totals(
            ws, REVENUE, "revenue", filters, product=task.item_id, app_id=filters.app_id
        )
    return _Volumes(totals[0] or 0.0, totals[1] or 0.0)


def _fetch_overview(ws: Workspace, filters: Filters, on_progress: Progress | None) -> OverviewPage:
    kpis = load_kpi_page(ws, filters)
    anomalies = load_kpi_anomalies(ws, filters, kpis)

    names: dict[str, dict[str, str]] = {}
    mover_errors: dict[str, BaseException] = {}
    notes: list[str] = []
    lists: dict[str, Callable[[], dict[str, str]]] = {
        "campaign": lambda: _names(
            campaign_data.load_campaigns(ws, include_archived=False).head(RANKED_CAMPAIGNS)
        ),
        "canvas": lambda: _names(canvas_data.load_canvas_list(ws, include_archived=False)),
        "event": lambda: {e: e for e in load_event_names(ws)},
        "product": lambda: {p: p for p in load_products(ws)},
    }
    for result in fan_out(lambda kind: lists[kind](), list(lists)):
        if result.error is not None:
            mover_errors[result.item] = result.error
        else:
            names[result.item] = result.unwrap()
    if len(names.get("event", {})) > MAX_EVENTS:
        count = len(names["event"])
        names["event"] = dict(list(names["event"].items())[:MAX_EVENTS])
        notes.append(
            f"Custom events: the first {MAX_EVENTS:,} of {count:,} (in name order) are compared."
        )

    tasks = [_Task(kind, item_id) for kind, items in names.items() for item_id in items]
    results = fan_out(lambda t: _volumes(ws, filters, t), tasks, on_progress=on_progress)
    by_task: dict[_Task, LoadResult[_Task, _Volumes]] = {r.item: r for r in results}

    movers: dict[str, Movers] = {}
    for kind, items in names.items():
        failed = [by_task[t] for t in tasks if t.kind == kind and by_task[t].error is not None]
        if failed and len(failed) == len(items):
            mover_errors[kind] = failed[0].error  # type: ignore[assignment]
            continue
        if failed:
            notes.append(f"{KINDS[kind][0]}: {len(failed):,} could not be loaded and are left out.")
        ok = []
        for item_id, name in items.items():
            loaded = by_task[_Task(kind, item_id)]
            if loaded.ok:
                volumes = loaded.unwrap()
                ok.append(Item(item_id, name, volumes.current, volumes.previous))
        movers[kind] = rank(kind, KINDS[kind][1], ok)

    launches, launch_errors = _launches(filters, names, by_task)
    return OverviewPage(
        filters=filters,
        kpis=kpis,
        anomalies=anomalies,
        movers=MappingProxyType(movers),
        mover_errors=MappingProxyType(mover_errors),
        launches=launches,
        launch_errors=MappingProxyType(launch_errors),
        notes=tuple(notes),
    )


def _launches(
    filters: Filters,
    names: Mapping[str, Mapping[str, str]],
    volumes: Mapping[_Task, LoadResult],
) -> tuple[tuple[Launch, ...], dict[str, BaseException]]:
    """Campaigns and Canvases that started or stopped, from their days with activity over the
    period before and the range (read with their volumes: no request of their own)."""
    before = comparison.previous(filters)
    errors: dict[str, BaseException] = {}
    found: list[Launch] = []
    for task, result in volumes.items():
        if task.kind not in ("campaign", "canvas"):
            continue
        if result.error is not None:
            errors.setdefault(task.kind, result.error)
            continue
        found.extend(
            launch_rules.from_active_days(
                task.kind,
                task.item_id,
                names[task.kind][task.item_id],
                result.unwrap().active or (),
                filters.start,
                filters.end,
                before.start,
            )
        )
    found.sort(key=lambda x: (x.day, x.kind, x.name.casefold()))
    return tuple(found), errors


@dataclass(frozen=True)
class Launches:
    """The range's launches and stops, and what failed to load (per kind)."""

    launches: tuple[Launch, ...]
    errors: Mapping[str, BaseException]


def load_launches(
    ws: Workspace, filters: Filters, *, on_progress: Progress | None = None
) -> Launches:
    """Launches alone (the KPI page's charts): the campaigns and Canvases the overview ranks,
    read through the same loaders, so after the overview, the Campaigns or the Canvases page
    this sends nothing; cached when nothing failed."""

    def fetch() -> Launches:
        names: dict[str, dict[str, str]] = {}
        errors: dict[str, BaseException] = {}
        lists: dict[str, Callable[[], dict[str, str]]] = {
            "campaign": lambda: _names(
                campaign_data.load_campaigns(ws, include_archived=False).head(RANKED_CAMPAIGNS)
            ),
            "canvas": lambda: _names(canvas_data.load_canvas_list(ws, include_archived=False)),
        }
        for result in fan_out(lambda kind: lists[kind](), list(lists)):
            if result.error is not None:
                errors[result.item] = result.error
            else:
                names[result.item] = result.unwrap()
        tasks = [_Task(kind, item_id) for kind, items in names.items() for item_id in items]
        results = fan_out(lambda t: _volumes(ws, filters, t), tasks, on_progress=on_progress)
        found, failed = _launches(filters, names, {r.item: r for r in results})
        errors.update(failed)
        if errors:
            raise _PartialLaunches(Launches(found, MappingProxyType(errors)))
        return Launches(found, MappingProxyType({}))

    params = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    try:
        return cached(
            ws.fingerprint,
            "overview.launches",
            params,
            fetch,
            series_kind(filters.end, utc_today()),
        )
    except _PartialLaunches as partial:
        return partial.launches


class _PartialLaunches(Exception):
    def __init__(self, launches: Launches) -> None:
        super().__init__("some launches failed to load")
        self.launches = launches


class _Partial(Exception):
    """Carries a page with a failed part out of the cache's fetch, so it is not cached."""

    def __init__(self, page: OverviewPage) -> None:
        super().__init__("part of the overview failed to load")
        self.page = page


def load_overview(
    ws: Workspace, filters: Filters, *, on_progress: Progress | None = None
) -> OverviewPage:
    """The overview for the sidebar's range against the period before (see the module doc).

    The finished page is cached (only when nothing failed), so a warm rerun is one lookup.
    """
    params = {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "comparison": filters.comparison,
        "app_id": filters.app_id,
    }

    def fetch() -> OverviewPage:
        page = _fetch_overview(ws, filters, on_progress)
        if page.errors:
            raise _Partial(page)
        return page

    try:
        return cached(
            ws.fingerprint, "overview.page", params, fetch, series_kind(filters.end, utc_today())
        )
    except _Partial as partial:
        return partial.page


def chart_flags(anomalies: Sequence[Anomaly]) -> tuple[tuple[str, float, str], ...]:
    """Flags as the KPI charts take them: (ISO day, value, sentence)."""
    return tuple((a.day.isoformat(), a.value, a.sentence()) for a in anomalies)


def chart_launches(launches: Sequence[Launch]) -> tuple[tuple[str, str], ...]:
    """Launches as the KPI charts take them: (ISO day, sentence)."""
    return tuple((x.day.isoformat(), x.sentence()) for x in launches)
