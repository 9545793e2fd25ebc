"""The Canvases page's data: the list, a leaderboard, one Canvas's details, series and summary.

Braze answers one ``/canvas/data_series`` or ``/canvas/data_summary`` call for at most 14 days,
so every range is fetched as back-to-back 14-day windows (``day_windows``), each cached on its
own, and stitched here: no gap, no day twice. For ranges longer than 14 days the summary is the
sum of the per-window summaries (every Canvas summary metric — entries, conversions, revenue —
is a count or an amount, so adding windows is exact).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd

from braze_api import frames
from braze_api.frames import CANVAS_METRICS as CANVAS_METRICS  # re-exported for the Canvases page
from braze_api.frames import CanvasFrames
from dashboard import metrics
from dashboard.budget_guard import BudgetPlan, plan_fetch
from dashboard.cache import missing, series_kind
from dashboard.data import comparison
from dashboard.data.common import JSON, LoadResult, call, fan_out
from dashboard.filters import Comparison, Filters, utc_today
from dashboard.settings import Workspace, client_for
from dashboard.windows import Window, day_windows

CANVAS_WINDOW_DAYS = 14  # Braze's cap per Canvas series/summary call
LIST_COLUMNS: tuple[str, ...] = ("id", "name", "tags", "last_edited")
Progress = Callable[[int, int], None]

# Identity columns per CanvasFrames member: a row is unique per (time, these).
_KEYS: Mapping[str, tuple[str, ...]] = {
    "totals": (),
    "variants": ("variant_id",),
    "steps": ("step_id",),
    "step_channels": ("step_id", "channel", "variation_name"),
}


# ---- list ------------------------------------------------------------------------------


def canvas_list_frame(body: Any) -> pd.DataFrame:
    """``/canvas/list`` → id, name, tags (list), tags_text, last_edited (UTC)."""
    table = frames.items_frame(body, columns=LIST_COLUMNS, extra=True)
    table["last_edited"] = pd.to_datetime(table["last_edited"], utc=True, errors="coerce")
    table["name"] = table["name"].fillna(table["id"])
    return table


def load_canvas_list(ws: Workspace, *, include_archived: bool = False) -> pd.DataFrame:
    """Every Canvas (all pages), archived ones only when asked."""
    return call(
        ws,
        "canvas.list",
        {"include_archived": include_archived},
        lambda: canvas_list_frame(client_for(ws).canvas.list(include_archived=include_archived)),
        "list",
    )


def filter_canvases(
    canvases: pd.DataFrame, search: str = "", tags: Sequence[str] = ()
) -> pd.DataFrame:
    """Canvases whose name or id contains ``search`` and that carry any of ``tags``."""
    keep = pd.Series(True, index=canvases.index)
    needle = (search or "").strip().casefold()
    if needle:
        names = canvases["name"].fillna("").str.casefold()
        ids = canvases["id"].fillna("").str.casefold()
        keep &= names.str.contains(needle, regex=False) | ids.str.contains(needle, regex=False)
    if tags:
        wanted = set(tags)
        keep &= canvases["tags"].map(lambda row: bool(wanted & set(row or [])))
    return canvases[keep].reset_index(drop=True)


def default_canvas(canvases: pd.DataFrame) -> str | None:
    """The Canvas opened when none is chosen: the most recently edited one.

    Decided by the list alone, never by which stats loaded, so a failed load cannot change it.
    """
    if canvases.empty:
        return None
    edited = pd.to_datetime(canvases["last_edited"], utc=True, errors="coerce")
    order = edited.reset_index(drop=True).sort_values(
        ascending=False, kind="stable", na_position="last"
    )
    return str(canvases["id"].iloc[order.index[0]])


# ---- windows, stitching and sums -------------------------------------------------------


def canvas_windows(start: date, end: date) -> list[Window]:
    """The back-to-back windows (≤ 14 days each, oldest first) covering [start, end]."""
    return day_windows(start, end, CANVAS_WINDOW_DAYS)


def window_params(window: Window) -> dict[str, Any]:
    """The window part of a Canvas request: ``ending_at`` (required) and ``length``."""
    return {"ending_at": window.ending_at.isoformat(), "length": window.length}


def _stitch_one(
    parts: list[pd.DataFrame], keys: tuple[str, ...], start: date, end: date
) -> pd.DataFrame | None:
    parts = [p for p in parts if p is not None and not p.empty]
    if not parts:
        return None
    joined = pd.concat(parts, ignore_index=True)
    joined = joined.drop_duplicates(subset=["time", *keys], keep="last")
    days = joined["time"].dt.date
    joined = joined[(days >= start) & (days <= end)]
    return joined.sort_values(["time", *keys], kind="stable").reset_index(drop=True)


def stitch_canvas(parts: Iterable[CanvasFrames], start: date, end: date) -> CanvasFrames:
    """Concatenate windowed CanvasFrames: each (time, key) once, trimmed to [start, end]."""
    parts = list(parts)
    out = {}
    for name, keys in _KEYS.items():
        pieces = [getattr(p, name) for p in parts]
        stitched = _stitch_one(pieces, keys, start, end)
        if stitched is None:  # keep the typed empty frame the pivot produced
            empty = next((p for p in pieces if p is not None), None)
            stitched = empty.iloc[0:0] if empty is not None else pd.DataFrame({"time": []})
        out[name] = stitched
    return CanvasFrames(**out)


def _numeric(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _sum_by(frame: pd.DataFrame, keys: list[str], names: list[str]) -> pd.DataFrame:
    """Sum every numeric column per key; name columns keep their last value."""
    if frame.empty:
        return frame.drop(columns="time", errors="ignore").iloc[0:0].reset_index(drop=True)
    grouped = frame.groupby(keys, sort=False, dropna=False)
    sums = grouped[_numeric(frame)].sum(min_count=0)
    labels = grouped[names].last() if names else None
    out = sums if labels is None else labels.join(sums)
    return out.reset_index()


def total_row(totals: pd.DataFrame) -> dict[str, float]:
    """The range's Canvas totals (entries, conversions, …, revenue) from a totals frame."""
    row = {m: float(totals[m].sum()) if m in totals else 0.0 for m in CANVAS_METRICS}
    row["revenue"] = round(row["revenue"], 2)  # cents: float sums drift in the 10th decimal
    return row


def variant_totals(variants: pd.DataFrame) -> pd.DataFrame:
    """Per variant over the range: entries, conversions, revenue and conversion rate."""
    out = _sum_by(variants, ["variant_id"], ["variant_name"])
    if out.empty:
        return out
    out["conversion_rate"] = metrics.canvas_conversion_rate(out["conversions"], out["entries"])
    return out


def sum_summaries(parts: Iterable[CanvasFrames]) -> CanvasFrames:
    """Add up per-window ``/canvas/data_summary`` rollups into one for the whole range."""
    parts = [p for p in parts if p is not None]

    def cat(name: str) -> pd.DataFrame:
        pieces = [getattr(p, name) for p in parts if not getattr(p, name).empty]
        if not pieces:
            empty = [getattr(p, name) for p in parts]
            return empty[0].iloc[0:0] if empty else pd.DataFrame()
        return pd.concat(pieces, ignore_index=True)

    totals = cat("totals")
    summed_totals = pd.DataFrame([total_row(totals)]) if parts else totals
    return CanvasFrames(
        totals=summed_totals,
        variants=_sum_by(cat("variants"), ["variant_id"], ["variant_name"]),
        steps=_sum_by(cat("steps"), ["step_id"], ["step_name"]),
        step_channels=_sum_by(
            cat("step_channels"), ["step_id", "channel", "variation_name"], ["step_name"]
        ),
    )


def daily_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """Stitched totals as a spreadsheet reads them: ``date`` then the four metrics."""
    out = pd.DataFrame({"date": totals["time"].dt.tz_convert("UTC").dt.date.astype(str)})
    for m in CANVAS_METRICS:
        out[m] = totals.get(m, 0)
    return out.reset_index(drop=True)


def daily_variants(variants: pd.DataFrame) -> pd.DataFrame:
    """Stitched per-variant series with a ``date`` column in place of ``time``."""
    out = variants.copy()
    out.insert(0, "date", out.pop("time").dt.date.astype(str))
    return out


def daily_step_channels(step_channels: pd.DataFrame) -> pd.DataFrame:
    """Stitched per-step-per-channel message stats with a ``date`` column."""
    return daily_variants(step_channels)


# ---- steps -----------------------------------------------------------------------------


STEP_STAT_COLUMNS: tuple[str, ...] = (
    "unique_recipients",
    "conversions",
    "conversions_by_entry_time",
    "revenue",
)


def step_table(details_steps: pd.DataFrame | None, steps: pd.DataFrame) -> pd.DataFrame:
    """One row per step: its place in the journey plus its own range totals.

    Revenue and conversions come from the step's own stats (never summed over channels).
    Steps with stats but absent from the details (deleted steps, or every step when the
    details failed to load: pass None) are kept, marked deleted.
    """
    if details_steps is None:
        details_steps = frames.canvas_steps_frame({})
    totals = _sum_by(steps, ["step_id"], ["step_name"]) if not steps.empty else None
    wanted = ["step_id", "step_name", "type", "channels_text", "next_paths_text", "depth"]
    layout = details_steps[[c for c in wanted if c in details_steps]].copy()
    layout["deleted"] = False
    if totals is None:
        table = layout.copy()
        for column in STEP_STAT_COLUMNS:
            table[column] = pd.Series([pd.NA] * len(table), dtype="Int64")
        table["revenue"] = table["revenue"].astype("float64")
    else:
        keep = ["step_id", *[c for c in STEP_STAT_COLUMNS if c in totals]]
        table = layout.merge(totals[keep], on="step_id", how="outer", indicator=True)
        missing = table["_merge"] == "right_only"
        names = totals.set_index("step_id")["step_name"]
        table.loc[missing, "step_name"] = table.loc[missing, "step_id"].map(names)
        table.loc[missing, "deleted"] = True
        table = table.drop(columns="_merge")
    table["deleted"] = table["deleted"].astype("boolean")
    order = pd.to_numeric(table["depth"], errors="coerce").fillna(10**6)
    table = table.assign(_o=order.to_numpy()).sort_values(["deleted", "_o"], kind="stable")
    return table.drop(columns="_o").reset_index(drop=True)


STEP_CHANNEL_KEYS: tuple[str, ...] = ("step_id", "step_name", "channel", "variation_name")


def step_channel_table(step_channels: pd.DataFrame, step_order: Sequence[str] = ()) -> pd.DataFrame:
    """Per (step, channel) over the range: common sent/delivered/opens/clicks and rates.

    Rows follow ``step_order`` (the journey's order) when given. No revenue or conversion
    column: those belong to the step, not to its channels.
    """
    if step_channels.empty:  # same columns as a full table, so the page can drop/rename them
        summed = pd.DataFrame({c: pd.Series([], dtype="str") for c in STEP_CHANNEL_KEYS})
    else:
        labels = [c for c in ("step_name", "is_control") if c in step_channels]
        summed = _sum_by(step_channels, ["step_id", "channel", "variation_name"], labels)
    engaged = frames.engagement_frame(summed)
    out = engaged.drop(columns=["is_control"], errors="ignore")
    # every other stat Braze sent for the channel (influenced opens, bounces, opt-outs, ...)
    for name in _numeric(summed):
        if name not in out.columns:
            out[name] = summed[name].to_numpy()
    if "influenced_opens" in out:  # a push concept: blank, not 0, for the other channels
        push = (out["kind"] == "push").to_numpy(dtype=bool)
        out["influenced_opens"] = out["influenced_opens"].astype("Float64").where(push)
    rates = metrics.row_rates(out, None, None)  # per the row's channel (dashboard.metrics)
    for rate in metrics.ENGAGEMENT_RATES:
        out[rate.key] = rates[rate.key].to_numpy()
        out[rate.key] = out[rate.key].astype("Float64")
    rank = {step_id: i for i, step_id in enumerate(step_order)}
    position = out["step_id"].map(lambda s: rank.get(s, len(rank)))
    out = out.assign(_o=position.to_numpy()).sort_values(["_o", "channel"], kind="stable")
    lead = [c for c in out.columns if c in (*STEP_CHANNEL_KEYS, "kind", *frames.ENGAGEMENT_COLUMNS)]
    lead += ["delivery_rate", "open_rate", "click_rate"]
    rest = [c for c in out.columns if c not in lead and c != "_o"]
    return out[lead + rest].reset_index(drop=True)


def message_totals(step_channels: pd.DataFrame) -> dict[str, float | None]:
    """Sent, opens, influenced opens and clicks over every step and channel (None: no
    channel of the Canvas has the concept). Opens follow the engagement rules (push: Braze's
    opens, not influenced ones, which are counted apart)."""
    engaged = frames.engagement_frame(step_channels)
    out: dict[str, float | None] = {}
    for name in ("sent", "opens", "clicks"):
        values = engaged[name].dropna() if name in engaged else pd.Series([], dtype="float64")
        out[name] = float(values.sum()) if len(values) else None
    influenced = step_channels.get("influenced_opens")
    out["influenced_opens"] = (
        float(pd.to_numeric(influenced, errors="coerce").fillna(0).sum())
        if influenced is not None
        else None
    )
    return out


# ---- details ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CanvasDetails:
    """``/canvas/details`` as the page shows it: facts, steps and variants."""

    canvas_id: str
    name: str
    description: str | None
    created_at: pd.Timestamp | None
    updated_at: pd.Timestamp | None
    first_entry: pd.Timestamp | None
    last_entry: pd.Timestamp | None
    draft: bool
    archived: bool
    schedule_type: str | None
    channels: tuple[str, ...]
    tags: tuple[str, ...]
    steps: pd.DataFrame = field(repr=False)
    variants: pd.DataFrame = field(repr=False)
    enabled: bool | None = None  # Braze's "active or not"; None when not sent
    post_launch_draft: bool = False  # has_post_launch_draft: edits waiting to be launched
    teams: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        if self.draft:
            return "Draft"
        if self.archived:
            return "Archived"
        if self.enabled is False:
            return "Stopped"
        return "Active"


def _time(value: Any) -> pd.Timestamp | None:
    stamp = pd.to_datetime(value, utc=True, errors="coerce") if isinstance(value, str) else None
    return None if stamp is None or pd.isna(stamp) else stamp


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value if v) if isinstance(value, list) else ()


def details_from_body(canvas_id: str, body: Mapping[str, Any]) -> CanvasDetails:
    """Build CanvasDetails from the decoded body (tolerating missing fields)."""
    body = body if isinstance(body, Mapping) else {}
    schedule = body.get("schedule_type")
    description = body.get("description")
    return CanvasDetails(
        canvas_id=canvas_id,
        name=str(body.get("name") or canvas_id),
        description=str(description) if description else None,
        created_at=_time(body.get("created_at")),
        updated_at=_time(body.get("updated_at")),
        first_entry=_time(body.get("first_entry")),
        last_entry=_time(body.get("last_entry")),
        draft=bool(body.get("draft") is True),
        archived=bool(body.get("archived") is True),
        schedule_type=str(schedule) if schedule else None,
        channels=_texts(body.get("channels")),
        tags=_texts(body.get("tags")),
        steps=frames.canvas_steps_frame(body),
        variants=frames.canvas_variants_frame(body),
        enabled=body["enabled"] if isinstance(body.get("enabled"), bool) else None,
        post_launch_draft=body.get("has_post_launch_draft") is True,
        teams=_texts(body.get("teams")),
    )


def load_canvas_details(ws: Workspace, canvas_id: str) -> CanvasDetails:
    details = call(
        ws,
        "canvas.details",
        {"canvas_id": canvas_id},
        lambda: details_from_body(canvas_id, client_for(ws).canvas.details(canvas_id)),
        "details",
    )
    # the cached frames are shared by every session: hand out isolated copies
    return replace(
        details, steps=details.steps.copy(deep=False), variants=details.variants.copy(deep=False)
    )


# ---- series and summary ----------------------------------------------------------------


def _series_window(
    ws: Workspace, canvas_id: str, window: Window, today: date, *, deleted_steps: bool
) -> CanvasFrames:
    """One window of ``/canvas/data_series`` with variant and step breakdowns, as frames."""
    request: JSON = {
        "canvas_id": canvas_id,
        **window_params(window),
        "include_variant_breakdown": True,
        "include_step_breakdown": True,
        "include_deleted_step_data": deleted_steps,
    }
    return call(
        ws,
        "canvas.data_series",
        request,
        lambda: frames.canvas_series_frames(client_for(ws).canvas.data_series(**request)),
        series_kind(window.end, today),
    )


def load_canvas_series(
    ws: Workspace, canvas_id: str, start: date, end: date, *, deleted_steps: bool = False
) -> CanvasFrames:
    """Daily totals, variants, steps and step channels for [start, end], any length."""
    today = utc_today()

    def one(window: Window) -> CanvasFrames:
        return _series_window(ws, canvas_id, window, today, deleted_steps=deleted_steps)

    parts = [r.unwrap() for r in fan_out(one, canvas_windows(start, end), raise_errors=True)]
    return stitch_canvas(parts, start, end)


def _summary_window(
    ws: Workspace, canvas_id: str, window: Window, today: date, *, steps: bool = False
) -> CanvasFrames:
    """One window of ``/canvas/data_summary``. The leaderboard asks without step stats (their
    bodies are large and it needs only totals); the chosen Canvas asks with them (Steps tab,
    message cards), one request per window more for that Canvas alone."""
    request: JSON = {
        "canvas_id": canvas_id,
        **window_params(window),
        "include_variant_breakdown": True,
    }
    if steps:
        request["include_step_breakdown"] = True
    return call(
        ws,
        "canvas.data_summary",
        request,
        lambda: frames.canvas_summary_frames(client_for(ws).canvas.data_summary(**request)),
        series_kind(window.end, today),
    )


def load_canvas_summary(ws: Workspace, canvas_id: str, start: date, end: date) -> CanvasFrames:
    """``/canvas/data_summary`` for [start, end]: one call per 14-day window, summed."""
    today = utc_today()
    results = fan_out(
        lambda w: _summary_window(ws, canvas_id, w, today, steps=True),
        canvas_windows(start, end),
        raise_errors=True,
    )
    return sum_summaries(r.unwrap() for r in results)


DayTotals = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (ISO day, metric sums)


_DAY_TOTALS = "canvas.data_series:daily_totals"  # the leaderboard's cache entries (per window)


def _window_days(ws: Workspace, canvas_id: str, window: Window, today: date) -> DayTotals:
    """One window of ``/canvas/data_series`` without breakdowns (small bodies), kept as the
    per-day totals only, an immutable tuple, so a warm leaderboard only looks them up."""
    request = {"canvas_id": canvas_id, **window_params(window)}

    def days(body: Any) -> DayTotals:
        totals = frames.canvas_series_frames(body).totals
        if totals.empty:
            return ()
        stamps = totals["time"].dt.tz_convert("UTC").dt.date
        out = []
        for i, day in enumerate(stamps):
            sums = tuple(
                (
                    m,
                    float(totals[m].iloc[i])
                    if m in totals and pd.notna(totals[m].iloc[i])
                    else 0.0,
                )
                for m in CANVAS_METRICS
            )
            out.append((day.isoformat(), sums))
        return tuple(out)

    return call(
        ws,
        _DAY_TOTALS,
        request,
        lambda: client_for(ws).canvas.data_series(**request),
        series_kind(window.end, today),
        then=days,
    )


def compared_windows(start: date, end: date, compare: Comparison = "days") -> list[Window]:
    """The 14-day windows over the compared span (period before + range), oldest first: what
    the leaderboard and the overview fetch per Canvas."""
    first, last = comparison.span_days(start, end, compare)
    return canvas_windows(first, last)


def sum_days(parts: Iterable[DayTotals], start: date, end: date) -> dict[str, float]:
    """The metric sums of the days in [start, end] (each day once)."""
    seen: dict[str, tuple[tuple[str, float], ...]] = {}
    first, last = start.isoformat(), end.isoformat()
    for part in parts:
        for day, sums in part:
            if first <= day <= last:
                seen[day] = sums
    out = dict.fromkeys(CANVAS_METRICS, 0.0)
    for sums in seen.values():
        for metric, value in sums:
            out[metric] = out.get(metric, 0.0) + value
    out["revenue"] = round(out["revenue"], 2)  # cents: float sums drift in the 10th decimal
    return out


def active_days(parts: Iterable[DayTotals], start: date, end: date) -> tuple[date, ...]:
    """Days in [start, end] with any entry (the overview's Canvas launches)."""
    first, last = start.isoformat(), end.isoformat()
    return tuple(
        sorted(
            {
                date.fromisoformat(day)
                for part in parts
                for day, sums in part
                if first <= day <= last and dict(sums).get("entries", 0.0) > 0
            }
        )
    )


def load_compared_days(
    ws: Workspace, canvas_id: str, start: date, end: date, compare: Comparison = "days"
) -> list[DayTotals]:
    """One Canvas's per-day totals over the compared span (cached per window)."""
    today = utc_today()
    return [_window_days(ws, canvas_id, w, today) for w in compared_windows(start, end, compare)]


def load_canvas_totals(ws: Workspace, canvas_id: str, start: date, end: date) -> dict[str, float]:
    """One Canvas's totals for [start, end] from the leaderboard's cached days (the windows
    of the span that ends at ``end``)."""
    return sum_days(load_compared_days(ws, canvas_id, start, end), start, end)


@dataclass(frozen=True)
class Leaderboard:
    """Per-Canvas totals for the range; Canvases whose load failed are in ``errors``, those the
    budget guard held back (blank, nothing sent) in ``held``."""

    table: pd.DataFrame
    errors: Mapping[str, BaseException]
    held: tuple[str, ...] = ()


def recent_first(canvases: pd.DataFrame) -> list[int]:
    """Positions of ``canvases``, most recently edited first (the budget guard's priority)."""
    edited = pd.to_datetime(canvases["last_edited"], utc=True, errors="coerce")
    order = edited.reset_index(drop=True).sort_values(
        ascending=False, kind="stable", na_position="last"
    )
    return [int(i) for i in order.index]


def leaderboard_plan(
    ws: Workspace, canvases: pd.DataFrame, start: date, end: date, compare: Comparison = "days"
) -> BudgetPlan:
    """Which Canvases the leaderboard may load now within the dashboard's share of Braze's
    default bucket (``/canvas/data_series`` draws on it): one request per uncached Canvas and
    14-day window of the compared span, most recently edited first. ``now`` / ``held`` are
    positions in ``canvases``.
    """
    windows = compared_windows(start, end, compare)
    ids = [str(i) for i in canvases["id"]]
    params = [{"canvas_id": cid, **window_params(w)} for cid in ids for w in windows]
    gaps = missing(ws.fingerprint, _DAY_TOTALS, params, "series_recent", tier="raw")
    cost = [0] * len(ids)
    for gap in gaps:
        cost[gap // len(windows)] += 1
    priority = recent_first(canvases)
    plan = plan_fetch(ws.fingerprint, "/canvas/data_series", [cost[i] for i in priority])
    return replace(
        plan,
        now=tuple(priority[i] for i in plan.now),
        held=tuple(priority[i] for i in plan.held),
    )


def load_leaderboard(
    ws: Workspace,
    canvases: pd.DataFrame,
    start: date,
    end: date,
    *,
    on_progress: Progress | None = None,
    hold: Collection[int] = (),
    compare: Comparison = "days",
) -> Leaderboard:
    """Entries, conversions and revenue per Canvas, and entries in the period before with the
    change: every (Canvas, 14-day window of the compared span) fetched concurrently; the
    Canvases at the positions in ``hold`` (``leaderboard_plan(...).held``) are not fetched."""
    today = utc_today()
    windows = compared_windows(start, end, compare)
    before = comparison.previous(Filters(start=start, end=end, comparison=compare))
    ids = [str(i) for i in canvases["id"]]
    held = tuple(ids[i] for i in sorted(set(hold)))
    skipped = set(held)
    items = [(cid, w) for cid in ids if cid not in skipped for w in windows]
    results: list[LoadResult] = fan_out(
        lambda item: _window_days(ws, item[0], item[1], today),
        items,
        on_progress=on_progress,
    )
    parts: dict[str, list[DayTotals]] = {cid: [] for cid in ids}
    errors: dict[str, BaseException] = {}
    for result in results:
        cid = result.item[0]
        if result.error is not None:
            errors.setdefault(cid, result.error)
            continue
        parts[cid].append(result.unwrap())
    now = {cid: sum_days(parts[cid], start, end) for cid in ids}
    then = {cid: sum_days(parts[cid], before.start, before.end) for cid in ids}
    table = canvases[["id", "name", "tags_text"]].copy().reset_index(drop=True)
    for metric in CANVAS_METRICS:
        values = [None if cid in errors or cid in skipped else now[cid][metric] for cid in ids]
        table[metric] = pd.Series(values, dtype="float64")
    table["conversion_rate"] = metrics.canvas_conversion_rate(
        table["conversions"], table["entries"]
    )
    entries = table["entries"]
    previous = pd.Series(
        [None if cid in errors else then[cid]["entries"] for cid in ids], dtype="float64"
    )
    table["entries_previous"] = previous
    table["entries_change"] = (entries - previous) / previous.where(previous > 0)
    table = table.sort_values("entries", ascending=False, kind="stable", na_position="last")
    return Leaderboard(table=table.reset_index(drop=True), errors=errors, held=held)


@dataclass(frozen=True)
class CanvasPage:
    """One Canvas's details, stitched series and summed summary, each loaded independently."""

    canvas_id: str
    filters: Filters
    details: LoadResult
    series: LoadResult
    summary: LoadResult


def load_canvas_page(
    ws: Workspace, canvas_id: str, filters: Filters, *, deleted_steps: bool = False
) -> CanvasPage:
    """Details, series and summary concurrently; a failure stays on its own result."""
    start, end = filters.start, filters.end
    tasks: dict[str, Callable[[], Any]] = {
        "details": lambda: load_canvas_details(ws, canvas_id),
        "series": lambda: load_canvas_series(
            ws, canvas_id, start, end, deleted_steps=deleted_steps
        ),
        "summary": lambda: load_canvas_summary(ws, canvas_id, start, end),
    }
    results = {r.item: r for r in fan_out(lambda name: tasks[name](), list(tasks))}
    return CanvasPage(
        canvas_id=canvas_id,
        filters=filters,
        details=results["details"],
        series=results["series"],
        summary=results["summary"],
    )
