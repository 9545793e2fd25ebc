"""The Campaigns page's data: the campaign list, a per-campaign leaderboard, one campaign in depth.

Every request goes through ``common.call`` (shared cache + per-workspace request gate), cached
per (campaign, window), so a repeat view makes no request. The leaderboard keeps each window
only as per-channel sums (``frames.campaign_window_period_sums``, no per-day frames: this is
CPU on the fan-out's worker threads; one pass per window for both compared periods); the detail view keeps the window's frames, under its own
cache name. Summaries, funnels and tables are pure functions, so they are tested directly.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from braze_api import frames
from braze_api.errors import BrazeError, RateLimitError
from braze_api.frames import (
    CampaignWindowSums,
    campaign_range_kind_sums,
    campaign_range_sums,
    campaign_window_period_sums,
)
from dashboard import metrics
from dashboard.budget_guard import BudgetPlan, plan_fetch
from dashboard.cache import (
    NOT_CACHED,
    Wanted,
    cached,
    cached_many,
    missing,
    read_ahead,
    seconds_left,
    series_kind,
)
from dashboard.data import comparison
from dashboard.data.common import LoadResult, call, fan_out
from dashboard.data.timeseries import percent_change
from dashboard.filters import Comparison, Filters, utc_today
from dashboard.settings import Workspace, client_for
from dashboard.shared_store import codec as shared_codec
from dashboard.traffic import MAX_IN_FLIGHT
from dashboard.windows import Window, day_windows

MAX_SERIES_DAYS = 100  # /campaigns/data_series accepts at most 100 days per request
SEND_DAYS = 14  # Braze keeps send analytics for 14 days
LIST_COLUMNS = ("id", "name", "is_api_campaign", "tags", "last_edited")
API_CHOICES = ("All campaigns", "API campaigns only", "Non-API campaigns only")
CONVERSION_FIELDS = ("conversions", "conversions1", "conversions2", "conversions3")
#: conversions field -> the behavior letter Braze's dashboard shows for it.
CONVERSION_LETTERS: Mapping[str, str] = dict(zip(CONVERSION_FIELDS, "ABCD", strict=True))
ENGAGEMENT = ("sent", "delivered", "opens", "clicks")
LEADERBOARD_COLUMNS: tuple[str, ...] = (
    "campaign_id",
    "name",
    "channels",
    "tags",
    "api_campaign",
    "sent",
    "sent_previous",
    "sent_change",
    "delivered",
    "opens",
    "clicks",
    "unique_recipients",
    *CONVERSION_FIELDS,
    "revenue",
    "delivery_rate",
    "open_rate",
    "click_rate",
    "conversion_rate",
    "status",
    *metrics.PART_COLUMNS,
)
Span = tuple[date, date]  # the days whose ≤100-day windows are fetched (see comparison.py)
_SEND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
SEND_ID_MAX = 128


# ---- the campaign list -------------------------------------------------------------------


def load_campaigns(
    ws: Workspace,
    include_archived: bool = False,
    on_page: Callable[[pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """Every campaign (all pages), most recently edited first. When the list is fetched (not
    cached), ``on_page`` sees each page's campaigns as it arrives (``RowPrefetch.page``)."""

    def page_frame(items: list[Any]) -> None:
        if on_page is not None:
            on_page(frames.items_frame({"campaigns": items}, LIST_COLUMNS, extra=True))

    def fetch() -> pd.DataFrame:
        body = client_for(ws).campaigns.list(include_archived=include_archived, on_page=page_frame)
        return frames.items_frame(body, LIST_COLUMNS, extra=True)

    table = call(
        ws, "campaigns.list", {"include_archived": include_archived}, fetch, "list", tier="derived"
    )
    return table.sort_values("last_edited", ascending=False, na_position="last").reset_index(
        drop=True
    )


def filter_campaigns(
    campaigns: pd.DataFrame,
    search: str = "",
    tags: Sequence[str] = (),
    api_choice: str = API_CHOICES[0],
) -> pd.DataFrame:
    """Name contains ``search`` (case-insensitive, literal), has any of ``tags``, API flag."""
    keep = pd.Series(True, index=campaigns.index)
    needle = (search or "").strip().lower()
    if needle:
        names = campaigns["name"].fillna("").astype(str).str.lower()
        keep &= names.str.contains(needle, regex=False)
    if tags:
        wanted = set(tags)
        keep &= campaigns["tags"].map(lambda t: bool(wanted.intersection(t or [])))
    api_flag = campaigns["is_api_campaign"].fillna(False).astype(bool)
    if api_choice == API_CHOICES[1]:
        keep &= api_flag
    elif api_choice == API_CHOICES[2]:
        keep &= ~api_flag
    return campaigns[keep.astype(bool)].reset_index(drop=True)


# ---- one campaign's series -----------------------------------------------------------------


@shared_codec.register  # frames as Arrow IPC: a replica reads the pivot, it does not redo it
@dataclass(frozen=True)
class CampaignSeries:
    """A campaign's (or send's) series: per (time, channel, variation) rows, per-time totals,
    and every channel the response named (including channels with no rows in the range)."""

    long: pd.DataFrame
    totals: pd.DataFrame
    channels: tuple[str, ...]


def _merge_channels(groups: Iterable[Iterable[Any]]) -> tuple[str, ...]:
    """Every channel named in ``groups``, as text, once each, in order of first appearance."""
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(str(name), None)
    return tuple(seen)


def _channels(body: Any) -> tuple[str, ...]:
    """The channels a series body names, in the order its entries name them."""
    entries = body.get("data", []) if isinstance(body, Mapping) else []
    messages = (entry.get("messages") for entry in entries if isinstance(entry, Mapping))
    return _merge_channels(m for m in messages if isinstance(m, Mapping))


def series_from_body(body: Any) -> CampaignSeries:
    """One ``/campaigns/data_series`` or ``/sends/data_series`` body → CampaignSeries."""
    return CampaignSeries(
        long=frames.campaign_series_frame(body),
        totals=frames.campaign_totals_frame(body),
        channels=_channels(body),
    )


def _trim(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Rows whose UTC day is in [start, end] (compared as timestamps: no per-row dates)."""
    if frame.empty or "time" not in frame:
        return frame.reset_index(drop=True)
    times = frame["time"]
    if times.dt.tz is None:
        times = times.dt.tz_localize("UTC")
    first = pd.Timestamp(start, tz="UTC")
    after = pd.Timestamp(end + timedelta(days=1), tz="UTC")
    keep = ((times >= first) & (times < after)).to_numpy(dtype=bool, na_value=False)
    if keep.all():
        return frame.reset_index(drop=True)
    return frame[keep].reset_index(drop=True)


def combine(parts: Iterable[CampaignSeries], start: date, end: date) -> CampaignSeries:
    """Stitch back-to-back windows and keep only [start, end]."""
    parts = list(parts)
    if not parts:
        parts = [series_from_body({})]

    def joined(name: str) -> pd.DataFrame:
        frames_ = [getattr(p, name) for p in parts]
        filled = [f for f in frames_ if not f.empty]
        if len(filled) > 1:
            return pd.concat(filled, ignore_index=True)
        return filled[0] if filled else frames_[0]

    return CampaignSeries(
        long=_trim(joined("long"), start, end),
        totals=_trim(joined("totals"), start, end),
        channels=_merge_channels(part.channels for part in parts),
    )


_RAW_ENDPOINT = "campaigns.data_series"  # holds the decoded body; derived entries read it
_SERIES_ENDPOINT = "campaigns.data_series:campaign_series"  # holds CampaignSeries
_SUMS_ENDPOINT = "campaigns.data_series:leaderboard_sums"  # holds WindowPeriodSums


def _window_params(campaign_id: str, window: Window) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "length": window.length,
        "ending_at": window.ending_at.isoformat(),
    }


def _window_body(ws: Workspace, campaign_id: str, window: Window, today: date) -> Any:
    """The one cached request per (campaign, window); the leaderboard and the detail view both
    derive from it, so opening a campaign after the leaderboard sends nothing. Read-only."""
    params = _window_params(campaign_id, window)
    return call(
        ws,
        _RAW_ENDPOINT,
        params,
        lambda: client_for(ws).campaigns.data_series(
            campaign_id, length=window.length, ending_at=params["ending_at"]
        ),
        series_kind(window.end, today),
    )


def _window_series(ws: Workspace, campaign_id: str, window: Window, today: date) -> CampaignSeries:
    """The detail view's per-day frames for one window (derived, cached under its own name)."""
    return cached(
        ws.fingerprint,
        _SERIES_ENDPOINT,
        _window_params(campaign_id, window),
        lambda: series_from_body(_window_body(ws, campaign_id, window, today)),
        series_kind(window.end, today),
    )


@dataclass(frozen=True)
class WindowSums:
    """One series window as the leaderboard reads it for one period: the channels the response
    named and its per-channel sums (None when the body needs the frame path's coercion rules)."""

    channels: tuple[str, ...]
    sums: CampaignWindowSums | None


@dataclass(frozen=True)
class WindowPeriodSums:
    """One window's body reduced once for every period read from it (the compared
    leaderboard's range and period before: ``frames.campaign_window_period_sums``)."""

    channels: tuple[str, ...]
    periods: tuple[Span, ...]
    sums: tuple[CampaignWindowSums, ...] | None

    def of(self, period: Span) -> WindowSums:
        sums = None if self.sums is None else self.sums[self.periods.index(period)]
        return WindowSums(channels=self.channels, sums=sums)


def _window_sums(
    ws: Workspace, campaign_id: str, window: Window, today: date, periods: Sequence[Span]
) -> WindowPeriodSums:
    """The leaderboard's one-pass reduction of a window (derived from the same cached body)
    for each of ``periods`` (disjoint days of the window), cached once for all of them."""
    periods = tuple(sorted(set(periods)))
    params = _window_params(campaign_id, window)
    if periods != ((window.start, window.end),):
        params["periods"] = tuple((a.isoformat(), b.isoformat()) for a, b in periods)

    def reduce() -> WindowPeriodSums:
        body = _window_body(ws, campaign_id, window, today)
        return WindowPeriodSums(
            channels=_channels(body),
            periods=periods,
            sums=campaign_window_period_sums(body, periods),
        )

    return cached(  # an intermediate, like the body: the rows are what a repeat view reads
        ws.fingerprint,
        _SUMS_ENDPOINT,
        params,
        reduce,
        series_kind(window.end, today),
        tier="raw",
    )


def _windows(start: date, end: date, windows_of: Span | None) -> list[Window]:
    """The ≤100-day windows laid over ``windows_of`` (default [start, end]) that hold any day
    of [start, end]: the leaderboard lays them over the compared span, so both periods come
    from the same bodies."""
    first, last = windows_of or (start, end)
    return [
        w for w in day_windows(first, last, MAX_SERIES_DAYS) if w.start <= end and w.end >= start
    ]


def load_campaign_series(
    ws: Workspace, campaign_id: str, start: date, end: date, *, windows_of: Span | None = None
) -> CampaignSeries:
    """A campaign's daily series for [start, end], one cached request per ≤100-day window."""
    today = utc_today()
    windows = _windows(start, end, windows_of)
    return combine((_window_series(ws, campaign_id, w, today) for w in windows), start, end)


def load_send_series(ws: Workspace, campaign_id: str, send_id: str) -> CampaignSeries:
    """The last 14 days of one API send (Braze keeps no older send analytics)."""
    send_id = validate_send_id(send_id)
    today = utc_today()
    start = today - timedelta(days=SEND_DAYS - 1)
    params = {
        "campaign_id": campaign_id,
        "send_id": send_id,
        "length": SEND_DAYS,
        "ending_at": f"{today.isoformat()}T23:59:59+00:00",
    }
    series = call(  # only these frames read the body: it goes from bytes to frames, typed
        ws,
        "sends.data_series:campaign_series",
        params,
        lambda: client_for(ws).sends.data_series_frames(
            campaign_id, send_id, length=SEND_DAYS, ending_at=params["ending_at"]
        ),
        "series_recent",
        then=_series_of,
    )
    return combine([series], start, today)


def _series_of(read: frames.SeriesFrames) -> CampaignSeries:
    """What ``series_from_body`` gives for the body the frames were read from."""
    return CampaignSeries(long=read.long, totals=read.totals, channels=read.channels)


def validate_send_id(text: str | None) -> str:
    """A send id as typed, trimmed; ValueError (with a message for the page) if implausible."""
    value = (text or "").strip()
    if not value:
        raise ValueError("Enter a send ID (from the API call that sent the message).")
    if len(value) > SEND_ID_MAX:
        raise ValueError(f"That send ID is too long (at most {SEND_ID_MAX} characters).")
    if not _SEND_ID.match(value):
        raise ValueError(
            "A send ID contains only letters, digits, '-', '_', '.' and ':'. Check for "
            "spaces or quotes copied by accident."
        )
    return value


# ---- summaries -------------------------------------------------------------------------------


def _sum(series: pd.Series | None) -> float | None:
    """Sum ignoring NA; None when there is no value at all (the concept does not apply)."""
    if series is None:
        return None
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        series = pd.to_numeric(series, errors="coerce")
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    values = values[~np.isnan(values)]
    return float(values.sum()) if len(values) else None


_TOTALS = ("unique_recipients", *CONVERSION_FIELDS, "revenue")


def _row_numbers(sums: Mapping[str, float | None], by_kind: metrics.KindSums) -> dict[str, Any]:
    """Engagement sums as they are (None = no channel has the concept; Delivered only over
    the channels whose deliveries count, see ``metrics``), totals (none = 0), then every rate
    with its numerator and denominator: the one place a campaign's numbers are put together."""
    row: dict[str, Any] = {name: sums.get(name) for name in ENGAGEMENT}
    row["delivered"] = metrics.delivered_total(by_kind)
    for name in _TOTALS:
        row[name] = sums.get(name) or 0.0
    row.update(metrics.summary(by_kind, row["conversions"], row["unique_recipients"]))
    return row


def summarise(series: CampaignSeries) -> dict[str, Any]:
    """One campaign's numbers: engagement via ``engagement_frame``, totals, rates."""
    engagement = frames.engagement_frame(series.long)
    sums = {name: _sum(engagement.get(name)) for name in ENGAGEMENT}
    sums.update((name, _sum(series.totals.get(name))) for name in _TOTALS)
    return _row_numbers(sums, metrics.kind_sums(engagement))


def summarise_windows(parts: Sequence[WindowSums], start: date, end: date) -> dict[str, Any] | None:
    """``summarise`` of the stitched windows, computed from their sums (no frames); None when
    a window needs the frame path."""
    sums = [part.sums for part in parts]
    if any(s is None for s in sums):
        return None
    clean = [s for s in sums if s is not None]
    totals = campaign_range_sums(clean, start, end)
    by_kind = campaign_range_kind_sums(clean, start, end)
    if totals is None or by_kind is None:
        return None
    return _row_numbers(totals, metrics.from_kind_tuples(by_kind))


HELD_STATUS = "⏸ not loaded yet (rate budget)"


class _Held(Exception):
    """A row the budget guard held back (not an error: nothing was sent)."""


def error_status(err: BaseException) -> str:
    """The short per-row warning for a campaign whose series failed (or was held back)."""
    if isinstance(err, _Held):
        return HELD_STATUS
    status = getattr(err, "status", None)
    if isinstance(err, BrazeError) and status:
        return f"⚠ could not load ({status})"
    if isinstance(err, RateLimitError):  # held back by the workspace's rate budget
        return "⚠ not loaded (rate limit)"
    if isinstance(err, BrazeError):
        return "⚠ could not load (no response)"
    return "⚠ could not load"


@shared_codec.register  # plain fields: replicas share rows through Redis (issue 16)
@dataclass(frozen=True)
class LeaderboardRow:
    """One campaign's leaderboard numbers for one range.

    Immutable (tuples only) because the shared cache hands the same object to every session.
    """

    channels: tuple[str, ...]
    numbers: tuple[tuple[str, float | None], ...]

    @classmethod
    def of(cls, series: CampaignSeries) -> LeaderboardRow:
        return cls(channels=series.channels, numbers=tuple(summarise(series).items()))


def _days_of(window: Window, start: date, end: date) -> Span | None:
    """The days of [start, end] inside ``window`` (None: none)."""
    first, last = max(window.start, start), min(window.end, end)
    return (first, last) if first <= last else None


def _leaderboard_row(
    ws: Workspace,
    campaign_id: str,
    start: date,
    end: date,
    windows_of: Span | None,
    read_with: Span | None = None,
) -> LeaderboardRow:
    """The row from per-window sums; the frame path only for bodies the sums cannot read.
    ``read_with``: another period read from the same windows (disjoint from [start, end]):
    each window is reduced once for both."""
    today = utc_today()
    parts = []
    for window in _windows(start, end, windows_of):
        own = _days_of(window, start, end)
        if own is None:  # not reached: _windows keeps the windows holding a day of the range
            continue
        other = None if read_with is None else _days_of(window, *read_with)
        periods = (own,) if other is None else (own, other)
        parts.append(_window_sums(ws, campaign_id, window, today, periods).of(own))
    numbers = summarise_windows(parts, start, end)
    if numbers is None:
        series = load_campaign_series(ws, campaign_id, start, end, windows_of=windows_of)
        return LeaderboardRow.of(series)
    channels = _merge_channels(part.channels for part in parts)
    return LeaderboardRow(channels=channels, numbers=tuple(numbers.items()))


def load_leaderboard_row(
    ws: Workspace,
    campaign_id: str,
    start: date,
    end: date,
    *,
    windows_of: Span | None = None,
    read_with: Span | None = None,
) -> LeaderboardRow:
    """A campaign's summary row for [start, end], cached so a warm leaderboard is a lookup.

    ``windows_of``: the days whose windows are fetched (default [start, end]); the compared
    leaderboard passes the span, so the range and the period before share their requests.
    ``read_with``: the other period the caller reads from those windows (days disjoint from
    [start, end]): each window body is then summed once for both (the row is the same either
    way, so it is not part of the row's key).

    Uses the plain ``cached``: the series requests inside take the workspace's request slots
    per HTTP attempt (in the client), and nothing here holds one. A failing series raises, so no
    row is cached for it.
    """
    return cached(
        ws.fingerprint,
        _ROW_ENDPOINT,
        _row_params(campaign_id, start, end, windows_of),
        lambda: _leaderboard_row(ws, campaign_id, start, end, windows_of, read_with),
        series_kind(end, utc_today()),
    )


def load_compared_rows(
    ws: Workspace, campaign_id: str, start: date, end: date, compare: Comparison = "days"
) -> tuple[LeaderboardRow, LeaderboardRow]:
    """The rows for the range and for the period before (``compare``: the filters' rule),
    both from the span's windows (for a range of up to 50 days, one request per campaign).
    The leaderboard and the overview."""
    before = comparison.previous(Filters(start=start, end=end, comparison=compare))
    windows_of = compared_span(start, end, compare)
    period, other = (start, end), (before.start, before.end)
    return (
        load_leaderboard_row(ws, campaign_id, *period, windows_of=windows_of, read_with=other),
        load_leaderboard_row(ws, campaign_id, *other, windows_of=windows_of, read_with=period),
    )


def sent_volume(row: LeaderboardRow) -> float:
    """Messages sent; in-app messages (no "sent") count impressions."""
    numbers = dict(row.numbers)
    sent = numbers.get("sent")
    if sent is None or pd.isna(sent):
        sent = numbers.get("opens")
    return float(sent or 0.0)


_ROW_ENDPOINT = "campaigns.leaderboard_row"


def _row_params(
    campaign_id: str, start: date, end: date, windows_of: Span | None = None
) -> dict[str, Any]:
    params = {"campaign_id": campaign_id, "start": start.isoformat(), "end": end.isoformat()}
    if windows_of is not None and windows_of != (start, end):
        params["windows_of"] = f"{windows_of[0].isoformat()}/{windows_of[1].isoformat()}"
    return params


def compared_span(start: date, end: date, compare: Comparison = "days") -> Span:
    """The days whose windows the compared leaderboard fetches: the period before and the range."""
    whole = comparison.span(Filters(start=start, end=end, comparison=compare))
    return (whole.start, whole.end)


def _compared_row_params(
    campaign_ids: Sequence[str], start: date, end: date, compare: Comparison
) -> list[dict[str, Any]]:
    """Every campaign's range row, then every campaign's period-before row (``load_compared_rows``'s
    keys, with the range and the period worked out once, not per campaign)."""
    span = compared_span(start, end, compare)
    before = comparison.previous(Filters(start=start, end=end, comparison=compare))
    return [_row_params(cid, start, end, span) for cid in campaign_ids] + [
        _row_params(cid, before.start, before.end, span) for cid in campaign_ids
    ]


def unloaded_rows(
    ws: Workspace,
    campaign_ids: Sequence[str],
    start: date,
    end: date,
    compare: Comparison = "days",
) -> list[str]:
    """The campaigns whose compared leaderboard row is in no cache (they would cost requests);
    rows other replicas cached are read from Redis in one batched round trip on the way."""
    params = _compared_row_params(campaign_ids, start, end, compare)  # both rows, one batch
    gaps = missing(ws.fingerprint, _ROW_ENDPOINT, params, series_kind(end, utc_today()))
    count = len(campaign_ids)
    return [campaign_ids[i] for i in sorted({gap % count for gap in gaps})]


def cached_compared_rows(
    ws: Workspace,
    campaign_ids: Sequence[str],
    start: date,
    end: date,
    compare: Comparison = "days",
) -> list[tuple[LeaderboardRow, LeaderboardRow] | None]:
    """Each campaign's ``load_compared_rows`` where both rows are cached (here, or in Redis: read
    in one batch), else None; nothing is fetched. A warm leaderboard at 10,000 campaigns is
    this one pass, not 20,000 ``cached`` calls."""
    params = _compared_row_params(campaign_ids, start, end, compare)
    values = cached_many(ws.fingerprint, _ROW_ENDPOINT, params, series_kind(end, utc_today()))
    count = len(campaign_ids)
    return [
        None if now is NOT_CACHED or before is NOT_CACHED else (now, before)
        for now, before in zip(values[:count], values[count:], strict=True)
    ]


def leaderboard_plan(
    ws: Workspace,
    campaigns: pd.DataFrame,
    start: date,
    end: date,
    *,
    reserved: int = 0,
    compare: Comparison = "days",
) -> BudgetPlan:
    """Which of ``campaigns`` (most important first) the leaderboard may load now within the
    dashboard's rate budget: one request per uncached campaign and window (cached rows free).
    ``reserved``: requests already started elsewhere that the budget has not seen yet."""
    if _cached_board(ws, campaigns, start, end, compare) is not NOT_CACHED:
        return plan_fetch(ws.fingerprint, "/campaigns/data_series", [0] * len(campaigns))
    ids = [str(c) for c in campaigns["id"]]
    unloaded = set(unloaded_rows(ws, ids, start, end, compare))
    per_campaign = len(day_windows(*compared_span(start, end, compare), MAX_SERIES_DAYS))
    costs = [per_campaign if cid in unloaded else 0 for cid in ids]
    return plan_fetch(ws.fingerprint, "/campaigns/data_series", costs, reserved=reserved)


class RowPrefetch:
    """Leaderboard rows started as the campaign list's pages arrive (issue 16: at 5,000
    campaigns the 50 list pages take seconds, one after another). For a view that ranks every
    matching campaign ("All"): pass ``page`` as ``load_campaigns``'s ``on_page``; the
    leaderboard then finds the rows cached, or in flight and waits for them (single flight).

    ``keep`` picks the campaigns of a page the view will rank (its search and filters). Each
    page's requests are checked against the budget guard first; once a page does not fit,
    nothing more is started here (the leaderboard's own plan decides what is held back).
    """

    def __init__(
        self,
        ws: Workspace,
        start: date,
        end: date,
        keep: Callable[[pd.DataFrame], pd.DataFrame] = lambda page: page,
        compare: Comparison = "days",
    ) -> None:
        self._ws, self._start, self._end, self._keep = ws, start, end, keep
        self._compare = compare
        self._pool = ThreadPoolExecutor(max_workers=2 * MAX_IN_FLIGHT)
        self._stopped = False
        self._spent = 0  # requests started here (the budget counts them only once sent)
        self.started = 0
        self.first_row_at: float | None = None  # time.perf_counter() when a first row was done

    def page(self, campaigns: pd.DataFrame) -> None:
        if self._stopped:
            return
        wanted = self._keep(campaigns)
        if wanted.empty:
            return
        plan = leaderboard_plan(
            self._ws, wanted, self._start, self._end, reserved=self._spent, compare=self._compare
        )
        self._spent += plan.now_cost
        ids = [str(c) for c in wanted["id"]]
        for position in plan.now:
            future = self._pool.submit(
                load_compared_rows, self._ws, ids[position], self._start, self._end, self._compare
            )
            future.add_done_callback(self._first_done)
            self.started += 1
        if plan.held:
            self._stopped = True

    def _first_done(self, future: Future) -> None:
        if self.first_row_at is None and future.exception() is None:
            self.first_row_at = time.perf_counter()

    def close(self) -> None:
        """Stop starting rows; those queued and not yet begun are dropped."""
        self._stopped = True
        self._pool.shutdown(wait=False, cancel_futures=True)


def load_leaderboard(
    ws: Workspace,
    campaigns: pd.DataFrame,
    start: date,
    end: date,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    hold: Collection[int] = (),
    compare: Comparison = "days",
) -> pd.DataFrame:
    """One row per campaign with totals for [start, end] (LEADERBOARD_COLUMNS), and messages
    sent in the period before with the change (both periods from the same requests).

    Rows load concurrently through the bounded pool; a campaign whose series fails keeps
    its row with empty numbers and a status saying why, and the others still load. Rows at
    the positions in ``hold`` (``leaderboard_plan(...).held``: over the budget) are not
    fetched; their status says so (``HELD_STATUS``).
    """
    board = _board_params(campaigns, start, end, compare)
    if not hold:  # the whole board, assembled before (here, or by a replica: from Redis)
        memo = _cached_board(ws, campaigns, start, end, compare, board)
        if memo is not NOT_CACHED:
            return memo
    records = campaigns.to_dict("records")
    # Rows cached here (or read from Redis in one batch just now) come from one batched lookup
    # on this thread; only the others go through the pool (a warm view at 10,000 is one pass).
    ids = [str(c["id"]) for c in records]
    found = cached_compared_rows(ws, ids, start, end, compare)
    held = set(hold)
    to_fetch = [i for i, rows in enumerate(found) if i not in held and rows is None]
    fetched = fan_out(
        lambda c: load_compared_rows(ws, str(c["id"]), start, end, compare),
        [records[i] for i in to_fetch],
        on_progress=on_progress,
    )
    by_position = dict(zip(to_fetch, fetched, strict=True))

    def outcome(position: int, campaign: Mapping[Any, Any]) -> LoadResult:
        if position in held:
            return LoadResult(item=campaign, error=_Held())
        rows = found[position]
        if rows is not None:
            return LoadResult(item=campaign, value=rows)
        return by_position[position]

    results = [outcome(i, c) for i, c in enumerate(records)]
    rows = []
    for result in results:
        campaign = result.item
        row: dict[str, Any] = {
            "campaign_id": str(campaign["id"]),
            "name": campaign.get("name"),
            "tags": ", ".join(campaign.get("tags") or []),
            "api_campaign": bool(campaign.get("is_api_campaign") is True),
        }
        if result.error is None:
            value, before = result.unwrap()
            row["channels"] = ", ".join(value.channels)
            row.update(value.numbers)
            sent, sent_before = dict(value.numbers).get("sent"), dict(before.numbers).get("sent")
            row["sent_previous"] = sent_before
            row["sent_change"] = percent_change(sent, sent_before)
            row["status"] = ""
        else:
            row["channels"] = None  # unknown, not "no channel"
            row["status"] = error_status(result.error)
        rows.append(row)
    table = leaderboard_frame(rows)
    if not hold and table["status"].eq("").all():
        _remember_board(ws, ids, start, end, compare, board, table)
    return table


_BOARD_ENDPOINT = "campaigns.leaderboard"  # holds the assembled leaderboard frame


def _board_params(
    campaigns: pd.DataFrame, start: date, end: date, compare: Comparison
) -> dict[str, Any]:
    """The assembled leaderboard's key: the range, the rule, and a digest of the listed
    campaigns' id, name, API flag and tags in order (a renamed or retagged campaign, or another
    selection, is another board)."""
    columns = [c for c in ("id", "name", "is_api_campaign", "tags_text") if c in campaigns]
    picked = campaigns[columns]
    if "tags_text" not in picked and "tags" in campaigns:
        picked = picked.assign(tags_text=[", ".join(t or []) for t in campaigns["tags"]])
    hashed = pd.util.hash_pandas_object(picked.astype(object), index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes()).hexdigest()
    return {
        "campaigns": f"{len(picked)}:{digest}",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "compare": compare,
    }


def _cached_board(
    ws: Workspace,
    campaigns: pd.DataFrame,
    start: date,
    end: date,
    compare: Comparison,
    board: Mapping[str, Any] | None = None,
) -> Any:
    """The assembled leaderboard for ``campaigns`` if cached (here, or in Redis: then copied
    here), else ``NOT_CACHED``; nothing is fetched."""
    params = _board_params(campaigns, start, end, compare) if board is None else board
    (memo,) = cached_many(ws.fingerprint, _BOARD_ENDPOINT, [params], series_kind(end, utc_today()))
    return memo


def _remember_board(
    ws: Workspace,
    ids: Sequence[str],
    start: date,
    end: date,
    compare: Comparison,
    board: Mapping[str, Any],
    table: pd.DataFrame,
) -> None:
    """Keep the assembled board as long as the rows it was built from all live, no longer
    (so a repeat view is one lookup, not one per row; it never outlives a row)."""
    params = _compared_row_params(ids, start, end, compare)
    left = seconds_left(ws.fingerprint, _ROW_ENDPOINT, params)
    if left is None:  # a row is no longer cached here (evicted): nothing to vouch for it
        return
    cached(
        ws.fingerprint,
        _BOARD_ENDPOINT,
        board,
        lambda: table,
        series_kind(end, utc_today()),
        ttl=left,
    )


def leaderboard_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed leaderboard: text, boolean flag, float counts (NA = not applicable), rates."""
    # Column by column (a frame from 10,000 row dicts is several times slower).
    table = pd.DataFrame({name: [row.get(name) for row in rows] for name in LEADERBOARD_COLUMNS})
    for name in ("campaign_id", "name", "channels", "tags", "status"):
        table[name] = table[name].astype("string")
    table["api_campaign"] = table["api_campaign"].astype("boolean")
    numeric = [c for c in LEADERBOARD_COLUMNS[5:] if c != "status"]
    for name in numeric:
        table[name] = pd.to_numeric(table[name], errors="coerce").astype("Float64")
    return table


def channel_options(leaderboard: pd.DataFrame) -> list[str]:
    """Every channel seen in the loaded series, sorted."""
    seen = {c.strip() for text in leaderboard["channels"].dropna() for c in text.split(",")}
    return sorted(c for c in seen if c)


def with_channels(leaderboard: pd.DataFrame, channels: Sequence[str]) -> pd.DataFrame:
    """Rows whose series used any of ``channels`` (all rows when none are chosen)."""
    if not channels:
        return leaderboard
    wanted = set(channels)
    mask = (
        leaderboard["channels"]
        .fillna("")
        .map(lambda text: bool(wanted.intersection(c.strip() for c in text.split(","))))
    )
    return leaderboard[mask.astype(bool)].reset_index(drop=True)


def active_only(leaderboard: pd.DataFrame) -> pd.DataFrame:
    """Campaigns with any activity in the range, plus failed rows (their activity is unknown)."""
    volume = leaderboard[["sent", "opens", "unique_recipients"]].fillna(0).sum(axis=1)
    keep = (volume > 0) | (leaderboard["status"].fillna("") != "")
    return leaderboard[keep.astype(bool)].reset_index(drop=True)


def leaderboard_totals(leaderboard: pd.DataFrame) -> dict[str, float | None]:
    """Headline totals over the rows shown; each rate from its summed numerator and
    denominator, so it is the rate of all the rows' messages together."""
    names = (*ENGAGEMENT, "unique_recipients", *CONVERSION_FIELDS, "revenue")
    row: dict[str, Any] = {
        name: _sum(leaderboard[name]) for name in (*names, *metrics.PART_COLUMNS)
    }
    row.update(metrics.summary_of_parts(row))
    return row


# ---- one campaign in depth --------------------------------------------------------------------


_DETAILS_ENDPOINT = "campaigns.details"


def read_ahead_campaign(ws: Workspace, campaign_id: str, start: date, end: date) -> None:
    """Before a detail view: what it reads next (``load_campaign_details`` and
    ``load_campaign_series(start, end)``'s windows) copied from the replicas' shared cache in one
    round trip, for whatever this process lacks (issue 16: one read per view, not one per entry).
    Nothing is fetched; without Redis, or when this process has them, nothing is sent."""
    today = utc_today()
    wanted = [Wanted(_DETAILS_ENDPOINT, {"campaign_id": campaign_id}, "details", "raw")]
    wanted += [
        Wanted(_SERIES_ENDPOINT, _window_params(campaign_id, w), series_kind(w.end, today))
        for w in _windows(start, end, None)
    ]
    read_ahead(ws.fingerprint, wanted)


def load_campaign_details(ws: Workspace, campaign_id: str) -> dict[str, Any]:
    """The ``/campaigns/details`` body (cached)."""
    return call(
        ws,
        _DETAILS_ENDPOINT,
        {"campaign_id": campaign_id},
        lambda: client_for(ws).campaigns.details(campaign_id),
        "details",
    )


def details_summary(details: Mapping[str, Any]) -> dict[str, Any]:
    """The details card: name, state, schedule, channels, tags and first/last sent (UTC)."""

    def when(name: str) -> pd.Timestamp | None:
        raw = details.get(name)
        if raw is None:
            return None
        value = pd.to_datetime(raw, utc=True, errors="coerce")
        return None if pd.isna(value) else value

    channels = details.get("channels")
    tags = details.get("tags")
    teams = details.get("teams")
    return {
        "name": str(details.get("name") or "(unnamed campaign)"),
        "state": state_of(details),
        "schedule_type": str(details.get("schedule_type") or "—").replace("_", " "),
        "channels": [str(c) for c in channels] if isinstance(channels, list) else [],
        "tags": [str(t) for t in tags] if isinstance(tags, list) else [],
        "teams": [str(t) for t in teams] if isinstance(teams, list) else [],
        "enabled": details.get("enabled") if isinstance(details.get("enabled"), bool) else None,
        "post_launch_draft": details.get("has_post_launch_draft") is True,
        "first_sent": when("first_sent"),
        "last_sent": when("last_sent"),
        "description": str(details.get("description") or ""),
    }


def state_of(details: Mapping[str, Any]) -> str:
    """Draft, Archived, Stopped (Braze's `enabled` is false) or Active."""
    if details.get("draft") is True:
        return "Draft"
    if details.get("archived") is True:
        return "Archived"
    if details.get("enabled") is False:
        return "Stopped"
    return "Active"


def messages_table(details: Mapping[str, Any]) -> pd.DataFrame:
    """One row per message variation with its channel fields; columns no variation has
    dropped, and the long bodies (shown on their own, as source) left out."""
    table = frames.campaign_messages_frame(details).dropna(axis=1, how="all")
    return table.drop(columns=[c for c in _BODY_FIELDS if c in table])


_BODY_FIELDS = ("body", "amp_body", "custom_plain_text")


def message_bodies(details: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each variation's raw body text (email HTML, webhook payload, SMS), never rendered."""
    messages = details.get("messages")
    out = []
    for variation_id, message in (messages or {}).items() if isinstance(messages, Mapping) else ():
        if isinstance(message, Mapping) and isinstance(message.get("body"), str):
            out.append(
                {
                    "variation_id": str(variation_id),
                    "name": str(message.get("name") or variation_id),
                    "channel": str(message.get("channel") or ""),
                    "body": message["body"],
                }
            )
    return out


def daily_channel_frame(long: pd.DataFrame) -> pd.DataFrame:
    """Per (date, channel): engagement, conversions and revenue summed over variations."""
    engagement = frames.engagement_frame(long)
    extra = [c for c in (*CONVERSION_FIELDS, "revenue", "unique_recipients") if c in long]
    work = engagement.copy()
    for name in extra:
        values = pd.to_numeric(long[name], errors="coerce").astype("Float64")
        work[name] = values.to_numpy(dtype="float64", na_value=float("nan"))
    work["date"] = work["time"].dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
    columns = [*ENGAGEMENT, *extra]
    grouped = work.groupby(["date", "channel"], sort=True)[columns].sum(min_count=1)
    return grouped.reset_index()


def flat_series(long: pd.DataFrame) -> pd.DataFrame:
    """The long frame as people read it: a plain date instead of a UTC timestamp."""
    table = long.copy()
    if "time" in table:
        table.insert(0, "date", table.pop("time").dt.strftime("%Y-%m-%d").astype("string"))
    return table


def variation_names(details: Mapping[str, Any] | None) -> dict[str, str]:
    """{variation id: name} from a ``/campaigns/details`` body (empty without one)."""
    return frames.variation_names(details) if isinstance(details, Mapping) else {}


def variation_table(long: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Totals per channel and variation incl. control, with engagement and rates.

    Variations are told apart by Braze's variation_api_id (never by their place in a day's
    list) and named from ``names`` (``variation_names(details)``) where the id is known.
    Rates follow ``metrics`` by the row's channel; unique recipients stay NA when Braze sent
    none per variation (they are optional there), so no conversion rate is made up.
    """
    totals = frames.campaign_variation_totals(frames.name_variations(long, names or {}))
    if totals.empty:
        return totals
    engagement = frames.engagement_frame(totals)
    for name in ENGAGEMENT:
        totals[name] = engagement[name].to_numpy()
    for name in ("conversions", "revenue"):
        if name not in totals:
            totals[name] = 0
    if "unique_recipients" not in totals:
        totals["unique_recipients"] = pd.array([pd.NA] * len(totals), dtype="Float64")
    rates = metrics.row_rates(engagement, totals["conversions"], totals["unique_recipients"])
    for name in metrics.RATE_KEYS:
        totals[name] = rates[name].to_numpy()
        totals[name] = totals[name].astype("Float64")
    lead = ["channel", "variation_name", "is_control", *ENGAGEMENT]
    lead += ["unique_recipients", "conversions", "conversion_rate", "delivery_rate"]
    lead += ["open_rate", "click_rate", "revenue"]
    rest = [c for c in totals.columns if c not in lead]
    return totals[lead + rest]


FUNNEL_STAGES: tuple[tuple[str, str, str | None], ...] = (
    ("Sent", "sent", None),
    ("Delivered", "delivered", "delivery_rate"),
    ("Opened / viewed", "opens", "open_rate"),
    ("Clicked", "clicks", "click_rate"),
    ("Converted (A)", "conversions", "conversion_rate"),
)


def funnel(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Sent → delivered → opened → clicked → converted from a campaign's ``summarise`` row,
    skipping stages no channel has. Each stage carries the rate the cards show (``metrics``),
    never a share of the first stage: the rates have their own denominators."""
    kept = [
        (stage, summary.get(count), rate)
        for stage, count, rate in FUNNEL_STAGES
        if summary.get(count) is not None and not pd.isna(summary.get(count))
    ]
    return pd.DataFrame(
        {
            "stage": pd.Series([s for s, _, _ in kept], dtype="string"),
            "count": pd.Series([v for _, v, _ in kept], dtype="float64"),
            "rate": pd.array(
                [None if r is None else summary.get(r) for _, _, r in kept], dtype="Float64"
            ),
            "rate_name": pd.Series(
                [None if r is None else metrics.BY_KEY[r].label.lower() for _, _, r in kept],
                dtype="string",
            ),
        }
    )


BY_SEND_TIME: Mapping[str, str] = {f: f"{f}_by_send_time" for f in CONVERSION_FIELDS}


def conversion_timing(totals: pd.DataFrame) -> pd.DataFrame:
    """Per date, conversions A–D counted on the conversion day and on the send day, and
    revenue (``conversions``, ``conversions_by_send_time``, ``conversions1``, ...)."""
    frame = pd.DataFrame(
        {
            "date": totals["time"].dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
            if "time" in totals
            else pd.Series([], dtype="datetime64[ns]"),
        }
    )
    names = [n for f in CONVERSION_FIELDS for n in (f, BY_SEND_TIME[f])] + ["revenue"]
    for name in names:
        if name in totals:
            frame[name] = pd.to_numeric(totals[name], errors="coerce").astype("float64")
        else:
            frame[name] = 0.0
    return frame


def conversion_table(totals: pd.DataFrame, details: Mapping[str, Any] | None) -> pd.DataFrame:
    """Conversions A–D over the range: by conversion date and by send date, with what each
    event counts (from details). Events with no behavior and no count are left out."""
    behaviors = behavior_table(details) if isinstance(details, Mapping) else None
    kinds = (
        dict(zip(behaviors["event"], behaviors["type"], strict=True))
        if behaviors is not None
        else {}
    )
    rows = []
    for field in CONVERSION_FIELDS:
        letter = CONVERSION_LETTERS[field]
        by_day, by_send = _sum(totals.get(field)), _sum(totals.get(BY_SEND_TIME[field]))
        if letter not in kinds and not by_day and not by_send:
            continue
        rows.append(
            {
                "event": letter,
                "type": kinds.get(letter),
                "conversions": by_day or 0.0,
                "by_send_time": by_send or 0.0,
            }
        )
    table = pd.DataFrame(rows, columns=["event", "type", "conversions", "by_send_time"])
    for name in ("event", "type"):
        table[name] = table[name].astype("string")
    for name in ("conversions", "by_send_time"):
        table[name] = table[name].astype("float64")
    return table


def behavior_table(details: Mapping[str, Any]) -> pd.DataFrame:
    """Conversion behaviors A, B, C, D with readable windows and what each one counts."""
    behaviors = frames.conversion_behaviors_frame(details)
    detail = []
    for row in behaviors.to_dict("records"):
        parts = [row.get("product"), row.get("custom_event_name")]
        apps = row.get("app_ids")
        if isinstance(apps, list) and apps:
            parts.append("apps: " + ", ".join(str(a) for a in apps))
        detail.append(" · ".join(str(p) for p in parts if p and not pd.isna(p)) or "")
    return pd.DataFrame(
        {
            "event": behaviors["letter"],
            "type": behaviors["type"],
            "window": behaviors["window_text"],
            "detail": pd.Series(detail, dtype="string"),
        }
    )


# ---- days with activity (the overview's launches) ---------------------------------------------

_ACTIVE_ENDPOINT = "campaigns.data_series:active_days"  # holds a tuple of ISO days


def active_days_of(body: Any) -> tuple[str, ...]:
    """The days (ISO) on which a series body shows any message activity (a positive count in
    any variation of any channel, control enrolments included)."""
    entries = body.get("data", []) if isinstance(body, Mapping) else []
    days: list[str] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("time"), str):
            continue
        messages = entry.get("messages")
        stats = messages.values() if isinstance(messages, Mapping) else ()
        if any(
            isinstance(value, int | float) and not isinstance(value, bool) and value > 0
            for variations in stats
            if isinstance(variations, list)
            for variation in variations
            if isinstance(variation, Mapping)
            for value in variation.values()
        ):
            days.append(entry["time"][:10])
    return tuple(days)


def load_active_days(
    ws: Workspace, campaign_id: str, start: date, end: date, *, windows_of: Span | None = None
) -> tuple[date, ...]:
    """Days in [start, end] on which the campaign sent anything, read from the same cached
    window bodies as the leaderboard (``windows_of`` as there: after the compared leaderboard
    this sends nothing)."""
    today = utc_today()
    found: set[date] = set()
    for window in _windows(start, end, windows_of):

        def reduce(w: Window = window) -> tuple[str, ...]:
            return active_days_of(_window_body(ws, campaign_id, w, today))

        days = cached(
            ws.fingerprint,
            _ACTIVE_ENDPOINT,
            _window_params(campaign_id, window),
            reduce,
            series_kind(window.end, today),
        )
        for text in days:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                continue
            if start <= day <= end:
                found.add(day)
    return tuple(sorted(found))
