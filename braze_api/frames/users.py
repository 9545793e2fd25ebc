"""User export objects (`/users/export/ids`, segment export lines) → profile tables.

Braze includes "the least data possible": a missing field means null, false or empty, so
every table here has fixed columns and absent fields become NA / False / no rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from braze_api.fields import ENGAGED_FLAGS, NESTED_FIELDS, SCALAR_FIELDS, TIME_FIELDS, true_keys

from ._coerce import (
    as_dict,
    as_list,
    bool_column,
    dicts,
    frame,
    name_text,
    number_column,
    text,
    text_column,
    time_column,
)

# (column, kind) per nested list; kind: text, time, int, float, bool.
_Spec = Sequence[tuple[str, str]]
_COUNTED: _Spec = (("name", "text"), ("first", "time"), ("last", "time"), ("count", "int"))
_DEVICES: _Spec = (
    ("device_id", "text"),
    ("model", "text"),
    ("os", "text"),
    ("carrier", "text"),
    ("idfv", "text"),
    ("idfa", "text"),
    ("google_ad_id", "text"),
    ("roku_ad_id", "text"),
    ("windows_ad_id", "text"),
    ("ad_tracking_enabled", "bool"),
)
_PUSH_TOKENS: _Spec = (
    ("app", "text"),
    ("platform", "text"),
    ("token", "token"),
    ("device_id", "text"),
    ("notifications_enabled", "bool"),
)
_APPS: _Spec = (
    ("name", "text"),
    ("platform", "text"),
    ("version", "text"),
    ("sessions", "int"),
    ("first_used", "time"),
    ("last_used", "time"),
)
_CAMPAIGNS: _Spec = (
    ("name", "text"),
    ("api_campaign_id", "text"),
    ("last_received", "time"),
    *((flag_name, "bool") for flag_name in ENGAGED_FLAGS),
    ("converted", "bool"),
    ("multiple_converted", "text"),  # the conversion events reached, "A; B"
    ("variation_name", "text"),
    ("variation_api_id", "text"),
    ("in_control", "bool"),
)
_CANVASES: _Spec = (
    ("name", "text"),
    ("api_canvas_id", "text"),
    ("last_received_message", "time"),
    ("last_entered", "time"),
    ("last_exited", "time"),
    ("variation_name", "text"),
    ("in_control", "bool"),
    ("last_entered_control_at", "time"),
    ("steps_received", "count"),
)
_CANVAS_STEPS: _Spec = (
    ("canvas_name", "text"),
    ("api_canvas_id", "text"),
    ("name", "text"),
    ("api_canvas_step_id", "text"),
    ("last_received", "time"),
)
_CARDS: _Spec = (("name", "text"), ("api_card_id", "text"))

#: Scalar profile fields shown in the `attributes` table, in this order.
ATTRIBUTE_FIELDS: tuple[str, ...] = SCALAR_FIELDS
_NESTED = NESTED_FIELDS
#: Tables read from a nested field besides its own: the steps inside each Canvas received.
_EXTRA_TABLES: Mapping[str, tuple[str, ...]] = {"canvases_received": ("canvas_steps_received",)}
#: The scalar fields' table, then one table per nested field (in field order) and its extras.
PROFILE_TABLES: tuple[str, ...] = (
    "attributes",
    *(table for name in NESTED_FIELDS for table in (name, *_EXTRA_TABLES.get(name, ()))),
)
SUMMARY_COLUMNS: tuple[str, ...] = (
    "external_id",
    "braze_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "language",
    "gender",
    "created_at",
    "uninstalled_at",
    "random_bucket",
    "total_revenue",
    "push_subscribe",
    "email_subscribe",
    "custom_events_count",
    "purchases_count",
    "devices_count",
    "apps_count",
    "push_tokens_count",
    "campaigns_received_count",
    "canvases_received_count",
)


def short_token(token: Any) -> str | None:
    """First 6 + "…" + last 4 characters: enough to tell tokens apart, not to reuse one."""
    value = name_text(token)
    if value is None:
        return None
    return value if len(value) <= 12 else f"{value[:6]}…{value[-4:]}"


def _column(kind: str, values: list) -> pd.Series:
    if kind == "time":
        return time_column(values)
    if kind in {"int", "float"}:
        return number_column(values, as_float=kind == "float")
    if kind == "count":
        return number_column([len(as_list(v)) for v in values])
    if kind == "bool":
        return bool_column(values)
    if kind == "token":
        return text_column([short_token(v) for v in values])
    return text_column([name_text(v) for v in values])


def _table(entries: list[dict], spec: _Spec) -> pd.DataFrame:
    """The documented columns in ``spec`` order, then any key Braze added since (kept: a
    number as a number, a flag as a flag, anything else as text), so nothing is dropped."""
    known = {name for name, _ in spec}
    extras = [k for k in dict.fromkeys(str(k) for e in entries for k in e) if k not in known]
    columns = {name: _column(kind, [e.get(name) for e in entries]) for name, kind in spec}
    for name in extras:
        columns[name] = _column(
            _extra_kind([e.get(name) for e in entries]), [e.get(name) for e in entries]
        )
    return frame(columns)


def _extra_kind(values: list) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "float" if any(isinstance(v, float) for v in present) else "int"
    return "text"


def _render(field: str, value: Any) -> str | None:
    if field == "user_aliases":
        aliases = [
            f"{name_text(a.get('alias_label')) or '?'}: {name_text(a.get('alias_name')) or '?'}"
            for a in dicts(value)
        ]
        return ", ".join(aliases) or None
    if field == "last_coordinates" and isinstance(value, list):
        return ", ".join(t for t in (text(v) for v in value) if t) or None
    return text(value)


def _attributes(user: dict) -> pd.DataFrame:
    extras = [k for k in user if k not in ATTRIBUTE_FIELDS and k not in _NESTED]
    fields = [*ATTRIBUTE_FIELDS, *(str(k) for k in extras)]
    return frame(
        {
            "field": text_column(fields),
            "value": text_column([_render(f, user.get(f)) for f in fields]),
        }
    )


def _campaigns(user: dict) -> pd.DataFrame:
    """Engaged flags flattened (documented ones first, any newer ones after, none dropped);
    ``multiple_converted`` as the names of the conversion events reached."""
    entries = []
    for entry in dicts(user.get("campaigns_received")):
        engaged = as_dict(entry.pop("engaged", None))
        converted = entry.get("multiple_converted")
        entries.append({**entry, **engaged, "multiple_converted": true_keys(converted)})
    return _table(entries, _CAMPAIGNS)


def _canvases(user: dict) -> pd.DataFrame:
    return _table(dicts(user.get("canvases_received")), _CANVASES)


def _canvas_steps(user: dict) -> pd.DataFrame:
    entries = [
        {**step, "canvas_name": canvas.get("name"), "api_canvas_id": canvas.get("api_canvas_id")}
        for canvas in dicts(user.get("canvases_received"))
        for step in dicts(canvas.get("steps_received"))
    ]
    return _table(entries, _CANVAS_STEPS)


def user_profile_frames(user: Any) -> dict[str, pd.DataFrame]:
    """One exported user → {table name: frame} for every name in PROFILE_TABLES.

    attributes (field, value), custom_attributes (key, value; nested as compact JSON),
    custom_events / purchases (name, first, last, count), devices, push_tokens (token
    shortened), apps, campaigns_received (engaged flags flattened), canvases_received,
    canvas_steps_received, cards_clicked.
    """
    profile = as_dict(user)
    custom = as_dict(profile.get("custom_attributes"))
    return {
        "attributes": _attributes(profile),
        "custom_attributes": frame(
            {
                "key": text_column([str(k) for k in custom]),
                "value": text_column([text(v) for v in custom.values()]),
            }
        ),
        "custom_events": _table(dicts(profile.get("custom_events")), _COUNTED),
        "purchases": _table(dicts(profile.get("purchases")), _COUNTED),
        "devices": _table(dicts(profile.get("devices")), _DEVICES),
        "push_tokens": _table(dicts(profile.get("push_tokens")), _PUSH_TOKENS),
        "apps": _table(dicts(profile.get("apps")), _APPS),
        "campaigns_received": _campaigns(profile),
        "canvases_received": _canvases(profile),
        "canvas_steps_received": _canvas_steps(profile),
        "cards_clicked": _table(dicts(profile.get("cards_clicked")), _CARDS),
    }


def users_summary_frame(users: Any) -> pd.DataFrame:
    """One row per exported user (list or `{"users": [...]}` body) with the main attributes.

    The *_count columns count list entries (distinct events/products/devices/apps/campaigns).
    """
    if isinstance(users, Mapping):
        users = users.get("users")
    rows = dicts(users)
    out: dict[str, pd.Series] = {}
    for name in SUMMARY_COLUMNS:
        if name.endswith("_count"):
            source = name.removesuffix("_count")
            out[name] = number_column([len(as_list(r.get(source))) for r in rows])
        elif name in TIME_FIELDS:
            out[name] = time_column([r.get(name) for r in rows])
        elif name in ("total_revenue", "random_bucket"):
            out[name] = number_column([r.get(name) for r in rows], as_float=name == "total_revenue")
        else:
            out[name] = text_column([name_text(r.get(name)) for r in rows])
    return frame(out)
