"""Definition lists and details bodies → typed tables, every field kept.

`/events` (custom events with description, status, tags), `/custom_attributes` (type, array
length, status, description, tags) and one-object details bodies (`/segments/details`,
`/feed/details`). Documented columns come first and are always present; keys nobody has
documented yet follow, typed by content. Every list-valued field is a list column plus a
comma-joined `<name>_text`, so tables and CSVs can show it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ._coerce import (
    as_dict,
    as_list,
    bool_column,
    frame,
    list_column,
    number_column,
    text_column,
    time_column,
)

EVENT_COLUMNS: tuple[str, ...] = (
    "name",
    "description",
    "status",
    "included_in_analytics_report",
    "tag_names",
)
ATTRIBUTE_COLUMNS: tuple[str, ...] = (
    "name",
    "data_type",
    "array_length",
    "description",
    "status",
    "tag_names",
)
SEGMENT_DETAIL_COLUMNS: tuple[str, ...] = (
    "name",
    "description",
    "text_description",
    "tags",
    "teams",
    "created_at",
    "updated_at",
)
CARD_DETAIL_COLUMNS: tuple[str, ...] = (
    "name",
    "title",
    "description",
    "tags",
    "created_at",
    "updated_at",
    "publish_at",
    "end_at",
    "image_url",
    "extras",
    "archived",
    "draft",
)
_LISTS = frozenset({"tag_names", "tags", "teams"})
_FLAGS = frozenset({"included_in_analytics_report", "archived", "draft"})
_NUMBERS = frozenset({"array_length"})
_TIMES = frozenset({"publish_at", "end_at"})


def with_unknown(documented: Sequence[str], items: Any) -> list[str]:
    """``documented`` column names, then every other key the list items carry, in order: for
    ``items_frame(items, columns)`` callers that fix the documented columns but keep the rest."""
    names = list(documented)
    for item in as_list(items):
        if isinstance(item, Mapping):
            names.extend(k for k in map(str, item) if k not in names)
    return names


def _column(name: str, values: list) -> pd.Series:
    """Type one column by its documented meaning, else by content."""
    present = [v for v in values if v is not None]
    if name in _LISTS or (present and all(isinstance(v, list | tuple) for v in present)):
        return list_column(values)
    if name in _FLAGS or (present and all(isinstance(v, bool) for v in present)):
        return bool_column(values, absent_false=False)
    if name in _NUMBERS or (
        present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    ):
        return number_column(values)
    if name.endswith("_at") or name in _TIMES:
        return time_column(values)
    return text_column(values)


def _table(rows: list[dict], documented: Sequence[str]) -> pd.DataFrame:
    names = list(documented)
    for row in rows:
        names.extend(k for k in row if k not in names and k != "message")
    out: dict[str, pd.Series] = {}
    for name in names:
        column = _column(name, [row.get(name) for row in rows])
        out[name] = column
        if column.dtype == object:  # a list column: also as text for tables and CSVs
            out[f"{name}_text"] = text_column([", ".join(v) if v else None for v in column])
    return frame(out)


def _rows(body: Any, key: str) -> list[dict]:
    items = body.get(key) if isinstance(body, Mapping) else body
    return [{str(k): v for k, v in i.items()} for i in as_list(items) if isinstance(i, Mapping)]


def custom_events_frame(body: Any) -> pd.DataFrame:
    """`/events` body (or its `events` list) → one row per event (EVENT_COLUMNS first)."""
    return _table(_rows(body, "events"), EVENT_COLUMNS)


def custom_attributes_frame(body: Any) -> pd.DataFrame:
    """`/custom_attributes` body (or its `attributes` list) → one row per attribute."""
    return _table(_rows(body, "attributes"), ATTRIBUTE_COLUMNS)


def details_frame(body: Any, documented: Sequence[str] = SEGMENT_DETAIL_COLUMNS) -> pd.DataFrame:
    """A details body (`/segments/details`, `/feed/details`) → one typed row, every key kept.

    Dates in any form Braze writes (`2020-07-10`, ISO 8601 with an offset or `Z`,
    `2020-07-10 15:00:00.000 UTC`) become UTC timestamps; `extras`-like objects stay JSON text.
    """
    return _table([{str(k): v for k, v in as_dict(body).items()}], documented)
