"""Custom event and custom attribute definitions: what each one is, its status and tags.

``/events`` and ``/custom_attributes`` are newer endpoints with their own permissions
(``events.get``, ``custom_attributes.get``); older keys lack them. The event catalogue then
falls back to ``/events/list`` (names only) and says so; a refusal is cached like a list, so
a page rerun does not spend another request of the 1,000 an hour on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from braze_api import frames
from braze_api.errors import AuthenticationError, PermissionDeniedError
from dashboard.data.common import call
from dashboard.settings import Workspace, client_for

ATTRIBUTE_SEARCH_COLUMNS = ("name", "description", "data_type", "status", "tag_names_text")


@dataclass(frozen=True)
class EventCatalog:
    """Every custom event, with description/status/tags when the key may read ``/events``.

    ``source`` is ``"events"`` (full definitions) or ``"events.list"`` (names only, because
    the key lacks ``events.get``); ``frame`` has EVENT_COLUMNS either way.
    """

    frame: pd.DataFrame
    source: str

    @property
    def names(self) -> tuple[str, ...]:
        names = self.frame["name"].dropna().astype(str)
        unique = dict.fromkeys(n for n in names if n.strip())
        return tuple(sorted(unique, key=str.casefold))

    @property
    def has_definitions(self) -> bool:
        return self.source == "events"

    def about(self, names: Sequence[str]) -> pd.DataFrame:
        """The definition rows of ``names``, in that order (missing names left out)."""
        table = self.frame.drop_duplicates("name", keep="first").set_index("name", drop=False)
        return table.loc[[n for n in names if n in table.index]].reset_index(drop=True)


def _event_definitions(ws: Workspace) -> pd.DataFrame | None:
    """``/events`` as a frame; None (cached) when the key lacks the permission."""

    def fetch() -> pd.DataFrame | None:
        try:
            body = client_for(ws).events.get()
        except (AuthenticationError, PermissionDeniedError):
            return None
        return frames.custom_events_frame(body)

    return call(ws, "events.get", {}, fetch, "list")


def _event_names(ws: Workspace) -> tuple[str, ...]:
    """``/events/list``: every name (pages of 250), as Braze lists them."""

    def fetch() -> tuple[str, ...]:
        items = client_for(ws).events.list().get("events") or []
        return tuple(dict.fromkeys(i for i in items if isinstance(i, str) and i.strip()))

    return call(ws, "events.list", {}, fetch, "list")


def load_event_catalog(ws: Workspace) -> EventCatalog:
    """The custom events: ``/events`` definitions, or ``/events/list`` names where refused."""
    table = _event_definitions(ws)
    if table is not None:
        return EventCatalog(table, "events")
    names = _event_names(ws)
    return EventCatalog(frames.custom_events_frame([{"name": n} for n in names]), "events.list")


def load_custom_attributes(ws: Workspace) -> pd.DataFrame:
    """Every custom attribute (all pages of 50) with ATTRIBUTE_COLUMNS and tag_names_text."""
    return call(
        ws,
        "custom_attributes.get",
        {},
        lambda: client_for(ws).custom_attributes.get(),
        "list",
        then=frames.custom_attributes_frame,
    )


def filter_definitions(
    table: pd.DataFrame,
    search: str = "",
    *,
    data_types: Sequence[str] = (),
    statuses: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> pd.DataFrame:
    """Literal, case-insensitive search over name/description/type/status/tags, then filters."""
    keep = pd.Series(True, index=table.index)
    text = search.strip().casefold()
    if text:
        hit = pd.Series(False, index=table.index)
        for column in ATTRIBUTE_SEARCH_COLUMNS:
            if column in table:
                values = table[column].astype("string").fillna("").str.casefold()
                hit |= values.str.contains(text, regex=False)
        keep &= hit
    if data_types and "data_type" in table:
        keep &= table["data_type"].isin(list(data_types)).fillna(False).astype(bool)
    if statuses and "status" in table:
        keep &= table["status"].isin(list(statuses)).fillna(False).astype(bool)
    if tags and "tag_names" in table:
        wanted = set(tags)
        keep &= table["tag_names"].map(lambda t: bool(wanted.intersection(t or [])))
    return table[keep].reset_index(drop=True)


def choices(table: pd.DataFrame, column: str) -> list[str]:
    """The distinct non-blank values of a text column, sorted (for filter widgets)."""
    if column not in table:
        return []
    values = table[column].dropna().astype(str)
    return sorted({v for v in values if v.strip()}, key=str.casefold)


def tag_choices(table: pd.DataFrame) -> list[str]:
    if "tag_names" not in table:
        return []
    return sorted({t for tags in table["tag_names"] for t in (tags or [])}, key=str.casefold)


def definitions_export(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a spreadsheet reads it: list columns as their comma-joined text."""
    out = table.copy()
    for column in [c for c in out.columns if f"{c}_text" in out.columns]:
        out[column] = out.pop(f"{column}_text")
    return out
