"""User lookup data: `/users/export/ids` calls and the tables a profile is shown as.

Profiles are personal data, so unlike every other loader this one deliberately bypasses the
shared cache (`dashboard.data.common.call`): each lookup goes straight to the client (whose
attempts hold the workspace's request slots and keep to `/users/export/ids`'s rate limit,
250 a minute, across sessions), and the result is returned to the caller only (the page
keeps it in the browser session). Nothing here logs or writes to disk.

External ids and aliases are sent in Braze-sized chunks of 50, one client call per chunk, so
the page can show progress; a failing chunk leaves its error on the result while the other
chunks' users still arrive.

Every lookup is a people-data action: ``check_people_data`` refuses it (nothing is sent) for a
session without the people-data role, and each lookup, refused or not, is one line in the
audit trail (``dashboard.audit``) with the identifiers hashed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pandas as pd

from braze_api.fields import ValueKind, value_kind
from braze_api.frames import text_column, user_profile_frames, users_summary_frame
from braze_api.resources.users import IDS_PER_CALL
from dashboard import audit
from dashboard.auth import check_people_data
from dashboard.data.common import fan_out
from dashboard.lookup_input import LookupRequest
from dashboard.settings import Workspace, client_for

IDENTITY_FIELDS: tuple[str, ...] = (
    "external_id",
    "braze_id",
    "user_aliases",
    "created_at",
    "random_bucket",
)
# Shown next to the map rather than as a "lon, lat" string in the attributes table.
_LOCATION_FIELDS = ("last_coordinates",)
NOT_SET = "—"


@dataclass(frozen=True)
class ChunkFailure:
    """One request that failed: which identifiers (1-based positions) it carried, and why."""

    first: int
    last: int
    error: BaseException

    @property
    def span(self) -> str:
        return f"#{self.first}" if self.first == self.last else f"#{self.first}–#{self.last}"


@dataclass(frozen=True)
class LookupResult:
    """What one lookup found; lives only in the browser session that asked."""

    request: LookupRequest
    users: list[dict[str, Any]] = field(default_factory=list)
    invalid_user_ids: list[str] = field(default_factory=list)
    failures: list[ChunkFailure] = field(default_factory=list)
    requests_sent: int = 0
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def complete(self) -> bool:
        return not self.failures


def chunks(items: Sequence[Any], size: int = IDS_PER_CALL) -> list[tuple[int, list[Any]]]:
    """``items`` in runs of ``size`` with each run's 0-based start offset."""
    return [(start, list(items[start : start + size])) for start in range(0, len(items), size)]


def lookup_users(
    ws: Workspace,
    request: LookupRequest,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> LookupResult:
    """Run one validated lookup against Braze (never cached); results in request order.

    Raises ``PeopleDataRefused`` (nothing sent) without the people-data role.
    """
    identifiers = audit_identifiers(request)
    identity = check_people_data("user_lookup", request.kind, identifiers, 0)
    try:
        result = _lookup(ws, request, on_progress)
    except Exception:
        audit.record("user_lookup", request.kind, identifiers, 0, "error", who=identity.email)
        raise
    outcome: audit.Outcome = "ok" if result.complete else "partial" if result.users else "error"
    audit.record(
        "user_lookup", request.kind, identifiers, len(result.users), outcome, who=identity.email
    )
    return result


def audit_identifiers(request: LookupRequest) -> list[str]:
    """The identifiers a lookup names, as the audit trail hashes them (aliases "label:name")."""
    if request.kind == "alias":
        return [f"{label}:{name}" for name, label in request.aliases]
    return list(request.values)


def _lookup(
    ws: Workspace,
    request: LookupRequest,
    on_progress: Callable[[int, int], None] | None,
) -> LookupResult:
    export = client_for(ws).users.export_ids
    if request.kind in ("external_id", "alias"):
        items: Sequence[Any] = request.values if request.kind == "external_id" else request.aliases
        parts = chunks(items)
    else:
        parts = [(0, list(request.values))]

    def one(part: tuple[int, list[Any]]) -> dict[str, Any]:
        return export(**request.client_kwargs(part[1]))

    # At most 4 chunks in flight; the client's rate budget keeps the pace within Braze's limit.
    # Never cached (people data), and `one` holds a client: no cache-first pass.
    results = fan_out(one, parts, max_workers=4, on_progress=on_progress, cache_first=False)
    users: list[dict[str, Any]] = []
    invalid: list[str] = []
    failures: list[ChunkFailure] = []
    for result in results:
        start, sent = result.item
        if result.error is not None:
            failures.append(ChunkFailure(start + 1, start + len(sent), result.error))
            continue
        body = result.value if isinstance(result.value, Mapping) else {}
        users.extend(u for u in body.get("users") or [] if isinstance(u, dict))
        invalid.extend(str(i) for i in body.get("invalid_user_ids") or [])
    return LookupResult(
        request=request,
        users=[dict(u) for u in users],
        invalid_user_ids=invalid,
        failures=failures,
        requests_sent=len(parts),
    )


# ---- one profile, as tables ---------------------------------------------------------------


def user_label(user: Mapping[str, Any]) -> str:
    """How a profile is named in pickers: name and the first identifier it has."""
    name = " ".join(
        str(user[k]).strip() for k in ("first_name", "last_name") if isinstance(user.get(k), str)
    ).strip()
    ident = user.get("external_id")
    if not ident:
        aliases = [a for a in user.get("user_aliases") or [] if isinstance(a, Mapping)]
        if aliases:
            ident = f"{aliases[0].get('alias_label')}: {aliases[0].get('alias_name')}"
    ident = ident or (f"Braze ID {user['braze_id']}" if user.get("braze_id") else "unidentified")
    return f"{name} ({ident})" if name else str(ident)


def profile_tables(user: Any) -> dict[str, pd.DataFrame]:
    """``frames.user_profile_frames`` plus the page's own identity/attribute split."""
    tables = user_profile_frames(user)
    attributes = tables["attributes"]
    is_identity = attributes["field"].isin(IDENTITY_FIELDS)
    is_location = attributes["field"].isin(_LOCATION_FIELDS)
    tables["identity"] = _shown(attributes[is_identity])
    tables["attributes"] = _shown(attributes[~is_identity & ~is_location])
    profile = user if isinstance(user, Mapping) else {}
    tables["user_aliases"] = aliases_frame(profile)
    tables["custom_attributes"] = custom_attributes_frame(profile)
    tables["campaigns_received"] = _first(tables["campaigns_received"], _CAMPAIGN_FIRST)
    return tables


# What a support agent reads first about a campaign; the ids go to the right.
_CAMPAIGN_FIRST = ("name", "last_received", "converted", "multiple_converted")


def _first(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The same frame with ``columns`` first, the identifiers (``*_id``) last."""
    head = [c for c in columns if c in frame]
    ids = [c for c in frame if str(c).endswith("_id") and c not in head]
    rest = [c for c in frame if c not in head and c not in ids]
    return frame[[*head, *rest, *ids]]


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Key/value rows with absent values spelled out, so an empty profile still reads."""
    out = frame.reset_index(drop=True).copy()
    out["value"] = out["value"].fillna(NOT_SET)
    return out


def aliases_frame(user: Mapping[str, Any]) -> pd.DataFrame:
    """One row per user alias (label, name)."""
    rows = [a for a in user.get("user_aliases") or [] if isinstance(a, Mapping)]
    return pd.DataFrame(
        {
            "alias_label": text_column(_plain(a.get("alias_label")) for a in rows),
            "alias_name": text_column(_plain(a.get("alias_name")) for a in rows),
        }
    )


def readable(value: Any) -> str | None:
    """Custom attribute values as people read them: lists "a, b", objects "k: v · k: v"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return " · ".join(
            f"{k}: {readable(v) if v is not None else 'null'}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        parts = [readable(v) for v in value]
        return ", ".join(p if p is not None else "null" for p in parts) if parts else "(empty list)"
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


# The profile table speaks to marketers: a JSON "string" is "text" there.
_KIND_WORDS: Mapping[ValueKind, str] = {"string": "text"}


def _kind_of(value: Any) -> str:
    kind = value_kind(value)
    return _KIND_WORDS.get(kind, kind)


def custom_attributes_frame(user: Mapping[str, Any]) -> pd.DataFrame:
    """key, type and a readable value per custom attribute, sorted by key."""
    custom = user.get("custom_attributes")
    items = sorted(custom.items(), key=lambda kv: str(kv[0])) if isinstance(custom, Mapping) else []
    return pd.DataFrame(
        {
            "key": text_column(str(k) for k, _ in items),
            "type": text_column(_kind_of(v) for _, v in items),
            "value": text_column(readable(v) for _, v in items),
        }
    )


def _plain(value: Any) -> str | None:
    return None if value is None or isinstance(value, Mapping | list) else str(value)


def coordinates_frame(user: Mapping[str, Any]) -> pd.DataFrame:
    """The last known location as one ``lat``/``lon`` row (Braze sends ``[lon, lat]``)."""
    empty = pd.DataFrame(
        {"lat": pd.Series([], dtype="float64"), "lon": pd.Series([], dtype="float64")}
    )
    coords = user.get("last_coordinates")
    if not isinstance(coords, list | tuple) or len(coords) != 2:
        return empty
    try:
        lon, lat = float(coords[0]), float(coords[1])
    except (TypeError, ValueError):
        return empty
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return empty
    return pd.DataFrame({"lat": [lat], "lon": [lon]})


@dataclass(frozen=True)
class ProfileSummary:
    """The headline numbers of one profile."""

    sessions: int
    custom_events: int
    purchases: int
    total_revenue: float | None
    campaigns: int
    canvases: int


def profile_summary(user: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> ProfileSummary:
    """Totals for the cards above a profile: sessions over apps, occurrences, messages."""

    def total(name: str, column: str) -> int:
        frame = tables[name]
        return int(frame[column].fillna(0).sum()) if not frame.empty else 0

    revenue = user.get("total_revenue")
    try:
        revenue = float(revenue) if revenue is not None else None
    except (TypeError, ValueError):
        revenue = None
    return ProfileSummary(
        sessions=total("apps", "sessions"),
        custom_events=total("custom_events", "count"),
        purchases=total("purchases", "count"),
        total_revenue=revenue,
        campaigns=len(tables["campaigns_received"]),
        canvases=len(tables["canvases_received"]),
    )


_TIMELINE_KINDS = ("Custom event", "Purchase", "Campaign", "Canvas")


def timeline_frame(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """What the person did and what was sent to them, as rows with a start and an end.

    Events and purchases span first → last occurrence (with their count); campaigns sit on
    their last receipt; Canvases span last entry → last exit. Times are UTC.
    """
    parts = []
    for kind, name in (("Custom event", "custom_events"), ("Purchase", "purchases")):
        frame = tables[name]
        parts.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "name": frame["name"],
                    "start": frame["first"],
                    "end": frame["last"],
                    "count": frame["count"],
                    "detail": frame["count"].map(
                        lambda c: f"{int(c):,} times" if pd.notna(c) else "count unknown"
                    ),
                }
            )
        )
    campaigns = tables["campaigns_received"]
    parts.append(
        pd.DataFrame(
            {
                "kind": "Campaign",
                "name": campaigns["name"],
                "start": campaigns["last_received"],
                "end": campaigns["last_received"],
                "count": pd.Series([pd.NA] * len(campaigns), dtype="Int64"),
                "detail": [_campaign_detail(row) for row in _records(campaigns)],
            }
        )
    )
    canvases = tables["canvases_received"]
    parts.append(
        pd.DataFrame(
            {
                "kind": "Canvas",
                "name": canvases["name"],
                "start": canvases["last_entered"],
                "end": canvases["last_exited"].fillna(canvases["last_received_message"]),
                "count": canvases["steps_received"],
                "detail": canvases["steps_received"].map(
                    lambda n: (
                        f"{int(n)} step{'s' if n != 1 else ''} received" if pd.notna(n) else ""
                    )
                ),
            }
        )
    )
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(
            {
                "kind": pd.Series([], dtype="str"),
                "name": pd.Series([], dtype="str"),
                "start": pd.Series([], dtype="datetime64[ns, UTC]"),
                "end": pd.Series([], dtype="datetime64[ns, UTC]"),
                "count": pd.Series([], dtype="Int64"),
                "detail": pd.Series([], dtype="str"),
            }
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["name"] = frame["name"].fillna("(unnamed)")
    frame["end"] = frame["end"].fillna(frame["start"])
    frame = frame.dropna(subset=["start"])
    order = {k: i for i, k in enumerate(_TIMELINE_KINDS)}
    return frame.sort_values(
        ["kind", "start"], key=lambda s: s.map(order) if s.name == "kind" else s
    ).reset_index(drop=True)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts keyed by column name (the columns here are all text)."""
    return cast(list[dict[str, Any]], table.to_dict("records"))


def _campaign_detail(row: Mapping[str, Any]) -> str:
    flags = [
        label
        for column, label in (
            ("opened_email", "opened email"),
            ("clicked_email", "clicked email"),
            ("opened_push", "opened push"),
            ("clicked_triggered_in_app_message", "clicked in-app message"),
            ("converted", "converted"),
        )
        if row.get(column) is True
    ]
    reached = row.get("multiple_converted")
    if isinstance(reached, str) and reached:
        flags.append(f"conversion events: {reached}")
    if row.get("in_control") is True:
        flags.append("in control group")
    return ", ".join(flags) or "no engagement recorded"


# ---- a batch ------------------------------------------------------------------------------


def batch_table(result: LookupResult) -> pd.DataFrame:
    """One row per user found (``frames.users_summary_frame``) plus an aliases column."""
    table = users_summary_frame(result.users)
    aliases = [
        ", ".join(
            f"{a.get('alias_label')}: {a.get('alias_name')}"
            for a in u.get("user_aliases") or []
            if isinstance(a, Mapping)
        )
        or None
        for u in result.users
    ]
    table.insert(1, "user_aliases", text_column(aliases))
    return table


def invalid_frame(result: LookupResult) -> pd.DataFrame:
    """The identifiers Braze did not recognise, one per row."""
    return pd.DataFrame({"identifier": text_column(result.invalid_user_ids)})


# ---- downloads ----------------------------------------------------------------------------


def profile_json(user: Any) -> bytes:
    """The profile exactly as Braze sent it, pretty-printed UTF-8 JSON."""
    return json.dumps(user, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def batch_json(result: LookupResult) -> bytes:
    """Every profile found plus the unknown ids, shaped like one export response."""
    body = {"users": result.users, "invalid_user_ids": result.invalid_user_ids}
    return json.dumps(body, indent=2, ensure_ascii=False, default=str).encode("utf-8")


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_-]+")


def file_stem(user: Mapping[str, Any], fallback: str = "profile") -> str:
    """A filesystem-safe name part for a profile's downloads (external id, else Braze id)."""
    raw = str(user.get("external_id") or user.get("braze_id") or fallback)
    stem = _UNSAFE_FILENAME.sub("-", raw).strip("-")[:64]
    return stem or fallback
