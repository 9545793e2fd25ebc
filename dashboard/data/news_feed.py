"""The News Feed page's data: cards, card details and clicks/impressions series per card.

News Feed is deprecated by Braze (Content Cards replace it); the endpoints still answer for
older workspaces, so the page stays, labelled legacy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from braze_api import frames
from dashboard import metrics
from dashboard.data.common import CARD_SERIES, LoadResult, call, fan_out
from dashboard.data.timeseries import (
    format_local,
    format_times,
    load_range,
    local_column,
    time_column,
)
from dashboard.filters import Filters
from dashboard.settings import Workspace, client_for

CARD_COLUMNS = ("id", "title", "type", "tags")
METRICS = ("impressions", "unique_impressions", "clicks", "unique_clicks")


def load_cards(ws: Workspace, include_archived: bool = False) -> pd.DataFrame:
    """Every card (all pages): id, title, type, tags, tags_text."""

    def fetch() -> pd.DataFrame:
        items = client_for(ws).feed.list(include_archived=include_archived).get("cards") or []
        return frames.items_frame(items, frames.with_unknown(CARD_COLUMNS, items))

    return call(ws, "feed.list", {"include_archived": include_archived}, fetch, "list")


def load_card_details(ws: Workspace, card_id: str) -> dict[str, Any]:
    return call(
        ws,
        "feed.details",
        {"card_id": card_id},
        lambda: dict(client_for(ws).feed.details(card_id)),
        "details",
    )


def card_times(details: Any) -> dict[str, pd.Timestamp | None]:
    """created/updated/publish/end times of a ``/feed/details`` body, in any form Braze writes."""
    row = frames.details_frame(details, frames.CARD_DETAIL_COLUMNS).iloc[0]
    names = ("created_at", "updated_at", "publish_at", "end_at")
    return {n: None if pd.isna(row[n]) else pd.Timestamp(row[n]) for n in names}


def other_details(details: Any) -> dict[str, str]:
    """Fields of a ``/feed/details`` body nobody has documented yet, as text (shown as is)."""
    known = {*frames.CARD_DETAIL_COLUMNS, "message", "type", "id"}
    row = frames.details_frame(details, frames.CARD_DETAIL_COLUMNS).iloc[0]
    return {
        str(k): str(v)
        for k, v in row.items()
        if k not in known and not str(k).endswith("_text") and not _blank(v)
    }


def _blank(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return not value
    return value is None or pd.isna(value) or not str(value).strip()


def extra_stats(raw: pd.DataFrame) -> list[str]:
    """Numeric columns of a card series beyond the documented four (kept, summed, exported)."""
    skip = {"time", "card_id", "card", "ctr", "unique_ctr", *METRICS}
    return [c for c in raw.columns if c not in skip and pd.api.types.is_numeric_dtype(raw[c].dtype)]


def _empty_series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "card_id": pd.Series([], dtype="str"),
            "card": pd.Series([], dtype="str"),
            "time": pd.Series([], dtype="datetime64[ns, UTC]"),
            **{m: pd.Series([], dtype="float64") for m in METRICS},
        }
    )


def _one_card(ws: Workspace, card_id: str, filters: Filters, unit: str) -> pd.DataFrame:
    return load_range(ws, CARD_SERIES, filters, unit=unit, card_id=card_id)


def load_card_series(
    ws: Workspace, cards: pd.DataFrame, card_ids: Iterable[str], filters: Filters, unit: str
) -> tuple[pd.DataFrame, list[LoadResult]]:
    """Long frame: card_id, card (title), time (UTC), the four metrics, ctr; plus failures."""
    titles = dict(zip(cards["id"], cards["title"], strict=True))
    results = fan_out(lambda c: _one_card(ws, c, filters, unit), list(card_ids))
    parts = []
    for result in results:
        if not result.ok or result.value is None or result.value.empty:
            continue
        raw = result.value
        part = pd.DataFrame({"time": raw["time"]})
        for metric in (*METRICS, *extra_stats(raw)):
            part[metric] = (
                pd.to_numeric(raw[metric], errors="coerce").astype("float64")
                if metric in raw
                else float("nan")
            )
        part.insert(0, "card", str(titles.get(result.item) or result.item))
        part.insert(0, "card_id", result.item)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True) if parts else _empty_series()
    frame = frame[[c for c in frame.columns if c not in extra_stats(frame)] + extra_stats(frame)]
    frame["ctr"] = metrics.CARD_CTR.of(frame)
    return frame, [r for r in results if not r.ok]


def card_totals(series: pd.DataFrame) -> pd.DataFrame:
    """Per card: totals over the range and its click-through rates (``metrics.CARD_RATES``)."""
    if series.empty:
        return pd.DataFrame(columns=["card_id", "card", *METRICS, "ctr", "unique_ctr"])
    stats = [*METRICS, *extra_stats(series)]
    totals = series.groupby(["card_id", "card"], sort=False)[stats].sum().reset_index()
    for rate in metrics.CARD_RATES:
        totals[rate.key] = rate.of(totals)
    return totals.sort_values("impressions", ascending=False).reset_index(drop=True)


def local_times(series: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Times on the sidebar's clock, without the zone (for charts and CSV)."""
    out = series.copy()
    out["time"] = out["time"].dt.tz_convert(timezone).dt.tz_localize(None)
    return out


def series_export(series: pd.DataFrame, unit: str, timezone: str) -> pd.DataFrame:
    """The per-card series (``time`` in UTC) as a CSV table that says which clock it uses.

    Times are UTC like every other page's export; hourly files add the sidebar's local hour
    (with its offset) in a column named after the zone.
    """
    out = pd.DataFrame({time_column(unit): format_times(series["time"], unit)})
    if unit == "hour":
        out[local_column(timezone)] = format_local(series["time"], timezone)
    out["card_id"] = series["card_id"].astype("string").to_numpy()
    out["card"] = series["card"].astype("string").to_numpy()
    for metric in (*METRICS, "ctr", *extra_stats(series)):
        out[metric] = series[metric].astype("float64").round(4).to_numpy()
    return out.reset_index(drop=True)
