"""List and details responses → tables (campaign/canvas/segment/card lists, messages, steps)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ._coerce import (
    as_dict,
    as_list,
    bool_column,
    dicts,
    frame,
    list_column,
    name_text,
    num,
    number_column,
    text_column,
    time_column,
)

_LIST_KEYS = ("campaigns", "canvases", "segments", "cards", "events", "products", "users")
_TIME_NAMES = {"first_sent", "last_sent", "first_entry", "last_entry", "publish_at", "end_at"}

MESSAGE_COLUMNS: tuple[str, ...] = (
    "message_variation_id",
    "channel",
    "name",
    "subject",
    "from",
    "reply_to",
    "alert",
    "url",
    "method",
    "type",
    "is_control",
)
BEHAVIOR_COLUMNS: tuple[str, ...] = (
    "letter",
    "type",
    "window_seconds",
    "window_text",
    "product",
    "custom_event_name",
    "app_ids",
)
STEP_COLUMNS: tuple[str, ...] = (
    "step_id",
    "step_name",
    "type",
    "channels",
    "channels_text",
    "next_step_ids",
    "next_paths",
    "next_paths_text",
    "variants",
    "variants_text",
    "depth",
    "message_count",
)
VARIANT_COLUMNS: tuple[str, ...] = (
    "variant_id",
    "variant_name",
    "first_step_ids",
    "first_step_names",
    "step_count",
)


def _joined(values: pd.Series) -> pd.Series:
    return text_column([", ".join(v) if v else None for v in values])


def _auto_column(name: str, values: list) -> pd.Series:
    """Type a list column by name and content; identifiers that look numeric stay text."""
    present = [v for v in values if v is not None]
    if name.endswith("_at") or name in _TIME_NAMES:
        return time_column(values)
    if present and all(isinstance(v, bool) for v in present):
        return bool_column(values)
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return number_column(values)
    if present and all(isinstance(v, list | tuple) for v in present):
        return list_column(values)
    return text_column(values)


def items_frame(
    items: Any, columns: Sequence[str] | None = None, *, extra: bool = False
) -> pd.DataFrame:
    """A list endpoint's items (or the whole body) → one row per item.

    `columns` fixes the columns (missing → null); default is every key seen; with `extra`,
    `columns` lead and every other key seen follows (a field Braze adds is kept). `tags`
    becomes a list column plus a comma-joined `tags_text`. Plain-string items (events,
    products) fill the first column (default `name`).
    """
    if isinstance(items, Mapping):
        body = dict(items)
        key = next((k for k in _LIST_KEYS if isinstance(body.get(k), list)), None)
        if key is None:
            key = next((k for k, v in body.items() if isinstance(v, list)), None)
        items = body.get(key) if key is not None else []
    names = [str(c) for c in columns] if columns is not None else []
    first = names[0] if names else "name"
    rows: list[dict] = []
    for item in as_list(items):
        if isinstance(item, Mapping):
            rows.append({str(k): v for k, v in item.items()})
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            rows.append({first: str(item)})
    if columns is None or extra:
        for row in rows:
            names.extend(k for k in row if k not in names)
        if not names:
            names = [first]
    out: dict[str, pd.Series] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name == "tags":
            out["tags"] = list_column(values)
            out["tags_text"] = _joined(out["tags"])
        else:
            out[name] = _auto_column(name, values)
    return frame(out)


def _messages(details: Any) -> list[tuple[str | None, dict]]:
    messages = as_dict(details).get("messages", details if isinstance(details, list) else None)
    if isinstance(messages, Mapping):
        return [(name_text(k), dict(v)) for k, v in messages.items() if isinstance(v, Mapping)]
    return [(name_text(m.get("message_variation_id") or m.get("id")), m) for m in dicts(messages)]


def campaign_messages_frame(details: Any) -> pd.DataFrame:
    """`/campaigns/details` messages → one row per message variation (missing fields None).

    MESSAGE_COLUMNS first, then every other field any message has (channel-specific ones
    such as title, body, preheader, template_name, buttons), typed by content.
    """
    pairs = _messages(details)
    out: dict[str, pd.Series] = {"message_variation_id": text_column([k for k, _ in pairs])}
    for name in MESSAGE_COLUMNS[1:-1]:
        out[name] = text_column([name_text(m.get(name)) for _, m in pairs])
    out["is_control"] = bool_column(
        [
            str(m.get("type") or "").lower() == "control"
            or "control" in str(name_text(m.get("name")) or "").lower()
            for _, m in pairs
        ]
    )
    extra = [k for k in dict.fromkeys(str(k) for _, m in pairs for k in m) if k not in out]
    for name in extra:
        out[name] = _auto_column(name, [m.get(name) for _, m in pairs])
    return frame(out)


def variation_names(details: Any) -> dict[str, str]:
    """`/campaigns/details` messages → {variation id: its dashboard name} (a control without
    a name is "Control"); ids without a name are left out."""
    out: dict[str, str] = {}
    for variation_id, message in _messages(details):
        name = name_text(message.get("name"))
        if not name and str(message.get("type") or "").lower() == "control":
            name = "Control"
        if variation_id and name:
            out[variation_id] = name
    return out


def window_text(seconds: Any) -> str | None:
    """86400 → "24 hours", 259200 → "3 days", 1800 → "30 minutes" (largest exact unit)."""
    value = num(seconds)
    if value is None or value < 0 or not float(value).is_integer():
        return None
    value = int(value)
    units = ((86400, "day"), (3600, "hour"), (60, "minute"))
    for size, unit in units:
        if value and value % size == 0 and (unit != "day" or value > 86400):
            count = value // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{value} second{'' if value == 1 else 's'}"


def _letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else f"#{index + 1}"


def conversion_behaviors_frame(details: Any) -> pd.DataFrame:
    """Conversion events A, B, C, D… in order with their window in seconds and as text."""
    behaviors = dicts(as_dict(details).get("conversion_behaviors"))
    return frame(
        {
            "letter": text_column([_letter(i) for i in range(len(behaviors))]),
            "type": text_column([name_text(b.get("type")) for b in behaviors]),
            "window_seconds": number_column([b.get("window") for b in behaviors]),
            "window_text": text_column([window_text(b.get("window")) for b in behaviors]),
            "product": text_column([name_text(b.get("product")) for b in behaviors]),
            "custom_event_name": text_column(
                [name_text(b.get("custom_event_name")) for b in behaviors]
            ),
            "app_ids": list_column([b.get("app_ids") for b in behaviors]),
        }
    )


def _variants(details: Any) -> list[tuple[str | None, str, list[str]]]:
    """(variant id, display name, first step ids) for each variant in details."""
    out = []
    for i, variant in enumerate(dicts(as_dict(details).get("variants"))):
        ids = [t for t in (name_text(x) for x in as_list(variant.get("first_step_ids"))) if t]
        single = name_text(variant.get("first_step_id"))
        if single and single not in ids:
            ids.append(single)
        variant_id = name_text(variant.get("id") or variant.get("api_id"))
        label = name_text(variant.get("name")) or variant_id or f"Variant {i + 1}"
        out.append((variant_id, label, ids))
    return out


def _steps(details: Any) -> list[dict]:
    return dicts(as_dict(details).get("steps"))


def _paths(step: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """A step's `next_paths` as (path name or None, next step id), in Braze's order."""
    out = []
    for path in dicts(step.get("next_paths")):
        target = name_text(path.get("next_step_id"))
        if target:
            out.append((name_text(path.get("name")), target))
    return out


def _next_ids(step: Mapping[str, Any]) -> list[str]:
    """Every next step: `next_step_ids` (message steps only list message steps there), then
    any `next_paths` target not already named."""
    ids = [t for t in (name_text(x) for x in as_list(step.get("next_step_ids"))) if t]
    ids += [t for _, t in _paths(step) if t not in ids]
    return list(dict.fromkeys(ids))


def _paths_text(step: Mapping[str, Any], names: Mapping[str | None, str | None]) -> str | None:
    """ "Yes → Step 3; No → Step 5" (unnamed paths show only the next step)."""
    parts = []
    for label, target in _paths(step):
        shown = names.get(target) or target
        parts.append(f"{label} → {shown}" if label else f"→ {shown}")
    return "; ".join(parts) or None


def _reach(details: Any) -> tuple[dict[str, int], dict[str, list[str]]]:
    """BFS from every variant's first steps: min depth per step and the variants reaching it."""
    graph = {}
    for step in _steps(details):
        step_id = name_text(step.get("id"))
        if step_id:
            graph[step_id] = _next_ids(step)
    depth: dict[str, int] = {}
    reached_by: dict[str, list[str]] = {}
    for _, label, first_ids in _variants(details):
        seen = {s: 0 for s in first_ids}
        queue = deque(first_ids)
        while queue:
            current = queue.popleft()
            for nxt in graph.get(current, []):
                if nxt not in seen:
                    seen[nxt] = seen[current] + 1
                    queue.append(nxt)
        for step_id, d in seen.items():
            depth[step_id] = min(d, depth.get(step_id, d))
            if label not in reached_by.setdefault(step_id, []):
                reached_by[step_id].append(label)
    return depth, reached_by


def canvas_steps_frame(details: Any) -> pd.DataFrame:
    """`/canvas/details` steps → id, name, channels, next steps, reaching variants, BFS depth.

    depth is the fewest transitions from any variant's first step (NA when unreachable).
    """
    steps = _steps(details)
    depth, reached_by = _reach(details)
    ids = [name_text(s.get("id")) for s in steps]
    names = {i: name_text(s.get("name")) for i, s in zip(ids, steps, strict=True)}
    channels = list_column([s.get("channels") for s in steps])
    variants = list_column([reached_by.get(i, []) if i else [] for i in ids])
    return frame(
        {
            "step_id": text_column(ids),
            "step_name": text_column([name_text(s.get("name")) for s in steps]),
            "type": text_column([name_text(s.get("type")) for s in steps]),
            "channels": channels,
            "channels_text": _joined(channels),
            "next_step_ids": list_column([_next_ids(s) for s in steps]),
            "next_paths": pd.Series(
                [[{"name": n, "next_step_id": t} for n, t in _paths(s)] for s in steps],
                dtype="object",
            ),
            "next_paths_text": text_column([_paths_text(s, names) for s in steps]),
            "variants": variants,
            "variants_text": _joined(variants),
            "depth": number_column([depth.get(i) if i else None for i in ids]),
            "message_count": number_column([len(as_dict(s.get("messages"))) for s in steps]),
        }
    )


def canvas_variants_frame(details: Any) -> pd.DataFrame:
    """`/canvas/details` variants → id, name, first step ids/names, reachable step count."""
    variants = _variants(details)
    names = {name_text(s.get("id")): name_text(s.get("name")) for s in _steps(details)}
    _, reached_by = _reach(details)
    counts = [
        sum(1 for step_id, labels in reached_by.items() if step_id in names and label in labels)
        for _, label, _ in variants
    ]
    return frame(
        {
            "variant_id": text_column([v for v, _, _ in variants]),
            "variant_name": text_column([label for _, label, _ in variants]),
            "first_step_ids": list_column([ids for _, _, ids in variants]),
            "first_step_names": list_column(
                [[names.get(i) or i for i in ids] for _, _, ids in variants]
            ),
            "step_count": number_column(counts),
        }
    )
