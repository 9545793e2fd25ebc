"""The user profile fields Braze's user exports accept in ``fields_to_export``.

One list for the client's callers, the sandbox and the pages, in a sensible reading order:
the ``fields_to_export`` values Braze documents today (``post_users_identifier.md``,
``post_users_segment.md``, ``post_users_global_control_group.md``); and the kinds of value a
custom attribute holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

#: A JSON value's kind, in JSON's own words (segment exports label custom attributes so).
ValueKind = Literal["null", "boolean", "number", "string", "array", "object"]

#: Scalar profile fields, in reading order.
SCALAR_FIELDS: tuple[str, ...] = (
    "external_id",
    "braze_id",
    "user_aliases",
    "first_name",
    "last_name",
    "email",
    "phone",
    "dob",
    "gender",
    "country",
    "home_city",
    "language",
    "time_zone",
    "last_coordinates",
    "created_at",
    "uninstalled_at",
    "random_bucket",
    "total_revenue",
    "push_subscribe",
    "email_subscribe",
    "attributed_campaign",
    "attributed_source",
    "attributed_adgroup",
    "attributed_ad",
)
#: Fields holding objects or lists (custom attributes, events, purchases, devices, ...).
NESTED_FIELDS: tuple[str, ...] = (
    "custom_attributes",
    "custom_events",
    "purchases",
    "devices",
    "push_tokens",
    "apps",
    "campaigns_received",
    "canvases_received",
    "cards_clicked",
)
EXPORT_FIELDS: tuple[str, ...] = (*SCALAR_FIELDS, *NESTED_FIELDS)

#: What a Global Control Group export offers: its users receive no messages, so Braze's
#: control-group page lists no messaging fields (history, push tokens, subscription states).
CONTROL_GROUP_FIELDS: tuple[str, ...] = tuple(
    f
    for f in EXPORT_FIELDS
    if f
    not in {
        "campaigns_received",
        "canvases_received",
        "cards_clicked",
        "push_tokens",
        "push_subscribe",
        "email_subscribe",
    }
)

#: Fields Braze writes in an export object without offering them in ``fields_to_export``
#: (they come with a requested field: ``push_opted_in_at`` with ``push_subscribe``, ...).
COMPANION_FIELDS: tuple[str, ...] = ("push_opted_in_at",)

#: Fields that hold a date and time (besides those inside nested lists).
TIME_FIELDS: frozenset[str] = frozenset({"created_at", "uninstalled_at", "push_opted_in_at"})

#: The documented flags inside ``campaigns_received[].engaged``.
ENGAGED_FLAGS: tuple[str, ...] = (
    "opened_email",
    "opened_push",
    "clicked_email",
    "clicked_triggered_in_app_message",
)


def true_keys(value: Any) -> str | None:
    """``multiple_converted`` ({"Primary Conversion Event - A": true, ...}) as the names of the
    conversion events that are true, joined by "; "; None when there are none."""
    if not isinstance(value, Mapping):
        return None
    names = [str(k) for k, v in value.items() if v is True]
    return "; ".join(names) or None


def value_kind(value: Any) -> ValueKind:
    """The JSON kind of a decoded value (a bool is a boolean, not a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "string"
