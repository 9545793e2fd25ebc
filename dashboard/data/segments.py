"""The Segments page's data: the list, details, size series, and an export's summary.

Size series only exist for segments with analytics tracking: Braze answers 400 for the others,
so they are never requested (the page explains why they are missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from braze_api import frames
from braze_api.export_reader import ExportResult
from dashboard.data.common import SEGMENT_SIZES, LoadResult, call, fan_out, load_series
from dashboard.settings import Workspace, client_for

LIST_COLUMNS = ("id", "name", "analytics_tracking_enabled", "tags")
TRACKING_CHOICES = ("All segments", "Analytics tracking on", "Analytics tracking off")
MAX_COMPARE = 8


def load_segments(ws: Workspace) -> pd.DataFrame:
    """Every segment (all pages): id, name, analytics_tracking_enabled, tags, tags_text."""

    def fetch() -> pd.DataFrame:
        items = client_for(ws).segments.list().get("segments") or []
        table = frames.items_frame(items, frames.with_unknown(LIST_COLUMNS, items))
        table["analytics_tracking_enabled"] = (
            table["analytics_tracking_enabled"].fillna(False).astype(bool)
        )
        return table

    return call(ws, "segments.list", {}, fetch, "list")


def extra_columns(table: pd.DataFrame, documented: Sequence[str]) -> list[str]:
    """Columns beyond the documented ones (and their ``*_text`` twins), for tables and CSVs."""
    return [c for c in table.columns if c not in documented and c != "tags_text"]


def load_details(ws: Workspace, segment_id: str) -> dict[str, Any]:
    """/segments/details as Braze sent it (description, text_description, tags, teams, ...)."""
    return call(
        ws,
        "segments.details",
        {"segment_id": segment_id},
        lambda: dict(client_for(ws).segments.details(segment_id)),
        "details",
    )


@dataclass(frozen=True)
class SegmentDetails:
    """A segment's details, typed: ``filters`` is Braze's human-readable filter summary
    (``description``), ``text_description`` the description people wrote for it."""

    name: str | None
    filters: str | None
    text_description: str | None
    tags: tuple[str, ...]
    teams: tuple[str, ...]
    created_at: pd.Timestamp | None
    updated_at: pd.Timestamp | None
    other: dict[str, str] = field(default_factory=dict)  # undocumented fields, as text


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value)


def _stamp(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def segment_details(body: Any) -> SegmentDetails:
    """Typed details from a ``/segments/details`` body; every documented date form parses."""
    row = frames.details_frame(body).iloc[0]
    documented = set(frames.SEGMENT_DETAIL_COLUMNS)
    other = {
        str(k): str(v)
        for k, v in row.items()
        if k not in documented and not str(k).endswith("_text") and _text(v) is not None
    }
    return SegmentDetails(
        name=_text(row["name"]),
        filters=_text(row["description"]),
        text_description=_text(row["text_description"]),
        tags=tuple(row["tags"]),
        teams=tuple(row["teams"]),
        created_at=_stamp(row["created_at"]),
        updated_at=_stamp(row["updated_at"]),
        other=other,
    )


def filter_segments(
    segments: pd.DataFrame, search: str = "", tags: Sequence[str] = (), tracking: str = ""
) -> pd.DataFrame:
    """Name/id search (case-insensitive, literal), any of ``tags``, and tracking on/off."""
    keep = pd.Series(True, index=segments.index)
    text = search.strip().lower()
    if text:
        names = segments["name"].fillna("").str.lower()
        ids = segments["id"].fillna("").str.lower()
        keep &= names.str.contains(text, regex=False) | ids.str.contains(text, regex=False)
    if tags:
        wanted = set(tags)
        keep &= segments["tags"].map(lambda t: bool(wanted.intersection(t or [])))
    if tracking == TRACKING_CHOICES[1]:
        keep &= segments["analytics_tracking_enabled"]
    elif tracking == TRACKING_CHOICES[2]:
        keep &= ~segments["analytics_tracking_enabled"]
    return segments[keep].reset_index(drop=True)


def _size_series(ws: Workspace, segment_id: str, start: date, end: date) -> pd.DataFrame:
    raw = load_series(ws, SEGMENT_SIZES, start=start, end=end, segment_id=segment_id)
    if raw.empty or "size" not in raw:
        return pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns, UTC]"), "size": []})
    return raw[["time", "size"]]


def load_sizes(
    ws: Workspace, segments: pd.DataFrame, ids: Iterable[str], start: date, end: date
) -> tuple[pd.DataFrame, list[LoadResult]]:
    """Long frame (segment_id, segment, date, size) for the tracked ones among ``ids``.

    Returns the frame and the failed loads (each with its error) so the page can say which.
    """
    by_id = segments.set_index("id")
    tracked = [
        i for i in ids if i in by_id.index and bool(by_id.at[i, "analytics_tracking_enabled"])
    ]
    results = fan_out(lambda i: _size_series(ws, i, start, end), tracked)
    parts = []
    for result in results:
        if result.ok and not result.unwrap().empty:
            part = result.unwrap()
            parts.append(
                pd.DataFrame(
                    {
                        "segment_id": result.item,
                        "segment": str(by_id.at[result.item, "name"]),
                        "date": part["time"].dt.tz_convert("UTC").dt.tz_localize(None),
                        "size": pd.to_numeric(part["size"], errors="coerce"),
                    }
                )
            )
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            {
                "segment_id": pd.Series([], dtype="str"),
                "segment": pd.Series([], dtype="str"),
                "date": pd.Series([], dtype="datetime64[ns]"),
                "size": pd.Series([], dtype="float64"),
            }
        )
    )
    return frame, [r for r in results if not r.ok]


def size_summary(sizes: pd.DataFrame) -> pd.DataFrame:
    """Per segment: first, latest, change and average size over the range."""
    rows = []
    for (sid, name), part in sizes.sort_values("date").groupby(["segment_id", "segment"]):
        values = part["size"].dropna()
        if values.empty:
            continue
        first, last = float(values.iloc[0]), float(values.iloc[-1])
        rows.append(
            {
                "segment_id": sid,
                "segment": name,
                "first_size": first,
                "latest_size": last,
                "change": last - first,
                "relative_change": (last - first) / first if first else None,
                "average_size": float(values.mean()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "segment_id",
            "segment",
            "first_size",
            "latest_size",
            "change",
            "relative_change",
            "average_size",
        ],
    )


# ---- export summary ----------------------------------------------------------------------


@dataclass
class ExportSummary:
    """What an analyst looks at first, computed once from the parsed export."""

    users: int
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    top_events: pd.DataFrame | None = None
    top_purchases: pd.DataFrame | None = None
    attribute_coverage: pd.DataFrame | None = None
    apps: pd.DataFrame | None = None
    devices: pd.DataFrame | None = None
    with_email: int = 0
    revenue: float | None = None


BREAKDOWNS = {
    "country": "Country",
    "language": "Language",
    "gender": "Gender",
    "push_subscribe": "Push subscription",
    "email_subscribe": "Email subscription",
}


def value_counts(column: pd.Series | None, total: int, top: int = 15) -> pd.DataFrame:
    """value, users, share; missing values counted as "(not set)"; the rest folded into "Other"."""
    if column is None or total == 0:
        return pd.DataFrame(columns=["value", "users", "share"])
    counts = {str(k): int(v) for k, v in column.dropna().astype("str").value_counts().items()}
    missing = total - sum(counts.values())
    if missing > 0:
        counts["(not set)"] = counts.get("(not set)", 0) + missing
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(ranked) > top:
        ranked = [*ranked[:top], ("Other", sum(v for _, v in ranked[top:]))]
    out = pd.DataFrame(ranked, columns=["value", "users"])
    out["share"] = out["users"] / total
    return out


def _top_named(table: pd.DataFrame, total: int, top: int = 15) -> pd.DataFrame:
    """Per name: users who have it, their share, and the summed count."""
    if table.empty:
        return pd.DataFrame(columns=["name", "users", "share", "total_count"])
    grouped = table.groupby("name", dropna=True).agg(
        users=("user_id", "nunique"), total_count=("count", "sum")
    )
    grouped = grouped.sort_values(["users", "total_count"], ascending=False).head(top)
    out = grouped.reset_index()
    out["share"] = out["users"] / total if total else 0.0
    return out[["name", "users", "share", "total_count"]]


def summarise_export(result: ExportResult) -> ExportSummary:
    users = result.users
    total = len(users)
    summary = ExportSummary(users=total)
    for column in BREAKDOWNS:
        if column in users:
            summary.breakdowns[column] = value_counts(users[column], total)
    if "email" in users:
        summary.with_email = int(users["email"].notna().sum())
    if "total_revenue" in users:
        summary.revenue = float(pd.to_numeric(users["total_revenue"], errors="coerce").sum())
    tables = result.tables
    summary.top_events = _top_named(tables["custom_events"], total)
    summary.top_purchases = _top_named(tables["purchases"], total)
    attrs = tables["custom_attributes"]
    if not attrs.empty:
        present = attrs[attrs["value"].notna()]
        coverage = present.groupby("attribute").agg(
            users=("user_id", "nunique"), type=("type", lambda t: ", ".join(sorted(set(t))))
        )
        coverage["coverage"] = coverage["users"] / total if total else 0.0
        summary.attribute_coverage = coverage.sort_values("users", ascending=False).reset_index()
    apps = tables["apps"]
    if not apps.empty:
        label = apps["name"].astype("str") + " (" + apps["platform"].fillna("?").astype("str") + ")"
        per_app = apps.assign(app=label).groupby("app").agg(users=("user_id", "nunique"))
        per_app["share"] = per_app["users"] / total if total else 0.0
        summary.apps = per_app.sort_values("users", ascending=False).reset_index()
    devices = tables["devices"]
    if not devices.empty:
        summary.devices = value_counts(devices["model"], len(devices), top=12).rename(
            columns={"users": "devices"}
        )
    return summary


def issues_frame(result: ExportResult) -> pd.DataFrame:
    return pd.DataFrame(
        [{"file": i.file, "line": i.line, "problem": i.problem} for i in result.issues],
        columns=["file", "line", "problem"],
    ).astype({"line": "Int64"})


def export_tables(result: ExportResult) -> dict[str, pd.DataFrame]:
    """The downloadable tables: users first, then the non-empty long tables."""
    out = {"users": result.users}
    out.update({name: t for name, t in result.tables.items() if not t.empty})
    return out


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Parquet in memory (never a file on disk)."""
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
